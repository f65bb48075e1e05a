"""The Train page's logic: the settings form in session state, runs, the store, previews.

The page draws widgets; everything it decides (what a click does, whether a change needs a
new model, when a finished run is saved) lives here so it can be read and tested in one
place.

Widget state. Streamlit forgets a widget's value when its page is not rendered, so the
settings live in ``st.session_state[CONFIG_KEY]`` (the "form") and every widget has a
stable key ``train_<name>``. When the Train page renders, a widget whose key is missing is
seeded from the form before it is drawn, and after drawing the form is updated from the
widgets. Defaults come from one place: the variant recipes in :mod:`aecore.variants`.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import numpy as np
import streamlit as st

from aecore.data import DATASET_NAMES, Dataset, describe_datasets
from aecore.store import ModelStore, StoreError
from aecore.training import FAILED, FINISHED, IDLE, PAUSED, RUNNING, STOPPED, History, TrainingRun
from aecore.variants import (ARCHITECTURE_KEYS, PARAMS, PRESETS, VARIANTS, architecture_changed,
                             get_variant, published_config, resolve_config)
from ui import cache, state

CONFIG_KEY = "ae_config"  # the Train page's settings: {"variant", "params": {...}, "n_train", "folder"}
SAVED_KEY = "ae_saved"  # (run, epochs) of the last run saved to the store and remembered
FLASH_KEY = "ae_flash"  # (kind, message) shown once on the next render (set by callbacks)
WIDGET_PREFIX = "train_"
DEFAULT_VARIANT = "dense"
FOLDER_CHOICE = "__folder__"  # the dataset selectbox's "a folder under the data root" option
PREVIEW_COUNT = 16
LIVE_PARAMS = ("learning_rate", "epochs")  # changes that apply to the model as it is

#: widget labels; the help text comes from aecore.variants.PARAMS
LABELS = {
    "hidden": "Hidden layers (encoder)",
    "code_dim": "Code size",
    "filters": "Conv filters per stage",
    "activation": "Activation",
    "code_activation": "Code activation",
    "output_activation": "Output activation",
    "l1": "L1 strength (sparsity)",
    "loss": "Loss",
    "optimizer": "Optimizer",
    "learning_rate": "Learning rate",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "scaling": "Input scaling",
    "noise_factor": "Noise factor (training)",
    "noise_kind": "Noise kind",
    "seed": "Seed",
}
LABELS.update(arch="VAE architecture", beta="KL weight (beta)", conditional="Conditional (sees the label)")
#: drawn in the advanced expander; the rest are always visible
ADVANCED = ("code_activation", "output_activation", "scaling", "noise_kind")


def wkey(name: str) -> str:
    """The widget key of a form field."""
    return WIDGET_PREFIX + name


# ---------------------------------------------------------------------------- Keras vs Streamlit
_PATCH_LOCK = threading.Lock()


def protect_keras_session() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit's script runner calls it after each run, fragment reruns included, to free
    memory. That replaces Keras' per-thread global state for *every* thread, resets the TF
    default graph, clears TF's kernel cache and runs a full ``gc.collect()``. With the Train
    page polling twice a second, a model training in the background thread never got past
    tracing its first step (measured: 0 batches in 60 s polled vs. 4 s unpolled). The app
    names every layer itself and bounds the models it keeps, so it never needs the reset.
    Other callers (tests, notebooks) still get the real function.
    """
    # A plain import, never sys.modules.get: when several sessions open at once, another
    # session's thread may be half-way through importing keras, and only the import
    # statement waits for it to finish (a half-initialised module has no .backend yet).
    import keras

    with _PATCH_LOCK:
        _patch_clear_session(keras.backend)


