"""AppTest of the Denoise page: preconditions, grids and curve, the slider, the ?noise= link."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import trained
from ui.state import RUN_KEY

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def tiny_data():
    from aecore.data import load_dataset

    return load_dataset("mnist_sample", limit=300)




@pytest.fixture(scope="module")
def dense_run(tiny_data):
    return trained("dense", tiny_data)


@pytest.fixture(scope="module")
def denoising_run(tiny_data):
    return trained("denoising", tiny_data, filters=[8, 8])


def _denoise_page(run=None, noise: str | None = None, via_home: bool = False) -> AppTest:
    """The app opened on the Denoise page (straight away, or after Home like a visitor)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if run is not None:
        at.session_state[RUN_KEY] = run
    if noise is not None:
        at.query_params["noise"] = noise
    if via_home:
        at.run()
        assert not at.exception
    at.switch_page("app_pages/denoise.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def test_no_model_shows_info_and_link():
    at = _denoise_page()
    assert any("Train a model on the Train page first" in i.value for i in at.info)
    assert at.get("page_link")
    assert not at.slider  # the page stopped before its controls
    assert not at.error


def test_grids_and_curve_render(dense_run):
    at = _denoise_page(dense_run, via_home=True)
    assert not at.error, [e.value for e in at.error]
    keys = {c.key for c in _charts(at)}
    assert {"dn_grid", "dn_curve"} <= keys
    assert at.slider(key="dn_noise").value == pytest.approx(0.5)
    assert at.query_params["noise"] == "0.5"


def test_slider_and_controls_rerun_without_error(dense_run):
    at = _denoise_page(dense_run)
    at.slider(key="dn_noise").set_value(0.8).run()
    assert not at.exception and not at.error
    assert at.slider(key="dn_noise").value == pytest.approx(0.8)
    assert at.query_params["noise"] == "0.8"
    at.selectbox(key="dn_kind").set_value("salt_pepper").run()
    at.radio(key="dn_metric").set_value("MSE").run()
    at.radio(key="dn_pick").set_value("Single class").run()
    at.selectbox(key="dn_class").set_value(3).run()
    at.button(key="dn_shuffle").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {"dn_grid", "dn_curve"} <= {c.key for c in _charts(at)}


def test_second_model_for_comparison(dense_run, denoising_run):
    from ui.state import MODELS_KEY, ModelEntry

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[RUN_KEY] = denoising_run
    at.session_state[MODELS_KEY] = {
        "plain dense": ModelEntry("plain dense", dense_run.models, dense_run.config, "mnist_sample",
                                  dense_run.history, "trained")}
    at.switch_page("app_pages/denoise.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="dn_model").value.startswith("Current run: denoising")
    at.selectbox(key="dn_compare").set_value("plain dense").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("**Reconstructed B**: plain dense" in m.value for m in at.markdown)
    curve = next(c for c in _charts(at) if c.key == "dn_curve")
    assert curve.proto.spec.count('"name"') >= 2  # one line per model


@pytest.mark.parametrize("noise", ["7", "abc", "-0.1", "nan"])
def test_invalid_noise_link_shows_error_and_default(dense_run, noise):
    at = _denoise_page(dense_run, noise=noise)
    assert any("The noise factor in the link must be between 0 and 1" in e.value for e in at.error)
    assert at.slider(key="dn_noise").value == pytest.approx(0.5)
    assert {"dn_grid", "dn_curve"} <= {c.key for c in _charts(at)}


def test_valid_noise_link_sets_slider(dense_run):
    at = _denoise_page(dense_run, noise="0.3")
    assert not at.error
    assert at.slider(key="dn_noise").value == pytest.approx(0.3)
    # the link is applied once: moving the slider afterwards wins
    at.slider(key="dn_noise").set_value(0.65).run()
    assert at.slider(key="dn_noise").value == pytest.approx(0.65)
    assert not at.exception
