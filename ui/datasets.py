"""Datasets for the pages: the data root, the per-process dataset cache, the Train page's
picker, and the seeded training subset.

Datasets are loaded once per process (``st.cache_resource``: read-only uint8 arrays shared
by every session). A path typed by a user is read only from inside the data root, and is
cached by the identity of its files (size and modification time, as
:func:`aecore.data.filecache.file_identity` gives it), so a file replaced on disk is read
again by the next session instead of serving the old images until a restart.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import streamlit as st

from aecore.data import DATASET_NAMES, Dataset, describe_datasets, load_dataset
from aecore.data.filecache import file_identity
from aecore.data.paths import resolve_data_files
from aecore.sampling import stratified_indices

FOLDER_CHOICE = "__folder__"  # the dataset selectbox's "a folder under the data root" option


def data_root() -> str:
    """The only folder the app reads dataset paths from (``AECORE_DATA_ROOT``)."""
    return os.path.realpath(os.path.expanduser(os.environ.get("AECORE_DATA_ROOT", "~/autoencoder-lab-data")))


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=16)
def _load(name: str, root: str | None, identity: tuple = ()) -> Dataset:
    # `identity` is only part of the key: a rewritten file misses the cache
    return load_dataset(name, root=root)


def path_identity(name: str, root: str) -> tuple:
    """What the cache key of a data-root path holds besides the name: the files it resolves
    to and their size and modification time. ``ValueError`` for a path that names no dataset."""
    files = resolve_data_files(name, root)
    return files.paths, file_identity(files.paths)


def dataset(name: str) -> Dataset:
    """A named dataset, or a folder/.npz path confined to the data root (cached per process,
    by the files' identity for a path)."""
    if name in DATASET_NAMES:
        return _load(name, None)
    root = data_root()
    return _load(name, root, path_identity(name, root))


def dataset_choices() -> list[dict[str, Any]]:
    """The named datasets for the picker: name, title, description."""
    return describe_datasets()


def load_choice(choice: str, folder: str) -> Dataset:
    """The full dataset for the picker's choice; ``ValueError`` names what to change."""
    if choice == FOLDER_CHOICE:
        folder = (folder or "").strip()
        if not folder:
            raise ValueError(
                f"type the name of a folder (or .npz file) under the data root {data_root()} "
                "holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                "t10k-labels-idx1-ubyte (optionally .gz), or choose a named dataset"
            )
        return dataset(folder)
    return dataset(choice)


def choice_key(choice: str, folder: str) -> str:
    """What the session remembers for a picker choice: the name, or the path typed."""
    return folder.strip() if choice == FOLDER_CHOICE else choice


def training_data(full: Dataset, n_train: int | None, seed: int = 0) -> Dataset:
    """``full`` with at most ``n_train`` training images: the seeded, class-stratified subset
    of :func:`aecore.sampling.stratified_indices` (the one every caller draws); the test
    set is kept whole so validation loss and previews do not change with the size."""
    n = len(full.x_train)
    if n_train is None or n_train >= n:
        return full
    if n_train < 1:
        raise ValueError(f"training-set size must be at least 1, got {n_train}")
    idx = stratified_indices(full.y_train, int(n_train), int(seed))
    return replace(full, x_train=full.x_train[idx], y_train=full.y_train[idx])
