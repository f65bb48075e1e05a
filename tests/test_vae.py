"""The VAE: registry entry, models, training through TrainingRun, saving, generating, CLI."""

import json
import math

import numpy as np
import pytest
from test_cli import cli, fails, ok

from aecore import inference, vae
from aecore.models import build, summarize
from aecore.store import ModelStore, load_model_file, save_model_file
from aecore.training import FINISHED, PAUSED, History, TrainingRun
from aecore.variants import PRESETS, VARIANTS, architecture_changed, resolve_config

SMALL = {"hidden": [64, 32], "batch_size": 128}


def _train(data, **overrides):
    run = TrainingRun({"variant": "vae", "epochs": 2, **SMALL, **overrides}, data, val_limit=100)
    run.start()
    assert run.join(120)
    assert run.status == FINISHED, run.reason
    return run


@pytest.fixture(scope="module")
def plain(digits):
    return _train(digits)


@pytest.fixture(scope="module")
def conditional(digits):
    return _train(digits, conditional=True)


# ---------------------------------------------------------------------------- registry
def test_registry_entry_and_presets():
    c = resolve_config("vae")
    assert (c["arch"], c["hidden"], c["code_dim"], c["beta"], c["conditional"]) == ("dense", [512, 256], 2, 1.0, False)
    assert (c["loss"], c["scaling"], c["output_activation"]) == ("bce", "unit", "sigmoid")
    source = VARIANTS["vae"].source
    for ref in ("keras-io", "Kingma & Welling 2014", "Higgins et al. 2017", "Sohn et al. 2015"):
        assert ref in source
    assert {v for v, _ in PRESETS.values()} >= {"vae"}
    assert any(o.get("conditional") for v, o in PRESETS.values() if v == "vae")
    assert architecture_changed(c, resolve_config("vae", beta=4)) == ["beta"]
    assert architecture_changed(c, resolve_config("vae", conditional="true")) == ["conditional"]


@pytest.mark.parametrize("value,expected", [(True, True), ("true", True), ("Yes", True), (1, True),
                                            (False, False), ("false", False), ("0", False), ("off", False)])
def test_conditional_takes_booleans_and_words(value, expected):
    assert resolve_config("vae", conditional=value)["conditional"] is expected


@pytest.mark.parametrize("overrides,match", [
    ({"conditional": "maybe"}, r"conditional must be true or false, got 'maybe'"),
    ({"conditional": 2}, r"conditional must be true or false, got 2"),
    ({"beta": -1}, r"beta must be between 0 and 100, got -1"),
    ({"beta": "big"}, r"beta must be a number, got 'big'"),
    ({"arch": "rnn"}, r"arch must be one of dense, conv; got 'rnn'"),
    ({"loss": "mse", "output_activation": "linear"}, r"loss must be 'bce', got 'mse'"),
    ({"arch": "conv", "filters": ""}, r"arch 'conv' needs filters to list at least one conv stage"),
    ({"conditional": True, "noise_factor": 0.3}, r"a conditional VAE trains on clean images: set noise_factor to 0"),
    ({"l1": 0.1}, r"l1 is not a parameter of the vae variant"),
])
def test_bad_vae_settings_name_the_parameter(overrides, match):
    with pytest.raises(ValueError, match=match):
        resolve_config("vae", **overrides)


# ---------------------------------------------------------------------------- models
@pytest.mark.parametrize("arch,shape", [("dense", (28, 28)), ("dense", (8, 8)), ("conv", (28, 28)),
                                        ("conv", (8, 8)), ("conv", (13, 11))])
