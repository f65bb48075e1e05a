"""AppTest of the Linear AE vs PCA page: the lesson, PCA from scratch, a live run's angles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import chart_keys as _charts
from tests.conftest import finish_session, open_page
from tests.conftest import joined_text as _text
from ui.linear_pca import SESSION_KEY
from ui.state import DATASET_KEY, MODELS_KEY, RUN_KEY

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "app_pages/linear_pca.py"


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("AECORE_STORE_DIR", str(tmp_path / "store"))
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("AECORE_DATA_ROOT", str(tmp_path / "data"))


def _page(dataset: str = "digits"):
    return open_page(PAGE, TIMEOUT, **{DATASET_KEY: dataset})


def _finish(at):
    return finish_session(at, SESSION_KEY)


def test_opens_with_the_lesson_pca_and_empty_charts():
    at = _page()
    assert "Baldi & Hornik (1989)" in _text(at.markdown)
    assert not at.error, _text(at.error)
    assert {"lp_chart_angles", "lp_chart_mse", "lp_chart_basis"} <= _charts(at)
    assert at.number_input(key="lp_k").value == 2
    assert "def pca_from_scratch" in at.code[0].value and "eigh" in at.code[0].value
    table = at.table[0].value
    check = table[table["step"] == "vs scikit-learn PCA"]["result"].iloc[0]
    assert "largest difference: components" in check
    assert float(check.split("components ")[1].split(",")[0]) < 1e-8
    assert at.button(key="lp_pause").disabled and at.button(key="lp_reset").disabled


def test_a_run_records_angles_per_epoch_and_is_kept_for_other_pages():
    at = _page()
    at.number_input(key="lp_k").set_value(3)
    at.number_input(key="lp_epochs").set_value(3).run()
    at.button(key="lp_start").click().run()
    assert not at.exception
    session = _finish(at)
    assert session.k == 3 and session.run.status == "finished"
    epochs, angles = session.tracker.history()
    assert epochs == [0, 1, 2, 3] and angles.shape == (4, 3)
    assert angles[-1, 0] < angles[0, 0] - 5  # its first direction moved towards PCA
    labels = [m.label for m in at.metric]
    assert {"Largest angle to PCA", "Autoencoder test MSE", "PCA-3 test MSE", "Ratio"} <= set(labels)
    assert "finished" in _text(at.markdown)
    assert {"lp_chart_angles", "lp_chart_mse", "lp_chart_basis"} <= _charts(at)
    kept = at.session_state[MODELS_KEY]
    assert any(label.startswith("linear") for label in kept)
    assert RUN_KEY not in at.session_state  # the Train page's run is a separate one


def test_stop_keeps_what_was_learned_and_a_new_k_asks_for_start():
    at = _page()
    at.number_input(key="lp_epochs").set_value(200).run()
    at.button(key="lp_start").click().run()
    session = at.session_state[SESSION_KEY]
    assert session.run.status == "running"
    at.button(key="lp_pause").click().run()
    assert session.run.status == "paused"
    at.button(key="lp_stop").click().run()
    _finish(at)
    assert session.run.status == "stopped"
    assert "stopped by the user" in _text(at.caption).lower()
    at.number_input(key="lp_k").set_value(4).run()
    assert "press **Start** to train one with 4" in _text(at.caption)
    at.button(key="lp_reset").click().run()
    assert at.session_state[SESSION_KEY].k == 4 and at.session_state[SESSION_KEY].run.status == "idle"
    assert not at.exception and not at.error


def test_a_dataset_that_cannot_be_loaded_is_an_error_not_a_traceback():
    at = _page(dataset="no/such/folder")
    assert not at.exception
    assert at.error and "no/such/folder" in _text(at.error)
