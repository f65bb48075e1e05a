"""AppTest: Home's demo is a real model saved to the store once, and loaded from there later."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from aecore.demo import DemoModel

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_home_saves_its_demo_model_to_the_store(tmp_path, monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setenv("AECORE_STORE_DIR", str(store))
    monkeypatch.setenv("AECORE_DATA_ROOT", str(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception and not at.error
    demo = next(c.value for c in at.caption if "passed through" in c.value)
    assert "tiny single-layer autoencoder trained for 3 epochs" in demo
    (path,) = (store / "demo").glob("*.npz")  # what the next start loads instead of training
    model = DemoModel.load(path)
    assert model.image_shape == (28, 28) and model.code_size == 32 and len(model.history) == 3
    assert model.history[-1] < model.history[0]
