"""AppTest: the Home page shows a real model, the variants, the data and links."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from aecore.data import load_dataset
from aecore.models import build
from aecore.store import ModelStore
from aecore.training import History
from aecore.variants import PRESETS, VARIANTS, resolve_config

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch):
    monkeypatch.setenv("AECORE_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("AECORE_DATA_ROOT", str(tmp_path / "data"))
    return tmp_path / "store"


def _home() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [i.value for i in at.info] + [w.value for w in at.warning])


def test_home_shows_input_code_reconstruction_with_a_real_model():
    at = _home()
    assert not at.error
    # input -> code -> reconstruction, as plain HTML: no Plotly on the first screen
    (demo,) = [h.proto.body for h in at.get("html") if 'class="ae-demo"' in h.proto.body]
    assert demo.count("<img ") == 12 and "code (32 numbers)" in demo
    assert not at.get("plotly_chart")
    text = _text(at)
    assert "autoencoder" in text.lower()
    # no session model and an empty store: the tiny model trained once per process
    assert "tiny single-layer autoencoder" in text
    assert "each becomes 32 numbers" in text


def test_home_lists_variants_with_their_sources_and_the_data_provenance():
    at = _home()
    text = _text(at)
    for v in VARIANTS.values():
        assert v.title in text
        assert v.source in text
    # the default dataset is the offline sample, and the page says so plainly
    assert "mnist_sample" in text
    assert "offline 5,000-digit MNIST sample" in text
    links = at.get("page_link")
    targets = " ".join(str(link.proto.page) for link in links)
    for page in ("train", "denoise", "latent"):
        assert page in targets


def test_home_prefers_a_pretrained_preset_from_the_store(_store):
    label, (variant, overrides) = next(iter(PRESETS.items()))
    config = resolve_config(variant, **overrides)
    ds = load_dataset("mnist_sample")
    models = build(config, ds.image_shape)  # weights do not matter here, only where it came from
    ModelStore(_store).save(models, config, History(), dataset=ds.name, n_train=len(ds.x_train),
                            image_shape=ds.image_shape)
    at = _home()
    assert not at.error
    assert f"pretrained preset “{label}”" in _text(at)
