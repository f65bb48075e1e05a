"""Tests for aecore.metrics on known values and tiny seeded data."""

import json
import math

import numpy as np
import pytest

from aecore import metrics
from aecore.metrics import (
    PSNR_CAP_DB,
    binary_crossentropy,
    embedding_scores,
    knn_accuracy,
    knn_accuracy_split,
    mean_psnr,
    mean_reconstruction_error,
    psnr,
    reconstruction_errors,
    silhouette,
    trustworthiness,
)


def clusters(n_per=30, n_classes=3, spread=0.1, seed=0, dim=2):
    rng = np.random.default_rng(seed)
    centers = np.eye(n_classes, dim) * 20.0
    emb = np.concatenate([c + rng.normal(scale=spread, size=(n_per, dim)) for c in centers])
    y = np.repeat(np.arange(n_classes), n_per)
    return emb, y


# ----------------------------------------------------------------------------- reconstruction


def test_identical_images_zero_error_and_capped_psnr():
    x = np.random.default_rng(0).random((4, 8, 8)).astype(np.float32)
    errs = reconstruction_errors(x, x.copy())
    assert errs.shape == (4,) and np.all(errs == 0)
    assert mean_reconstruction_error(x, x) == 0.0
    p = psnr(x, x)
    assert PSNR_CAP_DB == 100.0 and np.all(p == 100.0)
    assert mean_psnr(x, x) == 100.0
    json.dumps({"psnr": mean_psnr(x, x)}, allow_nan=False)  # finite: JSON-safe


def test_known_mse_and_psnr_per_image():
    x = np.zeros((2, 4, 4))
    x_hat = np.stack([np.full((4, 4), 0.1), np.full((4, 4), 0.5)])
    np.testing.assert_allclose(reconstruction_errors(x, x_hat), [0.01, 0.25])
    np.testing.assert_allclose(psnr(x, x_hat), [20.0, 10 * math.log10(4)])
    np.testing.assert_allclose(psnr(x * 255, x_hat * 255, data_range=255), [20.0, 10 * math.log10(4)])
    assert mean_reconstruction_error(x, x_hat) == pytest.approx(0.13)
    assert mean_psnr(x, x_hat) == pytest.approx((20.0 + 10 * math.log10(4)) / 2)


def test_psnr_caps_tiny_errors_too():
    x = np.zeros((1, 3, 3))
    assert psnr(x, x + 1e-30)[0] == 100.0


def test_reconstruction_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"same shape, got \(3, 4, 4\) and \(3, 4, 5\)"):
        reconstruction_errors(np.zeros((3, 4, 4)), np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match=r"\(2, 4\) and \(3, 4\)"):
        psnr(np.zeros((2, 4)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="data_range must be a positive number, got 0"):
        psnr(np.zeros((2, 4)), np.zeros((2, 4)), data_range=0)


def test_binary_crossentropy_known_values():
    x = np.ones((2, 3, 3))
    assert binary_crossentropy(x, np.full_like(x, 0.5)) == pytest.approx(math.log(2))
    # Perfect prediction is clipped to eps, not log(0).
    assert binary_crossentropy(x, x) == pytest.approx(-math.log(1 - 1e-7), rel=1e-3)
    mixed = np.array([[0.0, 1.0, 0.25]])
    pred = np.array([[0.2, 0.9, 0.5]])
    expected = -np.mean(mixed * np.log(pred) + (1 - mixed) * np.log(1 - pred))
    assert binary_crossentropy(mixed, pred) == pytest.approx(expected)


def test_binary_crossentropy_matches_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x = rng.random((5, 6, 6)).astype("float32")
    p = rng.uniform(0.01, 0.99, (5, 6, 6)).astype("float32")
    ref = float(np.mean(keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(x, p))))
    assert binary_crossentropy(x, p) == pytest.approx(ref, rel=1e-4)


def test_binary_crossentropy_rejects_centered_targets():
    with pytest.raises(ValueError, match=r"targets x in \[0, 1\], got values in \[-0.5, 0.5\]"):
        binary_crossentropy(np.array([[-0.5, 0.5]]), np.array([[0.5, 0.5]]))


# ----------------------------------------------------------------------------- embeddings


def test_knn_on_separated_clusters_is_perfect():
    emb, y = clusters()
    tr, te = np.arange(0, len(y), 2), np.arange(1, len(y), 2)
    assert knn_accuracy(emb[tr], y[tr], emb[te], y[te], k=5) == 1.0
    assert knn_accuracy_split(emb, y, k=5) == 1.0


