"""python -m aecore classify: the three arms' test accuracy, and one-line errors."""

from __future__ import annotations

import pytest

from tests.test_cli import fails, ok


@pytest.fixture(scope="module")
def dense_digits(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "dense.keras"
    ok("train", "--variant", "dense", "--dataset", "digits", "--epochs", "3", "--set", "code_dim=16",
       "--set", "learning_rate=0.01", "--out", str(out))
    return out


def test_classify_reports_three_accuracies_and_saves_the_classifier(dense_digits, tmp_path):
    out = tmp_path / "cls.keras"
    res = ok("classify", "--model", str(dense_digits), "--dataset", "digits", "--labels-per-class", "10",
             "--epochs", "2", "--out", str(out))
    assert set(res["accuracy"]) == {"encoder", "pca", "pixels"}
    assert all(0.1 < a <= 1 for a in res["accuracy"].values())
    assert res["labels_per_class"] == 10 and res["n_labelled"] == 100 and res["epochs"] == 2
    assert res["code_size"] == 16 and res["seconds"] > 0 and out.is_file()
    from aecore import classify

    model, meta = classify.load_classifier(out)
    assert meta["kind"] == "classifier" and meta["config"]["labels_per_class"] == 10


def test_classify_every_label_fine_tuned(dense_digits):
    res = ok("classify", "--model", str(dense_digits), "--dataset", "digits", "--epochs", "1", "--fine-tune")
    assert res["labels_per_class"] == "all" and res["fine_tune"] is True and res["n_labelled"] == 1437


def test_classify_bad_arguments_are_one_line(dense_digits, tmp_path):
    fails("classify", "--model", str(dense_digits), "--dataset", "digits", "--labels-per-class", "500",
          match="--labels-per-class must be at most 139 (the smallest class")
    fails("classify", "--model", str(dense_digits), "--dataset", "digits", "--labels-per-class", "0",
          match="--labels-per-class must be a positive integer")
    fails("classify", "--model", str(dense_digits), "--dataset", "mnist_sample",
          match="this model expects 8x8 images but dataset 'mnist_sample' has 28x28")
    fails("classify", "--model", str(dense_digits), "--dataset", "digits", "--epochs", "0",
          match="epochs must be between 1 and 1000")
    cls = tmp_path / "c.keras"
    ok("classify", "--model", str(dense_digits), "--dataset", "digits", "--epochs", "1", "--labels-per-class", "1",
       "--out", str(cls))
    fails("classify", "--model", str(cls), "--dataset", "digits", match="no layers named 'encoder'")
