"""Keeping finished runs: in the session's model list for the other pages, and in the
model store (:mod:`aecore.store`) for "Use pretrained", a reload or another tab.

:func:`finalize` is cheap when there is nothing to do, so every page render calls it
(``app.py`` does, before the page): a run that finished while its student was on another
page is kept without a visit to Train.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from aecore.data import Dataset
from aecore.store import ModelStore
from aecore.training import FINISHED, STOPPED, TrainingRun
from ui import autosave, state, sweep_panel

SAVED_KEY = "ae_saved"  # (run, epochs) of the last run saved to the store and remembered


def store() -> ModelStore:
    """The model store (``AECORE_STORE_DIR`` is read each time, so tests can redirect it)."""
    return ModelStore()


def store_config(run: TrainingRun) -> dict[str, Any]:
    """The configuration a run is saved under: its settings with the epochs it really trained."""
    return dict(run.config, epochs=len(run.history.epoch))


def pretrained_available(config: dict[str, Any], data: Dataset, n_train: int) -> bool:
    """True when the store holds a model trained with exactly these settings and data."""
    try:
        return store().has(config, data.name, min(n_train, len(data.x_train)), data.image_shape)
    except (OSError, ValueError):
        return False


def keep(run: TrainingRun, source: str) -> state.ModelEntry:
    """Put the run's model in the session's model list, as saved at its current epoch."""
    st.session_state[SAVED_KEY] = (run, len(run.history.epoch))
    return state.remember(state.ModelEntry(state.run_label(run), run.models, dict(run.config),
                                           state.run_dataset_key(run), run.history.copy(), source,
                                           store_key=autosave.saved_key(run)))


def finalize(run: TrainingRun | None = None) -> str | None:
    """Save a finished (or stopped, with at least one epoch) run to the store once and keep
    it for the other pages. Returns a message for the page, or None when nothing happened.
    """
    if run is None:
        sweep_panel.collect()  # a sweep's runs are saved as they end, whichever page is open
    run = run if run is not None else state.current_run()
    if run is None or run.status not in (FINISHED, STOPPED) or not run.history.epoch:
        return None
    saved = st.session_state.get(SAVED_KEY)
    if saved is not None and saved[0] is run and saved[1] == len(run.history.epoch):
        return None
    key, problem = autosave.save_once(run)  # the one store write, shared with the sweep queue
    keep(run, "trained").store_key = key
    return problem
