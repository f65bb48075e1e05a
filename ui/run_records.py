"""Lightweight records of the session's runs, for the Runs panel and the overlays.

A record keeps what a comparison needs — the configuration, a copy of the History, the
seconds trained, the status, the store key and a colour — and never the weights: the
weights live in the model store (and in the few models a session keeps, see
``ui.state.MAX_KEPT_MODELS``), so a lecture with dozens of runs holds dozens of small
histories. A run keeps its colour on every page, and in the store, so after a reload too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from aecore.history import History
from aecore.training import TrainingRun
from ui import state

RECORDS_KEY = "ae_run_records"  # list[RunRecord], oldest first
COLOUR_KEY = "ae_next_colour"


@dataclass
class RunRecord:
    rid: int
    config: dict[str, Any]
    dataset: str
    n_train: int
    history: History = field(default_factory=History)
    seconds: float = 0.0
    status: str = "idle"
    store_key: str | None = None
    colour: int = 0


def records() -> list[RunRecord]:
    return st.session_state.setdefault(RECORDS_KEY, [])


def next_colour() -> int:
    from ui.store_index import PALETTE

    n = st.session_state.get(COLOUR_KEY, 0)
    st.session_state[COLOUR_KEY] = n + 1
    return n % len(PALETTE)


def record_for(run: TrainingRun) -> RunRecord:
    """The run's record (made, with the next colour, the first time a run is seen)."""
    rec = getattr(run, "ui_record", None)
    if rec is None:
        colour = getattr(run, "ui_colour", None)
        rec = RunRecord(rid=len(records()) + 1, config=dict(run.config), dataset=state.run_dataset_key(run),
                        n_train=len(run.dataset.x_train), colour=next_colour() if colour is None else colour)
        run.ui_record = rec
        records().append(rec)
    return rec


def update(run: TrainingRun, store_key: str | None = None) -> RunRecord:
    """Bring the run's record up to date (its curves, time, status, and store key once saved)."""
    rec = record_for(run)
    saved = getattr(run, "ui_store_key", None)
    if store_key is None and saved is not None and saved[1] == len(run.history.epoch) and rec.store_key:
        # saved as it is now: the record stays what was saved (a later learning-rate change in
        # the form applies to the model for its next epochs, not to what it was trained with)
        return rec
    snap = run.snapshot()
    rec.config = dict(run.config)
    rec.history = snap.history
    rec.seconds = float(snap.progress.elapsed)
    rec.status = snap.status
    if store_key is not None:
        rec.store_key = store_key
    return rec


def entry_colours(entries: list, fallback: tuple[str, ...]) -> list[str]:
    """The colours the Runs panel gives these models (a run keeps its colour on every page);
    ``fallback`` when a model has none (an upload) or two would share one."""
    from ui.store_index import colour, colour_index, stored_models

    stored = None
    out: list[str | None] = []
    for e in entries:
        c = None
        key = getattr(e, "store_key", None)
        if e.source == "live":
            run = state.current_run()
            rec = getattr(run, "ui_record", None) if run is not None else None
            c = rec.colour if rec is not None else None
        if c is None and key:
            c = next((r.colour for r in records() if r.store_key == key), None)
            if c is None:
                stored = stored if stored is not None else {m.key: m for m in stored_models()}
                m = stored.get(key)
                c = colour_index(key, m.meta) if m is not None else None
        out.append(colour(c) if c is not None else None)
    if None in out or len(set(out)) < len(out):
        return [fallback[i % len(fallback)] for i in range(len(entries))]
    return [str(c) for c in out]
