"""Saving a run to the model store once per state: shared by the Save path of
:func:`ui.saving.finalize` (every page render) and the sweep queue, so a run that both
finish and a queue see is written once, as one entry.

The store is keyed by a hash of the configuration (with the epochs really trained), the
dataset and the training-set size: two runs with identical settings share one entry, the
later replacing the earlier.
"""

from __future__ import annotations

from aecore.store import ModelStore, StoreError
from aecore.training import FINISHED, STOPPED, TrainingRun
from ui import run_records


def saveable(run: TrainingRun | None) -> bool:
    """A finished or stopped run with at least one epoch trained."""
    return run is not None and run.status in (FINISHED, STOPPED) and bool(run.history.epoch)


def saved_key(run: TrainingRun) -> str | None:
    """The store key of the run as it is now, when it has been saved at its current epoch."""
    done = getattr(run, "ui_store_key", None)
    return done[0] if done is not None and done[1] == len(run.history.epoch) else None


def mark_saved(run: TrainingRun, key: str) -> None:
    """Note that the run, as it is now, is the store entry ``key`` (e.g. loaded from it)."""
    run.ui_store_key = (key, len(run.history.epoch))
    run_records.update(run, key)


def save_once(run: TrainingRun) -> tuple[str | None, str | None]:
    """Save the run to the store unless it is saved at its current epoch already.

    Returns ``(store key or None, a message for the page when saving failed)``. The entry
    carries the run's seconds, status and colour, so the Runs panel shows them after a reload.
    """
    key = saved_key(run)
    if key is not None or not saveable(run):
        return key, None
    rec = run_records.update(run)
    extra = {"seconds": round(rec.seconds, 2), "status": rec.status, "colour": rec.colour}
    try:
        extra["code_size"] = int(run.models.code_size)
        key = ModelStore().save(run.models, dict(run.config, epochs=len(run.history.epoch)), run.history,
                                dataset=run.dataset.name, n_train=len(run.dataset.x_train),
                                image_shape=run.dataset.image_shape, extra=extra)
    except (OSError, StoreError, ValueError) as exc:
        return None, f"The model is kept for this session but could not be saved to the model store: {exc}"
    mark_saved(run, key)
    return key, None
