"""Keras 3 functional builders: named ``encoder``, ``decoder`` and ``autoencoder`` models.

The three are separate models composed together (as in keras-io's ``vae.py``), so the
dashboard and the metrics call ``encoder.predict`` directly. Every model takes and returns
float images ``(n, h, w)`` in the variant's value range; scaling from uint8 pixels is done
by :func:`to_model_space`, never inside the model, so saved models hold no Lambda layers
and load in Keras' safe mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from aecore.variants import check_compatible, get_variant


def _keras():
    # Imported lazily: TensorFlow takes seconds to import and the CLI's `variants` and the
    # data module do not need it.
    import keras

    return keras


@dataclass
class Models:
    """The encoder, decoder and their composition."""

    encoder: Any
    decoder: Any
    autoencoder: Any

    @property
    def code_shape(self) -> tuple[int, ...]:
        # outputs[0]: a VAE's encoder also gives a log-variance and a sample after its mean
        return tuple(self.encoder.outputs[0].shape[1:])

    @property
    def code_size(self) -> int:
        return int(np.prod(self.code_shape))


def to_model_space(x: np.ndarray, scaling: str) -> np.ndarray:
    """uint8 pixels -> float32 model inputs in [0, 1] or [-0.5, 0.5]."""
    out = np.asarray(x, dtype=np.float32) / np.float32(255.0)
    if scaling == "centered":
        out -= np.float32(0.5)
    return out


def to_pixels(x: np.ndarray, scaling: str) -> np.ndarray:
    """Model-space floats -> float32 in [0, 1] for display and pixel-space metrics."""
    out = np.asarray(x, dtype=np.float32)
    if scaling == "centered":
        out = out + np.float32(0.5)
    return np.clip(out, 0.0, 1.0)


def conv_sizes(image_shape: tuple[int, int], stages: int) -> list[tuple[int, int]]:
    """Spatial size after each max-pool stage ('same' padding rounds up)."""
    sizes = [tuple(image_shape)]
    for _ in range(stages):
        h, w = sizes[-1]
        sizes.append((math.ceil(h / 2), math.ceil(w / 2)))
    return sizes


def build(config: dict[str, Any], image_shape: tuple[int, int], n_classes: int = 10) -> Models:
    """Build the three models for a resolved configuration and an image size.

    ``n_classes`` is the width of the one-hot label a conditional VAE takes; other models
    ignore it. Raises ``ValueError`` when the configuration does not fit the image (a code
    wider than the image, more pooling stages than the image can halve).
    """
    keras = _keras()
    layers = keras.layers
    h, w = (int(s) for s in image_shape)
    n_pixels = h * w
    variant = get_variant(config["variant"])
    check_compatible(config)
    if variant.name == "vae":
        from aecore.vae import build_vae

        return build_vae(config, (h, w), n_classes)
    seed = int(config["seed"])
    counter = iter(range(10_000))

    def init():
        # Explicit per-layer seeds make weights reproducible without touching global state,
        # which other sessions' threads share.
        return keras.initializers.GlorotUniform(seed=seed * 1000 + next(counter))

    act = config["activation"]
    inp = keras.Input((h, w), name="image")
    if variant.family == "dense":
        code_dim = config["code_dim"]
        if not 1 <= code_dim <= n_pixels:
            raise ValueError(
                f"code_dim must be between 1 and {n_pixels} for {h}x{w} images, got {code_dim}"
            )
        x = layers.Flatten(name="flatten")(inp)
        enc_layers = []
        bn = bool(config.get("batch_norm"))

        def hidden(y, dense, name):
            # batch norm between each hidden layer's product and its activation
            if not bn:
                return dense(y)
            y = layers.BatchNormalization(name=f"{name}_bn")(dense(y))
            return layers.Activation(act, name=f"{name}_act")(y)

        for i, units in enumerate(config["hidden"]):
            enc_layers.append(layers.Dense(units, activation=None if bn else act, kernel_initializer=init(),
                                           name=f"enc_{i + 1}"))
            x = hidden(x, enc_layers[-1], f"enc_{i + 1}")
        l1 = config.get("l1", 0.0)
        reg = keras.regularizers.L1(l1) if l1 else None
        enc_layers.append(layers.Dense(code_dim, activation=config["code_activation"], kernel_initializer=init(),
                                       activity_regularizer=reg, name="code"))
        encoder = keras.Model(inp, enc_layers[-1](x), name="encoder")
        dec_in = keras.Input((code_dim,), name="code_in")
        y = dec_in
        names = [f"dec_{i + 1}" for i in range(len(config["hidden"]))] + ["pixels"]
        acts = [act] * len(config["hidden"]) + [config["output_activation"]]
        for name, activation, mirror in zip(names, acts, reversed(enc_layers), strict=True):
            normed = bn and name != "pixels"
            if config.get("tied_weights"):
                from aecore.tied import DenseTranspose

                dense = DenseTranspose(mirror, activation=None if normed else activation, name=name)
            else:
                dense = layers.Dense(int(mirror.kernel.shape[0]), activation=None if normed else activation,
                                     kernel_initializer=init(), name=name)
            y = hidden(y, dense, name) if normed else dense(y)
        y = layers.Reshape((h, w), name="image_out")(y)
    else:
        filters = config["filters"]
        stages = len(filters)
        need = 2 ** stages
        if min(h, w) < need:
            raise ValueError(
                f"filters has {stages} conv stages, each halving the image, which needs images at "
                f"least {need}x{need}; got {h}x{w}: use at most {int(math.log2(min(h, w)))} entries in filters"
            )
        sizes = conv_sizes((h, w), stages)
        x = layers.Reshape((h, w, 1), name="channels")(inp)
        for i, f in enumerate(filters):
            x = layers.Conv2D(f, 3, activation=act, padding="same", kernel_initializer=init(),
                              name=f"enc_conv_{i + 1}")(x)
            x = layers.MaxPooling2D(2, padding="same", name=f"enc_pool_{i + 1}")(x)
        encoder = keras.Model(inp, x, name="encoder")
        ch, cw = sizes[-1]
        dec_in = keras.Input((ch, cw, filters[-1]), name="code_in")
        y = dec_in
        for j, i in enumerate(reversed(range(stages))):
            y = layers.Conv2D(filters[i], 3, activation=act, padding="same", kernel_initializer=init(),
                              name=f"dec_conv_{j + 1}")(y)
            y = layers.UpSampling2D(2, name=f"dec_up_{j + 1}")(y)
            th, tw = sizes[i]
            uh, uw = 2 * sizes[i + 1][0], 2 * sizes[i + 1][1]
            if (uh, uw) != (th, tw):
                # 'same' pooling rounded an odd size up (7 -> 4); trim the extra row/column.
                y = layers.Cropping2D(((0, uh - th), (0, uw - tw)), name=f"dec_crop_{j + 1}")(y)
        y = layers.Conv2D(1, 3, activation=config["output_activation"], padding="same",
                          kernel_initializer=init(), name="pixels")(y)
        y = layers.Reshape((h, w), name="image_out")(y)
    decoder = keras.Model(dec_in, y, name="decoder")
    ae_in = keras.Input((h, w), name="image")
    autoencoder = keras.Model(ae_in, decoder(encoder(ae_in)), name="autoencoder")
    return Models(encoder, decoder, autoencoder)


def _optimizers() -> dict[str, Any]:
    keras = _keras()
    return {
        "adam": keras.optimizers.Adam,
        "adadelta": keras.optimizers.Adadelta,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
        "nadam": keras.optimizers.Nadam,
        "adamw": keras.optimizers.AdamW,  # Adam with decoupled weight decay (Keras default 0.004)
    }


def _losses() -> dict[str, Any]:
    keras = _keras()
    return {"bce": keras.losses.BinaryCrossentropy, "mse": keras.losses.MeanSquaredError}


def _lookup(registry: dict[str, Any], name: Any, what: str, plural: str) -> Any:
    # A registry fails loudly, as keras.activations.get does: never a KeyError, never a default.
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {what} {name!r}; valid {plural}: {', '.join(registry)}") from None


def make_optimizer(name: str, learning_rate: float):
    """A Keras optimizer by registry name (:data:`aecore.variants.OPTIMIZERS`).

    Raises ``ValueError`` listing the valid names for an unknown one.
    """
    return _lookup(_optimizers(), name, "optimizer", "optimizers")(learning_rate=learning_rate)


def make_loss(name: str):
    """A Keras loss by registry name: "bce" (binary cross-entropy) or "mse".

    Raises ``ValueError`` listing the valid names for an unknown one.
    """
    return _lookup(_losses(), name, "loss", "losses")()


def compile_model(models: Models, config: dict[str, Any], steps_per_execution: int = 1) -> None:
    """Compile the autoencoder with the configuration's optimizer, learning rate and loss."""
    models.autoencoder.compile(
        optimizer=make_optimizer(config["optimizer"], config["learning_rate"]),
        loss=make_loss(config["loss"]),
        steps_per_execution=steps_per_execution,
    )


