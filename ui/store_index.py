"""The model store as the pages list it: every entry, newest first, labelled, loaded lazily.

Every model picker lists the session's models, then these (saved by the CLI, by
``pretrain``, by another tab, or before a reload). An entry is only a label, its
configuration and its history until a page uses its weights: :class:`StoredEntry` loads
them on first use through a small process-wide cache, so listing fifty stored models keeps
fifty histories in memory, not fifty networks.

Entries are keyed by a hash of the configuration, dataset and training-set size
(:func:`aecore.store.config_key`): training identical settings twice replaces one entry.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import streamlit as st

from aecore.history import History
from aecore.store import ModelStore, StoreError
from ui import plots, state

#: a run's colour in every chart and table swatch (kept with its store entry, so after a reload too)
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e6b800", "#444444")
LOADED_MODELS = 4  # stored models held in memory at once (process-wide), least recently used dropped


def colour_index(key: str, meta: dict[str, Any] | None = None) -> int:
    """The colour a stored model keeps: the one its run had (saved with it), else one from its key."""
    c = (meta or {}).get("colour")
    if isinstance(c, int) and 0 <= c < len(PALETTE):
        return c
    try:
        return int(key[:8], 16) % len(PALETTE)
    except ValueError:
        return 0


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _final(values: list) -> float | None:
    try:
        v = float(values[-1])
    except (IndexError, TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@dataclass
class StoredModel:
    """One store entry as the pages show it (no weights)."""

    key: str
    meta: dict[str, Any]
    label: str
    colour: int

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.meta.get("config") or {})

    @property
    def history(self) -> History:
        return History.from_dict(self.meta.get("history") or {})

    @property
    def dataset(self) -> str:
        return str(self.meta.get("dataset", "?"))

    @property
    def saved_at(self) -> float:
        return float(self.meta.get("saved_at") or 0.0)

    @property
    def epochs(self) -> int:
        return len((self.meta.get("history") or {}).get("epoch", [])) or int(self.config.get("epochs", 0))

    @property
    def loss(self) -> float | None:
        return _final((self.meta.get("history") or {}).get("loss", []))

    @property
    def val_loss(self) -> float | None:
        return _final((self.meta.get("history") or {}).get("val_loss", []))


def stored_label(config: dict[str, Any], epochs: int, loss: float | None, dataset: str) -> str:
    """"dense · lr 0.01 · 3 ep · loss 0.0931 · mnist_sample": what differs from the recipe, the
    epochs, the final validation (else training) loss and the data (a session's own models
    end in the epochs, so the two kinds read apart)."""
    return f"{state.model_label(config, epochs)} · loss {plots.fmt_number(loss)} · {dataset}"


_SCAN: dict[str, tuple[tuple, list[StoredModel]]] = {}  # root -> (root mtime, entries): rescanned on change


def stored_models() -> list[StoredModel]:
    """Every complete store entry, newest first (damaged ones are skipped)."""
    s = ModelStore()
    root = str(s.root)
    try:  # the folder changes whenever an entry is renamed in or removed (entries are written atomically)
        stamp = (os.stat(root).st_mtime_ns, tuple(sorted(os.listdir(root))))
    except OSError:
        return []
    cached = _SCAN.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    out = []
    for info in s.entries():
        meta = info.meta if isinstance(info.meta, dict) else {}
        if not isinstance(meta.get("config"), dict):
            continue
        c = colour_index(info.key, meta)
        h = meta.get("history") or {}
        loss = _final(h.get("val_loss", [])) or _final(h.get("loss", []))
        epochs = len(h.get("epoch", [])) or int(meta["config"].get("epochs", 0) or 0)
        out.append(StoredModel(info.key, meta, stored_label(meta["config"], epochs, loss,
                                                            str(meta.get("dataset", "?"))), c))
    out.sort(key=lambda m: m.saved_at, reverse=True)
    # two entries that differ only in what a label leaves out (training-set size): name the key
    seen: dict[str, int] = {}
    for m in out:
        seen[m.label] = seen.get(m.label, 0) + 1
    for m in out:
        if seen[m.label] > 1:
            m.label = f"{m.label} · #{m.key[:6]}"
    _SCAN[root] = (stamp, out)
    return out


def forget(key: str) -> None:
    """Delete one stored model (every page stops listing it)."""
    ModelStore().delete(key)
    _SCAN.clear()


@st.cache_resource(max_entries=LOADED_MODELS, show_spinner="Loading a stored model…")
def _load(root: str, key: str, saved_at: float):
    return ModelStore(root).load(key).models


class StoredEntry:
    """A stored model offered by the pickers, with the same fields as :class:`ui.state.ModelEntry`;
    its weights are loaded when a page first uses them."""

    source = "store"
    finite = True  # the store refuses to save, and to load, a model with non-finite weights

    def __init__(self, m: StoredModel):
        self.label = m.label
        self.config = m.config
        self.dataset = m.dataset
        self.history = m.history
        self.store_key = m.key
        self._root = str(ModelStore().root)
        self._saved_at = m.saved_at
        self._meta = m.meta

    @property
    def models(self):
        try:
            return _load(self._root, self.store_key, self._saved_at)
        except StoreError as exc:
            raise ValueError(f"the stored model “{self.label}” cannot be loaded: {exc}") from None

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self._meta.get("image_shape") or ())

    @property
    def code_size(self) -> int:
        size = self._meta.get("code_size")
        if isinstance(size, int):
            return size
        if self.config.get("variant") == "vae" and isinstance(self.config.get("code_dim"), int):
            return int(self.config["code_dim"])  # a VAE's code is its code mean
        try:
            from aecore.estimate import layer_sizes

            shape = self._meta.get("image_shape") or [28, 28]
            enc = [r for r in layer_sizes(self.config, tuple(shape)) if r.part == "encoder"]
            return int(math.prod(enc[-1].output_shape))
        except Exception:  # an unusual config: ask the model itself
            return self.models.code_size

    def is_finite(self) -> bool:
        return True


def stored_entries(skip: set[str] | frozenset = frozenset()) -> list[StoredEntry]:
    """The store's models for the pickers, newest first, leaving out the keys in ``skip``."""
    try:
        return [StoredEntry(m) for m in stored_models() if m.key not in skip]
    except (OSError, ValueError):
        return []
