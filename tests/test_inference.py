"""aecore.inference on tiny freshly built models: no training needed to check the plumbing."""

import numpy as np
import pytest

from aecore.inference import (
    check_fits,
    check_structure,
    decode,
    encode,
    fits,
    image_shape_of,
    is_finite_model,
    reconstruct,
)
from aecore.models import Models, build, to_model_space
from aecore.noise import add_noise
from aecore.variants import resolve_config


@pytest.fixture(scope="module")
def dense():
    config = resolve_config("deep2d", hidden=[8], code_dim=2)
    return build(config, (8, 8)), config


@pytest.fixture(scope="module")
def conv():
    config = resolve_config("conv", filters=[2, 2])
    return build(config, (8, 8)), config


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (5, 8, 8), dtype=np.uint8)


def test_encode_is_the_encoder_on_scaled_flattened_codes(dense, conv, images):
    for models, config in (dense, conv):
        codes = encode(models, config, images)
        assert codes.dtype == np.float32 and codes.shape == (5, models.code_size)
        assert codes.flags.c_contiguous
        direct = np.asarray(models.encoder(to_model_space(images, config["scaling"]))).reshape(5, -1)
        np.testing.assert_allclose(codes, direct, rtol=1e-6, atol=1e-6)


def test_batched_predict_and_direct_call_agree(dense, images):
    """Above 256 images encode/reconstruct go through predict(); the answer must not change."""
    models, config = dense
    many = np.concatenate([images] * 60)  # 300 images
    np.testing.assert_allclose(encode(models, config, many)[:5], encode(models, config, images), atol=1e-5)
    np.testing.assert_allclose(reconstruct(models, config, many)[1][:5], reconstruct(models, config, images)[1],
                               atol=1e-5)


def test_decode_inverts_shapes_and_returns_pixels(dense, conv, images):
    for models, config in (dense, conv):
        codes = encode(models, config, images)
        drawn = decode(models, config, codes)  # flat codes are reshaped to the code shape
        assert drawn.shape == (5, 8, 8) and drawn.min() >= 0 and drawn.max() <= 1
        np.testing.assert_allclose(drawn, reconstruct(models, config, images)[1], atol=1e-5)


def test_reconstruct_corrupts_with_the_noise_module(dense, images):
    models, config = dense  # centered scaling: noise in [-0.5, 0.5], returned in pixels [0, 1]
    clean_in, clean_out = reconstruct(models, config, images)
    np.testing.assert_allclose(clean_in, images / 255.0, atol=1e-6)
    noisy_in, noisy_out = reconstruct(models, config, images, 0.5, "masking", noise_seed=4)
    expected = add_noise(to_model_space(images, "centered"), 0.5, "masking", 4, (-0.5, 0.5)) + 0.5
    np.testing.assert_allclose(noisy_in, expected, atol=1e-6)
    assert noisy_out.shape == clean_out.shape and not np.allclose(noisy_out, clean_out)


def test_check_fits_names_both_sizes(dense):
    models, _ = dense
    assert image_shape_of(models) == (8, 8) and fits(models, (8, 8)) and not fits(models, (28, 28))
    check_fits(models, (8, 8))
    with pytest.raises(ValueError, match="this model expects 8x8 images but digits2 has 28x28 images; "
                                         "choose a dataset with 8x8 images"):
        check_fits(models, (28, 28), "digits2")


def test_check_structure_accepts_ours_and_names_what_is_wrong(dense, conv):
    import keras

    for models, _ in (dense, conv):
        check_structure(models)
    models, _ = dense
    with pytest.raises(ValueError, match="its decoder is a Dense layer, not a model"):
        check_structure(Models(models.encoder, keras.layers.Dense(64), models.autoencoder))
    # an encoder whose codes the decoder cannot take
    other = build(resolve_config("deep2d", hidden=[8], code_dim=3), (8, 8))
    with pytest.raises(ValueError, match=r"its decoder takes codes of shape \(3,\) but the encoder gives \(2,\)"):
        check_structure(Models(models.encoder, other.decoder, models.autoencoder))
    # a decoder that draws another size than the model takes
    small = build(resolve_config("deep2d", hidden=[8], code_dim=2), (4, 4))
    with pytest.raises(ValueError, match="its decoder draws 4x4 images but the model takes 8x8 images"):
        check_structure(Models(models.encoder, small.decoder, models.autoencoder))
    # an input shape that is not fully known
    i = keras.Input((None, 8))
    loose = keras.Model(i, i)
    with pytest.raises(ValueError, match=r"its autoencoder input shape \(None, 8\) is not fully known"):
        check_structure(Models(models.encoder, models.decoder, loose))


def test_is_finite_model(dense):
    models, config = dense
    assert is_finite_model(models)
    broken = build(config, (8, 8))
    weights = broken.autoencoder.get_weights()
    weights[-1] = np.full_like(weights[-1], np.inf)  # one decoder bias is enough
    broken.autoencoder.set_weights(weights)
    assert not is_finite_model(broken)
