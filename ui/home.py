"""Home's demonstration model: which model the page shows, and its input -> code -> output.

The session's newest model for these images comes first, then a pretrained preset from the
model store (once TensorFlow is loaded), then the tiny demo of :mod:`aecore.demo`: loaded from
the store, or trained in NumPy in about a second on the very first start and saved there. So
the first screen never waits for TensorFlow's import (~5 CPU seconds) or a Keras training
run. The app only caches and picks; the engine trains.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import streamlit as st

from aecore.data import Dataset
from aecore.demo import DEMO_EPOCHS, DemoModel, load_or_train_demo
from aecore.inference import encode, fits, reconstruct
from aecore.sampling import round_robin_indices
from aecore.store import ModelStore
from aecore.variants import PRESETS, resolve_config
from ui import datasets, saving, state

DEMO_IMAGES = 6


@st.cache_resource(max_entries=8, show_spinner=False)
def _stored_models(key: str, root: str):
    return ModelStore(root).load(key)


@st.cache_resource(max_entries=4, show_spinner="Training a tiny autoencoder for this page (once, about a second)…")
def _demo(name: str, root: str) -> tuple[DemoModel, str]:
    return load_or_train_demo(datasets.dataset(name), root)


def home_model(full: Dataset, key: str) -> tuple[Any, dict[str, Any], str]:
    """(models, config, where it came from) for the Home page's demonstration: the session's
    newest model for these images, else a pretrained preset in the store, else a tiny model
    trained once per process."""
    for entry in reversed(list(state.models_available().values())):
        if entry.history.epoch and fits(entry.models, full.image_shape):
            return entry.models, entry.config, f"your model “{entry.label}”"
    s = saving.store()
    # A stored preset is a Keras model: worth showing once TensorFlow is loaded (after the
    # first page run), never worth making the first screen wait for its import.
    for label, (variant, overrides) in PRESETS.items() if "keras" in sys.modules else ():
        config = resolve_config(variant, **overrides)
        try:
            if s.has(config, full.name, len(full.x_train), full.image_shape):
                k = s.key(config, full.name, len(full.x_train), full.image_shape)
                loaded = _stored_models(k, str(s.root))
                return loaded.models, loaded.config or config, f"the pretrained preset “{label}” from the model store"
        except (OSError, ValueError):
            continue
    model, how = _demo(key, str(s.root))
    when = "when the app started" if how == "trained" else "on the app's first start (kept in the model store)"
    return model, model.config, f"a tiny single-layer autoencoder trained for {DEMO_EPOCHS} epochs {when}"


def demo_rows(models, config: dict[str, Any], full: Dataset,
              n: int = DEMO_IMAGES) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(originals, codes, reconstructions, titles) for ``n`` fixed test images."""
    idx = round_robin_indices(full.y_test, n)
    x = full.x_test[idx]
    y = full.y_test[idx]  # a conditional VAE needs the classes; other models ignore them
    titles = [full.class_names[int(c)] for c in y]
    if isinstance(models, DemoModel):
        return x, models.encode(x), models.reconstruct(x), titles
    _, recon = reconstruct(models, config, x, labels=y)
    return x, encode(models, config, x, labels=y), recon, titles
