"""AppTest of issue 9: runs outlive the session (store in every picker), the Runs panel,
settings in the URL, the sweep queue and the downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from aecore.variants import resolve_config
from tests.conftest import trained
from ui.state import RUN_KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("AECORE_STORE_DIR", str(tmp_path / "store"))
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("AECORE_DATA_ROOT", str(tmp_path / "data"))


@pytest.fixture(scope="module")
def tiny():
    from aecore.data import load_dataset

    return load_dataset("mnist_sample", limit=300)


def _page(page: str, run=None, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if run is not None:
        at.session_state[RUN_KEY] = run
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest):
    """The Runs panel's table (the only dataframe on the Train page)."""
    return at.dataframe[0].value


def test_a_finished_run_is_saved_and_listed_after_a_reload(tiny):
    run = trained("dense", tiny, learning_rate=0.01)
    at = _page("app_pages/denoise.py", run)  # app.py saves the finished run
    session_labels = list(at.selectbox(key="dn_model").options)
    assert len(session_labels) == 1 and session_labels[0].startswith("Current run: dense · lr 0.01")
    # a reload: a fresh session, the same store
    again = _page("app_pages/denoise.py")
    labels = again.selectbox(key="dn_model").options
    assert len(labels) == 1
    assert "dense · lr 0.01 · 1 ep · loss" in labels[0] and "mnist_sample" in labels[0]
    assert again.get("plotly_chart")  # the stored model draws its grids
    for page, key in (("app_pages/latent.py", "lt_model"), ("app_pages/anomalies.py", "an_model")):
        other = _page(page)
        assert labels[0] in other.selectbox(key=key).options[0]


def test_runs_panel_compares_two_learning_rates_and_opens_denoise(tiny):
    # two learning rates (the Train page applies its form's rate to the current run, so the
    # form is set to the second run's)
    slow, fast = trained("dense", tiny, learning_rate=0.001), trained("dense", tiny, learning_rate=0.01)
    at = _page("app_pages/train.py", slow, {"learning_rate": "0.001"})
    at.query_params["learning_rate"] = "0.01"
    at.session_state[RUN_KEY] = fast  # the second run replaces the first, as Start over does
    at.run()
    assert not at.exception
    table = _table(at)
    assert len(table) == 2 and "learning_rate" in table.columns
    assert sorted(table["learning_rate"]) == ["0.001", "0.01"]
    assert len(at.get("plotly_chart")) >= 2  # the live curve and the overlay
    # a reload: both are in the panel, from the store
    again = _page("app_pages/train.py")
    table = _table(again)
    assert len(table) == 2 and set(table["status"]) == {"finished"}
    assert len(again.multiselect(key="runs_selected").value) == 2
    again.radio(key="runs_x").set_value("seconds")
    again.checkbox(key="runs_log").check().run()
    assert not again.exception
    again.button(key="runs_denoise").click().run()
    assert not again.exception
    a, b = again.selectbox(key="dn_model").value, again.selectbox(key="dn_compare").value
    assert "lr 0.01" in a and "lr 0.001" in b or "lr 0.001" in a and "lr 0.01" in b
    # each run keeps its Runs-panel colour on the Denoise curves
    import json

    specs = [json.loads(c.proto.spec) for c in again.get("plotly_chart")]
    curve = next(sp for sp in specs if "noise factor" in json.dumps(sp.get("layout", {}).get("xaxis", {})))
    lines = {t["line"]["color"] for t in curve["data"] if t.get("mode") == "lines+markers"}
    assert lines == {"#1f77b4", "#ff7f0e"}  # the first two colours of ui.store_index.PALETTE


def test_forgetting_a_stored_run(tiny):
    at = _page("app_pages/train.py", trained("dense", tiny, code_dim=8))
    again = _page("app_pages/train.py")
    assert len(_table(again)) == 1
    again.button(key="runs_forget").click().run()
    assert not again.exception
    assert not again.get("dataframe")
    assert at.session_state is not None


def test_the_link_restores_the_settings_and_the_page_writes_them_back():
    at = _page("app_pages/train.py", params={"dataset": "digits", "variant": "deep", "learning_rate": "0.01",
                                             "hidden": "64,16", "code_dim": "8", "n_train": "500"})
    assert not at.warning or all("link" not in w.value for w in at.warning)
    assert at.selectbox(key="train_variant").value == "deep"
    assert at.selectbox(key="train_dataset").value == "digits"
    assert at.text_input(key="train_learning_rate").value == "0.01"
    assert at.text_input(key="train_hidden").value == "64,16"
    assert at.number_input(key="train_code_dim").value == 8
    assert at.number_input(key="train_n_train").value == 500
    # a change in the form goes into the link
    at.number_input(key="train_code_dim").set_value(4).run()
    assert at.query_params["code_dim"] == "4" and at.query_params["variant"] == "deep"
    assert at.query_params["dataset"] == "digits" and at.query_params["n_train"] == "500"
    # the recipe's values stay out of the link
    at.number_input(key="train_code_dim").set_value(resolve_config("deep")["code_dim"]).run()
    assert "code_dim" not in at.query_params


