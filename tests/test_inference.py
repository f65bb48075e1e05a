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
    interpolate,
    is_conditional,
    is_finite_model,
    n_classes_of,
    one_hot,
    predict_batches,
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


# ---------------------------------------------------------------------------- VAEs
@pytest.fixture(scope="module")
def vae_plain():
    config = resolve_config("vae", hidden=[8])
    return build(config, (8, 8)), config


@pytest.fixture(scope="module")
def vae_cond():
    config = resolve_config("vae", hidden=[8], conditional=True)
    return build(config, (8, 8), 10), config


def test_check_structure_accepts_vaes_and_refuses_mixed_parts(vae_plain, vae_cond, dense):
    check_structure(vae_plain[0])  # an encoder with three outputs (mean, log-variance, sample)
    check_structure(vae_cond[0])  # ... and every part with a label as its second input
    plain, cond = vae_plain[0], vae_cond[0]
    with pytest.raises(ValueError, match="its decoder takes 2 inputs but its encoder takes 1"):
        check_structure(Models(plain.encoder, cond.decoder, plain.autoencoder))
    narrow = build(resolve_config("vae", hidden=[8], conditional=True), (8, 8), 3)
    with pytest.raises(ValueError, match=r"its label inputs have shapes \[\(3,\), \(10,\)\]"):
        check_structure(Models(cond.encoder, narrow.decoder, cond.autoencoder))
    with pytest.raises(ValueError, match="its autoencoder takes 1 inputs but its encoder takes 2"):
        check_structure(Models(cond.encoder, cond.decoder, dense[0].autoencoder))


def test_conditional_vae_runs_with_labels_and_says_when_they_are_missing(vae_cond, images):
    models, config = vae_cond
    assert is_conditional(models) and n_classes_of(models) == 10
    labels = np.array([0, 1, 2, 3, 9])
    for call in (lambda **kw: encode(models, config, images, **kw),
                 lambda **kw: reconstruct(models, config, images, **kw),
                 lambda **kw: decode(models, config, np.zeros((5, 2), np.float32), **kw)):
        with pytest.raises(ValueError, match="this is a conditional VAE: give the images' labels too"):
            call()
        call(labels=labels)
    codes = encode(models, config, images, labels=labels)
    x = to_model_space(images, "unit")
    direct = np.asarray(models.encoder([x, one_hot(models, labels)])[0])
    np.testing.assert_allclose(codes, direct, atol=1e-6)  # the mean, given the label
    _, recon = reconstruct(models, config, images, labels=labels)
    np.testing.assert_allclose(recon, decode(models, config, codes, labels=labels), atol=1e-5)
    # the label changes what the decoder draws
    assert not np.allclose(decode(models, config, codes, labels=np.zeros(5, int)),
                           decode(models, config, codes, labels=np.full(5, 9)))
    # soft label rows pass through as they are
    soft = np.full((5, 10), 0.1, np.float32)
    assert decode(models, config, codes, labels=soft).shape == (5, 8, 8)
    with pytest.raises(ValueError, match=r"label rows must have shape \(5, 10\), got \(5, 3\)"):
        decode(models, config, codes, labels=soft[:, :3])
    with pytest.raises(ValueError, match="label must be between 0 and 9 for this model's 10 classes, got 10"):
        encode(models, config, images, labels=np.array([0, 1, 2, 3, 10]))
    with pytest.raises(ValueError, match="got 2 labels for 5 images"):
        encode(models, config, images, labels=np.array([0, 1]))
    # above 256 images the two inputs go through predict() together
    many, many_labels = np.concatenate([images] * 60), np.tile(labels, 60)
    np.testing.assert_allclose(encode(models, config, many, labels=many_labels)[:5], codes, atol=1e-5)


def test_models_without_a_label_input_ignore_labels(vae_plain, dense, images):
    for models, config in (vae_plain, dense):
        assert not is_conditional(models) and n_classes_of(models) == 0
        labels = np.arange(5)
        np.testing.assert_array_equal(encode(models, config, images, labels=labels), encode(models, config, images))
        np.testing.assert_array_equal(reconstruct(models, config, images, labels=labels)[1],
                                      reconstruct(models, config, images)[1])
    with pytest.raises(ValueError, match="label needs a conditional VAE"):
        one_hot(vae_plain[0], [1])


def test_a_vae_encoder_gives_its_mean_and_predict_batches_all_outputs(vae_plain, images):
    models, config = vae_plain
    x = to_model_space(images, "unit")
    mean, log_var, z = predict_batches(models.encoder, x, 512, all_outputs=True)
    np.testing.assert_allclose(encode(models, config, images), mean, atol=1e-6)
    np.testing.assert_allclose(z, mean, atol=1e-6)  # no draw outside training
    assert log_var.shape == mean.shape == (5, 2)
    assert len(predict_batches(models.decoder, mean, 512, all_outputs=True)) == 1


@pytest.mark.parametrize("which", ["dense", "vae_plain", "vae_cond"])
def test_interpolate_runs_from_one_reconstruction_to_the_other(which, request, images):
    models, config = request.getfixturevalue(which)
    labels = (3, 7) if which == "vae_cond" else None
    strip = interpolate(models, config, images[0], images[1], steps=6, labels=labels)
    assert strip.shape == (6, 8, 8) and strip.min() >= 0 and strip.max() <= 1
    ends = reconstruct(models, config, images[:2], labels=None if labels is None else np.array(labels))[1]
    np.testing.assert_allclose(strip[[0, -1]], ends, atol=1e-5)
    with pytest.raises(ValueError, match="steps must be between 2 and 1000, got 1"):
        interpolate(models, config, images[0], images[1], steps=1, labels=labels)
    with pytest.raises(ValueError, match="x_a and x_b must be single"):
        interpolate(models, config, images[:2], images[1:3], labels=labels)
