"""The variant registry: name -> recipe defaults, hyperparameter schema and provenance.

A configuration is a plain dict (JSON-serialisable, so it can be hashed for the model
store and shown in the UI). ``resolve_config`` merges user overrides into a variant's
recipe and validates every value, naming the parameter, the value and the limit, the way
scikit-learn and Keras do. Image-size dependent checks (a code wider than the image, a
conv stack too deep for the image) happen in :func:`aecore.models.build`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from aecore.noise import NOISE_KINDS
from aecore.validation import is_int

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "selu", "gelu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "tanh", "linear")
LOSSES = ("bce", "mse")
OPTIMIZERS = ("adam", "adadelta", "rmsprop", "sgd", "nadam", "adamw")
SCHEDULES = ("none", "cosine", "plateau")
SCALINGS = ("unit", "centered")

#: value range of model-space images for each scaling
VALUE_RANGES = {"unit": (0.0, 1.0), "centered": (-0.5, 0.5)}


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its type, limits and a one-line help text for the UI."""

    name: str
    kind: str  # "int", "float", "choice", "intlist", "bool"
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    log: bool = False  # the UI offers a log-scale input for it


PARAMS: dict[str, Param] = {
    p.name: p
    for p in [
        Param("hidden", "intlist", "encoder hidden layer sizes, comma separated; the decoder mirrors them",
              1, 8192),
        Param("code_dim", "int", "size of the code (the bottleneck)", 1, 8192),
        Param("filters", "intlist",
              "conv filters per encoder stage; each stage halves the image with max-pooling", 1, 512),
        Param("activation", "choice", "activation of the hidden layers", choices=ACTIVATIONS),
        Param("code_activation", "choice", "activation of the code layer", choices=ACTIVATIONS),
        Param("output_activation", "choice", "activation of the reconstruction", choices=OUTPUT_ACTIVATIONS),
        Param("l1", "float", "L1 activity penalty on the code (sparsity); 0 turns it off", 0.0, 1.0, log=True),
        Param("loss", "choice", "reconstruction loss: binary cross-entropy or mean squared error", choices=LOSSES),
        Param("optimizer", "choice", "optimizer", choices=OPTIMIZERS),
        Param("learning_rate", "float", "optimizer learning rate; a change applies to a running model",
              1e-6, 10.0, log=True),
        Param("batch_size", "int", "images per gradient step", 1, 8192),
        Param("epochs", "int", "passes over the training set", 1, 1000),
        Param("scaling", "choice", "input range: [0, 1] (unit) or [-0.5, 0.5] (centered, for tanh outputs)",
              choices=SCALINGS),
        Param("noise_factor", "float",
              "training noise level (denoising: noisy input, clean target); 0 turns it off", 0.0, 1.0),
        Param("noise_kind", "choice", "kind of training noise", choices=NOISE_KINDS),
        Param("seed", "int", "random seed for weights, shuffling and noise", 0, 2**31 - 1),
        Param("schedule", "choice", "learning-rate schedule: none (constant), cosine (decays smoothly to 0 by "
              "the last epoch), plateau (halves the rate when the validation loss stalls for 2 epochs)",
              choices=SCHEDULES),
        Param("patience", "int", "early stopping: stop when the validation loss has not improved for this many "
              "epochs; 0 turns it off", 0, 1000),
        Param("batch_norm", "bool", "batch normalisation between each hidden layer and its activation "
              "(encoder and decoder): steadier steps at larger learning rates"),
        Param("tied_weights", "bool", "each decoder layer uses the transpose of its mirror encoder layer's kernel "
              "(own bias): about half the parameters, a regulariser (the survey)"),
        Param("pretraining", "choice", "layerwise: train each encoder layer as a shallow autoencoder on the "
              "previous layer's codes, then fine-tune the stack (the survey's recipe)", choices=("none", "layerwise")),
    ]
}

COMMON = ("activation", "output_activation", "loss", "optimizer", "learning_rate", "batch_size",
          "epochs", "scaling", "noise_factor", "noise_kind", "seed", "schedule", "patience")
