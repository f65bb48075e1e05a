"""The Train page's settings form: widget state that outlives the page, callbacks, flashes.

Streamlit forgets a widget's value when its page is not rendered, so the settings live in
``st.session_state[CONFIG_KEY]`` (the "form") and every widget has a stable key
``train_<name>``. When the Train page renders, a widget whose key is missing is seeded from
the form before it is drawn, and after drawing the form is updated from the widgets.
Defaults come from one place: the variant recipes in :mod:`aecore.variants`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from aecore.data import DATASET_NAMES
from aecore.variants import PARAMS, PRESETS, VARIANTS, get_variant, published_config, resolve_config
from ui import state
from ui.datasets import FOLDER_CHOICE

CONFIG_KEY = "ae_config"  # the Train page's settings: {"variant", "params": {...}, "n_train", "folder"}
FLASH_KEY = "ae_flash"  # (kind, message) shown once on the next render (set by callbacks)
WIDGET_PREFIX = "train_"
DEFAULT_VARIANT = "dense"

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
    "arch": "VAE architecture",
    "beta": "KL weight (beta)",
    "conditional": "Conditional (sees the label)",
    "tied_weights": "Tied weights (decoder = encoder transposed)",
    "pretraining": "Pretraining",
    "batch_norm": "Batch normalisation",
    "schedule": "Learning-rate schedule",
    "patience": "Early stopping patience (0 = off)",
}
#: drawn in the advanced expander; the rest are always visible
ADVANCED = ("code_activation", "output_activation", "scaling", "noise_kind")
#: preset buttons' short names (the full preset label is the button's tooltip); a preset
#: missing here shows the part of its label before the first comma
PRESET_SHORT = {
    "Single layer, 32-d code": "Single layer",
    "Deep, 128-64-32": "Deep",
    "2-D autoencoder, tanh output, 20 epochs": "2-D",
    "2-D autoencoder, tuned for the offline sample": "2-D, tuned",
    "Sparse, L1 1e-4": "Sparse",
    "Convolutional, 4x4x8 code": "Convolutional",
    "Denoising conv, noise 0.5": "Denoising",
    "Linear, 2-d code (PCA subspace)": "Linear (PCA)",
    "Variational autoencoder (VAE), 2-d code": "VAE",
    "Conditional VAE: ask for a digit": "VAE, by class",
    "2-D map: the best plain-autoencoder map in minutes": "2-D map",
}


def wkey(name: str) -> str:
    """The widget key of a form field."""
    return WIDGET_PREFIX + name


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


def seed_n_train(dataset_key: str, total: int) -> None:
    """Before the training-set size is drawn: all of a newly chosen dataset's images, else
    the size last chosen for this one."""
    f = form()
    if f.get("n_train_for") != dataset_key:
        st.session_state[wkey("n_train")] = total
        f["n_train_for"] = dataset_key
    elif wkey("n_train") not in st.session_state:
        st.session_state[wkey("n_train")] = int(f.get("n_train") or total)


def store_n_train(n_train: int) -> None:
    form()["n_train"] = int(n_train)


def preset_short(label: str) -> str:
    """The short name on a preset's button (it must not be cut off at 1024 px)."""
    return PRESET_SHORT.get(label) or label.split(",")[0]


def field_message(message: str) -> str:
    """An engine message about a parameter, led by the field's label the student sees:
    "**Batch size**: batch_size must be between 1 and 8192, got 0"."""
    for name, label in LABELS.items():
        if message.startswith(name + " ") or message.startswith(f"every {name} entry"):
            return f"**{label}**: {message}"
    return message


def resolve(raw: dict[str, Any], variant: str) -> dict[str, Any]:
    """The validated configuration of the form; ``ValueError`` names the field, the value and
    the limit ("**Code size**: code_dim must be between 1 and 8192, got 0")."""
    try:
        return resolve_config(variant, **raw)
    except ValueError as exc:
        raise ValueError(field_message(str(exc))) from None


def check_n_train(value: Any, available: int) -> tuple[int | None, str]:
    """The training-set size to use and a sentence saying so, or ``(None, reason)``.

    The field takes whatever is typed; nothing is silently replaced. Below 1 it cannot
    train (the reason names the field and the limit); above the dataset's size every
    image is used, and the sentence says so.
    """
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        return None, f"**Training-set size** must be a whole number between 1 and {available:,}, got {value!r}"
    if n < 1:
        return None, f"**Training-set size** must be between 1 and {available:,}, got {n:,}"
    if n >= available:
        extra = f" (you asked for {n:,}; the dataset has no more)" if n > available else ""
        return available, f"Training on all {available:,} training images{extra}."
    return n, f"Training on {n:,} of the {available:,} training images (a seeded, class-balanced subset)."


# ---------------------------------------------------------------------------- callbacks
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
    """A message for the next render (callbacks run before the page draws)."""
    st.session_state[FLASH_KEY] = (kind, message)


def pop_flash() -> tuple[str, str] | None:
    return st.session_state.pop(FLASH_KEY, None)