def split_models(autoencoder) -> Models:
    """Recover the named encoder and decoder of a loaded autoencoder."""
    try:
        models = Models(autoencoder.get_layer("encoder"), autoencoder.get_layer("decoder"), autoencoder)
    except ValueError:
        raise ValueError(
            "this model has no layers named 'encoder' and 'decoder'; it was not made by Autoencoder Lab"
        ) from None
    if hasattr(models.encoder, "get_layer") and hasattr(models.decoder, "layers"):
        from aecore.tied import retie

        retie(models.encoder, models.decoder)  # a saved tied decoder gets its encoder's kernels back
    return models


def summarize(models: Models) -> list[dict[str, Any]]:
    """Rows (part, layer, type, output shape, parameters) for the architecture table.

    A tied model's rows also say how many kernel weights each layer borrows from its mirror
    encoder layer ("shared"; its "parameters" are only its own bias).
    """
    rows = []
    for part in (models.encoder, models.decoder):
        for layer in part.layers:
            if layer.__class__.__name__ == "InputLayer":
                continue
            shape = layer.output.shape
            rows.append({
                "part": part.name,
                "layer": layer.name,
                "type": layer.__class__.__name__,
                "output shape": "x".join(str(d) for d in shape[1:]),
                "parameters": int(layer.count_params()),
            })
            mirror = getattr(layer, "mirror", None)
            if mirror is not None:  # a tied layer: its kernel is the encoder layer's, counted there
                rows[-1]["type"] += f" of {mirror.name}"
                rows[-1]["shared"] = int(np.prod(mirror.kernel.shape))
    if any("shared" in r for r in rows):
        rows = [{**r, "shared": r.get("shared", 0)} for r in rows]
    return rows


def tied_note(rows: list[dict[str, Any]]) -> str | None:
    """The architecture table's note for a tied model (rows of :func:`summarize`), else None."""
    shared = sum(int(r.get("shared", 0)) for r in rows)
    if not shared:
        return None
    own = sum(int(r["parameters"]) for r in rows)
    return f"tied: decoder kernels are the encoder's transposes, {own:,} parameters instead of {own + shared:,}"