#: training options whose default leaves a run exactly as before they existed; the model
#: store leaves them out of its key at these values, so models stored earlier still match
NEUTRAL_OPTIONS = {"schedule": "none", "patience": 0, "batch_norm": False}
DENSE_PARAMS = ("hidden", "code_dim", "code_activation", "l1", "tied_weights", "batch_norm") + COMMON
DEEP_PARAMS = DENSE_PARAMS + ("pretraining",)  # a one-layer model has nothing to pretrain layer by layer
CONV_PARAMS = ("filters",) + COMMON

#: the parameters that define the network's shape; changing one needs a new model
ARCHITECTURE_KEYS = ("hidden", "code_dim", "filters", "activation", "code_activation", "output_activation",
                     "l1", "loss", "optimizer", "scaling", "seed", "tied_weights", "pretraining", "batch_norm")


@dataclass(frozen=True)
class Variant:
    """A classic autoencoder recipe.

    ``defaults`` is the app's preset (Adam, few epochs); ``published`` overrides it with
    the article's own training settings for the "as published" preset.
    """

    name: str
    title: str
    family: str  # "dense" or "conv"
    description: str
    source: str
    defaults: dict[str, Any]
    published: dict[str, Any] = field(default_factory=dict)
    param_names: tuple[str, ...] = ()  # a variant with its own parameter set (the VAE)

    @property
    def params(self) -> tuple[str, ...]:
        if self.param_names:
            return self.param_names
        return DENSE_PARAMS if self.family == "dense" else CONV_PARAMS


_BASE = dict(activation="relu", loss="bce", optimizer="adam", learning_rate=0.001,
             batch_size=256, scaling="unit", noise_factor=0.0, noise_kind="gaussian", seed=0,
             output_activation="sigmoid", tied_weights=False, pretraining="none", **NEUTRAL_OPTIONS)
