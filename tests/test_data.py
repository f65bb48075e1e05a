"""Tests for aecore.data as a whole and load_dataset: public names, limits, seeds, caches.

The helpers and the autouse ``isolated`` fixture here are shared by every
tests/test_data_*.py file (one per module of aecore/data/), which import them from here.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from aecore import data
from aecore.data import Dataset, download, load_dataset
from aecore.sampling import stratified_indices

IDX_NAMES = {
    "dash": (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ),
    "dot": (
        "train-images.idx3-ubyte",
        "train-labels.idx1-ubyte",
        "t10k-images.idx3-ubyte",
        "t10k-labels.idx1-ubyte",
    ),
}


# --------------------------------------------------------------------------------------
# Fixture helpers
# --------------------------------------------------------------------------------------


def write_idx(
    path: str | os.PathLike,
    array: np.ndarray,
    magic: int | None = None,
    gz: bool = False,
    declared_count: int | None = None,
) -> Path:
    """Write ``array`` (uint8, 1-D labels or 3-D images) as an IDX file.

    ``magic`` overrides the magic number, ``declared_count`` the item count in the header
    (to fake truncated or lying files); ``gz`` gzips it (adding ``.gz`` to the name).
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x00000800 | array.ndim
    dims = list(array.shape)
    if declared_count is not None:
        dims[0] = declared_count
    payload = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims) + array.tobytes()
    path = Path(path)
    if gz:
        if path.suffix != ".gz":
            path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def tiny_arrays(n_train=40, n_test=20, h=6, w=5, classes=4, seed=0):
    """Small deterministic image/label arrays with every class present in both splits."""
    rng = np.random.default_rng(seed)
    x_tr = rng.integers(0, 256, size=(n_train, h, w), dtype=np.uint8)
    x_te = rng.integers(0, 256, size=(n_test, h, w), dtype=np.uint8)
    y_tr = np.arange(n_train) % classes
    y_te = np.arange(n_test) % classes
    return x_tr, y_tr, x_te, y_te


def make_idx_folder(folder: Path, arrays=None, gz=False, spelling="dash") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    x_tr, y_tr, x_te, y_te = arrays if arrays is not None else tiny_arrays()
    for name, arr in zip(IDX_NAMES[spelling], (x_tr, y_tr, x_te, y_te), strict=True):
        write_idx(folder / name, arr, gz=gz)
    return folder


