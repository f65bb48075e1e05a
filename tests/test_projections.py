"""Tests for aecore.projections on tiny seeded data (sklearn small_digits, random arrays)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from aecore import projections
from aecore.projections import code_to_2d, latent, openmp, pca, sample_indices, threads, tsne, tsne_projection


@pytest.fixture(scope="module")
def small_digits():
    d = load_digits()
    idx = sample_indices(d.target, 150, seed=0)
    images = (d.images[idx] * (255.0 / 16.0)).round().astype(np.uint8)  # (150, 8, 8) uint8
    return images, d.target[idx]


def record():
    calls = []
    return calls, lambda fraction, message: calls.append((fraction, message))


# ----------------------------------------------------------------------------- pca


def test_pca_shape_dtype_and_uint8_scaling(small_digits):
    images, _ = small_digits
    out = pca(images)
    assert out.shape == (len(images), 2) and out.dtype == np.float32
    # uint8 images are scaled to [0, 1] before PCA; float features are used as they are.
    scaled = pca(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    np.testing.assert_allclose(out, scaled, rtol=1e-4, atol=1e-5)


def test_pca_deterministic_and_n_components(small_digits):
    images, _ = small_digits
    np.testing.assert_array_equal(pca(images, random_state=3), pca(images, random_state=3))
    assert pca(images, n_components=5).shape == (len(images), 5)


@pytest.mark.parametrize("bad", [0, 65, 2.5, True])
def test_pca_rejects_bad_n_components(small_digits, bad):
    images, _ = small_digits
    with pytest.raises(ValueError, match=r"n_components must be between 1 and 64 .* got"):
        pca(images, n_components=bad)


@pytest.mark.parametrize(
    "x, match",
    [
        (np.zeros(10), r"must be images \(n, h, w\) or features \(n, d\)"),
        (np.zeros((0, 4)), "has no samples"),
        (np.full((6, 3), np.nan), "NaN or infinite"),
    ],
)
def test_inputs_are_validated(x, match):
    with pytest.raises(ValueError, match=match):
        pca(x)
    with pytest.raises(ValueError, match=match):
        tsne(x)


# ----------------------------------------------------------------------------- tsne


def test_tsne_shape_dtype_and_determinism(small_digits):
    images, _ = small_digits
    a = tsne(images, perplexity=10, n_iter=250, random_state=0)
    b = tsne(images, perplexity=10, n_iter=250, random_state=0)
    assert a.shape == (len(images), 2) and a.dtype == np.float32
    assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, b)


def test_tsne_separates_classes(small_digits):
    from sklearn.neighbors import KNeighborsClassifier

    images, y = small_digits
    emb = tsne(images, perplexity=10, n_iter=300)
    # Leave-one-out style sanity check: neighbours in the map mostly share a label.
    acc = KNeighborsClassifier(5).fit(emb[::2], y[::2]).score(emb[1::2], y[1::2])
    assert acc > 0.7


def test_tsne_progress_monotonic_and_ends_at_one(small_digits):
    images, _ = small_digits
    calls, progress = record()
    tsne(images, perplexity=10, n_iter=250, progress=progress)
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in calls)
    assert np.all(np.diff(fractions) >= 0)
    assert max(np.diff(fractions)) <= 0.05  # at least every ~5% of the work
    assert all(0.0 <= f <= 1.0 for f in fractions)


def test_tsne_reduces_wide_input_with_pca_first():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 80)).astype(np.float32)
    calls, progress = record()
    out = tsne(x, perplexity=5, n_iter=100, pca_dims=10, progress=progress)
    assert out.shape == (60, 2)
    assert any("PCA" in m for _, m in calls)
    calls2, progress2 = record()
    tsne(x, perplexity=5, n_iter=100, pca_dims=None, progress=progress2)
    assert not any("PCA" in m for _, m in calls2)


def test_tsne_large_n_path_uses_annoy(monkeypatch):
    # Above EXACT_KNN_MAX_POINTS the neighbour search switches to openTSNE's Annoy index.
    monkeypatch.setattr(tsne_projection, "EXACT_KNN_MAX_POINTS", 10)
    x = np.random.default_rng(2).normal(size=(60, 5))
    calls, progress = record()
    out = tsne(x, perplexity=5, n_iter=100, progress=progress)
    assert out.shape == (60, 2) and np.all(np.isfinite(out))
    assert calls[-1][0] == 1.0 and not any("(" in m and "/60)" in m for _, m in calls)


def test_tsne_sklearn_backend():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6))
    calls, progress = record()
    out = tsne(x, perplexity=5, n_iter=250, backend="sklearn", progress=progress)
    assert out.shape == (40, 2) and out.dtype == np.float32
    assert calls[0][0] == 0.0 and calls[-1][0] == 1.0


def test_default_backend_is_opentsne():
    pytest.importorskip("openTSNE")
    assert projections.default_tsne_backend() == "opentsne"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"perplexity": 80}, r"perplexity must be between 1 and 49 for 50 points, got 80"),
        ({"perplexity": 50}, r"perplexity must be between 1 and 49 for 50 points, got 50"),
        ({"perplexity": 0}, r"perplexity must be between 1 and 49 for 50 points, got 0"),
        ({"perplexity": -3.0}, r"perplexity .* got -3.0"),
        ({"n_iter": 10}, r"n_iter must be an integer of at least 50, got 10"),
        ({"pca_dims": 1}, r"pca_dims must be an integer of at least 2 or None, got 1"),
        ({"backend": "cuml"}, r"backend must be one of auto, opentsne, sklearn; got 'cuml'"),
        ({"backend": "sklearn", "n_iter": 100}, r"n_iter must be at least 250 with backend='sklearn'"),
        ({"random_state": "x"}, r"random_state must be an int or None"),
        ({"n_jobs": 0}, r"n_jobs must be a positive integer, -1 \(all cores\) or None, got 0"),
        ({"n_jobs": 1.5}, r"n_jobs must be a positive integer, .* got 1.5"),
    ],
)
def test_tsne_rejects_bad_parameters(kwargs, match):
    x = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.raises(ValueError, match=match):
        tsne(x, **kwargs)


def _policy(passive):
    return openmp.OpenMPPolicy(passive, None, () if passive else ("libgomp.so.1",), passive)


def test_tsne_threads(monkeypatch):
    resolve = projections.resolve_n_jobs
    monkeypatch.setattr(threads, "cores", lambda: 2)
    monkeypatch.setattr(threads, "competing_threads", lambda: 3.0)
    monkeypatch.setattr(threads, "openmp_policy", lambda: _policy(True))
    assert resolve(-1) == 2 and resolve(None) == 2
    # OpenMP already loaded with spinning threads: only the free cores.
    monkeypatch.setattr(threads, "openmp_policy", lambda: _policy(False))
    assert resolve(-1) == 1
    monkeypatch.setattr(threads, "competing_threads", lambda: 0.0)
    assert resolve(-1) == 2
    monkeypatch.setattr(threads, "competing_threads", lambda: None)
    assert resolve(-1) == 2
    assert resolve(1) == 1 and resolve(-2) == 1 and resolve(np.int64(3)) == 3
    with pytest.raises(ValueError, match=r"n_jobs must be a positive integer, .* got True"):
        resolve(True)
    # The old private spelling bench/bench_tsne.py uses is the same function.
    assert projections._n_jobs is resolve


# The truth about the wait policy is what the OpenMP runtime itself reads when it loads:
# libgomp prints it with OMP_DISPLAY_ENV=VERBOSE (GOMP_SPINCOUNT 0 = idle threads sleep;
# with OMP_WAIT_POLICY unset it spins 300000 times first). Each case needs a fresh process.
_ROOT = Path(__file__).resolve().parents[1]


def _policy_in_fresh_process(code, user_value=None):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if user_value is not None:
        env["OMP_WAIT_POLICY"] = user_value
    env.update(OMP_DISPLAY_ENV="VERBOSE", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")])))
    script = code + (
        "\nimport os, sklearn.manifold, aecore.projections as p"
        "\nprint(p.OPENMP_PASSIVE, os.environ.get('OMP_WAIT_POLICY'))"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    claimed, env_value = done.stdout.split()[-2:]
    spins = re.findall(r"GOMP_SPINCOUNT = '(\d+)'", done.stderr)
    really_passive = None if not spins else spins[-1] == "0"
    return claimed == "True", env_value, really_passive, done.stdout


@pytest.mark.parametrize("code, user_value, passive, env_value", [
    # aecore first: it sets PASSIVE before scikit-learn loads libgomp.
    ("import aecore", None, True, "PASSIVE"),
    # scikit-learn first: libgomp has read the (unset) variable already; aecore must say so
    # and leave the environment alone rather than claim PASSIVE.
    ("import sklearn", None, False, "None"),
    # Keras (TensorFlow) loads scikit-learn's libgomp too.
    ("import keras", None, False, "None"),
    # The user's setting wins, whatever was imported first.
    ("import aecore", "active", False, "active"),
    ("import sklearn", "PASSIVE", True, "PASSIVE"),
])
def test_openmp_policy_tells_the_truth(code, user_value, passive, env_value):
    claimed, env_after, really_passive, _ = _policy_in_fresh_process(code, user_value)
    assert claimed is passive
    assert env_after == env_value
    if really_passive is None:
        pytest.skip("the OpenMP runtime here is not libgomp: it cannot be asked")
    assert really_passive is passive


def test_importing_aecore_loads_nothing_that_could_load_openmp():
    _, _, _, out = _policy_in_fresh_process(
        "import sys, aecore\nprint(sorted(m for m in ('numpy', 'sklearn', 'keras') if m in sys.modules))")
    assert out.splitlines()[0] == "[]"


def test_decide_wait_policy():
    fresh = openmp.decide_wait_policy(None, ())
    assert fresh.passive and fresh.set_by_aecore and "set by aecore" in fresh.describe()
    late = openmp.decide_wait_policy(None, ("libgomp.so.1",))
    assert not late.passive and not late.set_by_aecore and "libgomp.so.1" in late.describe()
    assert openmp.decide_wait_policy(" passive ", ("libgomp.so.1",)).passive
    user = openmp.decide_wait_policy("ACTIVE", ())
    assert not user.passive and not user.set_by_aecore and "by the user" in user.describe()
    assert not openmp.decide_wait_policy("", ()).passive


def test_loaded_openmp_runtimes(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text(
        "7f00-7f01 r-xp 0 08:01 1 /venv/scikit_learn.libs/libgomp-e985bcbb.so.1.0.0\n"
        "7f02-7f03 r-xp 0 08:01 2 /usr/lib/libiomp5.so\n"
        "7f04-7f05 r-xp 0 08:01 3 /usr/lib/libopenblas.so.0\n"
        "7f06-7f07 rw-p 0 00:00 0 [heap]\n")
    assert openmp.loaded_openmp_runtimes(str(maps)) == ("libgomp-e985bcbb.so.1.0.0", "libiomp5.so")
    assert openmp.loaded_openmp_runtimes(str(tmp_path / "missing")) is None
    assert openmp.openmp_modules_imported(["numpy", "torch", "sklearn"]) == ("sklearn", "torch")


def test_tsne_needs_five_points():
    with pytest.raises(ValueError, match=r"t-SNE needs at least 5 points, got 4"):
        tsne(np.zeros((4, 3)), perplexity=2)


def test_tsne_progress_exception_aborts(small_digits):
    images, _ = small_digits

    def stop(fraction, message):
        if fraction > 0.5:
            raise KeyboardInterrupt("user cancelled")

    with pytest.raises(KeyboardInterrupt):
        tsne(images, perplexity=10, n_iter=250, progress=stop)


# ----------------------------------------------------------------------------- latent


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def tiny_encoder(keras, code_dim=2, seed=0):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((8, 8))
    z = keras.layers.Dense(code_dim)(keras.layers.Flatten()(inp))
    return keras.Model(inp, z, name="encoder")


def test_latent_with_keras_encoder(keras, small_digits):
    images, _ = small_digits
    x = images.astype("float32") / 255.0
    enc = tiny_encoder(keras)
    code = latent(enc, x, batch_size=32)
    assert code.shape == (len(x), 2) and code.dtype == np.float32
    np.testing.assert_allclose(code, enc.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    # A 2-D code is plotted as it is.
    np.testing.assert_array_equal(code_to_2d(code), code)


def test_latent_wide_code_and_multi_output(keras, small_digits):
    images, _ = small_digits
    x = images.astype("float32") / 255.0
    wide = latent(tiny_encoder(keras, code_dim=6), x)
    assert wide.shape == (len(x), 6)
    assert code_to_2d(wide, method="pca").shape == (len(x), 2)
    calls, progress = record()
    emb = code_to_2d(wide, method="tsne", perplexity=10, n_iter=100, progress=progress)
    assert emb.shape == (len(x), 2) and calls[-1][0] == 1.0

    # A VAE-style encoder returns (z_mean, z_log_var): the first output is the code.
    inp = keras.Input((8, 8))
    h = keras.layers.Flatten()(inp)
    vae_enc = keras.Model(inp, [keras.layers.Dense(3)(h), keras.layers.Dense(3)(h)])
    code = latent(vae_enc, x)
    np.testing.assert_allclose(code, vae_enc.predict(x, verbose=0)[0], rtol=1e-5, atol=1e-6)


def test_latent_runs_the_model_as_inference_does(keras):
    # Above 256 rows inference.predict_batches switches from a direct call to predict().
    x = np.random.default_rng(0).random((300, 8, 8), dtype=np.float32)
    enc = tiny_encoder(keras, code_dim=3)
    code = latent(enc, x, batch_size=64)
    assert code.shape == (300, 3) and code.dtype == np.float32 and code.flags.c_contiguous
    np.testing.assert_allclose(code, enc.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(latent(enc, x[:10]), code[:10], rtol=1e-5, atol=1e-6)


def test_latent_and_code_to_2d_validation(keras):
    enc = tiny_encoder(keras)
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got 0"):
        latent(enc, np.zeros((3, 8, 8), "float32"), batch_size=0)
    with pytest.raises(ValueError, match="method must be one of tsne, pca; got 'umap'"):
        code_to_2d(np.zeros((10, 4)), method="umap")
    one = code_to_2d(np.arange(5, dtype=float).reshape(5, 1))
    assert one.shape == (5, 2) and np.all(one[:, 1] == 0)


# ----------------------------------------------------------------------------- sampling


def test_sample_indices_stratified_sorted_seeded():
    y = np.repeat(np.arange(10), [50, 50, 50, 50, 50, 50, 50, 50, 100, 200])
    idx = sample_indices(y, 70, seed=1)
    assert len(idx) == 70 and idx.dtype == np.int64
    assert np.all(np.diff(idx) > 0)
    counts = np.bincount(y[idx], minlength=10)
    assert counts[9] == 20 and counts[8] == 10 and np.all(counts[:8] == 5)
    np.testing.assert_array_equal(idx, sample_indices(y, 70, seed=1))
    assert not np.array_equal(idx, sample_indices(y, 70, seed=2))


def test_sample_indices_exact_size_with_remainders_and_all():
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    for n in range(1, 16):
        idx = sample_indices(y, n)
        assert len(idx) == n and len(np.unique(idx)) == n
    np.testing.assert_array_equal(sample_indices(y, 100), np.arange(15))


@pytest.mark.parametrize("y, n, match", [
    (np.zeros((3, 2)), 2, r"y must be 1-D labels, got shape \(3, 2\)"),
    (np.zeros(5), 0, "n must be a positive integer, got 0"),
])
def test_sample_indices_validation(y, n, match):
    with pytest.raises(ValueError, match=match):
        sample_indices(y, n)


def test_sample_indices_is_the_one_stratified_sampler():
    from aecore.sampling import stratified_indices

    assert sample_indices is stratified_indices


def test_public_names():
    from aecore.projections import TSNE_BACKENDS, as_features, default_tsne_backend  # noqa: F401

    for name in projections.__all__:
        assert getattr(projections, name) is not None
    assert set(projections.__all__) <= set(dir(projections))
    assert projections.OPENMP_PASSIVE is projections.openmp_policy().passive
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        projections.nope  # noqa: B018
