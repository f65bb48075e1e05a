"""Using a trained model: encode, decode, reconstruct, and "does this model fit these images".

Every caller (the pages, the CLI, the metrics, the training previews) goes through these
functions, so scaling from uint8 pixels, batching and the shape checks live in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aecore.models import Models, to_model_space, to_pixels
from aecore.noise import add_noise
from aecore.variants import value_range

# Up to this many images a direct call is faster than predict() (no tf.data set-up).
_DIRECT_CALL_MAX = 256


def _shape(tensor_shape) -> tuple:
    return tuple(None if d is None else int(d) for d in tensor_shape)


def image_shape_of(models: Models) -> tuple[int, int]:
    """The (h, w) images a model takes."""
    shape = _shape(models.autoencoder.inputs[0].shape[1:])  # inputs[0]: a conditional VAE also takes a label
    return shape[0], shape[1]


def check_structure(models: Models) -> None:
    """Refuse models that are not an encoder and a decoder composing into an autoencoder.

    Checks that the three are Keras models, that every input and output shape is fully
    known, that the autoencoder takes and returns single-channel (h, w) images of one size,
    and that the decoder takes what the encoder gives and draws what the autoencoder takes.
    Raises ``ValueError`` naming the first thing that is wrong.
    """
    for part in ("encoder", "decoder", "autoencoder"):
        model = getattr(models, part)
        if not hasattr(model, "inputs") or not hasattr(model, "outputs") or not hasattr(model, "predict"):
            raise ValueError(f"its {part} is a {type(model).__name__} layer, not a model; "
                             "it was not made by Autoencoder Lab")
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ValueError(f"its {part} has {len(model.inputs)} inputs and {len(model.outputs)} outputs; "
                             "Autoencoder Lab models have one of each")
    shapes = {}
    for part in ("encoder", "decoder", "autoencoder"):
        model = getattr(models, part)
        for side, tensor in (("input", model.inputs[0]), ("output", model.outputs[0])):
            shape = _shape(tensor.shape[1:])
            if not shape or any(d is None for d in shape):
                raise ValueError(f"its {part} {side} shape {shape} is not fully known")
            shapes[part, side] = shape
    image = shapes["autoencoder", "input"]
    if len(image) != 2:
        raise ValueError(f"it takes inputs of shape {image}; Autoencoder Lab models take (height, width) "
                         "grey images")
    if shapes["autoencoder", "output"] != image:
        raise ValueError(f"it draws {_hw(shapes['autoencoder', 'output'])} images from {_hw(image)} "
                         "inputs; an autoencoder must draw what it takes")
    if shapes["encoder", "input"] != image:
        raise ValueError(f"its encoder takes {_hw(shapes['encoder', 'input'])} but the model takes {_hw(image)}")
    if shapes["decoder", "input"] != shapes["encoder", "output"]:
        raise ValueError(f"its decoder takes codes of shape {shapes['decoder', 'input']} but the encoder "
                         f"gives {shapes['encoder', 'output']}")
    if shapes["decoder", "output"] != image:
        raise ValueError(f"its decoder draws {_hw(shapes['decoder', 'output'])} images but the model takes "
                         f"{_hw(image)} images")


def _hw(shape: tuple) -> str:
    return "x".join(str(d) for d in shape)


def check_fits(models: Models, image_shape: tuple[int, int], dataset: str = "the dataset") -> None:
    """Refuse a model made for another image size, naming both sizes and what to do."""
    want = image_shape_of(models)
    if want != tuple(int(d) for d in image_shape):
        shown = _hw(want)
        raise ValueError(
            f"this model expects {shown} images but {dataset} has "
            f"{image_shape[0]}x{image_shape[1]} images; choose a dataset with {shown} images "
            "or train a new model on this one"
        )


def fits(models: Models, image_shape: tuple[int, int]) -> bool:
    """True when the model takes images of this (h, w)."""
    return image_shape_of(models) == tuple(int(d) for d in image_shape)


def is_finite_model(models: Models) -> bool:
    """True when every weight of the encoder and decoder is finite (no NaN, no infinity).

    A run whose loss went NaN leaves NaN weights; such a model draws black images and any
    metric of it is meaningless, so pickers skip it (or say it diverged) and the store
    refuses it.
    """
    return all(bool(np.isfinite(w).all()) for w in models.autoencoder.get_weights())


def predict_batches(model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """Run a Keras model on ``x`` and return its (first) output as a NumPy array.

    Small batches are a direct call, larger ones go through ``predict`` in batches of
    ``batch_size``. A model with several outputs (a VAE's encoder) gives its first one.
    """
    if len(x) <= _DIRECT_CALL_MAX:
        out = model(x, training=False)
    else:
        out = model.predict(x, batch_size=batch_size, verbose=0)
    if isinstance(out, dict):
        out = next(iter(out.values()))
    if isinstance(out, (list, tuple)):
        out = out[0]  # a VAE's encoder gives (mean, log-variance, sample): the mean is the code
    return np.asarray(out)


def encode(models: Models, config: dict[str, Any], x_uint8: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The codes of uint8 images, flattened to float32 ``(n, code_size)``."""
    x = to_model_space(x_uint8, config["scaling"])
    code = predict_batches(models.encoder, x, batch_size)
    return np.ascontiguousarray(code.reshape(len(x), -1), dtype=np.float32)


def decode(models: Models, config: dict[str, Any], codes: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Images drawn by the decoder from codes ``(n, *code_shape)`` (or flat), in [0, 1]."""
    codes = np.asarray(codes, dtype=np.float32).reshape((-1, *models.code_shape))
    return to_pixels(predict_batches(models.decoder, codes, batch_size), config["scaling"])


def reconstruct(models: Models, config: dict[str, Any], x_uint8: np.ndarray, noise_factor: float = 0.0,
                noise_kind: str = "gaussian", noise_seed: int = 0,
                batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt (optionally) and reconstruct uint8 images; both returned in pixel space [0, 1]."""
    x = to_model_space(x_uint8, config["scaling"])
    if noise_factor > 0:
        x = add_noise(x, noise_factor, noise_kind, noise_seed, value_range(config))
    y = predict_batches(models.autoencoder, x, batch_size)
    return to_pixels(x, config["scaling"]), to_pixels(y, config["scaling"])
