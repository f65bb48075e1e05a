"""How big a network is and what training it will cost, from its configuration alone.

A student who types ``hidden=8192,8192,8192`` asks for 281 million parameters: building
that model alone takes gigabytes, so the size is worked out here without building
anything, layer by layer, from the same recipe :func:`aecore.models.build` follows
(tests compare the two for every variant).

Memory while training = weights + gradients + optimizer slots (Adam keeps two per
weight) + activations of one batch (kept for the backward pass, and their gradients).
Time per epoch = ``6 x multiply-adds per image x images / FLOP/s`` plus a fixed cost per
batch: a forward pass is one multiply-add per weight use, the backward pass about twice
that. Dense and convolution layers run at different speeds on a CPU, so each has its own
FLOP/s. The figures were measured on the reference machine (2 shared CPU cores, TensorFlow
on CPU; ``bench/bench_estimate.py``, BENCHMARKS.md): on six networks from 51 thousand to
23 million parameters the estimate was 0.55x to 2x the measured time (0.97x on the largest),
and another machine can be several times faster or slower, so the page calls it rough.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aecore.variants import get_variant, resolve_config

__all__ = ["CALIBRATED_FLOPS", "STEP_OVERHEAD_S", "Estimate", "LayerSize", "estimate", "layer_sizes",
           "parameter_count", "format_bytes", "format_seconds"]

#: sustained training FLOP/s per layer kind on the reference machine (bench/bench_estimate.py)
CALIBRATED_FLOPS = {"Dense": 3.0e10, "Conv2D": 1.5e10}
#: fixed cost of one training step (data pipeline, callbacks, TensorFlow dispatch), seconds
STEP_OVERHEAD_S = 1.0e-2
#: float32
BYTES_PER_FLOAT = 4
#: extra float copies of each weight while training: its gradient plus the optimizer's slots
OPTIMIZER_COPIES = {"adam": 3, "adamw": 3, "nadam": 3, "adadelta": 3, "rmsprop": 2, "sgd": 1}
#: above these the Train page warns before Start
LARGE_MEMORY_BYTES = 2 * 1024**3
LONG_EPOCH_S = 60.0


@dataclass(frozen=True)
class LayerSize:
    """One layer: where it is, what it outputs, what it holds and costs per image."""

    part: str  # "encoder" or "decoder"
    name: str
    kind: str  # the Keras layer class build() uses
    output_shape: tuple[int, ...]
    parameters: int
    macs: int  # multiply-adds per image in the forward pass

    @property
    def activations(self) -> int:
        return math.prod(self.output_shape)


@dataclass(frozen=True)
class Estimate:
    """Size and cost of training one configuration on ``n_train`` images."""

    parameters: int
    macs_per_image: int
    weight_bytes: int
    training_bytes: int  # weights, gradients, optimizer slots and one batch's activations
    seconds_per_epoch: float
    epochs: int

    @property
    def seconds(self) -> float:
        return self.seconds_per_epoch * self.epochs

    @property
    def is_large(self) -> bool:
        """True when the Train page should warn before Start."""
        return self.training_bytes > LARGE_MEMORY_BYTES or self.seconds_per_epoch > LONG_EPOCH_S

    def as_dict(self) -> dict[str, Any]:
        return {"parameters": self.parameters, "macs_per_image": self.macs_per_image,
                "weight_bytes": self.weight_bytes, "training_bytes": self.training_bytes,
                "seconds_per_epoch": round(self.seconds_per_epoch, 3), "epochs": self.epochs,
                "seconds": round(self.seconds, 3), "is_large": self.is_large}


def _dense(part: str, name: str, n_in: int, units: int) -> LayerSize:
    return LayerSize(part, name, "Dense", (units,), n_in * units + units, n_in * units)


def _conv(part: str, name: str, size: tuple[int, int], c_in: int, c_out: int, kind: str = "Conv2D") -> LayerSize:
    per_position = 9 * c_in * c_out  # 3x3 kernels, 'same' padding; ``size`` is the output's
    return LayerSize(part, name, kind, (*size, c_out), per_position + c_out, per_position * size[0] * size[1])


def _halve(size: tuple[int, int]) -> tuple[int, int]:
    return math.ceil(size[0] / 2), math.ceil(size[1] / 2)  # 'same' max-pooling rounds up


def layer_sizes(config: dict[str, Any], image_shape: tuple[int, int]) -> list[LayerSize]:
    """The layers :func:`aecore.models.build` makes for ``config``, without building them.

    ``config`` is validated with :func:`aecore.variants.resolve_config`; the image-size
    checks (a code wider than the image, a conv stack too deep) stay in ``build``.
    """
    config = resolve_config(**config)
    h, w = (int(s) for s in image_shape)
    if h < 1 or w < 1:
        raise ValueError(f"image_shape must be two positive sizes, got {image_shape!r}")
    pixels = h * w
    if get_variant(config["variant"]).family == "vae":
        return _vae_layer_sizes(config, (h, w))
    out: list[LayerSize] = []
    if get_variant(config["variant"]).family == "dense":
        out.append(LayerSize("encoder", "flatten", "Flatten", (pixels,), 0, 0))
        widths = [pixels, *config["hidden"], config["code_dim"]]
        names = [f"enc_{i + 1}" for i in range(len(config["hidden"]))] + ["code"]
        bn = bool(config.get("batch_norm"))

        def dense_layers(part: str, names: list[str], widths: list[int]) -> list[LayerSize]:
            rows = []
            for n, a, b in zip(names, widths[:-1], widths[1:], strict=True):
                rows.append(_dense(part, n, a, b))
                if bn and n not in ("code", "pixels"):  # batch norm between a hidden product and its activation
                    rows.append(LayerSize(part, f"{n}_bn", "BatchNormalization", (b,), 4 * b, 0))  # 2 trained, 2 moving
                    rows.append(LayerSize(part, f"{n}_act", "Activation", (b,), 0, 0))
            return rows

        out += dense_layers("encoder", names, widths)
        names = [f"dec_{i + 1}" for i in range(len(config["hidden"]))] + ["pixels"]
        out += dense_layers("decoder", names, widths[::-1])
        out.append(LayerSize("decoder", "image_out", "Reshape", (h, w), 0, 0))
        return out
    filters = list(config["filters"])
    sizes = [(h, w)]
    for _ in filters:
        sizes.append(_halve(sizes[-1]))
    out.append(LayerSize("encoder", "channels", "Reshape", (h, w, 1), 0, 0))
    c_in = 1
    for i, f in enumerate(filters):
        out.append(_conv("encoder", f"enc_conv_{i + 1}", sizes[i], c_in, f))
        out.append(LayerSize("encoder", f"enc_pool_{i + 1}", "MaxPooling2D", (*sizes[i + 1], f), 0, 0))
        c_in = f
    for j, i in enumerate(reversed(range(len(filters)))):
        out.append(_conv("decoder", f"dec_conv_{j + 1}", sizes[i + 1], c_in, filters[i]))
        up = (2 * sizes[i + 1][0], 2 * sizes[i + 1][1])
        out.append(LayerSize("decoder", f"dec_up_{j + 1}", "UpSampling2D", (*up, filters[i]), 0, 0))
        if up != sizes[i]:
            out.append(LayerSize("decoder", f"dec_crop_{j + 1}", "Cropping2D", (*sizes[i], filters[i]), 0, 0))
        c_in = filters[i]
    out.append(_conv("decoder", "pixels", (h, w), c_in, 1))
    out.append(LayerSize("decoder", "image_out", "Reshape", (h, w), 0, 0))
    return out


def _vae_layer_sizes(config: dict[str, Any], image_shape: tuple[int, int]) -> list[LayerSize]:
    """The layers :func:`aecore.vae.build_vae` makes (dense or conv arch, optionally conditional)."""
    h, w = image_shape
    pixels, code, hidden = h * w, config["code_dim"], list(config["hidden"])
    n_classes = 10  # build() gives a conditional VAE a one-hot label this wide
    conditional = bool(config["conditional"])
    out: list[LayerSize] = []
    if config["arch"] == "conv":
        filters = list(config["filters"])
        sizes = [(h, w)]
        for _ in filters:
            sizes.append(_halve(sizes[-1]))  # stride-2 'same' convs round up like pooling
        out.append(LayerSize("encoder", "channels", "Reshape", (h, w, 1), 0, 0))
        c_in = 1
        for i, f in enumerate(filters):
            out.append(_conv("encoder", f"enc_conv_{i + 1}", sizes[i + 1], c_in, f))
            c_in = f
        flat = math.prod(sizes[-1]) * filters[-1]
    else:
        flat = pixels
    out.append(LayerSize("encoder", "flatten", "Flatten", (flat,), 0, 0))
    width = flat
    if conditional:
        width += n_classes
        out.append(LayerSize("encoder", "with_label", "Concatenate", (width,), 0, 0))
    for i, units in enumerate(hidden):
        out.append(_dense("encoder", f"enc_{i + 1}", width, units))
        width = units
    out.append(_dense("encoder", "z_mean", width, code))
    out.append(_dense("encoder", "z_log_var", width, code))
    out.append(LayerSize("encoder", "z", "Sampling", (code,), 0, 0))
    width = code
    if conditional:
        width += n_classes
        out.append(LayerSize("decoder", "with_label", "Concatenate", (width,), 0, 0))
    for i, units in enumerate(reversed(hidden)):
        out.append(_dense("decoder", f"dec_{i + 1}", width, units))
        width = units
    if config["arch"] == "conv":
        out.append(_dense("decoder", "dec_dense", width, flat))
        out.append(LayerSize("decoder", "dec_reshape", "Reshape", (*sizes[-1], filters[-1]), 0, 0))
        c_in = filters[-1]
        for j, i in enumerate(reversed(range(len(filters)))):
            up = (2 * sizes[i + 1][0], 2 * sizes[i + 1][1])
            deconv = _conv("decoder", f"dec_deconv_{j + 1}", up, c_in, filters[i], kind="Conv2DTranspose")
            # a stride-2 transposed conv does its multiply-adds per *input* position
            out.append(dataclasses.replace(deconv, macs=deconv.macs // 4))
            if up != sizes[i]:
                out.append(LayerSize("decoder", f"dec_crop_{j + 1}", "Cropping2D", (*sizes[i], filters[i]), 0, 0))
            c_in = filters[i]
        out.append(_conv("decoder", "pixels", (h, w), c_in, 1, kind="Conv2DTranspose"))
    else:
        out.append(_dense("decoder", "pixels", width, pixels))
    out.append(LayerSize("decoder", "image_out", "Reshape", (h, w), 0, 0))
    return out


def parameter_count(config: dict[str, Any], image_shape: tuple[int, int]) -> int:
    """Trainable parameters of the encoder and decoder, without building the model."""
    return sum(layer.parameters for layer in layer_sizes(config, image_shape))


def estimate(config: dict[str, Any], image_shape: tuple[int, int], n_train: int, *,
             flops: Mapping[str, float] | None = None, step_overhead_s: float = STEP_OVERHEAD_S) -> Estimate:
    """Parameters, training memory and time per epoch for ``config`` on ``n_train`` images.

    Parameters
    ----------
    config : dict
        A (possibly partial) configuration with its ``variant``; validated here.
    image_shape : (int, int)
        Height and width of the images.
    n_train : int
        Training images per epoch (at least 1).
    flops : mapping, optional
        Sustained training FLOP/s per layer kind ("Dense", "Conv2D"); default
        :data:`CALIBRATED_FLOPS`, measured on the reference machine.
    step_overhead_s : float
        Fixed cost of one training step, in seconds.

    Returns
    -------
    Estimate
    """
    if isinstance(n_train, bool) or not isinstance(n_train, int) or n_train < 1:
        raise ValueError(f"n_train must be a whole number of at least 1, got {n_train!r}")
    flops = dict(CALIBRATED_FLOPS if flops is None else flops)
    if not all(isinstance(f, (int, float)) and f > 0 for f in flops.values()) or not step_overhead_s >= 0:
        raise ValueError(f"flops must be positive numbers and step_overhead_s not negative, got {flops!r}, "
                         f"{step_overhead_s!r}")
    config = resolve_config(**config)
    layers = layer_sizes(config, image_shape)
    params = sum(layer.parameters for layer in layers)
    macs = sum(layer.macs for layer in layers)
    slowest = min(flops.values())
    compute_s = sum(6.0 * layer.macs / flops.get(layer.kind, slowest) for layer in layers) * n_train
    batch = min(int(config["batch_size"]), n_train)
    copies = 1 + OPTIMIZER_COPIES.get(config["optimizer"], 3)
    # each activation is kept for the backward pass and gets a gradient of the same size
    activations = 2 * batch * (math.prod(image_shape) + sum(layer.activations for layer in layers))
    steps = math.ceil(n_train / batch)
    return Estimate(
        parameters=params,
        macs_per_image=macs,
        weight_bytes=params * BYTES_PER_FLOAT,
        training_bytes=(copies * params + activations) * BYTES_PER_FLOAT,
        seconds_per_epoch=compute_s + steps * step_overhead_s,
        epochs=int(config["epochs"]),
    )


def format_bytes(n: float) -> str:
    """"4.5 GB", "210 MB", "12 KB" (powers of 1024)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit in ("bytes", "KB") or n >= 100 else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover - the loop always returns


def format_seconds(s: float) -> str:
    """"under a second", "40 s", "3 min", "2.5 h"."""
    if s < 1:
        return "under a second"
    if s < 90:
        return f"{s:.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"
