"""aecore.anomaly: per-image scores, ranking, outlier images, ROC/AUC and thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from aecore import anomaly
from aecore.anomaly import Mix
from tests.conftest import trained


@pytest.fixture(scope="module")
def digit_run(digits):
    return trained("dense", digits, code_dim=16, epochs=3, learning_rate=0.01)


def test_scores_are_per_image_reconstruction_errors(digit_run, digits):
    from aecore.inference import reconstruct
    from aecore.metrics import reconstruction_errors

    x = digits.x_test[:50]
    scores = anomaly.reconstruction_scores(digit_run.models, digit_run.config, x)
    inputs, recon = reconstruct(digit_run.models, digit_run.config, x)
    assert scores.shape == (50,) and scores.dtype == np.float64
    np.testing.assert_allclose(scores, reconstruction_errors(inputs, recon))
    np.testing.assert_allclose(scores[:5], np.mean((inputs[:5] - recon[:5]) ** 2, axis=(1, 2)), rtol=1e-5)


@pytest.mark.parametrize("x,match", [
    (np.zeros((3, 28, 28), np.uint8), "expects 8x8 images but these images has 28x28"),
    (np.zeros((0, 8, 8), np.uint8), "non-empty batch"),
    (np.zeros((8, 8), np.uint8), "non-empty batch"),
])
def test_scores_refuse_images_that_do_not_fit(digit_run, x, match):
    with pytest.raises(ValueError, match=match):
        anomaly.reconstruction_scores(digit_run.models, digit_run.config, x)


def test_rank_goes_from_typical_to_atypical():
    assert anomaly.rank(np.array([0.3, 0.1, 0.2, 0.1])).tolist() == [1, 3, 2, 0]


def test_noise_outliers_are_seeded_uint8():
    a = anomaly.outlier_images(anomaly.NOISE, 5, (8, 8), seed=3)
    assert a.shape == (5, 8, 8) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, anomaly.outlier_images(anomaly.NOISE, 5, (8, 8), seed=3))
    assert not np.array_equal(a, anomaly.outlier_images(anomaly.NOISE, 5, (8, 8), seed=4))
    assert a.std() > 50  # uniform over 0..255


def test_dataset_outliers_are_a_balanced_draw_of_its_test_set(digits):
    x = anomaly.outlier_images("digits", 50, (8, 8), seed=0)
    assert x.shape == (50, 8, 8) and x.dtype == np.uint8
    rows = {r.tobytes() for r in digits.x_test}
    assert all(r.tobytes() in rows for r in x)
    assert len(anomaly.outlier_images("digits", 10_000, (8, 8))) == len(digits.x_test)  # all of them


@pytest.mark.parametrize("source,n,match", [
    ("digits", 5, "the outliers from digits are 8x8 images but the model takes 28x28"),
    ("no_such_set", 5, "outliers 'no_such_set': unknown dataset .*; or 'noise'"),
    (anomaly.NOISE, 0, "n must be between 1 and 100000, got 0"),
])
def test_outlier_sources_refuse_what_cannot_be_mixed(source, n, match):
    with pytest.raises(ValueError, match=match):
        anomaly.outlier_images(source, n, (28, 28))


def test_roc_auc_on_hand_made_scores():
    perfect = anomaly.roc(Mix(np.array([0.1, 0.2]), np.array([0.5, 0.9])))
    assert perfect["auc"] == 1.0 and perfect["tpr"][-1] == 1.0 and perfect["fpr"][-1] == 1.0
    assert anomaly.roc(Mix(np.array([0.5, 0.9]), np.array([0.1, 0.2])))["auc"] == 0.0
    assert anomaly.roc(Mix(np.array([0.3, 0.3]), np.array([0.3, 0.3])))["auc"] == 0.5
    # 3 of the 4 (outlier, inlier) pairs are ordered correctly
    assert anomaly.roc(Mix(np.array([0.1, 0.4]), np.array([0.3, 0.5])))["auc"] == pytest.approx(0.75)


@pytest.mark.parametrize("m,match", [
    (Mix(np.array([0.1]), np.array([])), "needs inliers and outliers, got 1 inliers and 0 outliers"),
    (Mix(np.array([np.nan]), np.array([0.2])), "NaN or infinite"),
])
def test_roc_refuses_a_broken_mix(m, match):
    with pytest.raises(ValueError, match=match):
        anomaly.roc(m)


def test_threshold_counts():
    m = Mix(np.array([0.1, 0.2, 0.6]), np.array([0.3, 0.5, 0.7, 0.9]))
    assert anomaly.threshold_counts(m, 0.5) == {"caught": 3, "missed": 1, "false_alarms": 1, "passed": 2}
    assert anomaly.threshold_counts(m, 0.0) == {"caught": 4, "missed": 0, "false_alarms": 3, "passed": 0}
    assert anomaly.threshold_counts(m, 1.0) == {"caught": 0, "missed": 4, "false_alarms": 0, "passed": 3}


def test_quantiles_and_summary():
    m = Mix(np.linspace(0, 1, 101), np.linspace(1, 2, 51))
    q = anomaly.quantiles(m.inlier_scores)
    assert list(q) == ["q05", "q25", "q50", "q75", "q95"] and q["q50"] == pytest.approx(0.5)
    s = anomaly.summary(m)
    assert s["n_inliers"] == 101 and s["n_outliers"] == 51 and s["auc"] > 0.99
    assert s["outlier_error"]["q05"] == pytest.approx(1.05)
    assert m.is_outlier.sum() == 51 and len(m.scores) == 152


def test_a_digit_model_flags_noise(digit_run, digits):
    noise = anomaly.outlier_images(anomaly.NOISE, 100, digits.image_shape)
    m = anomaly.mix(digit_run.models, digit_run.config, digits.x_test[:100], noise)
    assert anomaly.roc(m)["auc"] > 0.95
    order = anomaly.rank(m.scores)
    assert m.is_outlier[order[-10:]].all()  # the ten most atypical images are all noise