@pytest.mark.parametrize("cond", [False, True])
def test_named_models_and_shapes(arch, shape, cond):
    config = resolve_config("vae", arch=arch, conditional=cond, code_dim=3, **SMALL)
    m = build(config, shape, n_classes=4)
    assert (m.encoder.name, m.decoder.name, m.autoencoder.name) == ("encoder", "decoder", "autoencoder")
    assert isinstance(m.autoencoder, vae.VAEModel) and vae.is_conditional(m) is cond
    assert m.code_shape == (3,) and vae.n_classes_of(m) == (4 if cond else 0)
    x = np.random.default_rng(0).random((5, *shape), dtype=np.float32)
    label = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0]]
    z_mean, z_log_var, z = (np.asarray(t) for t in m.encoder([x, label] if cond else x))
    assert z_mean.shape == z_log_var.shape == z.shape == (5, 3)
    np.testing.assert_allclose(z, z_mean)  # outside training the code is the mean
    assert np.asarray(m.decoder([z, label] if cond else z)).shape == (5, *shape)
    out = np.asarray(m.autoencoder([x, label] if cond else x))
    assert out.shape == (5, *shape) and 0 <= out.min() and out.max() <= 1
    assert sum(r["parameters"] for r in summarize(m)) == m.autoencoder.count_params()
    assert not [ly for part in (m.encoder, m.decoder) for ly in part.layers if type(ly).__name__ == "Lambda"]


def test_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match="code_dim must be between 1 and 64 for 8x8 images, got 100"):
        build(resolve_config("vae", code_dim=100), (8, 8))
    with pytest.raises(ValueError, match=r"filters has 3 conv stages.*use at most 2"):
        build(resolve_config("vae", arch="conv", filters="8,8,8"), (6, 6))
    with pytest.raises(ValueError, match="n_classes must be between 2 and 10000 for a conditional VAE, got 1"):
        build(resolve_config("vae", conditional=True), (8, 8), n_classes=1)


@pytest.mark.parametrize("conditional", [False, True])
def test_builds_from_the_architecture_keys_alone(conditional):
    """The Train page's architecture table builds from these keys only (ui.cache.architecture)."""
    from aecore.variants import ARCHITECTURE_KEYS

    config = resolve_config("vae", conditional=conditional)
    arch = {k: v for k, v in config.items() if k in ARCHITECTURE_KEYS or k == "variant"}
    assert "noise_factor" not in arch
    rows = summarize(build(arch, (8, 8)))
    assert any(r["layer"] == "with_label" for r in rows) is conditional


def test_same_seed_same_weights():
    a = build(resolve_config("vae", seed=3, **SMALL), (8, 8)).autoencoder.get_weights()
    b = build(resolve_config("vae", seed=3, **SMALL), (8, 8)).autoencoder.get_weights()
    c = build(resolve_config("vae", seed=4, **SMALL), (8, 8)).autoencoder.get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


# ---------------------------------------------------------------------------- training
@pytest.mark.parametrize("which", ["plain", "conditional"])
def test_trains_through_trainingrun_with_reconstruction_and_kl_curves(which, request):
    run = request.getfixturevalue(which)
    h = run.snapshot().history
    assert h.epoch == [1, 2]
    for name in ("reconstruction", "kl", "val_reconstruction", "val_kl"):
        assert len(h.extra[name]) == 2 and all(math.isfinite(v) for v in h.extra[name]), name
    # beta 1: the total is reconstruction + KL, and the KL is a divergence (never negative)
    np.testing.assert_allclose(h.loss, np.add(h.extra["reconstruction"], h.extra["kl"]), rtol=1e-4)
    np.testing.assert_allclose(h.val_loss, np.add(h.extra["val_reconstruction"], h.extra["val_kl"]), rtol=1e-4)
    assert min(h.extra["kl"]) >= 0 and h.val_loss[-1] < h.val_loss[0]
    back = History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert back.extra == h.extra and back.loss == h.loss


def test_history_without_extra_curves_still_loads():
    h = History.from_dict({"epoch": [1], "loss": [0.3], "val_loss": [0.2], "trace_x": [1.0], "trace_loss": [0.3]})
    assert h.extra == {} and h.to_dict()["loss"] == [0.3] and set(h.to_dict()) == {
        "epoch", "loss", "val_loss", "trace_x", "trace_loss"}


def test_beta_weights_the_kl_in_the_total(digits):
    run = _train(digits, beta=4.0, epochs=1)
    h = run.history
    np.testing.assert_allclose(h.loss[0], h.extra["reconstruction"][0] + 4.0 * h.extra["kl"][0], rtol=1e-4)


