"""Using a trained model: encode, decode, reconstruct, and "does this model fit these images".

Every caller (the pages, the CLI, the metrics, the training previews) goes through these
functions, so scaling from uint8 pixels, batching and the shape checks live in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aecore.models import Models, to_model_space, to_pixels
from aecore.noise import add_noise
from aecore.validation import check_int
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
    A VAE passes too: its encoder gives three codes of one shape (mean, log-variance,
    sample), and a conditional VAE's three models each take a one-hot label as a second
    input of one width. Raises ``ValueError`` naming the first thing that is wrong.
    """
    for part in ("encoder", "decoder", "autoencoder"):
        model = getattr(models, part)
        if not hasattr(model, "inputs") or not hasattr(model, "outputs") or not hasattr(model, "predict"):
            raise ValueError(f"its {part} is a {type(model).__name__} layer, not a model; "
                             "it was not made by Autoencoder Lab")
    n_in = len(models.encoder.inputs)
    allowed_out = {"encoder": (1, 3), "decoder": (1,), "autoencoder": (1,)}
    for part in ("encoder", "decoder", "autoencoder"):
        model = getattr(models, part)
        if len(model.inputs) not in (1, 2) or len(model.outputs) not in allowed_out[part]:
            raise ValueError(f"its {part} has {len(model.inputs)} inputs and {len(model.outputs)} outputs; "
                             "Autoencoder Lab models have one of each (a VAE's encoder gives three codes, "
                             "and a conditional VAE also takes a label)")
        if len(model.inputs) != n_in:
            raise ValueError(f"its {part} takes {len(model.inputs)} inputs but its encoder takes {n_in}; "
                             "a conditional VAE gives every part the label")
    shapes = {}
    for part in ("encoder", "decoder", "autoencoder"):
        model = getattr(models, part)
        for side, tensors in (("input", model.inputs), ("output", model.outputs)):
            for i, tensor in enumerate(tensors):
                shape = _shape(tensor.shape[1:])
                if not shape or any(d is None for d in shape):
                    raise ValueError(f"its {part} {side} shape {shape} is not fully known")
                shapes[part, side, i] = shape
            shapes[part, side] = shapes[part, side, 0]
    codes = {shapes["encoder", "output", i] for i in range(len(models.encoder.outputs))}
    if len(codes) != 1:
        raise ValueError(f"its encoder gives outputs of shapes {sorted(codes)}; a VAE's mean, log-variance "
                         "and sample must have one shape")
    if n_in == 2:
        widths = {shapes[part, "input", 1] for part in ("encoder", "decoder", "autoencoder")}
        if len(widths) != 1 or len(next(iter(widths))) != 1:
            raise ValueError(f"its label inputs have shapes {sorted(widths)}; a conditional VAE gives every "
                             "part the same one-hot label")
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


def label_width(model) -> int:
    """How wide the one-hot label a Keras model takes as its second input is (0: no label)."""
    inputs = getattr(model, "inputs", None) or []
    return int(inputs[1].shape[-1]) if len(inputs) == 2 else 0


def is_conditional(models: Models) -> bool:
    """True when the model also takes each image's class (a conditional VAE)."""
    return label_width(models.encoder) > 0


def n_classes_of(models: Models) -> int:
    """How many classes a conditional model's one-hot label has (0 for other models)."""
    return label_width(models.encoder)


def one_hot(models: Models, labels, n: int | None = None) -> np.ndarray:
    """float32 one-hot rows for integer labels, checked against the model's classes.

    A single int is repeated ``n`` times. Raises ``ValueError`` for a model that takes no
    label or a label outside ``0 .. n_classes - 1``.
    """
    return _one_hot(n_classes_of(models), labels, n)


def _one_hot(k: int, labels, n: int | None) -> np.ndarray:
    if not k:
        raise ValueError("label needs a conditional VAE; this model was trained with conditional=false")
    arr = np.asarray(labels)
    if arr.ndim == 0:
        arr = np.full(1 if n is None else n, arr)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise ValueError(f"labels must be whole numbers between 0 and {k - 1}, got {labels!r:.60}")
    bad = arr[(arr < 0) | (arr >= k)]
    if bad.size:
        raise ValueError(f"label must be between 0 and {k - 1} for this model's {k} classes, got {int(bad[0])}")
    if n is not None and len(arr) != n:
        raise ValueError(f"got {len(arr)} labels for {n} images")
    return np.eye(k, dtype=np.float32)[arr]


