"""AppTest of the Generate page: no VAE, prior samples and their seed, the latent plane,
interpolation beside a plain autoencoder, a conditional VAE's rows; the page's helpers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import trained
from ui.state import MODELS_KEY, RUN_KEY, ModelEntry

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[1] / "app.py")
TINY_VAE = {"hidden": [64], "batch_size": 64}


@pytest.fixture(scope="module")
def tiny_data():
    from aecore.data import load_dataset

    return load_dataset("mnist_sample", limit=300, test_limit=100)


@pytest.fixture(scope="module")
def vae_run(tiny_data):
    return trained("vae", tiny_data, **TINY_VAE)


@pytest.fixture(scope="module")
def cvae_run(tiny_data):
    return trained("vae", tiny_data, conditional=True, **TINY_VAE)


@pytest.fixture(scope="module")
def dense_run(tiny_data):
    return trained("deep2d", tiny_data, hidden=[32], batch_size=64)


def _entry(run, label: str) -> ModelEntry:
    return ModelEntry(label, run.models, run.config, run.dataset.name, run.history, "trained")


def _page(run=None, kept=()) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if run is not None:
        at.session_state[RUN_KEY] = run
    if kept:
        at.session_state[MODELS_KEY] = {e.label: e for e in kept}
    at.switch_page("app_pages/generate.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _charts(at: AppTest) -> dict[str, dict]:
    return {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _picture(at: AppTest, key: str) -> str:
    """The PNG data URI of an image-grid chart (what the student sees)."""
    return _charts(at)[key]["data"][0]["source"]


def test_no_vae_says_how_to_train_one(dense_run):
    for kept in ((), (_entry(dense_run, "a plain one"),)):
        at = _page(kept=kept)
        text = " ".join(i.value for i in at.info)
        assert "No VAE in this session yet" in text
        assert "Variational autoencoder (VAE), 2-d code" in text and "Conditional VAE: ask for a digit" in text
        assert at.get("page_link") and not at.get("plotly_chart")
    assert at.title[0].value == "Generate new digits"
    assert "keras-io" in at.markdown[0].value and "Kingma & Welling" in at.markdown[0].value


def test_prior_samples_are_seeded_and_new_samples_draws_others(vae_run):
    at = _page(vae_run)
    assert at.number_input(key="gn_seed").value == 0
    first = _picture(at, "gn_samples")
    at.button(key="gn_new").click().run()
    assert not at.exception and not at.error
    assert at.number_input(key="gn_seed").value == 1
    assert any("Seed 1" in c.value for c in at.caption)
    assert _picture(at, "gn_samples") != first
    at.number_input(key="gn_seed").set_value(0).run()
    assert _picture(at, "gn_samples") == first  # the same seed draws the same digits


def test_latent_plane_map_sliders_and_manifold(vae_run):
    at = _page(vae_run)
    charts = _charts(at)
    assert {"gn_map", "gn_digit", "gn_manifold"} <= set(charts)
    names = [t.get("name") for t in charts["gn_map"]["data"]]
    assert "chosen code" in names and "code" in names  # the cross and the clickable grid
    digit = _picture(at, "gn_digit")
    at.slider(key="gn_z1").set_value(1.5).run()
    assert not at.exception and not at.error
    assert _picture(at, "gn_digit") != digit
    assert any("z = (1.50, 0.00)" in c.value for c in at.caption)
    cross = next(t for t in _charts(at)["gn_map"]["data"] if t.get("name") == "chosen code")
    assert cross["x"] == [1.5] and cross["y"] == [0.0]


def test_interpolation_with_and_without_a_plain_autoencoder(vae_run, dense_run):
    at = _page(vae_run)
    strip = _charts(at)["gn_strip"]
    assert strip["layout"]["yaxis"]["ticktext"] == ["pixels", "VAE"]
    assert any("No plain autoencoder in this session" in i.value for i in at.info)

    at = _page(vae_run, kept=(_entry(dense_run, "deep2d tiny"),))
    assert at.selectbox(key="gn_plain").value == "deep2d tiny"
    assert _charts(at)["gn_strip"]["layout"]["yaxis"]["ticktext"] == ["pixels", "VAE", "plain AE"]
    before = _picture(at, "gn_strip")
    at.selectbox(key="gn_to_class").set_value(1).run()
    at.slider(key="gn_steps").set_value(5).run()
    assert not at.exception and not at.error
    assert _picture(at, "gn_strip") != before
    assert any("Test digit #" in c.value and "(a 1)" in c.value for c in at.caption)


def test_conditional_vae_draws_the_class_asked_for_and_a_row_per_class(cvae_run):
    at = _page(cvae_run)
    assert at.selectbox(key="gn_class").value == 7
    rows = _charts(at)["gn_class_rows"]
    assert rows["layout"]["yaxis"]["ticktext"] == [str(i) for i in range(10)]
    seven = _picture(at, "gn_class_row")
    at.selectbox(key="gn_class").set_value(3).run()
    assert not at.exception and not at.error
    assert _picture(at, "gn_class_row") != seven
    assert any("as a 3" in c.value for c in at.caption)  # the plane is drawn as the class asked for
    assert "gn_strip" in _charts(at)  # interpolation moves the label along too


def test_point_from_selection():
    from ui.generate import clamp, map_limit, point_from_selection

    assert point_from_selection(None) is None
    assert point_from_selection({"selection": {"points": [], "box": [], "lasso": []}}) is None
    click = {"selection": {"points": [{"x": 0.5, "y": -1.0, "curve_number": 1}], "box": []}}
    assert point_from_selection(click) == (0.5, -1.0)
    box = {"selection": {"points": [{"x": 9, "y": 9}], "box": [{"x": [0.0, 1.0], "y": [-2.0, 0.0]}]}}
    assert point_from_selection(box) == (0.5, -1.0)  # a dragged box counts by its centre
    assert clamp(7.123, 3.0) == 3.0 and clamp(-0.126, 3.0) == -0.13
    codes = np.random.default_rng(0).normal(size=(500, 2))
    assert map_limit(codes) == 3.0 and map_limit(codes * 4) > 3.0


@pytest.mark.parametrize("which", ["vae_run", "cvae_run"])
def test_an_uploaded_vae_file_loads_and_draws(which, request, tiny_data, tmp_path):
    """A saved VAE passes the structure check (three codes; a label input when conditional)."""
    from aecore.store import save_model_file
    from ui.upload import load_uploaded_model

    run = request.getfixturevalue(which)
    path = save_model_file(run.models, tmp_path / "my vae.keras",
                           {"config": run.config, "history": run.history.to_dict()})
    entry = load_uploaded_model("my vae.keras", path.read_bytes(), tiny_data, "mnist_sample")
    assert entry.label.startswith("Uploaded: my vae.keras") and entry.config["variant"] == "vae"
    at = _page(kept=(entry,))
    assert at.selectbox(key="gn_model").value == entry.label
    assert {"gn_map", "gn_strip"} <= set(_charts(at))
    assert ("gn_class_rows" in _charts(at)) is (which == "cvae_run")


def test_home_and_denoise_take_a_conditional_vae(cvae_run):
    """Every page that reconstructs passes the test digits' classes, so a CVAE works there too."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[RUN_KEY] = cvae_run
    at.run()  # Home shows the newest model: this one
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("your model" in c.value for c in at.caption)
    at.switch_page("app_pages/denoise.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.get("plotly_chart")
