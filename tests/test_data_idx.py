"""Tests for aecore.data.idx: IDX folders, the parser's checks and the identity-keyed cache."""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from test_data import IDX_NAMES, isolated, make_idx_folder, tiny_arrays, write_idx  # noqa: F401 - isolated is autouse

from aecore.data import load_dataset

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
    for got, want in zip((ds.x_train, ds.y_train, ds.x_test, ds.y_test), arrays, strict=True):
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
    with pytest.raises(
        ValueError,
        match=r"train-images-idx3-ubyte' is not an IDX images file: its magic number is 0x00000801, "
        r"expected 0x00000803.*swapped",
    ):
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
    with pytest.raises(
        ValueError,
        match=r"train-images-idx3-ubyte' is truncated: its header needs 16 bytes but the file holds only 8",
    ):
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
    with pytest.raises(
        ValueError, match=r"t10k-labels-idx1-ubyte' holds 19 labels but '.*t10k-images-idx3-ubyte' holds 20 images"
    ):
        load_dataset(folder)


def test_idx_train_test_size_mismatch(tmp_path):
    folder = _idx_case(tmp_path, 2, array=np.zeros((20, 7, 7), np.uint8))
    with pytest.raises(
        ValueError, match=r"training images in .* are 6x5 but test images in .*t10k-images-idx3-ubyte' are 7x7"
    ):
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


def test_idx_cache_rereads_a_rewritten_file(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    first = load_dataset(folder)
    assert np.shares_memory(first.x_train, load_dataset(folder).x_train)  # cached
    target = folder / IDX_NAMES["dash"][2]
    stat = os.stat(target)
    write_idx(target, np.full((20, 6, 5), 9, np.uint8))  # same size: only the mtime tells
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    again = load_dataset(folder)
    assert (again.x_test == 9).all()
    np.testing.assert_array_equal(again.x_train, first.x_train)