def make_npz(path: Path, **overrides) -> Path:
    x_tr, y_tr, x_te, y_te = tiny_arrays()
    arrays = dict(x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    arrays.update(overrides)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def fail_loader(name):  # stands in for a Keras loader that must not be reached
    raise AssertionError(f"the Keras loader was called for {name}")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No real Keras cache, no real network, no remembered failures between tests."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(download, "keras_load_data", fail_loader)
    monkeypatch.setattr(download, "probe_network", lambda *a, **k: None)
    download.clear_cache()
    yield
    download.clear_cache()


# --------------------------------------------------------------------------------------
# The public surface
# --------------------------------------------------------------------------------------


PUBLIC_NAMES = (
    "DATASET_NAMES",
    "DEFAULT_DATASET",
    "FASHION_DIR",
    "MNIST_CLASS_NAMES",
    "FASHION_CLASS_NAMES",
    "SAMPLE_SOURCE",
    "SAMPLE_NOTICE",
    "MIN_IMAGE_SIDE",
    "MAX_ARRAY_BYTES",
    "Dataset",
    "load_dataset",
    "describe_datasets",
    "clear_cache",
)


def test_public_names_import_from_aecore_data():
    # Callers (ui/, app_pages/, the CLI, bench/) import these from aecore.data itself.
    missing = [name for name in PUBLIC_NAMES if not hasattr(data, name)]
    assert missing == []
    assert set(data.__all__) == set(PUBLIC_NAMES)


def test_clear_cache_forgets_datasets_and_download_failures(monkeypatch, tmp_path):
    calls = []

    def broken(name):
        calls.append(name)
        raise OSError("down")

    monkeypatch.setattr(download, "keras_load_data", broken)
    digits = load_dataset("digits")
    npz = load_dataset(make_npz(tmp_path / "c.npz"))
    load_dataset("mnist")
    data.clear_cache()
    assert not np.shares_memory(digits.x_train, load_dataset("digits").x_train)
    assert not np.shares_memory(npz.x_train, load_dataset(tmp_path / "c.npz").x_train)
    load_dataset("mnist")
    assert calls == ["mnist", "mnist"]


# --------------------------------------------------------------------------------------
# limit / test_limit / seed
# --------------------------------------------------------------------------------------


def test_limit_is_stratified_and_seeded():
    a = load_dataset("mnist_sample", limit=100, seed=1)
    b = load_dataset("mnist_sample", limit=100, seed=1)
    c = load_dataset("mnist_sample", limit=100, seed=2)
    assert a.x_train.shape == (100, 28, 28)
    assert np.bincount(a.y_train).tolist() == [10] * 10
    assert len(a.x_test) == 100  # max(100, limit // 4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


def test_limit_sets_default_test_cap_and_test_limit_overrides():
    assert len(load_dataset("mnist_sample", limit=1000).x_test) == 250
    ds = load_dataset("mnist_sample", limit=50, test_limit=30)
    assert (len(ds.x_train), len(ds.x_test)) == (50, 30)
    ds = load_dataset("mnist_sample", test_limit=20)
    assert (len(ds.x_train), len(ds.x_test)) == (4000, 20)
    # Never more than available.
    ds = load_dataset("digits", limit=10_000, test_limit=10_000)
    assert (len(ds.x_train), len(ds.x_test)) == (1437, 360)


def test_limit_keeps_approximate_balance_for_uneven_classes(tmp_path):
    y_tr = np.array([0] * 60 + [1] * 30 + [2] * 10)
    x_tr = np.zeros((100, 6, 5), np.uint8)
    path = make_npz(tmp_path / "uneven.npz", x_train=x_tr, y_train=y_tr)
    ds = load_dataset(path, limit=10)
    assert np.bincount(ds.y_train).tolist() == [6, 3, 1]


@pytest.mark.parametrize("bad", [0, -3, 1.5, "5", True, None])
@pytest.mark.parametrize("arg", ["limit", "test_limit"])
def test_bad_limits(arg, bad):
    if bad is None:
        return  # None means "no limit" and is valid
    with pytest.raises(ValueError, match=f"{arg} must be a positive integer, got"):
        load_dataset("digits", **{arg: bad})


def test_bad_seed():
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        load_dataset("digits", seed=-1)


# --------------------------------------------------------------------------------------
# Read-only arrays and the cache
# --------------------------------------------------------------------------------------


def test_arrays_are_read_only_and_cache_cannot_be_corrupted():
    ds = load_dataset("digits")
    with pytest.raises(ValueError):
        ds.x_train[0, 0, 0] = 1
    with pytest.raises(ValueError):
        ds.x_train.flags.writeable = True
    with pytest.raises(ValueError):
        ds.y_test[0] = 3
    again = load_dataset("digits")
    assert np.shares_memory(ds.x_train, again.x_train)  # served from the cache
    sub = load_dataset("digits", limit=20)
    assert not sub.x_train.flags.writeable


def test_limit_draws_the_shared_stratified_subset():
    # The same subset aecore.sampling gives every other caller (CLI --limit, the UI).
    full = load_dataset("mnist_sample")
    sub = load_dataset("mnist_sample", limit=123, seed=5)
    chosen = stratified_indices(full.y_train, 123, 5)
    np.testing.assert_array_equal(sub.x_train, full.x_train[chosen])
    np.testing.assert_array_equal(sub.y_train, full.y_train[chosen])


def test_dataset_validates_hand_built_instances():
    x = np.zeros((3, 5, 5), np.uint8)
    ds = Dataset("t", x, np.array([0, 1, 1], np.int32), x.copy(), [0, 0, 1], ("a", "b"), "hand")
    assert ds.y_train.dtype == np.int64 and ds.num_classes == 2 and ds.image_shape == (5, 5)
    assert "train=3" in repr(ds)
    with pytest.raises(ValueError, match="values must lie in 0..1"):
        Dataset("t", x, np.array([0, 1, 2]), x.copy(), np.array([0, 0, 1]), ("a", "b"), "hand")
    with pytest.raises(ValueError, match="uint8"):
        Dataset("t", x.astype(float), np.array([0, 1, 1]), x, np.array([0, 0, 1]), ("a", "b"), "hand")
