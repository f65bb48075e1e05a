"""Tests for aecore.data.paths: from a user path to its files, inside the data root."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_data import IDX_NAMES, isolated, make_idx_folder, make_npz  # noqa: F401 - isolated is autouse

from aecore.data import load_dataset

# --------------------------------------------------------------------------------------
# Paths and the data root
# --------------------------------------------------------------------------------------


def test_unknown_name_lists_choices():
    with pytest.raises(
        ValueError,
        match=r"unknown dataset 'cifar10'; choose one of mnist_sample, mnist, fashion_mnist, digits, "
        r"or give the path of a folder .*\.npz",
    ):
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
    with pytest.raises(
        ValueError, match=r"holds no dataset files \(found: readme.txt\); expected .*train-images-idx3-ubyte\[\.gz\]"
    ):
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
        with pytest.raises(
            ValueError,
            match=r"dataset path '.*outside' is outside the data root '.*root'; "
            r"put the files under the data root or set AECORE_DATA_ROOT",
        ):
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


def test_single_idx_file_path_points_to_folder(tmp_path):
    folder = make_idx_folder(tmp_path / "d")
    with pytest.raises(ValueError, match="is a single IDX file; give the folder"):
        load_dataset(folder / IDX_NAMES["dash"][0])


@pytest.mark.parametrize("given", ["data\0.npz", "/srv/sets\0/mine", Path("a\0b.npz")], ids=["name", "folder", "Path"])
def test_path_with_a_nul_character_says_so(given):
    expected = r"dataset path '.*\\0.*' cannot be used: the path contains a NUL character"
    with pytest.raises(ValueError, match=expected) as info:
        load_dataset(given)
    assert "embedded null byte" not in str(info.value)


def test_nul_character_with_a_data_root(tmp_path):
    with pytest.raises(ValueError, match="dataset path .* the path contains a NUL character"):
        load_dataset("sets/a\0b", root=tmp_path)
    with pytest.raises(ValueError, match="data root .* the path contains a NUL character"):
        load_dataset("sets/ab", root=str(tmp_path) + "\0")
