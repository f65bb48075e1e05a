"""The Train page's Runs panel: this session's runs and the stored ones side by side.

A table (variant, the hyperparameters that differ between the selected runs, final train
and validation loss, epochs, seconds, status) and an overlay of the selected runs' loss
curves, each run in the colour it keeps everywhere. The live run is in both while it
trains (the panel redraws itself every second then). Two selected runs open in Denoise's
side-by-side comparison; a stored run can be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from aecore.history import History
from aecore.training import PAUSED, RUNNING
from aecore.variants import PARAMS
from ui import page_memory as memory
from ui import plots, run_records, state, store_index, sweep_panel

SELECTED, XAXIS, LOG, AUTO = "runs_selected", "runs_x", "runs_log", "runs_auto"
DENOISE_MODEL, DENOISE_COMPARE, DENOISE_KEPT = "dn_model", "dn_compare", "dn_kept"
REFRESH_S = 1.0
#: configuration keys never shown as "what differs" (the same for every run, or shown elsewhere)
NOT_PARAMS = ("variant", "epochs")


@dataclass
class Row:
    """One run in the panel, from the session or from the store."""

    rid: str
    name: str
    colour: int
    config: dict[str, Any]
    dataset: str
    history: History = field(default_factory=History)
    seconds: float | None = None
    status: str = ""
    store_key: str | None = None
    source: str = "session"  # "session" or "stored"


def _final(values) -> float | None:
    return store_index._final(list(values))


def rows() -> list[Row]:
    """The live run, the session's runs (newest first), then the stored ones (newest first)."""
    sweep_panel.collect()
    run = state.current_run()
    if run is not None and (run.history.epoch or run.status in (RUNNING, PAUSED)):
        run_records.update(run)
    out, mine = [], set()
    for rec in reversed(run_records.records()):
        if not rec.history.epoch and rec.status not in (RUNNING, PAUSED):
            continue
        epochs = len(rec.history.epoch)
        out.append(Row(f"s{rec.rid}", f"run {rec.rid}: {state.model_label(rec.config, epochs)}",
                       rec.colour, rec.config, rec.dataset, rec.history, rec.seconds, rec.status, rec.store_key))
        if rec.store_key:
            mine.add(rec.store_key)
    for m in store_index.stored_models():
        if m.key in mine:
            continue
        seconds = m.meta.get("seconds")
        out.append(Row(f"k{m.key}", m.label, m.colour, m.config, m.dataset, m.history,
                       float(seconds) if isinstance(seconds, (int, float)) else None,
                       str(m.meta.get("status", "stored")), m.key, "stored"))
    return out


def differing(configs: list[dict[str, Any]]) -> list[str]:
    """The hyperparameters whose values are not all the same across ``configs``."""
    names = [n for n in PARAMS if n not in NOT_PARAMS]
    return [n for n in names if len({repr(c.get(n)) for c in configs}) > 1]


