"""Per-session state shared by every page: the dataset choice, the live run, trained models.

Everything here lives in ``st.session_state``, so two browser sessions never see each
other's runs. Pages read and change it only through these helpers.

Every model a page can pick has a label that is unique in the session and says what was
trained: the variant, each setting that differs from the variant's recipe, and the epochs
("conv · filters 32-16-16 · 5 ep"). The session's model list is keyed by that label, so
two runs that differ in anything are two entries; two runs that differ in nothing (the
same settings trained twice) get a numbered suffix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from aecore.data import DEFAULT_DATASET, Dataset
from aecore.inference import check_fits, is_finite_model
from aecore.models import Models
from aecore.training import FINISHED, PAUSED, RUNNING, STOPPED, History, TrainingRun
from aecore.variants import VARIANTS, resolve_config
from ui import datasets

RUN_KEY = "ae_run"  # the TrainingRun the Train page drives
MODELS_KEY = "ae_models"  # label -> ModelEntry: every model this session trained or loaded
DATASET_KEY = "ae_dataset"  # the dataset name (or path under the data root) in use
MAX_KEPT_MODELS = 6  # older entries are dropped so a long lecture does not grow memory
LIVE_PREFIX = "Current run: "


@dataclass
class ModelEntry:
    """A trained model any page can use."""

    label: str
    models: Models
    config: dict[str, Any]
    dataset: str
    history: History = field(default_factory=History)
    source: str = "trained"  # "trained", "store", "live", "upload"
    finite: bool | None = field(default=None, repr=False)  # weights checked once (kept entries never change)
    store_key: str | None = None  # its model store entry, once saved (the store lists it once, as this)

    @property
    def code_size(self) -> int:
        return self.models.code_size

    def is_finite(self) -> bool:
        """True when every weight is finite; a diverged model (NaN weights) is never offered."""
        if self.finite is None:
            self.finite = is_finite_model(self.models)
        return self.finite


# ---------------------------------------------------------------------------- the dataset
def dataset_name() -> str:
    return st.session_state.get(DATASET_KEY, DEFAULT_DATASET)


def set_dataset_name(name: str) -> None:
    st.session_state[DATASET_KEY] = name


def current_dataset() -> Dataset:
    """The session's dataset (full, cached per process). Raises ValueError for bad paths."""
    return datasets.dataset(dataset_name())


# ---------------------------------------------------------------------------- the live run
def current_run() -> TrainingRun | None:
    return st.session_state.get(RUN_KEY)


def set_run(run: TrainingRun | None) -> None:
    old = st.session_state.get(RUN_KEY)
    if old is not None and old is not run and old.is_active:
        old.stop()
    st.session_state[RUN_KEY] = run


def tag_dataset(run: TrainingRun, key: str) -> None:
    """Note the name or data-root path the run's data was loaded from (its ``dataset.name``
    is only the folder's name), so other pages load the same images for its model."""
    run.ui_dataset_key = key


def run_dataset_key(run: TrainingRun) -> str:
    """The name or data-root path the run's data was loaded from (what ``datasets.dataset`` takes)."""
    return getattr(run, "ui_dataset_key", run.dataset.name)


def is_training() -> bool:
    run = current_run()
    return run is not None and run.status in (RUNNING, PAUSED)


# ---------------------------------------------------------------------------- labels
#: the order settings are named in a label: the network's shape first, then its training
LABEL_ORDER = ("hidden", "filters", "code_dim", "activation", "code_activation", "output_activation", "l1",
               "loss", "optimizer", "learning_rate", "batch_size", "scaling", "noise_factor", "noise_kind",
               "seed")


def _setting(name: str, value: Any) -> str:
    """One setting in a few words: "filters 32-16-16", "code 2", "lr 0.01", "tanh output"."""
    if name in ("hidden", "filters"):
        return f"{name} {'-'.join(str(v) for v in value)}" if value else f"no {name} layers"
    words = {"code_dim": "code {}", "learning_rate": "lr {:g}", "batch_size": "batch {}", "l1": "L1 {:g}",
             "noise_factor": "noise {:g}", "seed": "seed {}", "activation": "{} activation",
             "code_activation": "{} code", "output_activation": "{} output", "scaling": "{} inputs",
             "noise_kind": "{} noise", "loss": "{} loss", "optimizer": "{}"}
    template = words.get(name, name + " {}")
    try:
        return template.format(value)
    except (TypeError, ValueError):  # a value of an unexpected type (an old or foreign config)
        return f"{name} {value}"


