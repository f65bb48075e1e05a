"""The Train page's "Try several values": a one-hyperparameter sweep trained in the background.

The values are checked by :func:`aecore.sweep.parse_values` and trained one after another
by an :class:`aecore.sweep.Sweep` kept in session state (the same ``TrainingRun`` machinery
as a single run; Pause / Resume / Stop here act on the run training now, and Stop cancels
the values after it). Each run appears in the Runs panel as it trains, is saved to the
model store when it ends (:func:`ui.autosave.save_once`, the same write as every run),
and then only its record is kept (its weights are in the store), so a long sweep does not
hold every model in memory. A chart shows the final validation loss against the value.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from aecore.data import Dataset
from aecore.sweep import SWEEPABLE, Sweep, parse_values, separator, sweep_configs
from aecore.training import FAILED, FINISHED, PAUSED, RUNNING, STOPPED
from aecore.variants import get_variant
from ui import autosave, form, plots, run_records, state, store_index
from ui.datasets import training_data
from ui.keras_guard import protect_keras_session

SWEEP_KEY = "ae_sweep"
PARAM, VALUES, FOR_PARAM = "sweep_param", "sweep_values", "sweep_values_for"
REFRESH_S = 1.0


def current() -> Sweep | None:
    return st.session_state.get(SWEEP_KEY)


def is_active() -> bool:
    s = current()
    return s is not None and s.is_active


def collect() -> None:
    """Record every sweep run (live curves for the Runs panel); save each that has ended, once,
    then let the sweep drop its weights. Cheap when there is nothing to do (every page calls it)."""
    sweep = current()
    if sweep is None:
        return
    colours: dict[int, int] = sweep.__dict__.setdefault("ui_colours", {})
    for i, run in enumerate(list(sweep.runs)):
        if run is None:
            continue
        if getattr(run, "ui_record", None) is None:
            state.tag_dataset(run, getattr(sweep, "ui_dataset_key", run.dataset.name))
        colours[i] = run_records.update(run).colour
        status = sweep.results[i].status
        if status in (FINISHED, STOPPED):
            key, _ = autosave.save_once(run)
            if key is not None:
                sweep.release(i)
        elif status == FAILED:
            sweep.release(i)


def start(param: str, text: str, config: dict[str, Any], full: Dataset, key: str, n_train: int) -> None:
    """Queue the values (``ValueError`` names a bad one) and start training the first."""
    values = parse_values(param, text, config["variant"])
    configs = sweep_configs(config["variant"], param, values, **config)
    protect_keras_session()
    data = training_data(full, n_train, int(config["seed"]))
    sweep = Sweep(param, values, configs, data)
    sweep.ui_dataset_key = key
    st.session_state[SWEEP_KEY] = sweep
    sweep.start()


def _value_text(v: Any) -> str:
    if isinstance(v, list):
        return "-".join(map(str, v)) or "none"
    return f"{v:g}" if isinstance(v, float) else str(v)


def draw(config: dict[str, Any] | None, full: Dataset | None, key: str | None, n_train: int | None,
         ready: bool) -> None:
    """The sweep's settings, controls, progress and chart (call it once on the Train page)."""
    sweep = current()
    with st.expander("Try several values: a one-hyperparameter sweep", expanded=sweep is not None,
                     icon=":material/tune:"):
        variant = (config or {}).get("variant") or form.form()["variant"]
        names = [p for p in SWEEPABLE if p in get_variant(variant).params]
        c1, c2 = st.columns([1, 2])
        param = c1.selectbox("Hyperparameter", names, key=PARAM, format_func=lambda n: form.LABELS.get(n, n))
        if st.session_state.get(FOR_PARAM) != param or VALUES not in st.session_state:
            st.session_state[VALUES] = SWEEPABLE[param]
            st.session_state[FOR_PARAM] = param
        text = c2.text_input(f"Values (separated by “{separator(param)}”)", key=VALUES,
                             help="Each value trains one model with every other setting as in the form above, "
                                  "one after another")
        busy = is_active() or state.is_training()
        bar = st.container(horizontal=True, gap="small")
        go = bar.button("Start sweep", key="sweep_start", type="primary", icon=":material/playlist_play:",
                        disabled=not ready or busy,
                        help="Train one model per value, one after another, in the background")
        pause = bar.button("Pause", key="sweep_pause", icon=":material/pause:",
                           disabled=sweep is None or sweep.status != RUNNING)
        resume = bar.button("Resume", key="sweep_resume", icon=":material/play_circle:",
                            disabled=sweep is None or sweep.status != PAUSED)
        stop = bar.button("Stop", key="sweep_stop", icon=":material/stop:", disabled=not is_active(),
                          help="Stop the run training now and cancel the values after it")
        if state.is_training() and not is_active():
            st.caption("A sweep starts when the run above is not training.")
        if go:
            try:
                start(param, text, config, full, key, n_train)
            except ValueError as exc:
                st.error(form.field_message(str(exc)))
                return
            st.rerun()
        if sweep is not None and (pause or resume or stop):
            (sweep.pause if pause else sweep.resume if resume else sweep.stop)()
            st.rerun()
        if sweep is not None:
            _progress(sweep)


def _progress(sweep: Sweep) -> None:
    active = sweep.is_active

    @st.fragment(run_every=REFRESH_S if active else None)
    def live():
        collect()
        rows = sweep.rows()
        n = len(rows)
        done = sum(r["status"] in (FINISHED, STOPPED, FAILED, "cancelled") for r in rows)
        if sweep.is_active:
            i = max(sweep.index, 0)
            run = sweep.current
            epoch = f" · epoch {len(run.history.epoch)} of {run.config['epochs']}" if run is not None else ""
            st.markdown(f"**Sweep {sweep.status}**: run {i + 1} of {n}, {sweep.param} = "
                        f"{_value_text(sweep.values[i])}{epoch}")
        else:
            st.markdown(f"**Sweep {sweep.status}**: {done} of {n} values trained.")
            if active:
                st.rerun()  # the buttons above change with it
        colours = getattr(sweep, "ui_colours", {})
        points = [(r[sweep.param], r["val_loss"], store_index.colour(colours.get(i, 0)))
                  for i, r in enumerate(rows) if r["status"] in (FINISHED, STOPPED)]
        if points:
            log_x = sweep.param in ("learning_rate", "l1") and all(isinstance(v, float) and v > 0
                                                                   for v, _, _ in points)
            st.plotly_chart(plots.sweep_figure(sweep.param, points, log_x=log_x), key="sweep_chart", theme=None,
                            config={"displayModeBar": False})
        st.dataframe([{sweep.param: _value_text(r[sweep.param]), "status": r["status"], "epochs": r["epochs"],
                       "train loss": plots.fmt_number(r["loss"]), "validation loss": plots.fmt_number(r["val_loss"]),
                       "seconds": r["seconds"]} for r in rows], hide_index=True, key="sweep_table")

    live()
