import numpy as np
import pytest

from aecore.models import build, make_loss, make_optimizer, summarize, to_model_space, to_pixels
from aecore.variants import LOSSES, OPTIMIZERS, VARIANTS, resolve_config


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("shape", [(28, 28), (8, 8)])
def test_builds_named_models_for_any_size(name, shape):
    m = build(resolve_config(name), shape)
    assert (m.encoder.name, m.decoder.name, m.autoencoder.name) == ("encoder", "decoder", "autoencoder")
    x = np.zeros((3, *shape), np.float32)
    assert np.asarray(m.autoencoder(x)).shape == (3, *shape)
    code = m.encoder(x)
    code = np.asarray(code[0] if isinstance(code, (list, tuple)) else code)  # a VAE's: (mean, log-var, z)
    assert code.shape[1:] == m.code_shape
    assert np.asarray(m.decoder(code)).shape == (3, *shape)
    rows = summarize(m)
    assert sum(r["parameters"] for r in rows) == m.autoencoder.count_params()


def test_keras_blog_shapes_and_parameter_counts():
    conv = build(resolve_config("conv"), (28, 28))
    assert conv.code_shape == (4, 4, 8) and conv.code_size == 128
    assert conv.autoencoder.count_params() == 4385  # the blog's Conv2D 16-8-8 model
    assert build(resolve_config("denoising"), (28, 28)).code_shape == (7, 7, 32)
    assert build(resolve_config("dense"), (28, 28)).autoencoder.count_params() == 784 * 32 + 32 + 32 * 784 + 784


def test_code_wider_than_image_is_refused():
    with pytest.raises(ValueError, match="code_dim must be between 1 and 64 for 8x8 images, got 100"):
        build(resolve_config("dense", code_dim=100), (8, 8))


def test_conv_too_deep_for_image_is_refused():
    with pytest.raises(ValueError, match=r"filters has 3 conv stages.*at least 8x8; got 6x6: use at most 2"):
        build(resolve_config("conv"), (6, 6))


def test_odd_sizes_are_cropped_back():
    m = build(resolve_config("conv", filters="4,4"), (13, 11))
    assert np.asarray(m.autoencoder(np.zeros((1, 13, 11), np.float32))).shape == (1, 13, 11)


def test_same_seed_same_weights():
    a = build(resolve_config("deep", seed=3), (8, 8)).autoencoder.get_weights()
    b = build(resolve_config("deep", seed=3), (8, 8)).autoencoder.get_weights()
    c = build(resolve_config("deep", seed=4), (8, 8)).autoencoder.get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_scaling_round_trip():
    x = np.array([[[0, 128, 255]]], np.uint8)
    assert to_model_space(x, "unit").max() == 1.0
    assert to_model_space(x, "centered").min() == -0.5
    np.testing.assert_allclose(to_pixels(to_model_space(x, "centered"), "centered"), x / 255.0, atol=1e-6)


def test_every_registered_optimizer_and_loss_exists():
    for name in OPTIMIZERS:
        assert float(np.asarray(make_optimizer(name, 0.01).learning_rate)) == pytest.approx(0.01)
    assert [type(make_loss(n)).__name__ for n in LOSSES] == ["BinaryCrossentropy", "MeanSquaredError"]


@pytest.mark.parametrize("make,name,match", [
    (lambda n: make_optimizer(n, 0.01), "adamax", r"unknown optimizer 'adamax'; valid optimizers: adam, adadelta"),
    (lambda n: make_optimizer(n, 0.01), None, r"unknown optimizer None; valid optimizers: adam"),
    (make_loss, "mae", r"unknown loss 'mae'; valid losses: bce, mse"),
    (make_loss, "BCE", r"unknown loss 'BCE'; valid losses: bce, mse"),  # never a silent MSE
])
def test_unknown_optimizer_or_loss_lists_valid_names(make, name, match):
    with pytest.raises(ValueError, match=match):
        make(name)
