"""Tests for aecore.data: named sources, IDX/npz paths, validation, limits and the cache."""

from __future__ import annotations

import gzip
import io
import os
import socket
import struct
import tracemalloc
import urllib.error
import zipfile
from pathlib import Path

import numpy as np
import pytest

from aecore import data
from aecore.data import download
from aecore.data import (
    DATASET_NAMES,
    DEFAULT_DATASET,
    FASHION_CLASS_NAMES,
    Dataset,
    describe_datasets,
    load_dataset,
)

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
    for name, arr in zip(IDX_NAMES[spelling], (x_tr, y_tr, x_te, y_te)):
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
# Named sources
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError("[Errno -2] Name or service not known"),
        OSError("Network is unreachable"),
        Exception("URL fetch failure on https://storage.googleapis.com/...: None"),
        socket.timeout("timed out"),
    ],
)
def test_mnist_falls_back_to_sample_when_download_fails(monkeypatch, error):
    calls = []

    def broken(name):
        calls.append(name)
        raise error

    monkeypatch.setattr(download, "keras_load_data", broken)
    ds = load_dataset("mnist")
    assert ds.name == "mnist_sample" and ds.is_sample
    assert ds.source == data.SAMPLE_SOURCE
    assert "Full MNIST could not be downloaded" in ds.notice
    assert "offline 5,000-digit MNIST sample" in ds.notice
    assert (len(ds.x_train), len(ds.x_test)) == (4000, 1000)
    # The failure is remembered: a second load does not try the network again.
    load_dataset("mnist")
    assert calls == ["mnist"]