def with_labels(model, x: np.ndarray, labels) -> np.ndarray | list[np.ndarray]:
    """What a Keras ``model`` (an encoder, decoder or autoencoder) is fed: ``x`` itself, or
    ``[x, one-hot labels]`` when it takes a label (a conditional VAE's parts).

    ``labels`` are ints (one per row of ``x``, or one for all), or float rows ``(n,
    n_classes)`` used as they are (a label half way between two classes). Models without a
    label input ignore them, so a caller that has the labels can always pass them; a
    conditional model without them raises ``ValueError``.
    """
    k = label_width(model)
    if not k:
        return x
    if labels is None:
        raise ValueError("this is a conditional VAE: give the images' labels too")
    rows = np.asarray(labels)
    if rows.ndim == 2 and rows.dtype.kind == "f":
        if rows.shape != (len(x), k):
            raise ValueError(f"label rows must have shape ({len(x)}, {k}), got {rows.shape}")
        return [x, rows.astype(np.float32)]
    return [x, _one_hot(k, rows, len(x))]


def predict_batches(model, x, batch_size: int, all_outputs: bool = False):
    """Run a Keras model on ``x`` (an array, or a list of arrays for several inputs).

    Small batches are a direct call, larger ones go through ``predict`` in batches of
    ``batch_size``. Returns the (first) output as a NumPy array; a model with several
    outputs (a VAE's encoder: mean, log-variance, sample) gives its first one, the code,
    unless ``all_outputs`` asks for the list of them all.
    """
    n = len(x[0]) if isinstance(x, list) else len(x)
    if n <= _DIRECT_CALL_MAX:
        out = model(x, training=False)
    else:
        out = model.predict(x, batch_size=batch_size, verbose=0)
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        if all_outputs:
            return [np.asarray(o) for o in out]
        out = out[0]
    return [np.asarray(out)] if all_outputs else np.asarray(out)


def encode(models: Models, config: dict[str, Any], x_uint8: np.ndarray, batch_size: int = 512, *,
           labels=None) -> np.ndarray:
    """The codes of uint8 images, flattened to float32 ``(n, code_size)``; a VAE's code means.

    ``labels`` (ints, one per image) are needed by a conditional VAE and ignored by others.
    """
    x = to_model_space(x_uint8, config["scaling"])
    code = predict_batches(models.encoder, with_labels(models.encoder, x, labels), batch_size)
    return np.ascontiguousarray(code.reshape(len(x), -1), dtype=np.float32)


def decode(models: Models, config: dict[str, Any], codes: np.ndarray, batch_size: int = 512, *,
           labels=None) -> np.ndarray:
    """Images drawn by the decoder from codes ``(n, *code_shape)`` (or flat), in [0, 1].

    ``labels``: the class to draw, for a conditional VAE (see :func:`with_labels`).
    """
    codes = np.asarray(codes, dtype=np.float32).reshape((-1, *models.code_shape))
    return to_pixels(predict_batches(models.decoder, with_labels(models.decoder, codes, labels), batch_size),
                     config["scaling"])


def reconstruct(models: Models, config: dict[str, Any], x_uint8: np.ndarray, noise_factor: float = 0.0,
                noise_kind: str = "gaussian", noise_seed: int = 0,
                batch_size: int = 512, *, labels=None) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt (optionally) and reconstruct uint8 images; both returned in pixel space [0, 1].

    A VAE reconstructs from its code mean; a conditional one needs the images' ``labels``.
    """
    x = to_model_space(x_uint8, config["scaling"])
    if noise_factor > 0:
        x = add_noise(x, noise_factor, noise_kind, noise_seed, value_range(config))
    y = predict_batches(models.autoencoder, with_labels(models.autoencoder, x, labels), batch_size)
    return to_pixels(x, config["scaling"]), to_pixels(y, config["scaling"])


def interpolate(models: Models, config: dict[str, Any], x_a: np.ndarray, x_b: np.ndarray, steps: int = 10, *,
                labels: tuple[int, int] | None = None) -> np.ndarray:
    """Decoded images ``(steps, h, w)`` along the straight line between two images' codes.

    ``x_a`` and ``x_b`` are single uint8 images ``(h, w)``; the first and last images are
    their reconstructions. Works for any autoencoder (a VAE's line runs between code
    means). A conditional VAE needs ``labels = (y_a, y_b)``; the one-hot label then moves
    along the line too.
    """
    steps = check_int("steps", steps, low=2, high=1000)
    pair = np.stack([np.asarray(x_a), np.asarray(x_b)])
    if pair.ndim != 3:
        raise ValueError(f"x_a and x_b must be single (h, w) images, got shapes {np.shape(x_a)} and {np.shape(x_b)}")
    if labels is not None and (len(labels) != 2 or None in labels):
        raise ValueError("give both labels (y_a, y_b) or neither")
    codes = encode(models, config, pair, labels=None if labels is None else np.asarray(labels))
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    line = (1 - t) * codes[0] + t * codes[1]
    soft = None
    if is_conditional(models) and labels is not None:
        hot = one_hot(models, np.asarray(labels))
        soft = (1 - t) * hot[0] + t * hot[1]
    return decode(models, config, line, labels=soft)