def test_step_pause_learning_rate_and_resume(digits):
    run = TrainingRun({"variant": "vae", "epochs": 3, **SMALL, "conditional": True}, digits, val_limit=100)
    run.step()
    assert run.wait(60) == PAUSED and run.progress.epoch == 1
    run.set_learning_rate(0.0005)
    run.resume()
    assert run.join(120) and run.status == FINISHED, run.reason
    assert run.history.epoch == [1, 2, 3] and len(run.history.extra["kl"]) == 3
    assert float(run.models.autoencoder.optimizer.learning_rate) == pytest.approx(0.0005)


# ---------------------------------------------------------------------------- saving
@pytest.mark.parametrize("which", ["plain", "conditional"])
def test_store_round_trip_in_safe_mode(which, request, digits, tmp_path):
    import keras

    run = request.getfixturevalue(which)
    store = ModelStore(tmp_path / "store")
    key = store.save(run.models, run.config, run.history, dataset="digits", n_train=len(digits.x_train),
                     image_shape=digits.image_shape)
    loaded = store.load(key)
    assert isinstance(loaded.models.autoencoder, vae.VAEModel) and loaded.models.autoencoder.beta == 1.0
    assert loaded.config == run.config and loaded.history.extra == run.history.extra
    y = digits.y_test[:6] if which == "conditional" else None
    a = vae.reconstruct(run.models, run.config, digits.x_test[:6], y)[1]
    b = vae.reconstruct(loaded.models, loaded.config, digits.x_test[:6], y)[1]
    np.testing.assert_allclose(a, b, atol=1e-6)
    # the file alone, through Keras' own loader in safe mode
    path = save_model_file(run.models, tmp_path / "v.keras", {"config": run.config})
    model = keras.models.load_model(path, safe_mode=True)
    assert type(model).__name__ == "VAEModel" and model.get_layer("encoder").get_layer("z").__class__ is vae.Sampling
    assert load_model_file(path).models.code_shape == (2,)