_KERAS_BLOG = "Keras blog, 'Building Autoencoders in Keras' (F. Chollet, 2016)"

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in [
        Variant(
            "dense", "Single layer, 32-d code", "dense",
            "One fully-connected layer squeezes 784 pixels into 32 numbers and one layer expands them back.",
            f"{_KERAS_BLOG}: 'simplest possible autoencoder', 784 -> 32 relu -> 784 sigmoid, "
            "binary cross-entropy, Adadelta, 50 epochs, batch 256",
            dict(_BASE, hidden=[], code_dim=32, code_activation="relu", l1=0.0, learning_rate=0.003,
                 epochs=10),
            dict(optimizer="adadelta", learning_rate=1.0, epochs=50, batch_size=256),
        ),
        Variant(
            "deep", "Deep, 128-64-32", "dense",
            "Three stacked layers on each side; a deeper encoder finds a better 32-number code.",
            f"{_KERAS_BLOG}: deep autoencoder 784-128-64-32 relu, mirrored decoder, sigmoid output, "
            "binary cross-entropy, Adadelta, 100 epochs, batch 256",
            dict(_BASE, hidden=[128, 64], code_dim=32, code_activation="relu", l1=0.0, learning_rate=0.002,
                 epochs=15),
            dict(optimizer="adadelta", learning_rate=1.0, epochs=100, batch_size=256), param_names=DEEP_PARAMS,
        ),
        Variant(
            "deep2d", "2-D autoencoder, tanh output", "dense",
            "A deep encoder down to just 2 numbers, so every image becomes a point you can plot.",
            "2-D deep autoencoder tutorial recipe: 784-128-64-10-2 (linear code), mirrored decoder, "
            "tanh output on inputs scaled to [-0.5, 0.5], MSE, Adam, batch 256, 20 epochs",
            dict(_BASE, hidden=[128, 64, 10], code_dim=2, code_activation="linear", l1=0.0,
                 output_activation="tanh", loss="mse", scaling="centered", epochs=20),
            dict(optimizer="adam", learning_rate=0.001, epochs=20, batch_size=256), param_names=DEEP_PARAMS,
        ),
        Variant(
            "sparse", "Sparse, L1 on the code", "dense",
            "The single-layer autoencoder with an L1 penalty that keeps most code units silent.",
            f"{_KERAS_BLOG}: 784 -> 32 relu with activity_regularizer=l1(10e-5), sigmoid output, "
            "binary cross-entropy, Adadelta, 100 epochs, batch 256",
            dict(_BASE, hidden=[], code_dim=32, code_activation="relu", l1=1e-4, learning_rate=0.003,
                 epochs=15),
            dict(optimizer="adadelta", learning_rate=1.0, epochs=100, batch_size=256),
        ),
        Variant(
            "conv", "Convolutional, 4x4x8 code", "conv",
            "Convolutions and max-pooling keep the image's 2-D structure; the code is a 4x4x8 block.",
            f"{_KERAS_BLOG}: Conv2D 16-8-8 (3x3, relu) + MaxPooling x3 -> 4x4x8, UpSampling mirror, "
            "sigmoid output, binary cross-entropy, Adadelta, 50 epochs, batch 128",
            dict(_BASE, filters=[16, 8, 8], batch_size=128, epochs=5, learning_rate=0.005),
            dict(optimizer="adadelta", learning_rate=1.0, epochs=50, batch_size=128),
        ),
        Variant(
            "denoising", "Denoising conv, noise 0.5", "conv",
            "Trained to map noisy digits to clean ones: it learns what a digit looks like, not the noise.",
            f"{_KERAS_BLOG}: Conv2D 32-32 + MaxPooling x2, UpSampling mirror, sigmoid output, trained "
            "noisy -> clean with Gaussian noise factor 0.5 clipped to [0, 1], Adadelta, 100 epochs, batch 128",
            dict(_BASE, filters=[32, 32], batch_size=128, epochs=5, noise_factor=0.5, learning_rate=0.002),
            dict(optimizer="adadelta", learning_rate=1.0, epochs=100, batch_size=128),
        ),
        Variant(
            "linear", "Linear, 2-d code", "dense",
            "No activations at all: with MSE its code spans the same subspace as PCA's first components.",
            "Linear autoencoder = PCA (Baldi & Hornik 1989; e.g. Geron, Hands-On ML, ch. 17): "
            "784 -> k -> 784, no activation, MSE",
            # Adam 0.003, batch 256, 10 epochs ended 75 degrees from the PCA plane; Adam 0.01, batch
            # 128, 20 epochs reaches ~3.5 degrees and PCA's test MSE within 0.2% on mnist_sample in
            # ~8 s (bench/bench_linear.py, BENCHMARKS.md).
            dict(_BASE, hidden=[], code_dim=2, activation="linear", code_activation="linear", l1=0.0,
                 output_activation="linear", loss="mse", epochs=20, learning_rate=0.01, batch_size=128),
            dict(optimizer="sgd", learning_rate=0.1, epochs=50, batch_size=256),
        ),
    ]
}

#: one-click presets for the UI and for ``python -m aecore pretrain``: label -> (variant, overrides)
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "Single layer, 32-d code": ("dense", {}),
    "Deep, 128-64-32": ("deep", {}),
    "2-D autoencoder, tanh output, 20 epochs": ("deep2d", {}),
    # The recipe's batch 256 gives only 320 steps on the 4,000-image offline sample; smaller
    # batches and a larger step reach val MSE 0.046 instead of 0.058 and kNN-5 0.64 instead
    # of 0.43 in the same ~7 s (measured on mnist_sample, see BENCHMARKS.md).
    "2-D autoencoder, tuned for the offline sample": ("deep2d", {"batch_size": 64, "learning_rate": 0.003}),
    "Sparse, L1 1e-4": ("sparse", {}),
    "Convolutional, 4x4x8 code": ("conv", {}),
    "Denoising conv, noise 0.5": ("denoising", {}),
    "Linear, 2-d code (PCA subspace)": ("linear", {}),
}


def get_variant(name: str) -> Variant:
    """Return the registered variant or raise ``ValueError`` listing the valid names."""
    try:
        return VARIANTS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown variant {name!r}; valid variants: {', '.join(VARIANTS)}"
        ) from None


