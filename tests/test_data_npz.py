"""Tests for aecore.data.npz: Keras-layout .npz files, their checks and the identity-keyed cache."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import tracemalloc
import zipfile

import numpy as np
import pytest
from test_data import isolated, make_npz, tiny_arrays  # noqa: F401 - isolated is autouse

from aecore.data import load_dataset

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
    channel = load_dataset(
        make_npz(
            tmp_path / "c.npz",
            x_train=x_tr[..., None],
            x_test=x_te[..., None].astype(np.int16),
            y_train=y_tr.astype(np.float32),
        )
    )
    assert channel.x_train.shape == (40, 6, 5) and channel.x_test.dtype == np.uint8
    assert channel.y_train.dtype == np.int64


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(y_test=None), r"missing the array\(s\) y_test"),
        (dict(x_train=None, y_test=None), r"missing the array\(s\) x_train, y_test"),
        (dict(x_train=np.zeros((40, 30), np.uint8)), r"array x_train must be a 3-D array .* got shape \(40, 30\)"),
        (
            dict(y_train=np.zeros((40, 2), np.int64)),
            r"array y_train must be a 1-D array of labels, got shape \(40, 2\)",
        ),
        (
            dict(y_train=np.zeros(39, np.int64)),
            r"array y_train' holds 39 labels but .* array x_train' holds 40 images|array y_train holds 39 labels",
        ),
        (dict(x_test=np.zeros((20, 6, 6), np.uint8)), r"are 6x5 but test images in .* are 6x6"),
        (
            dict(x_train=np.full((40, 6, 5), 300.0)),
            r"hold values from .* to 300; float images must lie in \[0, 1\] or \[0, 255\]",
        ),
        (
            dict(x_train=np.full((40, 6, 5), -1, np.int16)),
            r"holds values from -1 to -1; integer images must lie in 0..255",
        ),
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
    header = {"descr": "|u1", "fortran_order": False, "shape": (1_000_000_000, 28, 28)}
    np.lib.format.write_array_header_1_0(buf, header)
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


@pytest.mark.parametrize(
    "content, what",
    [
        (b"x_train,y_train\n0.5,3\n", "it holds text"),
        ("Bilder: Grün\n".encode() * 10, "it holds text"),
        (b"", "it is empty"),
        (gzip.compress(b"payload"), "it is gzip-compressed"),
        (pickle.dumps({"x_train": [1, 2]}), r"it starts with b'\x80"),
    ],
    ids=["csv", "utf8-text", "empty", "gzip", "pickle"],
)
def test_npz_that_is_no_zip_archive_says_so(tmp_path, content, what):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    expected = r"x\.npz' is not a valid \.npz file: it is not an npz \(zip\) archive"
    with pytest.raises(ValueError, match=expected) as info:
        load_dataset(path)
    assert what in str(info.value)
    assert "pickle" not in str(info.value)  # np.load's allow_pickle hint would mislead


def test_path_cache_reloads_rewritten_files(tmp_path):
    path = make_npz(tmp_path / "d.npz")
    first = load_dataset(path)
    assert np.shares_memory(first.x_train, load_dataset(path).x_train)
    x = np.full((40, 6, 5), 7, np.uint8)
    make_npz(tmp_path / "d.npz", x_train=x)
    os.utime(path, ns=(1, 1))  # make sure the stamp changes even on coarse clocks
    assert (load_dataset(path).x_train == 7).all()


def test_npz_cache_rereads_an_overwritten_file(tmp_path):
    path = make_npz(tmp_path / "x.npz")
    first = load_dataset(path)
    stat = os.stat(path)
    make_npz(path, x_train=np.full((40, 6, 5), 200, np.uint8))
    # Move the mtime on explicitly: on a coarse clock the rewrite could keep the old one.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert (load_dataset(path).x_train == 200).all()
    np.testing.assert_array_equal(first.x_train, tiny_arrays()[0])  # the old Dataset is intact


def test_npz_cache_rereads_a_file_of_other_size_with_the_same_mtime(tmp_path):
    path = make_npz(tmp_path / "x.npz")
    load_dataset(path)
    stat = os.stat(path)
    x_tr, y_tr, _, _ = tiny_arrays(n_train=60)
    make_npz(path, x_train=x_tr, y_train=y_tr)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert os.stat(path).st_size != stat.st_size
    assert len(load_dataset(path).x_train) == 60
