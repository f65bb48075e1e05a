"""aecore.linear: PCA from scratch, principal angles, Procrustes alignment, linear AE vs PCA."""

from __future__ import annotations

import numpy as np
import pytest

from aecore.linear import (
    AngleTracker,
    align_to_pca,
    compare_with_pca,
    decoder_affine,
    is_linear,
    pca_from_scratch,
    principal_angles,
    sklearn_agreement,
)
from aecore.models import build, to_model_space
from aecore.variants import resolve_config


def planted(n=400, d=30, k=3, seed=0, noise=0.05):
    """Data near a known k-dimensional affine subspace; returns (x, basis rows, mean)."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(d, k)))
    scales = np.array([5.0, 3.0, 2.0, 1.5, 1.2][:k])
    mean = rng.normal(size=d)
    x = mean + (rng.normal(size=(n, k)) * scales) @ basis.T + noise * rng.normal(size=(n, d))
    return x, basis.T, mean


def rotation(k, seed=1):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(k, k)))
    return q


# ------------------------------------------------------------------ PCA from scratch


@pytest.mark.parametrize("k", [1, 3, 7])
def test_pca_from_scratch_agrees_with_sklearn(k):
    x, _, _ = planted(d=20, k=3)
    diff = sklearn_agreement(x, k)
    assert set(diff) == {"components", "variances", "reconstruction"}
    assert max(diff.values()) < 1e-8, diff


def test_pca_components_are_orthonormal_sorted_and_signed():
    x, _, _ = planted()
    fit = pca_from_scratch(x)
    assert fit.components.shape == (30, 30) and fit.n_samples == 400
    np.testing.assert_allclose(fit.components @ fit.components.T, np.eye(30), atol=1e-10)
    assert np.all(np.diff(fit.variances) <= 1e-12) and fit.variances[-1] >= 0
    rows = np.arange(30)
    assert np.all(fit.components[rows, np.argmax(np.abs(fit.components), axis=1)] > 0)
    np.testing.assert_allclose(fit.mean, x.mean(axis=0))


def test_pca_finds_the_planted_subspace():
    x, basis, _ = planted(noise=0.01)
    fit = pca_from_scratch(x)
    assert principal_angles(fit.top(3), basis).max() < 1.0
    assert fit.explained_ratio(3) > 0.99
    assert fit.mse(x, 3) < fit.mse(x, 2) < fit.mse(x, 1)


def test_pca_mse_is_the_eckart_young_minimum():
    """No other 2-dimensional subspace through the mean reconstructs better, even a near one."""
    x, _, _ = planted(noise=0.3)
    fit = pca_from_scratch(x)
    for eps in (0.05, 0.5):
        tilted, _ = np.linalg.qr((fit.top(2) + eps * fit.components[2:4]).T)
        xc = x - fit.mean
        assert np.mean((xc - (xc @ tilted) @ tilted.T) ** 2) > fit.mse(x, 2)


@pytest.mark.parametrize("bad,match", [
    (np.zeros((1, 5)), "PCA needs at least 2 images, got 1"),
    (np.zeros((0, 5)), "non-empty batch"),
    (np.zeros(5), "non-empty batch"),
])
def test_pca_refuses_too_little_data(bad, match):
    with pytest.raises(ValueError, match=match):
        pca_from_scratch(bad)


@pytest.mark.parametrize("k", [0, 31])
def test_pca_k_out_of_range(k):
    fit = pca_from_scratch(planted()[0])
    with pytest.raises(ValueError, match=f"k must be between 1 and 30 for 30-pixel images, got {k}"):
        fit.mse(planted()[0], k)


# ------------------------------------------------------------------ angles and alignment


def test_principal_angles_of_known_subspaces():
    e = np.eye(4)
    assert principal_angles(e[:2], e[:2]) == pytest.approx([0, 0], abs=1e-6)
    assert principal_angles(e[:2], e[2:]) == pytest.approx([90, 90])
    # another basis of the same plane, scaled and mixed: still the same subspace
    assert principal_angles(np.array([[2.0, 1, 0, 0], [1, -3, 0, 0]]), e[:2]) == pytest.approx([0, 0], abs=1e-6)
    # one direction shared, the other tilted by 30 degrees out of the plane
    t = np.radians(30)
    tilted = np.array([[1.0, 0, 0, 0], [0, np.cos(t), np.sin(t), 0]])
    assert principal_angles(tilted, e[:2]) == pytest.approx([0, 30], abs=1e-6)


def test_principal_angles_refuse_bad_input():
    with pytest.raises(ValueError, match="basis has 3 pixels per row but components have 4"):
        principal_angles(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="not finite"):
        principal_angles(np.full((2, 4), np.nan), np.eye(4)[:2])


def test_align_to_pca_undoes_a_rotation_and_scaling():
    x, _, _ = planted()
    p = pca_from_scratch(x).top(3)
    mixed = np.diag([3.0, 0.5, 2.0]) @ rotation(3) @ p
    aligned = align_to_pca(mixed, p)
    np.testing.assert_allclose(aligned, p, atol=1e-8)
    np.testing.assert_allclose(aligned @ aligned.T, np.eye(3), atol=1e-10)
    with pytest.raises(ValueError, match="same shape"):
        align_to_pca(mixed[:2], p)


# ------------------------------------------------------------------ linear models


def test_is_linear():
    assert is_linear(resolve_config("linear"))
    assert is_linear(resolve_config("linear", hidden=[16], activation="linear"))
    assert not is_linear(resolve_config("linear", hidden=[16], activation="relu"))
    assert not is_linear(resolve_config("dense"))
    assert not is_linear(resolve_config("conv"))
    assert not is_linear({"variant": "no-such"}) and not is_linear(None)


def test_decoder_affine_reads_the_kernel_and_bias():
    models = build(resolve_config("linear", code_dim=3), (8, 8))
    layer = models.decoder.get_layer("pixels")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, np.random.default_rng(0).normal(size=bias.shape).astype(np.float32)])
    a, c = decoder_affine(models)
    np.testing.assert_allclose(a, kernel, atol=1e-6)
    np.testing.assert_allclose(c, layer.get_weights()[1], atol=1e-6)


def test_decoder_affine_of_a_linear_stack_is_the_product():
    models = build(resolve_config("linear", code_dim=2, hidden=[5], activation="linear"), (8, 8))
    k1, b1 = models.decoder.get_layer("dec_1").get_weights()
    k2, b2 = models.decoder.get_layer("pixels").get_weights()
    a, c = decoder_affine(models)
    np.testing.assert_allclose(a, k1 @ k2, atol=1e-5)
    np.testing.assert_allclose(c, b1 @ k2 + b2, atol=1e-5)


def set_to_pca(models, fit, k):
    """The exact linear-AE optimum: encoder z = (x - mean) W^T, decoder x = z W + mean."""
    w = fit.top(k).astype(np.float32)
    mean = fit.mean.astype(np.float32)
    models.encoder.get_layer("code").set_weights([w.T, -(mean @ w.T)])
    models.decoder.get_layer("pixels").set_weights([w, mean])


def test_compare_with_pca_at_the_optimum(digits):
    config = resolve_config("linear", code_dim=3)
    models = build(config, digits.image_shape)
    fit = pca_from_scratch(to_model_space(digits.x_train, "unit"))
    before = compare_with_pca(models, config, fit, digits.x_test)
    assert before["k"] == 3 and len(before["principal_angles_deg"]) == 3
    assert max(before["principal_angles_deg"]) > 45  # random weights are far from PCA
    assert before["ae_mse"] > before["pca_mse"]
    set_to_pca(models, fit, 3)
    after = compare_with_pca(models, config, fit, digits.x_test)
    assert max(after["principal_angles_deg"]) < 0.1
    assert after["ae_mse"] == pytest.approx(after["pca_mse"], rel=1e-4)


def test_compare_with_pca_refuses_a_nonlinear_model(digits):
    config = resolve_config("dense", code_dim=3)
    models = build(config, digits.image_shape)
    with pytest.raises(ValueError, match="principal angles to PCA only mean something for a linear autoencoder"):
        compare_with_pca(models, config, pca_from_scratch(np.eye(64)), digits.x_test)


def test_tracker_records_each_epoch_of_a_training_run(digits):
    """The linear autoencoder walks towards the PCA subspace, epoch by epoch."""
    from aecore.training import FINISHED, TrainingRun

    run = TrainingRun({"variant": "linear", "code_dim": 3, "epochs": 8, "batch_size": 32,
                       "learning_rate": 0.03}, digits, val_limit=200)
    fit = pca_from_scratch(to_model_space(digits.x_train, "unit"))
    tracker = AngleTracker(fit.top(3))
    start = tracker.record(0, run.models)
    run.epoch_hooks.append(tracker)
    run.start()
    assert run.join(120) and run.status == FINISHED, run.reason
    epochs, angles = tracker.history()
    assert epochs == list(range(9)) and angles.shape == (9, 3)
    np.testing.assert_allclose(angles[0], start)
    assert angles[0, -1] > 45 and angles[-1, -1] < 15, angles[:, -1]


def test_tracker_survives_broken_weights():
    models = build(resolve_config("linear", code_dim=2), (8, 8))
    tracker = AngleTracker(np.eye(64)[:2])
    tracker.record(0, models)
    layer = models.decoder.get_layer("pixels")
    layer.set_weights([np.full_like(w, np.nan) for w in layer.get_weights()])
    assert np.isnan(tracker.record(1, models)).all()
    tracker.record(1, models)  # the same epoch again replaces, never duplicates
    assert tracker.history()[0] == [0, 1]