def parse_int_list(value: Any, name: str = "hidden") -> list[int]:
    """Parse "256,64" (or a list) into ``[256, 64]``; an empty string is an empty list.

    Raises ``ValueError`` naming the parameter and the offending text, e.g. for "12,,x".
    """
    if isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, str):
        text = value.strip().strip("[]()")
        items = [] if not text else [s.strip() for s in text.split(",")]
    else:
        raise ValueError(f"{name} must be a comma-separated list of whole numbers like '128,64', got {value!r}")
    out = []
    for item in items:
        if is_int(item):
            out.append(int(item))
            continue
        if isinstance(item, float) and item.is_integer():
            out.append(int(item))
            continue
        if isinstance(item, str) and item.lstrip("+-").isdigit():
            out.append(int(item))
            continue
        shown = value if isinstance(value, str) else ",".join(map(str, items))
        raise ValueError(
            f"{name} must be a comma-separated list of whole numbers like '128,64', got {shown!r} "
            f"({item!r} is not a whole number)"
        )
    return out


def _whole_number(name: str, value: Any) -> int:
    # Form fields and query strings give "16" or 16.0; a bool is never a count.
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, str):
        value = value.strip()
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if not math.isfinite(as_float) or not as_float.is_integer():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(as_float)


def check_param(param: str | Param, value: Any) -> Any:
    """Validate one hyperparameter value and return it coerced to its type.

    ``param`` is a name in :data:`PARAMS` (or a :class:`Param`). Whole-number text and
    floats are accepted for integers ("16", 16.0), as a form field or a query string
    gives them. Raises ``ValueError`` naming the parameter, the value and the limit.
    """
    if isinstance(param, Param):
        p = param
    else:
        try:
            p = PARAMS[param]
        except (KeyError, TypeError):
            raise ValueError(f"unknown parameter {param!r}; valid parameters: {', '.join(PARAMS)}") from None
    if p.kind == "bool":
        return check_bool(p.name, value)
    if p.kind == "choice":
        if value not in p.choices:
            raise ValueError(f"{p.name} must be one of {', '.join(p.choices)}; got {value!r}")
        return value
    if p.kind == "intlist":
        items = parse_int_list(value, p.name)
        for i in items:
            if not p.low <= i <= p.high:
                raise ValueError(f"every {p.name} entry must be between {int(p.low)} and {int(p.high)}, got {i}")
        return items
    if p.kind == "int":
        value = int(value) if is_int(value) else _whole_number(p.name, value)
        if not p.low <= value <= p.high:
            raise ValueError(f"{p.name} must be between {int(p.low)} and {int(p.high)}, got {value}")
        return value
    # float
    if isinstance(value, bool):
        raise ValueError(f"{p.name} must be a number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{p.name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or not p.low <= value <= p.high:
        raise ValueError(f"{p.name} must be between {p.low:g} and {p.high:g}, got {value!r}")
    return value


def resolve_config(variant: str, **overrides: Any) -> dict[str, Any]:
    """Merge ``overrides`` into the variant's recipe and validate every value.

    Returns a new dict with ``variant`` plus every parameter of that variant, values
    coerced to their types (layer lists as lists of ints). Unknown parameters and values
    outside their limits raise ``ValueError`` naming the parameter, value and limit.
    """
    v = get_variant(variant)
    unknown = sorted(k for k in overrides if k not in v.params and k != "variant")
    if unknown:
        hints = "".join(f"; {OPTION_HINTS[k]}" for k in unknown if k in OPTION_HINTS)
        raise ValueError(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a parameter of the "
            f"{v.name} variant{hints}; its parameters: {', '.join(v.params)}"
        )
    merged = {**v.defaults, **{k: val for k, val in overrides.items() if k != "variant"}}
    config: dict[str, Any] = {"variant": v.name}
    for name in v.params:
        config[name] = check_param(name, merged[name])
    if v.family == "conv" and not config["filters"]:
        raise ValueError("filters must list at least one conv stage, e.g. '16,8,8'")
    check_compatible(config)
    return config


def check_compatible(config: dict[str, Any]) -> None:
    """Refuse combinations that cannot train, with the fix in the message."""
    if config.get("variant") == "vae":
        check_vae(config)
    if config.get("batch_norm") and config.get("pretraining", "none") != "none":
        raise ValueError("batch_norm does not combine with pretraining 'layerwise' (the shallow stages have no "
                         "batch-norm layers): set one of them off")
    if config.get("pretraining", "none") != "none":
        from aecore.pretraining import check_pretraining  # the epoch split rule lives there

        check_pretraining(config)
    if config["loss"] == "bce":
        if config["scaling"] != "unit":
            raise ValueError(
                "loss 'bce' (binary cross-entropy) needs inputs in [0, 1]: set scaling to 'unit' "
                "or use loss 'mse'"
            )
        if config["output_activation"] != "sigmoid":
            raise ValueError(
                f"loss 'bce' needs output_activation 'sigmoid' (outputs in (0, 1)), got "
                f"{config['output_activation']!r}; use loss 'mse' for a {config['output_activation']} output"
            )


def published_config(variant: str) -> dict[str, Any]:
    """The recipe with the article's own optimizer, learning rate, epochs and batch size."""
    return resolve_config(variant, **get_variant(variant).published)


def architecture_changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Names of the parameters whose change needs a freshly built model."""
    if old.get("variant") != new.get("variant"):
        return ["variant"]
    return [k for k in ARCHITECTURE_KEYS if old.get(k) != new.get(k)]


def value_range(config: dict[str, Any]) -> tuple[float, float]:
    """Model-space value range of a configuration's inputs and targets."""
    return VALUE_RANGES[config["scaling"]]


def describe(name: str) -> dict[str, Any]:
    """A JSON-friendly description of one variant (for the CLI and the UI)."""
    v = get_variant(name)
    return {
        "name": v.name,
        "title": v.title,
        "family": v.family,
        "description": v.description,
        "source": v.source,
        "defaults": resolve_config(v.name),
        "published": v.published,
    }


# ---------------------------------------------------------------------------- VAE
# The variational autoencoder has its own parameter set (its code is a distribution, its
# loss has a KL term), so it is registered here, apart from the classic recipes above; its
# builder and loss live in aecore/vae.py.
VAE_ARCHS = ("dense", "conv")

PARAMS.update({
    p.name: p
    for p in [
        Param("arch", "choice", "VAE encoder/decoder: fully connected (dense) or strided convolutions (conv)",
              choices=VAE_ARCHS),
        Param("beta", "float", "weight of the KL term (beta-VAE); 1 is the plain VAE, 0 drops the prior",
              0.0, 100.0, log=True),
        Param("conditional", "bool", "encoder and decoder also see the class label (CVAE), so you can ask "
              "for a given digit"),
    ]
})

VAE_PARAMS = ("arch", "hidden", "filters", "code_dim", "beta", "conditional") + COMMON

ARCHITECTURE_KEYS = ARCHITECTURE_KEYS + ("arch", "beta", "conditional")

VARIANTS["vae"] = Variant(
    "vae", "Variational autoencoder (VAE), 2-d code", "vae",
    "The encoder gives a mean and a spread for the code, the decoder draws from a sample of it; a KL "
    "term keeps codes close to a standard normal, so decoding random normal codes draws new digits.",
    "keras-io 'Variational AutoEncoder' example (F. Chollet, 2020): encoder -> z_mean, z_log_var, "
    "reparameterised sample, sigmoid (Bernoulli) decoder, binary cross-entropy summed over pixels + KL, "
    "Adam; Kingma & Welling 2014 (VAE), Higgins et al. 2017 (beta-VAE), Sohn et al. 2015 (conditional VAE)",
    # keras-io trains 30 epochs at lr 0.001 on 70k digits; on the 4,000-image offline sample lr 0.003
    # reaches a test negative ELBO of ~161 nats in 20 epochs, ~20 s (bench/results/vae.md)
    dict(_BASE, arch="dense", hidden=[512, 256], filters=[32, 64], code_dim=2, beta=1.0, conditional=False,
         learning_rate=0.003, batch_size=128, epochs=20),
    # keras-io's own model: Conv2D 32-64 (stride 2) + Dense 16 -> 2-d code, 30 epochs, batch 128
    dict(arch="conv", filters=[32, 64], hidden=[16], optimizer="adam", learning_rate=0.001, epochs=30,
         batch_size=128),
    param_names=VAE_PARAMS,
)

PRESETS["Variational autoencoder (VAE), 2-d code"] = ("vae", {})
PRESETS["Conditional VAE: ask for a digit"] = ("vae", {"conditional": True})


def check_bool(name: str, value: Any) -> bool:
    """True/False, 1/0, or the words true/false, yes/no, on/off (any case; from a URL or --set)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "1", "yes", "on"):
            return True
        if word in ("false", "0", "no", "off"):
            return False
    raise ValueError(f"{name} must be true or false, got {value!r}")


def check_vae(config: dict[str, Any]) -> None:
    """The VAE's reconstruction term is a Bernoulli likelihood: BCE on [0, 1] images."""
    if config["loss"] != "bce":
        raise ValueError(
            f"the vae variant's reconstruction term is Bernoulli, so loss must be 'bce', got {config['loss']!r}"
        )
    if config["arch"] == "conv" and not config["filters"]:
        raise ValueError("arch 'conv' needs filters to list at least one conv stage, e.g. '32,64'")
    # .get: the Train page's architecture table builds from the architecture keys alone
    if config["conditional"] and config.get("noise_factor", 0) > 0:
        raise ValueError(
            f"a conditional VAE trains on clean images: set noise_factor to 0 (got {config['noise_factor']:g}) "
            "or conditional to false"
        )


#: the survey's options: why a variant without one refuses it (added to the error message)
OPTION_HINTS = {"tied_weights": "tied weights apply to the dense-family variants dense, deep, deep2d, sparse, linear",
                "pretraining": "layer-wise pretraining applies to the deep dense variants deep and deep2d"}

# ---------------------------------------------------------------------------- the 2-D map preset
# The best 2-D map a plain reconstruction autoencoder gives in a few minutes on a 2-core CPU
# (no labels, no neighbour loss): chosen by measurement on Fashion-MNIST's 60k images
# (bench/bench_map2d.py, bench/results/map2d.md, BENCHMARKS.md).
# Of ~70 runs, width, activations, batch norm, tied weights, weight decay, BCE, denoising,
# input dropout, a warm-up or weight averaging moved kNN-5 by no more than the seed does (+-0.01
# around 0.73); shift augmentation and a small conv encoder were worse; training longer
# helped (20 -> 40 epochs at batch 512: +0.026). Batch 1024 trains ~1.8x faster per image than
# 512 on this 2-core CPU (at 512 TensorFlow keeps one core busy), so a map within the seeds'
# spread of the old preset's (batch 512, 40 epochs) comes in 130-136 s instead of 152-190 s:
# 56 epochs of batch 1024 with Adam 4e-3 and cosine decay.
MAP2D = ("deep2d", {"hidden": [512, 256, 128], "batch_size": 1024, "learning_rate": 0.004, "epochs": 56,
                    "schedule": "cosine"})
PRESETS["2-D map: the best plain-autoencoder map in minutes"] = MAP2D

#: a short, stable id per preset, for ``python -m aecore train --preset ID`` and ``pretrain``
PRESET_IDS: dict[str, str] = {
    "dense": "Single layer, 32-d code",
    "deep": "Deep, 128-64-32",
    "deep2d": "2-D autoencoder, tanh output, 20 epochs",
    "deep2d_offline": "2-D autoencoder, tuned for the offline sample",
    "sparse": "Sparse, L1 1e-4",
    "conv": "Convolutional, 4x4x8 code",
    "denoising": "Denoising conv, noise 0.5",
    "linear": "Linear, 2-d code (PCA subspace)",
    "vae": "Variational autoencoder (VAE), 2-d code",
    "cvae": "Conditional VAE: ask for a digit",
    "map2d": "2-D map: the best plain-autoencoder map in minutes",
}


def preset_id(label: str) -> str:
    """The id of the preset called ``label`` (``ValueError`` for an unknown label)."""
    for pid, lab in PRESET_IDS.items():
        if lab == label:
            return pid
    raise ValueError(f"unknown preset {label!r}; valid presets: {', '.join(PRESET_IDS)}")


def get_preset(name: str) -> tuple[str, str, dict[str, Any]]:
    """``(label, variant, overrides)`` of a preset given its id (or its full label).

    Raises ``ValueError`` listing the valid ids, as an unknown variant does.
    """
    label = PRESET_IDS.get(name, name) if isinstance(name, str) else name
    try:
        variant, overrides = PRESETS[label]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; valid presets: {', '.join(PRESET_IDS)}") from None
    return label, variant, dict(overrides)