def test_mnist_offline_probe_skips_keras(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("no network: [Errno -2] Name or service not known")

    monkeypatch.setattr(download, "probe_network", offline)
    ds = load_dataset("mnist", limit=50)
    assert ds.name == "mnist_sample"
    assert "no network" in ds.notice


def test_mnist_download_restores_socket_timeout(monkeypatch):
    seen = []

    def broken(name):
        seen.append(socket.getdefaulttimeout())
        raise OSError("down")

    monkeypatch.setattr(download, "keras_load_data", broken)
    before = socket.getdefaulttimeout()
    load_dataset("mnist")
    assert seen and seen[0] is not None and seen[0] <= 30  # bounded while downloading
    assert socket.getdefaulttimeout() == before


def test_mnist_uses_keras_loader_when_it_works(monkeypatch):
    x_tr, y_tr, x_te, y_te = tiny_arrays(n_train=30, n_test=10, h=28, w=28, classes=10)
    monkeypatch.setattr(download, "keras_load_data", lambda name: ((x_tr, y_tr), (x_te, y_te)))
    ds = load_dataset("mnist")
    assert ds.name == "mnist" and ds.notice is None and not ds.is_sample
    assert ds.class_names == tuple("0123456789")
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    np.testing.assert_array_equal(ds.x_train, x_tr)
    np.testing.assert_array_equal(ds.y_test, y_te)


def test_mnist_reads_keras_cache_without_keras(tmp_path):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    x_tr, y_tr, x_te, y_te = tiny_arrays(h=28, w=28, classes=10)
    np.savez(cache / "mnist.npz", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    ds = load_dataset("mnist")  # fail_loader would raise if Keras were asked
    assert ds.name == "mnist" and ds.notice is None
    assert "mnist.npz" in ds.source
    np.testing.assert_array_equal(ds.x_test, x_te)


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


def test_fashion_mnist_unavailable_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AECORE_FASHION_DIR", str(tmp_path / "nowhere"))

    calls = []

    def broken(name):
        calls.append(name)
        raise Exception("URL fetch failure")

    monkeypatch.setattr(download, "keras_load_data", broken)
    for _ in range(2):  # the second attempt is answered from the remembered failure
        with pytest.raises(ValueError, match="apt-get install dataset-fashion-mnist.*URL fetch failure|URL fetch failure.*apt-get install dataset-fashion-mnist"):
            load_dataset("fashion_mnist")
    assert calls == ["fashion_mnist"]


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


def test_path_cache_reloads_rewritten_files(tmp_path):
    path = make_npz(tmp_path / "d.npz")
    first = load_dataset(path)
    assert np.shares_memory(first.x_train, load_dataset(path).x_train)
    x = np.full((40, 6, 5), 7, np.uint8)
    make_npz(tmp_path / "d.npz", x_train=x)
    os.utime(path, ns=(1, 1))  # make sure the stamp changes even on coarse clocks
    assert (load_dataset(path).x_train == 7).all()


def test_dataset_validates_hand_built_instances():
    x = np.zeros((3, 5, 5), np.uint8)
    ds = Dataset("t", x, np.array([0, 1, 1], np.int32), x.copy(), [0, 0, 1], ("a", "b"), "hand")
    assert ds.y_train.dtype == np.int64 and ds.num_classes == 2 and ds.image_shape == (5, 5)
    assert "train=3" in repr(ds)
    with pytest.raises(ValueError, match="values must lie in 0..1"):
        Dataset("t", x, np.array([0, 1, 2]), x.copy(), np.array([0, 0, 1]), ("a", "b"), "hand")
    with pytest.raises(ValueError, match="uint8"):
        Dataset("t", x.astype(float), np.array([0, 1, 1]), x, np.array([0, 0, 1]), ("a", "b"), "hand")


# --------------------------------------------------------------------------------------
# IDX folders
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("spelling", ["dash", "dot"])
def test_idx_folder_round_trip(tmp_path, gz, spelling):
    arrays = tiny_arrays()
    folder = make_idx_folder(tmp_path / "mydata", arrays, gz=gz, spelling=spelling)
    ds = load_dataset(str(folder))
    assert ds.name == "mydata" and ds.notice is None
    assert ds.source == f"IDX files in {folder}"
    for got, want in zip((ds.x_train, ds.y_train, ds.x_test, ds.y_test), arrays):
        np.testing.assert_array_equal(got, want)
    assert ds.class_names == ("0", "1", "2", "3")
    assert ds.image_shape == (6, 5)


def test_non_contiguous_labels_are_reindexed(tmp_path):
    x_tr, _, x_te, _ = tiny_arrays()
    y_tr = np.where(np.arange(40) % 2, 7, 3)
    y_te = np.where(np.arange(20) % 2, 7, 3)
    folder = make_idx_folder(tmp_path / "d", (x_tr, y_tr, x_te, y_te))
    ds = load_dataset(folder)
    assert ds.class_names == ("3", "7")
    assert set(ds.y_train.tolist()) == {0, 1}
    assert [ds.class_names[i] for i in ds.y_train[:2]] == ["3", "7"]


def _idx_case(tmp_path, role: int, **kwargs) -> Path:
    """A valid IDX folder whose file number ``role`` is rewritten by write_idx(**kwargs)."""
    arrays = tiny_arrays()
    folder = make_idx_folder(tmp_path / "bad", arrays)
    array = kwargs.pop("array", arrays[role])
    write_idx(folder / IDX_NAMES["dash"][role], array, **kwargs)
    return folder


def test_idx_wrong_magic(tmp_path):
    folder = _idx_case(tmp_path, 0, magic=0x00000801)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte' is not an IDX images file: its magic number is 0x00000801, expected 0x00000803.*swapped"):
        load_dataset(folder)
    folder = _idx_case(tmp_path / "2", 3, magic=0xDEADBEEF)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte'.*0xDEADBEEF, expected 0x00000801"):
        load_dataset(folder)


def test_idx_gzip_without_suffix_gets_a_hint(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    target = folder / IDX_NAMES["dash"][0]
    target.write_bytes(gzip.compress(target.read_bytes()))
    with pytest.raises(ValueError, match=r"gzip-compressed; add the \.gz suffix"):
        load_dataset(folder)


def test_idx_truncated_header(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    (folder / IDX_NAMES["dash"][0]).write_bytes(struct.pack(">II", 0x803, 10))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte' is truncated: its header needs 16 bytes but the file holds only 8"):
        load_dataset(folder)


def test_idx_truncated_data(tmp_path):
    folder = _idx_case(tmp_path, 1, declared_count=41)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte': the header declares 41 labels.*truncated"):
        load_dataset(folder)


def test_idx_extra_data(tmp_path):
    folder = _idx_case(tmp_path, 1, declared_count=39)
    with pytest.raises(ValueError, match="longer than declared"):
        load_dataset(folder)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_billion_image_header_fails_fast_without_allocating(tmp_path, gz):
    folder = make_idx_folder(tmp_path / "d")
    images = np.zeros((1, 28, 28), np.uint8)
    (folder / IDX_NAMES["dash"][0]).unlink()
    write_idx(folder / IDX_NAMES["dash"][0], images, declared_count=1_000_000_000, gz=gz)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"declares 1,000,000,000 images of 28x28 pixels"):
            load_dataset(folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024**2


def test_idx_gz_bomb_style_header_reads_only_real_data(tmp_path):
    # Header fits under the size cap but promises far more than the gzip stream holds.
    folder = make_idx_folder(tmp_path / "d")
    (folder / IDX_NAMES["dash"][0]).unlink()
    write_idx(folder / IDX_NAMES["dash"][0], np.zeros((2, 28, 28), np.uint8), declared_count=1_000_000, gz=True)
    with pytest.raises(ValueError, match=r"holds only 1,568"):
        load_dataset(folder)


def test_idx_zero_rows(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    (folder / IDX_NAMES["dash"][2]).write_bytes(struct.pack(">IIII", 0x803, 5, 0, 28))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte' declares images of 0x28 pixels"):
        load_dataset(folder)


def test_idx_zero_images(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    (folder / IDX_NAMES["dash"][0]).write_bytes(struct.pack(">IIII", 0x803, 0, 28, 28))
    with pytest.raises(ValueError, match="declares 0 images"):
        load_dataset(folder)


def test_idx_images_too_small(tmp_path):
    folder = make_idx_folder(tmp_path / "d", tiny_arrays(h=3, w=8))
    with pytest.raises(ValueError, match="images of 3x8 pixels; images must be at least 4x4"):
        load_dataset(folder)


def test_idx_label_count_mismatch(tmp_path):
    folder = _idx_case(tmp_path, 3, array=np.zeros(19, np.uint8))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte' holds 19 labels but '.*t10k-images-idx3-ubyte' holds 20 images"):
        load_dataset(folder)


def test_idx_train_test_size_mismatch(tmp_path):
    folder = _idx_case(tmp_path, 2, array=np.zeros((20, 7, 7), np.uint8))
    with pytest.raises(ValueError, match=r"training images in .* are 6x5 but test images in .*t10k-images-idx3-ubyte' are 7x7"):
        load_dataset(folder)


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda raw: b"this is not gzip data at all", "is not a valid gzip file"),
        (lambda raw: raw[: len(raw) // 2], "is not a valid gzip file"),  # EOFError
        (lambda raw: raw[:10] + b"\x07" + raw[11:], "is not a valid gzip file"),  # zlib.error
        (lambda raw: raw[:-8] + bytes([raw[-8] ^ 0xFF]) + raw[-7:], "is not a valid gzip file"),  # CRC
    ],
    ids=["not-gzip", "truncated", "bad-deflate-block", "bad-crc"],
)
def test_idx_corrupt_gzip(tmp_path, mangle, message):
    folder = make_idx_folder(tmp_path / "d", gz=True)
    target = folder / (IDX_NAMES["dash"][0] + ".gz")
    target.write_bytes(mangle(target.read_bytes()))
    with pytest.raises(ValueError, match=rf"train-images-idx3-ubyte\.gz' {message}"):
        load_dataset(folder)


def test_idx_partial_folder_lists_missing_files(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    (folder / IDX_NAMES["dash"][3]).unlink()
    with pytest.raises(ValueError, match=r"has only part of an IDX dataset: missing t10k-labels-idx1-ubyte\[\.gz\]"):
        load_dataset(folder)


def test_single_idx_file_path_points_to_folder(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    with pytest.raises(ValueError, match="is a single IDX file; give the folder"):
        load_dataset(folder / IDX_NAMES["dash"][0])


# --------------------------------------------------------------------------------------
# npz files
# --------------------------------------------------------------------------------------


def test_npz_round_trip_file_and_folder(tmp_path):
    path = make_npz(tmp_path / "set.npz")
    ds = load_dataset(str(path))
    assert ds.name == "set.npz" and ds.source == f"npz file {path}"
    np.testing.assert_array_equal(ds.x_train, tiny_arrays()[0])
    folder = tmp_path / "folder"
    folder.mkdir()
    make_npz(folder / "only.npz")
    ds = load_dataset(folder)
    assert ds.name == "folder" and ds.source.endswith("only.npz")


def test_npz_conversions(tmp_path):
    x_tr, y_tr, x_te, y_te = tiny_arrays()
    unit = load_dataset(make_npz(tmp_path / "a.npz", x_train=x_tr / 255.0, x_test=x_te / 255.0))
    np.testing.assert_array_equal(unit.x_train, x_tr)
    floats = load_dataset(make_npz(tmp_path / "b.npz", x_train=x_tr.astype(np.float32), x_test=x_te.astype(np.float64)))
    np.testing.assert_array_equal(floats.x_test, x_te)
    channel = load_dataset(make_npz(tmp_path / "c.npz", x_train=x_tr[..., None], x_test=x_te[..., None].astype(np.int16), y_train=y_tr.astype(np.float32)))
    assert channel.x_train.shape == (40, 6, 5) and channel.x_test.dtype == np.uint8
    assert channel.y_train.dtype == np.int64


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(y_test=None), r"missing the array\(s\) y_test"),
        (dict(x_train=None, y_test=None), r"missing the array\(s\) x_train, y_test"),
        (dict(x_train=np.zeros((40, 30), np.uint8)), r"array x_train must be a 3-D array .* got shape \(40, 30\)"),
        (dict(y_train=np.zeros((40, 2), np.int64)), r"array y_train must be a 1-D array of labels, got shape \(40, 2\)"),
        (dict(y_train=np.zeros(39, np.int64)), r"array y_train' holds 39 labels but .* array x_train' holds 40 images|array y_train holds 39 labels"),
        (dict(x_test=np.zeros((20, 6, 6), np.uint8)), r"are 6x5 but test images in .* are 6x6"),
        (dict(x_train=np.full((40, 6, 5), 300.0)), r"hold values from .* to 300; float images must lie in \[0, 1\] or \[0, 255\]"),
        (dict(x_train=np.full((40, 6, 5), -1, np.int16)), r"holds values from -1 to -1; integer images must lie in 0..255"),
        (dict(x_train=np.full((40, 6, 5), np.nan)), "NaN or infinite"),
        (dict(x_train=np.zeros((40, 6, 5), np.complex64)), "has dtype complex64"),
        (dict(y_train=np.full(40, 0.5)), "must hold integer class labels"),
        (dict(x_train=np.zeros((0, 6, 5), np.uint8), y_train=np.zeros(0, np.int64)), "holds no images"),
        (dict(x_train=np.zeros((40, 3, 3), np.uint8), x_test=np.zeros((20, 3, 3), np.uint8)), "images of 3x3 pixels"),
    ],
)
def test_npz_malformed(tmp_path, overrides, message):
    path = make_npz(tmp_path / "bad.npz", **overrides)
    with pytest.raises(ValueError, match=message) as info:
        load_dataset(path)
    assert "bad.npz" in str(info.value)


def test_npz_label_count_mismatch_names_both(tmp_path):
    path = make_npz(tmp_path / "bad.npz", y_train=np.zeros(39, np.int64))
    with pytest.raises(ValueError, match=r"array y_train holds 39 labels but .*array x_train holds 40 images"):
        load_dataset(path)


def test_npz_not_a_zip(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"definitely not a zip file" * 10)
    with pytest.raises(ValueError, match=r"junk\.npz' is not a valid \.npz file"):
        load_dataset(path)


def test_npy_single_array(tmp_path):
    path = tmp_path / "one.npz"
    with open(path, "wb") as f:
        np.save(f, np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="holds a single array, not a Keras-layout .npz"):
        load_dataset(path)


def test_npz_object_arrays_are_refused(tmp_path):
    path = make_npz(tmp_path / "obj.npz", y_train=np.array([object()] * 40, dtype=object))
    with pytest.raises(ValueError, match="holds Python objects"):
        load_dataset(path)


def test_npz_lying_header_fails_without_allocating(tmp_path):
    path = make_npz(tmp_path / "lie.npz")
    # Rewrite x_train.npy with a header claiming a billion 28x28 images over a tiny body.
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "|u1", "fortran_order": False, "shape": (1_000_000_000, 28, 28)})
    fake = buf.getvalue() + bytes(784)
    with zipfile.ZipFile(path) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    members["x_train.npy"] = fake
    with zipfile.ZipFile(path, "w") as zout:
        for n, b in members.items():
            zout.writestr(n, b)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"array x_train declares shape \(1000000000, 28, 28\)"):
            load_dataset(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024**2


def test_npz_truncated_member(tmp_path):
    path = make_npz(tmp_path / "short.npz")
    with zipfile.ZipFile(path) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    members["x_test.npy"] = members["x_test.npy"][:-10]
    with zipfile.ZipFile(path, "w") as zout:
        for n, b in members.items():
            zout.writestr(n, b)
    with pytest.raises(ValueError, match="array x_test declares shape .* holds only"):
        load_dataset(path)


# --------------------------------------------------------------------------------------
# Paths and the data root
# --------------------------------------------------------------------------------------


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match=r"unknown dataset 'cifar10'; choose one of mnist_sample, mnist, fashion_mnist, digits, or give the path of a folder .*\.npz"):
        load_dataset("cifar10")
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("")


def test_missing_path(tmp_path):
    with pytest.raises(ValueError, match=r"dataset path '.*nothing-here' does not exist"):
        load_dataset(str(tmp_path / "nothing-here"))
    with pytest.raises(ValueError, match="does not exist"):
        load_dataset("missing.npz")


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"folder '.*empty' is empty; put a folder with the four IDX files"):
        load_dataset(tmp_path / "empty")


