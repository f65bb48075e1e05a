"""Process-wide caches behind the pages: projections, scores and architecture tables.

Projections are cached by a key of dataset, sample, method, parameters and, for a model's
code, the weights fingerprint. They use a small LRU dict in ``st.cache_resource`` rather
than ``st.cache_data`` because a first t-SNE reports progress to a bar drawn outside the
computation; ``st.cache_data`` would record and replay those bar updates on every later
hit. (Datasets are cached in :mod:`ui.datasets`.)
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import streamlit as st

from aecore.variants import ARCHITECTURE_KEYS

MAX_PROJECTIONS = 64


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


@st.cache_data(max_entries=64, show_spinner=False)
def _architecture(config_json: str, image_shape: tuple[int, int]) -> list[dict[str, Any]]:
    from aecore.models import build, summarize

    return summarize(build(json.loads(config_json), image_shape))


def architecture(config: dict[str, Any], image_shape: tuple[int, int]) -> list[dict[str, Any]]:
    """Rows of the Train page's architecture table (built once per architecture and image
    size); ``ValueError`` when the configuration does not fit the images."""
    arch = {k: v for k, v in config.items() if k in ARCHITECTURE_KEYS or k == "variant"}
    return _architecture(json.dumps(arch, sort_keys=True), tuple(int(s) for s in image_shape))