def test_knn_accuracy_split_is_seeded_and_stratified():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(200, 2))
    y = rng.integers(0, 4, 200)
    a = knn_accuracy_split(emb, y, seed=3)
    assert a == knn_accuracy_split(emb, y, seed=3)
    assert 0.0 <= a <= 1.0
    # A class with a single member falls back to a plain random split.
    y2 = y.copy()
    y2[0] = 9
    assert 0.0 <= knn_accuracy_split(emb, y2) <= 1.0


def test_knn_validation():
    emb, y = clusters(n_per=4)
    with pytest.raises(ValueError, match=r"k must be between 1 and 12 for 12 training points, got 13"):
        knn_accuracy(emb, y, emb, y, k=13)
    with pytest.raises(ValueError, match=r"y_train .* got y_train shape \(11,\) and emb_train shape \(12, 2\)"):
        knn_accuracy(emb, y[:-1], emb, y)
    with pytest.raises(ValueError, match=r"same width, got \(12, 2\) and \(12, 3\)"):
        knn_accuracy(emb, y, np.zeros((12, 3)), y)
    with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
        knn_accuracy_split(emb, y, test_fraction=1.0)
    for bad in (True, 2.5):  # a bool is not a neighbour count, nor is a float
        with pytest.raises(ValueError, match=rf"k must be between 1 and 12 for 12 training points, got {bad}"):
            knn_accuracy(emb, y, emb, y, k=bad)
    assert knn_accuracy(emb, y, emb, y, k=np.int64(3)) == 1.0


def test_trustworthiness_identity_is_one_and_subsamples():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2))
    assert trustworthiness(x, x, n_neighbors=5) == pytest.approx(1.0)
    # Images are flattened: a (n, 1, 2) "image" stack is the same as (n, 2).
    assert trustworthiness(x.reshape(120, 1, 2), x) == pytest.approx(1.0)
    # Above max_points a seeded random subset is used.
    big = rng.normal(size=(300, 5))
    emb = big[:, :2]
    a = trustworthiness(big, emb, max_points=100, seed=1)
    assert a == trustworthiness(big, emb, max_points=100, seed=1)
    assert 0.5 < a < 1.0


def test_trustworthiness_validation():
    x = np.zeros((20, 3))
    with pytest.raises(ValueError, match=r"same number of points, got \(20, 3\) and \(19, 2\)"):
        trustworthiness(x, np.zeros((19, 2)))
    with pytest.raises(ValueError, match=r"n_neighbors must be between 1 and 9 for 20 points, got 10"):
        trustworthiness(x, np.zeros((20, 2)), n_neighbors=10)
    with pytest.raises(ValueError, match=r"max_points must be an integer of at least 3, got 2"):
        trustworthiness(x, np.zeros((20, 2)), max_points=2)
    with pytest.raises(ValueError, match=r"max_points must be an integer of at least 2, got 1.5"):
        silhouette(np.zeros((20, 2)), np.zeros(20), max_points=1.5)


def test_silhouette_values_and_nan_cases():
    emb, y = clusters()
    assert silhouette(emb, y) > 0.9
    assert math.isnan(silhouette(emb, np.zeros(len(y))))  # one class
    bad = emb.copy()
    bad[0, 0] = np.nan
    assert math.isnan(silhouette(bad, y))
    assert -1.0 <= silhouette(emb, y, max_points=30, seed=0) <= 1.0
    with pytest.raises(ValueError, match=r"got y shape \(89,\) and emb shape \(90, 2\)"):
        silhouette(emb, y[:-1])


def test_embedding_scores_table_row():
    emb, y = clusters(n_per=40)
    x_high = np.concatenate([emb, np.zeros((len(y), 3))], axis=1)  # same geometry in 5-D
    scores = embedding_scores(x_high, emb, y)
    assert set(scores) == {"knn5", "trustworthiness", "silhouette"}
    assert scores["knn5"] == 1.0
    assert scores["trustworthiness"] == pytest.approx(1.0)
    assert scores["silhouette"] > 0.9
    assert all(isinstance(v, float) for v in scores.values())
    nan_scores = embedding_scores(x_high, np.full_like(emb, np.nan), y)
    assert all(math.isnan(v) for v in nan_scores.values())
    with pytest.raises(ValueError, match=r"same number of points, got \(120, 5\) and \(119, 2\)"):
        embedding_scores(x_high, emb[:-1], y)


def test_public_api_listed():
    for name in metrics.__all__:
        assert callable(getattr(metrics, name)) or name == "PSNR_CAP_DB"