def test_folder_without_dataset_files(tmp_path):
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "readme.txt").write_text("hi")
    with pytest.raises(ValueError, match=r"holds no dataset files \(found: readme.txt\); expected .*train-images-idx3-ubyte\[\.gz\]"):
        load_dataset(folder)


def test_folder_with_several_npz(tmp_path):
    make_npz(tmp_path / "a.npz")
    make_npz(tmp_path / "b.npz")
    with pytest.raises(ValueError, match=r"holds 2 \.npz files \(a\.npz, b\.npz\); give the path"):
        load_dataset(tmp_path)


def test_home_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    make_npz(tmp_path / "home.npz")
    assert load_dataset("~/home.npz").name == "home.npz"


def test_root_allows_inside_and_relative(tmp_path):
    root = tmp_path / "root"
    make_idx_folder(root / "sets" / "mine")
    assert load_dataset(root / "sets" / "mine", root=root).name == "mine"
    assert load_dataset("sets/mine", root=str(root)).name == "mine"  # relative to the root


def test_root_rejects_dotdot_escape(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    make_idx_folder(tmp_path / "outside")
    for path in (str(root / ".." / "outside"), "../outside"):
        with pytest.raises(ValueError, match=r"dataset path '.*outside' is outside the data root '.*root'; put the files under the data root or set AECORE_DATA_ROOT"):
            load_dataset(path, root=root)


def test_root_rejects_symlink_escape(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    make_npz(tmp_path / "secret.npz")
    (root / "link.npz").symlink_to(tmp_path / "secret.npz")
    (root / "linkdir").symlink_to(tmp_path)
    for path in (root / "link.npz", root / "linkdir" / "secret.npz"):
        with pytest.raises(ValueError, match="is outside the data root"):
            load_dataset(path, root=root)
    # A sibling folder whose name merely starts with the root's name is outside too.
    (tmp_path / "root2").mkdir()
    make_npz(tmp_path / "root2" / "x.npz")
    with pytest.raises(ValueError, match="is outside the data root"):
        load_dataset(tmp_path / "root2" / "x.npz", root=root)


def test_named_datasets_ignore_root(tmp_path):
    assert load_dataset("digits", root=tmp_path / "anything").name == "digits"