# ---------------------------------------------------------------------------- generating
def test_sample_shapes_range_and_seeding(plain):
    m, c = plain.models, plain.config
    s = vae.sample(m, c, 7, seed=1)
    assert s.shape == (7, 8, 8) and s.dtype == np.float32 and 0 <= s.min() and s.max() <= 1
    np.testing.assert_array_equal(s, vae.sample(m, c, 7, seed=1))
    assert not np.allclose(s, vae.sample(m, c, 7, seed=2))
    with pytest.raises(ValueError, match="label needs a conditional VAE"):
        vae.sample(m, c, 3, label=7)
    with pytest.raises(ValueError, match="n must be between 1 and 100000, got 0"):
        vae.sample(m, c, 0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        vae.sample(m, c, 3, seed=-1)


def test_conditional_sample_shapes_and_labels(conditional):
    m, c = conditional.models, conditional.config
    sevens = vae.sample(m, c, 5, seed=0, label=7)
    assert sevens.shape == (5, 8, 8)
    # the label changes the picture drawn from the same codes
    assert not np.allclose(sevens, vae.sample(m, c, 5, seed=0, label=1))
    cycled = vae.sample(m, c, 12, seed=0)
    np.testing.assert_allclose(cycled[7], vae.sample(m, c, 12, seed=0, label=np.arange(12) % 10)[7])
    with pytest.raises(ValueError, match="label must be between 0 and 9 for this model's 10 classes, got 12"):
        vae.sample(m, c, 3, label=12)
    with pytest.raises(ValueError, match="label must be a whole number"):
        vae.sample(m, c, 3, label=2.5)


def test_encode_decode_reconstruct(plain, conditional, digits):
    x, y = digits.x_test[:5], digits.y_test[:5]
    code = vae.encode(plain.models, plain.config, x)
    assert code.shape == (5, 2)
    np.testing.assert_allclose(code, inference.encode(plain.models, plain.config, x))  # the mean is the code
    np.testing.assert_allclose(vae.decode(plain.models, plain.config, code),
                               vae.reconstruct(plain.models, plain.config, x)[1], atol=1e-5)
    ccode = vae.encode(conditional.models, conditional.config, x, y)
    assert ccode.shape == (5, 2)
    inputs, recon = vae.reconstruct(conditional.models, conditional.config, x, y)
    assert inputs.shape == recon.shape == (5, 8, 8)
    np.testing.assert_allclose(vae.decode(conditional.models, conditional.config, ccode, y), recon, atol=1e-5)
    with pytest.raises(ValueError, match="this is a conditional VAE: give the images' labels too"):
        vae.encode(conditional.models, conditional.config, x)
    with pytest.raises(ValueError, match="labels were given but this VAE is not conditional"):
        vae.reconstruct(plain.models, plain.config, x, y)
    assert inference.image_shape_of(conditional.models) == (8, 8)


def test_interpolate_runs_between_the_two_codes(plain, conditional, digits):
    a, b = digits.x_test[0], digits.x_test[1]
    strip = vae.interpolate(plain.models, plain.config, a, b, steps=6)
    assert strip.shape == (6, 8, 8)
    ends = vae.reconstruct(plain.models, plain.config, np.stack([a, b]))[1]
    np.testing.assert_allclose(strip[[0, -1]], ends, atol=1e-5)
    ya, yb = (int(v) for v in digits.y_test[:2])
    cstrip = vae.interpolate(conditional.models, conditional.config, a, b, steps=3, y_a=ya, y_b=yb)
    assert cstrip.shape == (3, 8, 8)
    with pytest.raises(ValueError, match="this is a conditional VAE: give the images' labels too"):
        vae.interpolate(conditional.models, conditional.config, a, b)
    with pytest.raises(ValueError, match="steps must be between 2 and 1000, got 1"):
        vae.interpolate(plain.models, plain.config, a, b, steps=1)


def test_manifold_grid(plain, conditional):
    grid = vae.manifold(plain.models, plain.config, grid=4, span=1.5)
    assert grid.shape == (4, 4, 8, 8)
    # the top-left cell is drawn at z = (-span, +span)
    np.testing.assert_allclose(grid[0, 0], vae.decode(plain.models, plain.config, np.array([[-1.5, 1.5]]))[0],
                               atol=1e-5)
    assert vae.manifold(conditional.models, conditional.config, grid=3, label=4).shape == (3, 3, 8, 8)
    wide = build(resolve_config("vae", code_dim=3, **SMALL), (8, 8))
    with pytest.raises(ValueError, match="the manifold grid needs a 2-d code; this model's code has 3 numbers"):
        vae.manifold(wide, resolve_config("vae", code_dim=3))
    with pytest.raises(ValueError, match="span must be a number between 0"):
        vae.manifold(plain.models, plain.config, span=0)


def test_neg_elbo_terms(plain, conditional, digits):
    r = vae.neg_elbo(plain.models, plain.config, digits.x_test)
    assert set(r) == {"neg_elbo", "reconstruction", "kl"} and all(math.isfinite(v) for v in r.values())
    assert r["kl"] >= 0 and r["neg_elbo"] == pytest.approx(r["reconstruction"] + r["kl"])
    assert r == vae.neg_elbo(plain.models, plain.config, digits.x_test)  # seeded draw
    # the same quantity Keras reported for the last epoch (another draw of the codes)
    assert r["neg_elbo"] == pytest.approx(plain.history.val_loss[-1], rel=0.05)
    rc = vae.neg_elbo(conditional.models, conditional.config, digits.x_test, digits.y_test)
    assert all(math.isfinite(v) for v in rc.values())
    with pytest.raises(ValueError, match="give the images' labels too"):
        vae.neg_elbo(conditional.models, conditional.config, digits.x_test)


# ---------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def cli_models(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    files = {}
    for name, extra in (("plain", []), ("cond", ["--set", "conditional=true"])):
        files[name] = d / f"{name}.keras"
        res = ok("train", "--variant", "vae", "--dataset", "digits", "--epochs", "1", "--set", "hidden=32",
                 *extra, "--out", str(files[name]))
        assert res["variant"] == "vae" and res["epochs"] == 1 and math.isfinite(res["val_loss"])
    dense = build(resolve_config("dense"), (8, 8))
    files["dense"] = save_model_file(dense, d / "dense.keras", {"config": resolve_config("dense")})
    return files


def test_cli_evaluate_adds_the_elbo_terms(cli_models):
    for name in ("plain", "cond"):
        res = ok("evaluate", "--model", str(cli_models[name]), "--dataset", "digits")
        for key in ("neg_elbo", "reconstruction", "kl", "test_loss", "mse", "psnr", "knn5_accuracy"):
            assert isinstance(res[key], float), key
        assert res["neg_elbo"] == pytest.approx(res["reconstruction"] + res["kl"])
        assert res["code_size"] == 2 and res["conditional"] is (name == "cond")
    assert "neg_elbo" not in ok("evaluate", "--model", str(cli_models["dense"]), "--dataset", "digits")


def test_cli_sample_writes_a_png_grid(cli_models, tmp_path):
    from PIL import Image

    out = tmp_path / "grid.png"
    res = ok("sample", "--model", str(cli_models["plain"]), "--n", "16", "--seed", "3", "--out", str(out))
    assert res["n"] == 16 and res["grid"] == [4, 4] and res["out"] == str(out)
    first = out.read_bytes()
    # 8x8 digits enlarged 7 times (to 56 px), 2-pixel black gaps and border, also enlarged
    with Image.open(out) as img:
        assert img.size == (4 * 10 * 7 + 14, 4 * 10 * 7 + 14) and img.mode == "L"
        pixels = np.asarray(img)
    assert pixels[:14].max() == 0 and pixels[:, :14].max() == 0  # the black border
    assert pixels[14:70, 14:70].max() > 0  # the first digit
    ok("sample", "--model", str(cli_models["plain"]), "--n", "16", "--seed", "3", "--out", str(out))
    assert out.read_bytes() == first  # seeded
    res = ok("sample", "--model", str(cli_models["cond"]), "--n", "5", "--label", "7", "--out", str(out))
    assert res["label"] == 7 and res["grid"] == [2, 3]
    res = ok("sample", "--model", str(cli_models["cond"]), "--n", "20", "--out", str(out))
    assert res["labels"][:11] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0] and res["grid"] == [2, 10]
    with Image.open(out) as img:
        assert img.size == (10 * 10 * 7 + 14, 2 * 10 * 7 + 14)