def model_label(config: dict[str, Any], epochs: int) -> str:
    """The variant, every setting that differs from its recipe, and the epochs trained."""
    variant = str(config.get("variant", "model"))
    try:
        recipe = resolve_config(variant) if variant in VARIANTS else {}
    except ValueError:
        recipe = {}
    bits = [variant]
    for name in LABEL_ORDER:
        if name in config and (not recipe or config[name] != recipe.get(name)):
            bits.append(_setting(name, config[name]))
    bits.append(f"{epochs} ep")
    return " · ".join(bits)


def run_label(run: TrainingRun) -> str:
    """The label of a run's model as it is now."""
    return model_label(run.config, len(run.history.epoch))


# ---------------------------------------------------------------------------- kept models
def remember(entry: ModelEntry) -> ModelEntry:
    """Keep a model for the other pages (newest last, bounded) and return it as kept.

    A model is listed once: a newer entry for the same Keras models (a run saved again
    after more epochs) replaces the older one. A different model whose label is taken
    gets the first free "(2)", "(3)", ... suffix, so no model ever hides another.
    """
    kept: dict[str, ModelEntry] = st.session_state.setdefault(MODELS_KEY, {})
    for label in [k for k, e in kept.items() if e.models is entry.models]:
        del kept[label]
    base, n = entry.label, 2
    while entry.label in kept:
        entry.label = f"{base} ({n})"
        n += 1
    kept[entry.label] = entry
    while len(kept) > MAX_KEPT_MODELS:
        kept.pop(next(iter(kept)))
    return entry


def _live_entry(run: TrainingRun) -> ModelEntry | None:
    """The current run as a model a page can use, when it holds one (even mid-training)."""
    if not (run.history.epoch or run.status in (RUNNING, PAUSED, FINISHED, STOPPED)):
        return None
    label = LIVE_PREFIX + run_label(run)
    entry = ModelEntry(label, run.models, run.config, run.dataset.name, run.history, "live", finite=True)
    saved = getattr(run, "ui_store_key", None)  # (key, epochs) of its last save
    if saved is not None and saved[1] == len(run.history.epoch):
        entry.store_key = saved[0]
    if run.status != RUNNING:
        # Weights that no longer move are checked once per state; a running model is left to
        # the run, which fails (and stops) at the first NaN loss.
        state = (run.status, len(run.history.trace_x), len(run.history.epoch))
        checked = getattr(run, "ui_finite", None)
        if checked is None or checked[0] != state:
            run.ui_finite = (state, is_finite_model(run.models))
        entry.finite = run.ui_finite[1]
    return entry


def _all_models() -> dict[str, ModelEntry]:
    out: dict[str, ModelEntry] = {}
    run = current_run()
    live = _live_entry(run) if run is not None else None
    if live is not None:
        out[live.label] = live
    kept = st.session_state.get(MODELS_KEY, {})
    for label, entry in kept.items():
        # a finished run is also kept under its own label: list the model once
        if run is None or entry.models is not run.models:
            out[label] = entry
    # then every model in the store the session does not hold already (saved by the CLI, another
    # tab, or before a reload), newest first; their weights load when a page uses one
    from ui.store_index import stored_entries  # the index labels its entries with model_label

    mine = {e.store_key for e in (*kept.values(), *([live] if live is not None else [])) if e.store_key}
    for entry in stored_entries(mine):
        out.setdefault(entry.label, entry)
    return out


def models_available() -> dict[str, ModelEntry]:
    """Every model a page can show: the live run (even mid-training) and those kept.

    A model whose weights went NaN or infinite (a diverged run) is left out: it draws
    blank images and every score of it is meaningless. :func:`diverged_models` lists them.
    """
    return {label: e for label, e in _all_models().items() if e.is_finite()}


def diverged_models() -> list[str]:
    """Labels of the session's models that are not offered because their training diverged."""
    return [label for label, e in _all_models().items() if not e.is_finite()]


def entry_dataset(entry: ModelEntry) -> Dataset:
    """The dataset a model was trained on, for showing its test images.

    The live run's own copy when the entry is the current run (its test set is whole),
    else the dataset cached under the entry's name or data-root path. Raises ValueError
    when it cannot be loaded or its images do not fit the model.
    """
    run = current_run()
    if run is not None and run.models is entry.models:
        ds = run.dataset
    else:
        try:
            ds = datasets.dataset(entry.dataset)
        except ValueError as exc:
            raise ValueError(
                f"the dataset this model was trained on ({entry.dataset}) cannot be loaded: {exc}"
            ) from None
    check_fits(entry.models, ds.image_shape, f"the dataset {ds.name}")
    return ds


def forget_stored(store_key: str) -> None:
    """Stop listing the session's copy of a stored model that is being forgotten."""
    kept: dict[str, ModelEntry] = st.session_state.get(MODELS_KEY, {})
    for label in [k for k, e in kept.items() if e.store_key == store_key]:
        del kept[label]
