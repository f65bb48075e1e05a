"""Process-wide caches behind the pages.

Datasets are loaded once per process (``st.cache_resource``: read-only uint8 arrays shared
by every session). Projections are cached by a key of dataset, sample, method, parameters
and, for a model's code, the weights fingerprint. They use a small LRU dict in
``st.cache_resource`` rather than ``st.cache_data`` because a first t-SNE reports progress
to a bar drawn outside the computation; ``st.cache_data`` would record and replay those
bar updates on every later hit.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

import numpy as np
import streamlit as st

from aecore.data import DATASET_NAMES, Dataset, load_dataset

MAX_PROJECTIONS = 64


@st.cache_resource(show_spinner="Loading the dataset…")
def _load(name: str, root: str | None) -> Dataset:
    return load_dataset(name, root=root)


def dataset(name: str) -> Dataset:
    """A named dataset, or a folder/.npz path confined to the data root."""
    if name in DATASET_NAMES:
        return _load(name, None)
    from ui.state import data_root

    return _load(name, data_root())


@st.cache_resource
def _projection_store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def cached(key: Hashable, compute: Callable[[], Any]) -> tuple[Any, bool]:
    """Return ``(value, was_cached)``; ``compute`` runs only on a miss."""
    store, lock = _projection_store()
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key], True
    value = compute()
    with lock:
        store[key] = value
        while len(store) > MAX_PROJECTIONS:
            store.popitem(last=False)
    return value, False


def weights_fingerprint(model) -> str:
    """A short hash of a model's current weights (changes as training goes on)."""
    h = hashlib.blake2b(digest_size=10)
    for w in model.get_weights():
        arr = np.ascontiguousarray(w)
        h.update(arr.shape.__repr__().encode())
        h.update(arr.tobytes())
    return h.hexdigest()
