"""The Train page's run lifecycle: what a click does to the session's ``TrainingRun``.

A new run replaces the current one only after the current one's trained model is kept;
learning-rate and epoch changes apply to the running model, any other change asks for a
new one; a stored model becomes a finished run at once. The page draws the buttons; what
they decide lives here so it can be read and tested in one place.
"""

from __future__ import annotations

from typing import Any

from aecore.data import Dataset
from aecore.training import FAILED, RUNNING, TrainingRun
from aecore.variants import ARCHITECTURE_KEYS, architecture_changed
from ui import autosave, saving, state
from ui.datasets import training_data
from ui.keras_guard import protect_keras_session

LIVE_PARAMS = ("learning_rate", "epochs", "schedule", "patience")  # changes that apply to the model as it is


def has_model(run: TrainingRun | None) -> bool:
    """True when the run holds something worth keeping (trained epochs or training now)."""
    return run is not None and (run.is_active or bool(run.history.epoch))


def pending_changes(run: TrainingRun | None, config: dict[str, Any], data: Dataset,
                    n_train: int) -> list[str]:
    """Settings that differ from the run's and need a new model (learning rate and epochs
    are applied to the running model instead)."""
    if run is None:
        return []
    changed = architecture_changed(run.config, config)
    if changed == ["variant"]:
        return changed
    changed += [k for k in config if k not in ARCHITECTURE_KEYS and k not in LIVE_PARAMS
                and k != "variant" and config[k] != run.config.get(k)]
    if data.name != run.dataset.name or data.image_shape != run.dataset.image_shape:
        changed.append("dataset")
    elif min(n_train, len(data.x_train)) != len(run.dataset.x_train):
        changed.append("training-set size")
    return changed


def sync_live(run: TrainingRun | None, config: dict[str, Any]) -> list[str]:
    """Apply a learning-rate or epochs change to the run; return what changed (for a toast)."""
    if run is None or run.status == FAILED:
        return []
    notes = []
    if float(config["learning_rate"]) != float(run.config["learning_rate"]):
        run.set_learning_rate(config["learning_rate"])
        notes.append(f"learning rate is now {config['learning_rate']:g}"
                     + (" (from the next batch)" if run.is_active else ""))
    if int(config["epochs"]) != int(run.config["epochs"]):
        run.set_epochs(config["epochs"])
        notes.append(f"epochs set to {config['epochs']}" + (" (applies at the next start)" if run.is_active else ""))
    if config.get("schedule", "none") != run.config.get("schedule", "none"):
        run.set_schedule(config["schedule"])
        notes.append(f"learning-rate schedule is now {config['schedule']}"
                     + (" (from the next batch)" if run.is_active else ""))
    if int(config.get("patience", 0)) != int(run.config.get("patience", 0)):
        run.set_patience(config["patience"])
        notes.append("early stopping is off" if not config["patience"] else
                     f"early stopping after {config['patience']} epochs without a better validation loss")
    return notes


def new_run(config: dict[str, Any], full: Dataset, n_train: int, key: str) -> TrainingRun:
    """A fresh (idle) run for the settings, made the session's current run."""
    protect_keras_session()
    run = TrainingRun(config, training_data(full, n_train, int(config["seed"])))
    _make_current(run, key)
    return run


def load_pretrained(config: dict[str, Any], full: Dataset, n_train: int, key: str) -> TrainingRun:
    """Make the stored model for these settings the current (finished) run."""
    protect_keras_session()
    data = training_data(full, n_train, int(config["seed"]))
    s = saving.store()
    loaded = s.get(config, data.name, len(data.x_train), data.image_shape)
    if loaded is None:
        problem = s.problems[-1] if s.problems else "it is no longer in the store"
        raise ValueError(f"the pretrained model could not be loaded: {problem}")
    run = TrainingRun(loaded.config or config, data, models=loaded.models, history=loaded.history)
    _make_current(run, key)
    autosave.mark_saved(run, loaded.meta.get("key") or saving.store().key(config, data.name, len(data.x_train),
                                                                          data.image_shape))
    saving.keep(run, "store")
    return run


def _make_current(run: TrainingRun, key: str) -> None:
    state.tag_dataset(run, key)
    keep_previous()
    state.set_run(run)


def keep_previous() -> None:
    """Before the current run is replaced: make sure a trained model is not lost."""
    old = state.current_run()
    if old is not None and old.history.epoch and old.status != FAILED:
        old.stop()
        old.join(timeout=30)
        saving.finalize(old)


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "…"
    s = int(round(s))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def progress_text(snap) -> str:
    """"Epoch 2 of 5 · batch 10/32 · ETA 4 s · 3,000 samples/s · 6 s elapsed"."""
    p = snap.progress
    bits = [f"Epoch {min(p.epoch + (1 if snap.status == RUNNING and p.batch else 0), max(p.epochs, 1))} of {p.epochs}"]
    if p.steps_per_epoch and snap.status == RUNNING:
        bits.append(f"batch {p.batch}/{p.steps_per_epoch}")
    if snap.status == RUNNING:
        bits.append(f"ETA {fmt_seconds(p.eta)}")
    if p.samples_per_s:
        bits.append(f"{p.samples_per_s:,.0f} samples/s")
    bits.append(f"{fmt_seconds(p.elapsed)} elapsed")
    return " · ".join(bits)
