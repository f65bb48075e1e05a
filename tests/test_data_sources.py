"""Tests for aecore.data.sources: the named datasets, their spellings and describe_datasets."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from test_data import isolated, make_idx_folder, tiny_arrays  # noqa: F401 - isolated is autouse

from aecore import data
from aecore.data import DATASET_NAMES, DEFAULT_DATASET, FASHION_CLASS_NAMES, describe_datasets, load_dataset

FASHION = Path(os.environ.get("AECORE_FASHION_DIR") or data.FASHION_DIR)


@pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").exists(),
    reason=f"Fashion-MNIST IDX files not in {FASHION} (apt-get install dataset-fashion-mnist)",
)
def test_fashion_mnist_from_debian_files():
    ds = load_dataset("fashion_mnist", limit=200)
    assert ds.name == "fashion_mnist" and ds.notice is None
    assert ds.class_names == FASHION_CLASS_NAMES
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"
    assert ds.x_train.shape == (200, 28, 28) and ds.x_test.shape == (100, 28, 28)
    assert ds.source == f"IDX files in {FASHION}"
    # Fashion-MNIST is balanced, so a stratified 200 is exactly 20 per class.
    assert np.bincount(ds.y_train).tolist() == [20] * 10
    assert np.bincount(ds.y_test).tolist() == [10] * 10
    full = load_dataset("fashion_mnist")  # cached by the call above: instant
    assert (len(full.x_train), len(full.x_test)) == (60000, 10000)


def test_fashion_mnist_dir_from_environment(monkeypatch, tmp_path):
    folder = make_idx_folder(tmp_path / "fm", tiny_arrays(classes=10), gz=True)
    monkeypatch.setenv("AECORE_FASHION_DIR", str(folder))
    ds = load_dataset("fashion_mnist")
    assert ds.class_names == FASHION_CLASS_NAMES
    assert ds.source == f"IDX files in {folder}"


def test_mnist_sample_split_is_fixed_and_stratified():
    ds = load_dataset("mnist_sample")
    assert ds.name == DEFAULT_DATASET == "mnist_sample"
    assert ds.x_train.shape == (4000, 28, 28) and ds.x_test.shape == (1000, 28, 28)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert ds.x_train.max() == 255 and ds.x_train.min() == 0
    assert np.bincount(ds.y_train).tolist() == [400] * 10
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert ds.image_shape == (28, 28) and ds.num_classes == 10
    # `seed` only affects subsets, never the fixed split.
    other = load_dataset("mnist_sample", seed=7)
    np.testing.assert_array_equal(ds.x_test, other.x_test)
    np.testing.assert_array_equal(ds.y_train, other.y_train)


def test_digits_are_rescaled_to_0_255():
    from sklearn.datasets import load_digits

    ds = load_dataset("digits")
    assert ds.x_train.shape == (1437, 8, 8) and ds.x_test.shape == (360, 8, 8)
    assert ds.x_train.dtype == np.uint8
    assert ds.x_train.max() == 255 and ds.x_train.min() == 0
    allowed = {int(round(v * 255 / 16)) for v in range(17)}
    assert set(np.unique(np.concatenate([ds.x_train.ravel(), ds.x_test.ravel()]))) <= allowed
    # Same images as scikit-learn, just rescaled (compare as multisets of rows).
    expected = np.rint(load_digits().images * 255 / 16).astype(np.uint8).reshape(-1, 64)
    got = np.concatenate([ds.x_train, ds.x_test]).reshape(-1, 64)
    assert sorted(map(bytes, got)) == sorted(map(bytes, expected))


@pytest.mark.parametrize("name", ["DIGITS", " digits ", "Fashion-MNIST"])
def test_names_are_case_and_dash_insensitive(name, monkeypatch, tmp_path):
    monkeypatch.setenv("AECORE_FASHION_DIR", str(make_idx_folder(tmp_path / "fm", tiny_arrays(classes=10))))
    assert load_dataset(name).name in DATASET_NAMES


def test_describe_datasets():
    rows = describe_datasets()
    assert [r["name"] for r in rows] == list(DATASET_NAMES)
    for r in rows:
        assert {"name", "title", "description", "image_size", "offline", "default"} <= set(r)
        assert isinstance(r["description"], str) and "\n" not in r["description"]
    by_name = {r["name"]: r for r in rows}
    assert by_name["mnist_sample"]["offline"] and by_name["mnist_sample"]["default"]
    assert by_name["digits"]["image_size"] == (8, 8)
    assert by_name["mnist"]["offline"] is False  # KERAS_HOME is an empty tmp dir here