def _value(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "-".join(str(x) for x in v) or "none"
    if isinstance(v, float):
        return f"{v:g}"
    return "" if v is None else str(v)


def table(all_rows: list[Row], selected: list[Row]) -> list[dict[str, Any]]:
    """The panel's table: one dict per run; the parameter columns are those that differ
    between the selected runs (between all runs when fewer than two are selected)."""
    params = differing([r.config for r in (selected if len(selected) >= 2 else all_rows)])
    out = []
    for r in all_rows:
        out.append({
            "colour": store_index.colour(r.colour),
            "run": r.name,
            "variant": r.config.get("variant", "?"),
            **{p: _value(r.config.get(p)) for p in params},
            "train loss": plots.fmt_number(_final(r.history.loss)),
            "validation loss": plots.fmt_number(_final(r.history.val_loss)),
            "epochs": len(r.history.epoch),
            "seconds": None if r.seconds is None else round(r.seconds, 1),
            "status": r.status,
            "dataset": r.dataset,
            "selected": r in selected,
        })
    return out


def _swatches(rows: list[dict[str, Any]]):
    """The table with each run's colour filling its first cell (the colour of its curves)."""
    import pandas as pd

    df = pd.DataFrame(rows)
    return df.style.map(lambda c: f"background-color: {c}; color: {c}", subset=["colour"])


def picker_label(row: Row) -> str | None:
    """The label the model pickers (Denoise, Latent space, …) give this run's model."""
    available = state.models_available()
    for label, e in available.items():
        if row.store_key and getattr(e, "store_key", None) == row.store_key:
            return label
    if row.source == "session":
        run = state.current_run()
        rec = getattr(run, "ui_record", None) if run is not None else None
        if rec is not None and f"s{rec.rid}" == row.rid:
            return next((label for label, e in available.items() if e.source == "live"), None)
    return None


def open_in_denoise(a: Row, b: Row) -> None:
    """Callback: Denoise's "Model" and "Compare with" set to the two runs, then go there."""
    la, lb = picker_label(a), picker_label(b)
    if la is None or lb is None:
        st.session_state["runs_flash"] = "That run's model is not available any more (it was not saved)."
        return
    kept = memory.kept_values(DENOISE_KEPT)
    kept[DENOISE_MODEL], kept[DENOISE_COMPARE] = la, lb
    st.session_state[DENOISE_MODEL], st.session_state[DENOISE_COMPARE] = la, lb
    st.session_state["runs_go_denoise"] = True


def forget(selected: list[Row]) -> None:
    """Callback: delete the selected runs' store entries and drop them from the panel."""
    keys = {r.store_key for r in selected if r.store_key}
    for key in keys:
        store_index.forget(key)
        state.forget_stored(key)
    recs = run_records.records()
    recs[:] = [rec for rec in recs if rec.store_key not in keys]
    memory.forget(SELECTED)


def draw() -> None:
    """The whole panel (call it once on the Train page)."""
    st.subheader("Runs")
    run = state.current_run()
    training = run is not None and run.status == RUNNING or sweep_panel.is_active()

    @st.fragment(run_every=REFRESH_S if training else None)
    def panel():
        _panel()

    panel()


def _panel() -> None:
    if st.session_state.pop("runs_go_denoise", False):
        st.switch_page("app_pages/denoise.py")
    flash = st.session_state.pop("runs_flash", None)
    if flash:
        st.warning(flash)
    all_rows = rows()
    if not all_rows:
        st.caption("Every run you train (and every model in the store) is listed here, to compare side by side.")
        return
    by_id = {r.rid: r for r in all_rows}
    # Until the student picks runs themselves, the newest two are compared (a new run joins in).
    default = [r.rid for r in all_rows[:2]]
    current = [rid for rid in (memory.value(SELECTED) or []) if rid in by_id]
    if SELECTED not in st.session_state or current != memory.value(SELECTED) or current == memory.value(AUTO):
        st.session_state[SELECTED] = default if not current or current == memory.value(AUTO) else current
    st.session_state[AUTO] = list(st.session_state[SELECTED]) if st.session_state[SELECTED] == default else None
    chosen = st.multiselect("Runs to compare", list(by_id), key=SELECTED, format_func=lambda rid: by_id[rid].name,
                            help="This session's runs first, then every model in the store, newest first")
    selected = [by_id[rid] for rid in chosen]
    st.dataframe(_swatches(table(all_rows, selected)), hide_index=True, key="runs_table",
                 column_config={"selected": st.column_config.CheckboxColumn("selected", width="small"),
                                "colour": st.column_config.TextColumn("", width="small"),
                                "seconds": st.column_config.NumberColumn("seconds", format="%.1f")})
    c1, c2, c3 = st.columns([2, 1, 3], vertical_alignment="bottom")
    x = c1.radio("x axis", ("epoch", "seconds"), key=XAXIS, horizontal=True)
    log = c2.checkbox("log scale", key=LOG)
    if len(selected) < 2:
        st.caption("Select two or more runs to overlay their loss curves.")
    else:
        st.plotly_chart(plots.overlay_figure([(r.name, store_index.colour(r.colour), r.history, r.seconds or 0.0)
                                              for r in selected], x=x, log=log),
                        key="runs_overlay", theme=None, config={"displayModeBar": False})
        st.caption("Solid: validation loss; dashed: training loss. Each run keeps its colour (the swatch in the "
                   "table) on every chart." + (" Seconds spread each run's epochs evenly over its training time."
                                              if x == "seconds" else ""))
    b1, b2 = st.columns(2)
    b1.button("Compare the first two in Denoise", key="runs_denoise", icon=":material/compare:",
              disabled=len(selected) < 2, on_click=open_in_denoise, args=tuple(selected[:2]),
              help="Opens the Denoise page with the first two selected runs side by side")
    stored = [r for r in selected if r.store_key]
    b2.button(f"Forget {len(stored)} selected" if stored else "Forget selected", key="runs_forget",
              icon=":material/delete:", disabled=not stored, on_click=forget, args=(stored,),
              help="Delete the selected runs' saved models from the model store")
