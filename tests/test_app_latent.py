"""AppTest of the Latent-space page: preconditions, the three maps, scores, manifold, caching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import trained
from ui.latent import NB_HYPHEN
from ui.state import RUN_KEY

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def tiny_data():
    from aecore.data import load_dataset

    # 100 test images: t-SNE of them takes about a second
    return load_dataset("mnist_sample", limit=300, test_limit=100)




@pytest.fixture(scope="module")
def deep2d_run(tiny_data):
    return trained("deep2d", tiny_data, batch_size=64)


@pytest.fixture(scope="module")
def dense_run(tiny_data):
    return trained("dense", tiny_data)


def _latent_page(run=None, via_home: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if run is not None:
        at.session_state[RUN_KEY] = run
    if via_home:
        at.run()
        assert not at.exception
    at.switch_page("app_pages/latent.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _headings(at: AppTest) -> list[str]:
    return [m.value.replace(NB_HYPHEN, "-") for m in at.markdown if m.value.startswith("#### ")]


def _chart_keys(at: AppTest) -> set:
    return {c.key for c in at.get("plotly_chart")}


def test_no_model_shows_info_and_link():
    at = _latent_page()
    assert any("Train a model on the Train page first" in i.value for i in at.info)
    assert at.get("page_link")
    assert not at.get("plotly_chart")
    assert not at.error


def test_2d_model_three_maps_scores_and_manifold(deep2d_run):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[RUN_KEY] = deep2d_run
    at.session_state["lt_seed"] = 7  # a choice no other test makes, so the first view computes
    at.run()  # Home first, as a visitor would
    assert not at.exception
    at.switch_page("app_pages/latent.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    keys = _chart_keys(at)
    assert {"lt_chart_ae", "lt_chart_pca", "lt_chart_tsne", "lt_manifold"} <= keys
    assert [h.replace("\u2011", "-") for h in _headings(at)[:3]] == [  # non-breaking hyphens
        "#### Autoencoder code (2-d)", "#### PCA of the pixels (784-d → 2-d)", "#### t-SNE of the pixels (784-d → 2-d)"]
    table = at.table[0].value
    assert list(table["method"]) == ["Autoencoder code", "PCA", "t-SNE"]
    assert {"kNN-5 accuracy", "trustworthiness", "silhouette", "compute time"} <= set(table.columns)
    # the first view computed everything...
    assert not any("cached" in t for t in table["compute time"])
    # ...a second view of the same choice comes from the cache
    at.run()
    assert not at.exception
    assert all("cached" in t for t in at.table[0].value["compute time"])


def test_changing_controls_recomputes_without_error(deep2d_run):
    at = _latent_page(deep2d_run)
    at.slider(key="lt_perplexity").set_value(10).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    times = at.table[0].value.set_index("method")["compute time"]
    assert "cached" not in times["t-SNE"]  # a new perplexity is a new t-SNE
    assert "cached" in times["PCA"]  # PCA does not depend on it


def test_wide_code_gets_tsne_of_the_code(dense_run):
    at = _latent_page(dense_run)
    assert not at.error, [e.value for e in at.error]
    keys = _chart_keys(at)
    # four maps: the code seen linearly (PCA of it), PCA and t-SNE of the pixels, t-SNE of the code
    assert {"lt_chart_ae", "lt_chart_pca", "lt_chart_tsne", "lt_chart_code_tsne"} <= keys
    assert "lt_manifold" not in keys
    assert _headings(at)[:4] == ["#### Autoencoder code (32-d) → PCA", "#### PCA of the pixels (784-d → 2-d)",
                                 "#### t-SNE of the pixels (784-d → 2-d)", "#### t-SNE of the code (32-d → 2-d)"]
    table = at.table[0].value.set_index("method")
    assert list(table.index) == ["Autoencoder code (32-d) + PCA", "PCA", "t-SNE", "Autoencoder code (32-d) + t-SNE"]
    for col in ("kNN-5 accuracy", "trustworthiness", "silhouette", "compute time"):
        assert table.loc["Autoencoder code (32-d) + t-SNE", col] not in ("", "–")
    assert any("cannot be walked as a flat grid" in c.value for c in at.caption)
    at.run()  # a second view of the same choice comes from the cache
    assert "cached" in at.table[0].value.set_index("method").loc["Autoencoder code (32-d) + t-SNE", "compute time"]


def test_subsample_notice(deep2d_run):
    at = _latent_page(deep2d_run)
    assert at.selectbox(key="lt_size").options == ["100"]  # capped by the 100 test images
    assert not any("class-balanced sample" in i.value for i in at.info)

    from ui.state import MODELS_KEY, ModelEntry

    # the same model kept as trained on the whole offline sample: 1,000 test images
    entry = ModelEntry("deep2d, whole sample", deep2d_run.models, deep2d_run.config, "mnist_sample",
                       deep2d_run.history, "trained")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[MODELS_KEY] = {entry.label: entry}
    at.session_state["lt_size"] = 200  # the smallest sample keeps the test fast
    at.switch_page("app_pages/latent.py")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="lt_size").options[:3] == ["200", "500", "1,000"]
    assert any("200 of the 1,000 test images" in i.value for i in at.info)


def test_selection_helpers():
    from ui.latent import decode_grid, selected_indices

    event = {"selection": {"points": [
        {"curve_number": 0, "point_index": 3, "customdata": [17, "7"]},
        {"curve_number": 1, "point_index": 0, "customdata": ["4", "1"]},
        {"curve_number": 1, "point_index": 1, "customdata": [17, "7"]},
        {"curve_number": 1, "point_index": 2},
    ], "point_indices": [3, 0, 1, 2], "box": [], "lasso": []}}
    assert selected_indices(event) == [17, 4]
    assert selected_indices(None) == []
    assert selected_indices({"selection": {"points": []}}) == []

    class Dec:
        def __call__(self, z, training=False):
            return np.tile(z[:, :1, None], (1, 4, 4))

    class E:
        models = type("M", (), {"decoder": Dec(), "code_shape": (2,)})()
        config = {"scaling": "unit"}

    codes = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    images, z1, z2 = decode_grid(E(), codes, n=5)
    assert images.shape == (25, 4, 4) and len(z1) == len(z2) == 5
    assert z2[0] > z2[-1]  # top row = largest z2
    with pytest.raises(ValueError, match="2-d code"):
        decode_grid(E(), np.zeros((5, 3)))


@pytest.mark.parametrize("conditional", [False, True])
def test_a_vae_is_a_fourth_kind_of_map_its_code_means(tiny_data, conditional):
    run = trained("vae", tiny_data, hidden=[64], batch_size=64, conditional=conditional)
    at = _latent_page(run)
    assert not at.error, [e.value for e in at.error]
    assert _headings(at)[0] == "#### VAE code (means, 2-d)"
    table = at.table[0].value
    assert list(table["method"]) == ["VAE code (means)", "PCA", "t-SNE"]
    assert table.set_index("method").loc["VAE code (means)", "kNN-5 accuracy"] != "–"  # scored like the others
    # a conditional VAE's decoder also needs a class: its manifolds are on the Generate page
    assert ("lt_manifold" in _chart_keys(at)) is not conditional
    assert any("one manifold per class" in c.value for c in at.caption) is conditional
