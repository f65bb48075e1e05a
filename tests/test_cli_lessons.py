"""The CLI for the survey's lessons: evaluate's PCA comparison of a linear model, and anomalies."""

from __future__ import annotations

import pytest

from tests.test_cli import fails, ok


@pytest.fixture(scope="module")
def linear_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "linear.keras"
    ok("train", "--variant", "linear", "--dataset", "digits", "--epochs", "2", "--set", "code_dim=3",
       "--out", str(out))
    return out


@pytest.fixture(scope="module")
def dense_digits_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "dense.keras"
    ok("train", "--variant", "dense", "--dataset", "digits", "--epochs", "3", "--set", "code_dim=16",
       "--set", "learning_rate=0.01", "--out", str(out))
    return out


@pytest.fixture(scope="module")
def dense_mnist_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "dense28.keras"
    ok("train", "--variant", "dense", "--dataset", "mnist_sample", "--limit", "1000", "--epochs", "4",
       "--out", str(out))
    return out


def test_evaluate_compares_a_linear_model_with_pca(linear_file):
    res = ok("evaluate", "--model", str(linear_file), "--dataset", "digits")
    angles = res["principal_angles_deg"]
    assert len(angles) == 3 and angles == sorted(angles) and all(0 <= a <= 90 for a in angles)
    assert isinstance(res["pca_mse"], float) and isinstance(res["unclipped_mse"], float)
    assert 0 < res["pca_mse"] < res["unclipped_mse"]  # two epochs are not enough to reach PCA


def test_evaluate_of_a_nonlinear_model_has_no_pca_figures(dense_digits_file):
    res = ok("evaluate", "--model", str(dense_digits_file), "--dataset", "digits")
    assert "pca_mse" not in res and "principal_angles_deg" not in res


def test_anomalies_against_noise(dense_digits_file):
    res = ok("anomalies", "--model", str(dense_digits_file), "--dataset", "digits", "--outliers", "noise",
             "--limit", "100")
    assert res["n_inliers"] == 100 and res["n_outliers"] == 100 and res["auc"] > 0.95
    assert list(res["inlier_error"]) == ["q05", "q25", "q50", "q75", "q95"]
    assert res["outlier_error"]["q50"] > res["inlier_error"]["q95"]


def test_anomalies_digits_model_against_fashion(dense_mnist_file):
    res = ok("anomalies", "--model", str(dense_mnist_file), "--dataset", "mnist_sample",
             "--outliers", "fashion_mnist")
    assert res["n_inliers"] == 1000 and res["n_outliers"] == 1000  # as many outliers as test images
    # 1,000 images and 4 epochs give about 0.8 (the 4,000-image preset, longer, 0.95+); chance is 0.5
    assert res["auc"] > 0.7 and res["outliers"] == "fashion_mnist"


@pytest.mark.parametrize("extra,match", [
    (["--outliers", "mnist_sample"], "the outliers from mnist_sample are 28x28 images but the model takes 8x8"),
    (["--outliers", "nothing"], "outliers 'nothing': unknown dataset"),
    (["--outliers", "noise", "--limit", "0"], "--limit must be a positive integer, got 0"),
    (["--outliers", "noise", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
    ([], "the following arguments are required: --outliers"),
])
def test_anomalies_bad_arguments(dense_digits_file, extra, match):
    fails("anomalies", "--model", str(dense_digits_file), "--dataset", "digits", *extra, match=match)


def test_anomalies_model_and_dataset_must_fit(dense_digits_file):
    fails("anomalies", "--model", str(dense_digits_file), "--dataset", "mnist_sample", "--outliers", "noise",
          match="expects 8x8 images but dataset 'mnist_sample' has 28x28 images")
    fails("anomalies", "--model", "/no/such.keras", "--outliers", "noise", match="does not exist")
