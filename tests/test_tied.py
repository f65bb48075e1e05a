"""Tied weights: the decoder borrows the encoder's transposed kernels, and keeps them after a reload."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from test_cli import cli, fails, ok, subprocess_cli

from aecore import inference
from aecore.models import build, summarize, tied_note
from aecore.store import ModelStore, load_model_file, save_model_file
from aecore.training import FINISHED, TrainingRun
from aecore.variants import VARIANTS, resolve_config

DENSE_FAMILY = [name for name, v in VARIANTS.items() if v.family == "dense"]


def _pairs(models):
    """(decoder layer, encoder layer it mirrors) by name, from the image side."""
    enc = [layer.name for layer in models.encoder.layers if hasattr(layer, "units")]
    dec = [layer.name for layer in models.decoder.layers if hasattr(layer, "units")]
    return list(zip(reversed(dec), enc, strict=True))


def test_the_dense_family_has_the_option_and_conv_refuses_it():
    assert DENSE_FAMILY == ["dense", "deep", "deep2d", "sparse", "linear"]
    for name in DENSE_FAMILY:
        assert resolve_config(name)["tied_weights"] is False
        assert resolve_config(name, tied_weights="true")["tied_weights"] is True
    with pytest.raises(ValueError, match="tied_weights is not a parameter of the conv variant; tied weights apply "
                                         "to the dense-family variants"):
        resolve_config("conv", tied_weights=True)
    with pytest.raises(ValueError, match="tied_weights must be true or false, got 'maybe'"):
        resolve_config("dense", tied_weights="maybe")


@pytest.mark.parametrize("variant", DENSE_FAMILY)
def test_half_the_parameters_and_the_table_says_so(variant, digits):
    untied = build(resolve_config(variant), digits.image_shape)
    tied = build(resolve_config(variant, tied_weights=True), digits.image_shape)
    kernels = sum(int(np.prod(layer.kernel.shape)) for layer in untied.encoder.layers if hasattr(layer, "kernel"))
    assert tied.autoencoder.count_params() == untied.autoencoder.count_params() - kernels
    assert tied.code_shape == untied.code_shape
    rows = summarize(tied)
    assert sum(r["parameters"] for r in rows) == tied.autoencoder.count_params()
    assert sum(r["shared"] for r in rows) == kernels
    assert tied_note(rows) == (f"tied: decoder kernels are the encoder's transposes, "
                               f"{tied.autoencoder.count_params():,} parameters instead of "
                               f"{untied.autoencoder.count_params():,}")
    assert tied_note(summarize(untied)) is None and "shared" not in summarize(untied)[0]
    first = "enc_1" if VARIANTS[variant].defaults["hidden"] else "code"
    assert [r["type"] for r in rows if r["shared"]][-1] == f"DenseTranspose of {first}"  # "pixels" mirrors it
    inference.check_structure(tied)


def test_the_decoder_computes_with_the_encoders_kernel_transposed(digits):
    m = build(resolve_config("deep", tied_weights=True), digits.image_shape)
    for dec_name, enc_name in _pairs(m):
        assert m.decoder.get_layer(dec_name).mirror is m.encoder.get_layer(enc_name)
    pixels, enc_1 = m.decoder.get_layer("pixels"), m.encoder.get_layer("enc_1")
    enc_1.kernel.assign(np.random.default_rng(0).normal(size=enc_1.kernel.shape).astype("float32"))
    h = np.random.default_rng(1).normal(size=(3, 128)).astype("float32")
    want = 1 / (1 + np.exp(-(h @ enc_1.kernel.numpy().T + pixels.bias.numpy())))
    np.testing.assert_allclose(np.asarray(pixels(h)), want, rtol=1e-4, atol=1e-5)


def test_training_updates_one_shared_kernel(digits):
    run = TrainingRun({"variant": "deep", "tied_weights": True, "epochs": 1}, digits, val_limit=100)
    before = run.models.encoder.get_layer("enc_1").kernel.numpy().copy()
    n_weights = len(run.models.autoencoder.trainable_weights)
    run.start()
    assert run.join(60) and run.status == FINISHED, run.reason
    after = run.models.encoder.get_layer("enc_1").kernel.numpy()
    assert not np.allclose(before, after)  # gradients from both sides reached it
    assert run.models.decoder.get_layer("pixels").mirror.kernel is run.models.encoder.get_layer("enc_1").kernel
    assert n_weights == 3 * 2 + 3  # three encoder kernels and biases, three decoder biases


@pytest.mark.parametrize("variant", ["dense", "deep2d"])
def test_store_round_trip_in_safe_mode_keeps_the_tie(variant, digits):
    run = TrainingRun({"variant": variant, "tied_weights": True, "epochs": 1}, digits, val_limit=100)
    run.start()
    assert run.join(60) and run.status == FINISHED, run.reason
    store = ModelStore()
    key = store.save(run.models, run.config, run.history, dataset="digits", n_train=len(digits.x_train),
                     image_shape=digits.image_shape)
    loaded = store.load(key)  # keras.models.load_model(safe_mode=True) inside
    m = loaded.models
    assert loaded.config["tied_weights"] is True
    assert m.autoencoder.count_params() == run.models.autoencoder.count_params()
    for dec_name, enc_name in _pairs(m):
        dec, enc = m.decoder.get_layer(dec_name), m.encoder.get_layer(enc_name)
        assert dec.mirror is enc  # shared, not a copy
        np.testing.assert_array_equal(enc.kernel.numpy(), run.models.encoder.get_layer(enc_name).kernel.numpy())
        np.testing.assert_array_equal(dec.bias.numpy(), run.models.decoder.get_layer(dec_name).bias.numpy())
    x = digits.x_test[:6]
    np.testing.assert_allclose(inference.reconstruct(m, loaded.config, x)[1],
                               inference.reconstruct(run.models, run.config, x)[1], atol=1e-6)
    # Changing the encoder's kernel changes what the reloaded decoder draws: one variable, two users.
    enc = m.encoder.get_layer(_pairs(m)[0][1])
    codes = inference.encode(m, loaded.config, x)
    before = inference.decode(m, loaded.config, codes)
    enc.kernel.assign(enc.kernel.numpy() * 0.0)
    assert not np.allclose(inference.decode(m, loaded.config, codes), before)


def test_plain_keras_load_is_safe_but_untied_until_aecore_reties(digits, tmp_path):
    import keras

    m = build(resolve_config("dense", tied_weights=True), digits.image_shape)
    path = save_model_file(m, tmp_path / "tied.keras", {"config": resolve_config("dense", tied_weights=True)})
    model = keras.models.load_model(path, safe_mode=True, compile=False)
    pixels = model.get_layer("decoder").get_layer("pixels")
    assert pixels.mirror is None and pixels.mirror_name == "code"
    with pytest.raises(ValueError, match="decoder layer 'pixels' is not tied to its encoder layer 'code' yet"):
        model.get_layer("decoder")(np.zeros((1, 32), "float32"))
    assert load_model_file(path).models.decoder.get_layer("pixels").mirror is not None


def test_retie_names_a_missing_or_misfit_mirror(digits):
    from aecore.tied import DenseTranspose, retie

    m = build(resolve_config("deep", tied_weights=True), digits.image_shape)
    pixels = m.decoder.get_layer("pixels")
    lost = DenseTranspose.from_config({**pixels.get_config(), "mirror_name": "enc_9"})
    with pytest.raises(ValueError, match="decoder layer 'pixels' is tied to an encoder layer 'enc_9', which the "
                                         "encoder does not have"):
        retie(m.encoder, SimpleNamespace(layers=[lost]))
    wrong = DenseTranspose.from_config({**pixels.get_config(), "mirror_name": "enc_2"})
    with pytest.raises(ValueError, match=r"maps .* but the kernel of 'enc_2' has shape \(128, 64\)"):
        retie(m.encoder, SimpleNamespace(layers=[wrong]))


def test_cli_train_with_tied_weights(tmp_path):
    out = tmp_path / "tied.keras"
    tied = ok("train", "--variant", "deep", "--dataset", "digits", "--epochs", "1", "--set", "tied_weights=true",
              "--out", str(out))
    untied = ok("train", "--variant", "deep", "--dataset", "digits", "--epochs", "1")
    assert tied["config"]["tied_weights"] is True and untied["config"]["tied_weights"] is False
    assert tied["parameters"] < 0.55 * untied["parameters"]
    assert json.loads(cli("evaluate", "--model", str(out), "--dataset", "digits").stdout)["test_loss"] > 0
    fails("train", "--variant", "conv", "--dataset", "digits", "--set", "tied_weights=true",
          match="tied weights apply to the dense-family variants")


def test_a_fresh_interpreter_loads_a_tied_file(tmp_path, digits):
    """The layer is registered by aecore.store itself, not by having built a model first."""
    config = resolve_config("dense", tied_weights=True)
    path = save_model_file(build(config, digits.image_shape), tmp_path / "tied.keras", {"config": config})
    proc = subprocess_cli("evaluate", "--model", str(path), "--dataset", "digits")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["test_loss"] > 0
