"""aecore.demo: the Home page's tiny model is trained by the engine, not by the app."""

from __future__ import annotations

import numpy as np
import pytest

from aecore.demo import DEMO_VARIANT, train_demo_model
from aecore.inference import check_structure, fits, reconstruct
from aecore.metrics import reconstruction_errors
from aecore.models import build


def test_trains_a_working_model_on_a_subset(digits):
    models, config = train_demo_model(digits, n_train=300, epochs=2, batch_size=32)
    check_structure(models)
    assert fits(models, digits.image_shape)
    assert config["variant"] == DEMO_VARIANT and config["epochs"] == 2 and config["batch_size"] == 32
    x = digits.x_test[:50]
    _, recon = reconstruct(models, config, x)
    assert recon.shape == (50, 8, 8) and np.isfinite(recon).all()
    # it has learned: its reconstructions beat those of the same network before training
    clean = x.astype(np.float32) / 255.0
    _, untrained = reconstruct(build(config, digits.image_shape), config, x)
    assert np.mean(reconstruction_errors(clean, recon)) < 0.8 * np.mean(reconstruction_errors(clean, untrained))


def test_the_same_seed_gives_the_same_model(digits):
    a, _ = train_demo_model(digits, n_train=100, epochs=1)
    b, _ = train_demo_model(digits, n_train=100, epochs=1)
    for wa, wb in zip(a.autoencoder.get_weights(), b.autoencoder.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    ({"n_train": 0}, "n_train must be a positive integer, got 0"),
    ({"seed": -1}, "seed must be a non-negative integer, got -1"),
    ({"epochs": 0}, "epochs must be between 1 and 1000, got 0"),
])
def test_bad_arguments_name_the_parameter(digits, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_demo_model(digits, **kwargs)


def test_a_run_that_does_not_finish_in_time_is_an_error(digits):
    with pytest.raises(ValueError, match="did not finish training within 0 s"):
        train_demo_model(digits, n_train=1000, epochs=50, timeout=0)


# ---------------------------------------------------------------------------- the NumPy demo (Home's first screen)
def test_numpy_demo_learns_without_tensorflow(digits):
    import subprocess
    import sys

    from aecore.demo import train_demo_numpy

    model = train_demo_numpy(digits, n_train=300, epochs=2, batch_size=32)
    assert model.config["variant"] == DEMO_VARIANT and model.config["epochs"] == 2
    assert len(model.history) == 2 and model.history[1] < model.history[0]
    x = digits.x_test[:50]
    recon = model.reconstruct(x)
    assert recon.shape == (50, 8, 8) and 0 <= recon.min() and recon.max() <= 1
    assert model.encode(x).shape == (50, 32)
    # no TensorFlow on the way: a fresh interpreter trains the demo and never imports it
    code = ("import sys; from aecore.data import load_dataset; from aecore.demo import train_demo_numpy; "
            "train_demo_numpy(load_dataset('digits'), n_train=100, epochs=1); "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_numpy_demo_is_trained_once_then_loaded_from_the_store(digits, tmp_path):
    from aecore.demo import DemoModel, load_or_train_demo

    first, how1 = load_or_train_demo(digits, tmp_path)
    second, how2 = load_or_train_demo(digits, tmp_path)
    assert (how1, how2) == ("trained", "loaded")
    np.testing.assert_array_equal(first.w1, second.w1)
    assert second.config == first.config and second.image_shape == (8, 8)
    (path,) = (tmp_path / "demo").glob("*.npz")
    path.write_bytes(b"damaged")  # a damaged file is trained over, never shown
    with pytest.raises(ValueError, match="cannot be read"):
        DemoModel.load(path)
    again, how3 = load_or_train_demo(digits, tmp_path)
    assert how3 == "trained"
    np.testing.assert_allclose(again.w1, first.w1, rtol=1e-5)  # the same seed, the same model