def _patch_clear_session(backend) -> None:
    if getattr(backend.clear_session, "_autoencoder_lab", False):
        return
    original = backend.clear_session

    def clear_session(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("streamlit."):
            return None
        return original(*args, **kwargs)

    clear_session._autoencoder_lab = True
    clear_session._original = original
    clear_session.__doc__ = original.__doc__
    backend.clear_session = clear_session


# ---------------------------------------------------------------------------- the form
def widget_values(config: dict[str, Any]) -> dict[str, Any]:
    """A resolved configuration as the widgets hold it (layer lists and log-scale numbers as text)."""
    out: dict[str, Any] = {}
    for name in get_variant(config["variant"]).params:
        value = config[name]
        kind = PARAMS[name].kind
        if kind == "intlist":
            value = ",".join(str(v) for v in value)
        elif PARAMS[name].log:
            value = f"{float(value):g}"
        elif kind == "float":
            value = float(value)
        elif kind == "int":
            value = int(value)
        out[name] = value
    return out


def form() -> dict[str, Any]:
    """The session's settings, created from the default variant's recipe on first use."""
    f = st.session_state.get(CONFIG_KEY)
    if f is None:
        f = {"variant": DEFAULT_VARIANT, "params": widget_values(resolve_config(DEFAULT_VARIANT)),
             "n_train": None, "n_train_for": None, "folder": ""}
        st.session_state[CONFIG_KEY] = f
    return f


def set_form_config(config: dict[str, Any]) -> None:
    """Put a resolved configuration into the form and its widgets (for callbacks: presets, reset)."""
    f = form()
    f["variant"] = config["variant"]
    f["params"] = widget_values(config)
    st.session_state[wkey("variant")] = config["variant"]
    for name, value in f["params"].items():
        st.session_state[wkey(name)] = value


def seed_widgets() -> None:
    """Give every missing widget key its value from the form (after the page was left)."""
    f = form()
    if f["variant"] not in VARIANTS:
        f["variant"] = DEFAULT_VARIANT
    st.session_state.setdefault(wkey("variant"), f["variant"])
    params = f["params"]
    recipe = None
    for name in get_variant(f["variant"]).params:
        if name not in params:  # a form from an older version of the app
            recipe = recipe or widget_values(resolve_config(f["variant"]))
            params[name] = recipe[name]
        st.session_state.setdefault(wkey(name), params[name])
    name = state.dataset_name()
    if wkey("dataset") not in st.session_state:
        st.session_state[wkey("dataset")] = name if name in DATASET_NAMES else FOLDER_CHOICE
    if wkey("folder") not in st.session_state:
        st.session_state[wkey("folder")] = "" if name in DATASET_NAMES else name or f["folder"]


def store_widgets() -> dict[str, Any]:
    """Copy the widgets' values into the form; return the raw parameter values."""
    f = form()
    f["variant"] = st.session_state[wkey("variant")]
    f["params"] = {name: st.session_state[wkey(name)] for name in get_variant(f["variant"]).params
                   if wkey(name) in st.session_state}
    f["folder"] = st.session_state.get(wkey("folder"), "")
    return dict(f["params"])


def on_variant_change() -> None:
    """Callback: a new variant starts from its recipe."""
    set_form_config(resolve_config(st.session_state[wkey("variant")]))


def reset_to_recipe() -> None:
    """Callback of "Reset to recipe": the current variant's defaults."""
    set_form_config(resolve_config(st.session_state.get(wkey("variant"), form()["variant"])))


def apply_preset(label: str) -> None:
    """Callback of a preset button: set every hyperparameter at once."""
    variant, overrides = PRESETS[label]
    set_form_config(resolve_config(variant, **overrides))
    flash("success", f"Preset applied: {label}")


def apply_published(variant: str) -> None:
    """Callback of "As published": the source article's optimizer, learning rate, epochs, batch."""
    set_form_config(published_config(variant))
    v = get_variant(variant)
    flash("success", f"As published: {v.title} with {', '.join(f'{k} {val}' for k, val in v.published.items())}")


def flash(kind: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (kind, message)


def pop_flash() -> tuple[str, str] | None:
    return st.session_state.pop(FLASH_KEY, None)


def resolve(raw: dict[str, Any], variant: str) -> dict[str, Any]:
    """The validated configuration of the form (``ValueError`` says what to change)."""
    return resolve_config(variant, **raw)


# ---------------------------------------------------------------------------- data
def dataset_choices() -> list[dict[str, Any]]:
    return describe_datasets()


def load_choice(choice: str, folder: str) -> Dataset:
    """The full dataset for the picker's choice; ``ValueError`` names what to change."""
    if choice == FOLDER_CHOICE:
        folder = (folder or "").strip()
        if not folder:
            raise ValueError(
                f"type the name of a folder (or .npz file) under the data root {state.data_root()} "
                "holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                "t10k-labels-idx1-ubyte (optionally .gz), or choose a named dataset"
            )
        return cache.dataset(folder)
    return cache.dataset(choice)


def training_data(full: Dataset, n_train: int | None, seed: int = 0) -> Dataset:
    """``full`` with at most ``n_train`` training images: the same seeded, class-stratified
    subset ``load_dataset(name, limit=n_train, seed=seed)`` draws; the test set is kept whole
    so validation loss and previews do not change with the training-set size."""
    n = len(full.x_train)
    if n_train is None or n_train >= n:
        return full
    if n_train < 1:
        raise ValueError(f"training-set size must be at least 1, got {n_train}")
    from aecore.data import _stratified_indices  # the exact subset the CLI's --limit uses

    idx = _stratified_indices(full.y_train, int(n_train), np.random.default_rng(int(seed)))
    return Dataset(full.name, full.x_train[idx], full.y_train[idx], full.x_test, full.y_test,
                   full.class_names, full.source, full.notice)


# ---------------------------------------------------------------------------- architecture
@st.cache_data(max_entries=64, show_spinner=False)
def _architecture(config_json: str, image_shape: tuple[int, int]) -> list[dict[str, Any]]:
    from aecore.models import build, summarize

    return summarize(build(json.loads(config_json), image_shape))


def architecture(config: dict[str, Any], image_shape: tuple[int, int]) -> list[dict[str, Any]]:
    """Rows of the architecture table; ``ValueError`` when the config does not fit the images."""
    arch = {k: v for k, v in config.items() if k in ARCHITECTURE_KEYS or k == "variant"}
    return _architecture(json.dumps(arch, sort_keys=True), tuple(int(s) for s in image_shape))


# ---------------------------------------------------------------------------- runs
def has_model(run: TrainingRun | None) -> bool:
    """True when the run holds something worth keeping (trained epochs or training now)."""
    return run is not None and (run.is_active or bool(run.history.epoch))


def dataset_key(run: TrainingRun) -> str:
    """The name or data-root path the run's data was loaded from (what ``cache.dataset`` takes)."""
    return getattr(run, "ui_dataset_key", run.dataset.name)


def pending_changes(run: TrainingRun | None, config: dict[str, Any], data: Dataset,
                    n_train: int) -> list[str]:
    """Settings that differ from the run's and need a new model (learning rate and epochs
    are applied to the running model instead)."""
    if run is None:
        return []
    changed = architecture_changed(run.config, config)
    if changed == ["variant"]:
        return changed
    changed += [k for k in config if k not in ARCHITECTURE_KEYS and k not in LIVE_PARAMS
                and k != "variant" and config[k] != run.config.get(k)]
    if data.name != run.dataset.name or data.image_shape != run.dataset.image_shape:
        changed.append("dataset")
    elif min(n_train, len(data.x_train)) != len(run.dataset.x_train):
        changed.append("training-set size")
    return changed


def sync_live(run: TrainingRun | None, config: dict[str, Any]) -> list[str]:
    """Apply a learning-rate or epochs change to the run; return what changed (for a toast)."""
    if run is None or run.status == FAILED:
        return []
    notes = []
    if float(config["learning_rate"]) != float(run.config["learning_rate"]):
        run.set_learning_rate(config["learning_rate"])
        notes.append(f"learning rate is now {config['learning_rate']:g}"
                     + (" (from the next batch)" if run.is_active else ""))
    if int(config["epochs"]) != int(run.config["epochs"]):
        run.set_epochs(config["epochs"])
        notes.append(f"epochs set to {config['epochs']}" + (" (applies at the next start)" if run.is_active else ""))
    return notes


def new_run(config: dict[str, Any], full: Dataset, n_train: int, key: str) -> TrainingRun:
    """A fresh (idle) run for the settings, made the session's current run."""
    protect_keras_session()
    data = training_data(full, n_train, int(config["seed"]))
    run = TrainingRun(config, data)
    run.ui_dataset_key = key
    keep_previous()
    state.set_run(run)
    return run


def keep_previous() -> None:
    """Before the current run is replaced: make sure a trained model is not lost."""
    old = state.current_run()
    if old is not None and old.history.epoch and old.status != FAILED:
        old.stop()
        old.join(timeout=30)
        finalize(old)


def preview_indices(y: np.ndarray, n: int = PREVIEW_COUNT) -> np.ndarray:
    """Fixed test images for the previews: round-robin over the classes, first of each."""
    y = np.asarray(y)
    by_class = [list(np.flatnonzero(y == c)) for c in np.unique(y)]
    out: list[int] = []
    while len(out) < min(n, len(y)):
        for idx in by_class:
            if idx and len(out) < n:
                out.append(int(idx.pop(0)))
    return np.asarray(out, dtype=np.int64)


def previews(run: TrainingRun, n: int = PREVIEW_COUNT) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, reconstructions) of fixed test digits with the run's current weights; noisy
    inputs for a run trained on noise, so a denoiser is shown doing its job."""
    x = run.dataset.x_test[preview_indices(run.dataset.y_test, n)]
    cfg = run.config
    return run.predict(x, noise_factor=float(cfg.get("noise_factor", 0.0)),
                       noise_kind=cfg.get("noise_kind", "gaussian"), noise_seed=1)


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "…"
    s = int(round(s))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def progress_text(snap) -> str:
    p = snap.progress
    bits = [f"Epoch {min(p.epoch + (1 if snap.status == RUNNING and p.batch else 0), max(p.epochs, 1))} of {p.epochs}"]
    if p.steps_per_epoch and snap.status == RUNNING:
        bits.append(f"batch {p.batch}/{p.steps_per_epoch}")
    if snap.status == RUNNING:
        bits.append(f"ETA {fmt_seconds(p.eta)}")
    if p.samples_per_s:
        bits.append(f"{p.samples_per_s:,.0f} samples/s")
    bits.append(f"{fmt_seconds(p.elapsed)} elapsed")
    return " · ".join(bits)


# ---------------------------------------------------------------------------- store
def store() -> ModelStore:
    """The model store (``AECORE_STORE_DIR`` is read each time, so tests can redirect it)."""
    return ModelStore()


def store_config(run: TrainingRun) -> dict[str, Any]:
    """The configuration a run is saved under: its settings with the epochs it really trained."""
    return dict(run.config, epochs=len(run.history.epoch))


def pretrained_available(config: dict[str, Any], data: Dataset, n_train: int) -> bool:
    try:
        return store().has(config, data.name, min(n_train, len(data.x_train)), data.image_shape)
    except (OSError, ValueError):
        return False


def load_pretrained(config: dict[str, Any], full: Dataset, n_train: int, key: str) -> TrainingRun:
    """Make the stored model for these settings the current (finished) run."""
    protect_keras_session()
    data = training_data(full, n_train, int(config["seed"]))
    s = store()
    loaded = s.get(config, data.name, len(data.x_train), data.image_shape)
    if loaded is None:
        problem = s.problems[-1] if s.problems else "it is no longer in the store"
        raise ValueError(f"the pretrained model could not be loaded: {problem}")
    run = TrainingRun(loaded.config or config, data, models=loaded.models, history=loaded.history)
    run.ui_dataset_key = key
    keep_previous()
    state.set_run(run)
    st.session_state[SAVED_KEY] = (run, len(run.history.epoch))
    state.remember(state.ModelEntry(state.run_label(run), run.models, dict(run.config), key,
                                    run.history.copy(), "store"))
    return run


def finalize(run: TrainingRun | None = None) -> str | None:
    """Save a finished (or stopped, with at least one epoch) run to the store once and keep
    it for the other pages. Returns a message for the page, or None when nothing happened.

    Cheap when there is nothing to do, so every page render can call it.
    """
    run = run if run is not None else state.current_run()
    if run is None or run.status not in (FINISHED, STOPPED) or not run.history.epoch:
        return None
    epochs = len(run.history.epoch)
    saved = st.session_state.get(SAVED_KEY)
    if saved is not None and saved[0] is run and saved[1] == epochs:
        return None
    st.session_state[SAVED_KEY] = (run, epochs)
    state.remember(state.ModelEntry(state.run_label(run), run.models, dict(run.config), dataset_key(run),
                                    run.history.copy(), "trained"))
    try:
        store().save(run.models, store_config(run), run.history, dataset=run.dataset.name,
                     n_train=len(run.dataset.x_train), image_shape=run.dataset.image_shape)
    except (OSError, StoreError, ValueError) as exc:
        return f"The model is kept for this session but could not be saved to the model store: {exc}"
    return None


# ---------------------------------------------------------------------------- Home's model
@st.cache_resource(max_entries=8, show_spinner=False)
def _stored_models(key: str, root: str):
    return ModelStore(root).load(key)


@st.cache_resource(max_entries=4, show_spinner="Training a tiny autoencoder for this page (once, a few seconds)…")
def _demo(name: str):
    """A tiny dense autoencoder trained once per process for the Home page (a few seconds)."""
    protect_keras_session()
    full = cache.dataset(name)
    # Batch 32 for 3 epochs: ~375 steps, enough for recognisable digits in ~3 s on a laptop.
    config = resolve_config("dense", epochs=3, batch_size=32)
    data = training_data(full, 4000, 0)
    run = TrainingRun(config, data, val_limit=500)
    run.start()
    run.join(timeout=300)
    if run.status != FINISHED:
        raise ValueError(run.reason or "the demo model did not finish training")
    return run.models, run.config


def home_model(full: Dataset, key: str) -> tuple[Any, dict[str, Any], str]:
    """(models, config, where it came from) for the Home page's demonstration: the session's
    newest model for these images, else a pretrained preset in the store, else a tiny model
    trained once per process."""
    entries = list(state.models_available().values())
    for entry in reversed(entries):
        if not entry.history.epoch:
            continue
        shape = tuple(int(d) for d in entry.models.autoencoder.input_shape[1:])
        if shape == full.image_shape:
            return entry.models, entry.config, f"your model “{entry.label}”"
    s = store()
    for label, (variant, overrides) in PRESETS.items():
        config = resolve_config(variant, **overrides)
        try:
            if s.has(config, full.name, len(full.x_train), full.image_shape):
                k = s.key(config, full.name, len(full.x_train), full.image_shape)
                loaded = _stored_models(k, str(s.root))
                return loaded.models, loaded.config or config, f"the pretrained preset “{label}” from the model store"
        except (OSError, ValueError):
            continue
    models, config = _demo(key)
    return models, config, "a tiny single-layer autoencoder trained for 3 epochs when the app started"


def demo_rows(models, config: dict[str, Any], full: Dataset, n: int = 6):
    """(originals, codes, reconstructions, titles) for ``n`` fixed test images."""
    from aecore.training import reconstruct
    from aecore.models import to_model_space

    idx = preview_indices(full.y_test, n)
    x = full.x_test[idx]
    _, recon = reconstruct(models, config, x)
    code = np.asarray(models.encoder(to_model_space(x, config["scaling"]), training=False)).reshape(len(x), -1)
    titles = [full.class_names[int(c)] for c in full.y_test[idx]]
    return x, code, recon, titles


__all__ = [
    "CONFIG_KEY", "SAVED_KEY", "FOLDER_CHOICE", "LABELS", "ADVANCED", "wkey", "form", "seed_widgets",
    "store_widgets", "on_variant_change", "reset_to_recipe", "apply_preset", "apply_published", "resolve",
    "load_choice", "training_data", "architecture", "has_model", "pending_changes", "sync_live", "new_run",
    "previews", "progress_text", "pretrained_available", "load_pretrained", "finalize", "home_model",
    "demo_rows", "History", "IDLE", "RUNNING", "PAUSED", "FINISHED", "STOPPED", "FAILED",
]
