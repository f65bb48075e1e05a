"""Per-session state shared by every page: the dataset choice, the live run, trained models.

Everything here lives in ``st.session_state``, so two browser sessions never see each
other's runs. Pages read and change it only through these helpers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from aecore.data import DEFAULT_DATASET, Dataset
from aecore.inference import check_fits
from aecore.models import Models
from aecore.training import FINISHED, PAUSED, RUNNING, STOPPED, History, TrainingRun
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

    @property
    def code_size(self) -> int:
        return self.models.code_size


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
def run_label(run: TrainingRun) -> str:
    c = run.config
    shape = c.get("hidden") if "hidden" in c else c.get("filters")
    arch = "-".join(str(s) for s in shape) if shape else ""
    code = f"code {c['code_dim']}" if "code_dim" in c else f"filters {arch}"
    bits = [c["variant"], code if "code_dim" in c else "", f"{arch}" if "code_dim" in c and arch else ""]
    return " · ".join(b for b in bits if b) + f" · {len(run.history.epoch)} ep"


# ---------------------------------------------------------------------------- kept models
def remember(entry: ModelEntry) -> ModelEntry:
    """Keep a model for the other pages (newest last, bounded) and return it."""
    kept: dict[str, ModelEntry] = st.session_state.setdefault(MODELS_KEY, {})
    kept.pop(entry.label, None)
    kept[entry.label] = entry
    while len(kept) > MAX_KEPT_MODELS:
        kept.pop(next(iter(kept)))
    return entry


def models_available() -> dict[str, ModelEntry]:
    """Every model a page can show: the live run (even mid-training) and those kept."""
    out: dict[str, ModelEntry] = {}
    run = current_run()
    if run is not None and (run.history.epoch or run.status in (RUNNING, PAUSED, FINISHED, STOPPED)):
        label = LIVE_PREFIX + run_label(run)
        out[label] = ModelEntry(label, run.models, run.config, run.dataset.name, run.history, "live")
    for label, entry in st.session_state.get(MODELS_KEY, {}).items():
        # a finished run is also kept under its own label: list the model once
        if run is None or entry.models is not run.models:
            out[label] = entry
    return out


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