def test_bad_values_in_the_link_are_named_and_fall_back_to_the_recipe():
    at = _page("app_pages/train.py", params={"variant": "dense", "learning_rate": "banana", "code_dim": "0",
                                             "batch_size": "64", "filters": "8", "n_train": "lots"})
    warning = "\n".join(w.value for w in at.warning)
    assert "learning_rate" in warning and "banana" in warning
    assert "code_dim" in warning and "filters" in warning and "n_train must be a whole number" in warning
    recipe = resolve_config("dense")
    assert at.text_input(key="train_learning_rate").value == f"{recipe['learning_rate']:g}"
    assert at.number_input(key="train_code_dim").value == recipe["code_dim"]
    assert at.number_input(key="train_batch_size").value == 64  # the good one still applies
    assert not at.error
    bad_variant = _page("app_pages/train.py", params={"variant": "nope"})
    assert "**Variant**: unknown variant 'nope'" in "\n".join(w.value for w in bad_variant.warning)  # led by its label
    assert bad_variant.selectbox(key="train_variant").value == "dense"


def test_a_code_size_sweep_queues_runs_and_charts_the_loss_against_the_value():
    at = _page("app_pages/train.py", params={"dataset": "digits", "epochs": "1"})
    at.number_input(key="train_n_train").set_value(200).run()
    at.selectbox(key="sweep_param").set_value("code_dim").run()
    at.text_input(key="sweep_values").input("2,0").run()
    at.button(key="sweep_start").click().run()
    assert "code_dim must be between 1" in "\n".join(e.value for e in at.error)
    at.text_input(key="sweep_values").input("2,4").run()
    at.button(key="sweep_start").click().run()
    assert not at.exception
    sweep = at.session_state["ae_sweep"]
    assert sweep.join(120)
    at.run()
    assert not at.exception
    assert [r["status"] for r in sweep.rows()] == ["finished", "finished"]
    assert sweep.runs == [None, None]  # saved to the store, weights released
    table = _table(at)  # the Runs panel lists both, with code_dim as what differs
    assert len(table) == 2 and sorted(table["code_dim"]) == ["2", "4"]
    assert any("Sweep finished" in m.value for m in at.markdown)
    # the store holds both: a reload lists them in the pickers
    labels = _page("app_pages/latent.py").selectbox(key="lt_model").options
    assert len(labels) == 2


def test_download_buttons_on_train_denoise_and_latent(tiny):
    run = trained("deep2d", tiny, hidden=[16], code_dim=2)
    at = _page("app_pages/train.py", run)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download model (.keras)" in labels and "Download history (CSV)" in labels
    assert [b.proto.label for b in _page("app_pages/denoise.py", run).get("download_button")] == \
        ["Download the grid (PNG)"]
    latent = _page("app_pages/latent.py", run)
    assert [b.proto.label for b in latent.get("download_button")] == ["Download the maps (CSV)"]


def test_the_live_run_is_in_the_panel_and_a_sweep_stops_with_the_rest_cancelled(tiny):
    at = _page("app_pages/train.py", trained("dense", tiny, code_dim=4),
               params={"dataset": "digits", "epochs": "200", "n_train": "300"})
    at.button(key="train_start").click().run()  # "Start over": a second, live run
    run = at.session_state[RUN_KEY]
    assert run.status == "running"
    at.run()
    table = _table(at)
    assert len(table) == 2 and "running" in set(table["status"])  # the live run, next to the first
    assert len(at.get("plotly_chart")) >= 2
    run.stop()
    assert run.join(60)
    at.run()
    at.text_input(key="sweep_values").input("2,4,8").run()
    at.button(key="sweep_start").click().run()
    sweep = at.session_state["ae_sweep"]
    while sweep.current is None or not sweep.current.history.trace_x:
        sweep.join(0.05)
    at.button(key="sweep_pause").click().run()
    assert sweep.status == "paused"
    at.button(key="sweep_stop").click().run()
    assert sweep.join(60)
    at.run()
    assert not at.exception
    assert [r["status"] for r in sweep.rows()] == ["stopped", "cancelled", "cancelled"]
    assert any("Sweep stopped" in m.value for m in at.markdown)