@pytest.mark.parametrize("model,extra,match", [
    ("plain", ["--label", "7"], "--label needs a conditional VAE; this model was trained with conditional=false"),
    ("cond", ["--label", "10"], "--label must be between 0 and 9 for this model's 10 classes, got 10"),
    ("cond", ["--label", "-1"], "--label must be between 0 and 9 for this model's 10 classes, got -1"),
    ("cond", ["--label", "seven"], "argument --label: invalid int value: 'seven'"),
    ("dense", [], "is a dense model, not a VAE: sample needs a model trained with --variant vae"),
    ("plain", ["--n", "0"], "--n must be between 1 and 1024, got 0"),
    ("plain", ["--seed", "-2"], "--seed must be a non-negative integer, got -2"),
])
def test_cli_sample_bad_arguments(cli_models, tmp_path, model, extra, match):
    fails("sample", "--model", str(cli_models[model]), *extra, "--out", str(tmp_path / "g.png"), match=match)
    assert not (tmp_path / "g.png").exists()


def test_cli_sample_bad_paths(cli_models, tmp_path):
    fails("sample", "--model", str(cli_models["plain"]), "--out", str(tmp_path / "g.jpg"),
          match="--out must name a .png file")
    fails("sample", "--model", str(cli_models["plain"]), "--out", str(tmp_path / "no" / "g.png"),
          match="does not exist")
    fails("sample", "--model", str(tmp_path / "none.keras"), "--out", str(tmp_path / "g.png"),
          match="does not exist")
    proc = cli("sample", "--out", str(tmp_path / "g.png"))
    assert proc.returncode != 0 and "required: --model" in proc.stderr
