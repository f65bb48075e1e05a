"""Turning four arrays from any reader into validated uint8 ``(n, h, w)`` images and labels.

Every source (IDX files, an npz, a Keras loader) hands its arrays to :func:`assemble`, so
the same checks and the same conversions apply whatever the data came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aecore.data.dataset import RawArrays, image_size_text

__all__ = [
    "MAX_ARRAY_BYTES",
    "MIN_IMAGE_SIDE",
    "SPLIT_KEYS",
    "assemble",
    "too_small_message",
]

MIN_IMAGE_SIDE = 4
# Refuse to read more than this per array: a lying header or a gzip bomb must fail with a
# message instead of exhausting memory. 2 GiB is ~40x full MNIST, far beyond anything the
# lab can train on interactively.
MAX_ARRAY_BYTES = 2 * 1024**3
# The four arrays of a dataset, in the order (and with the names) of Keras' load_data.
SPLIT_KEYS = ("x_train", "y_train", "x_test", "y_test")


def assemble(
    x_train: Any,
    y_train: Any,
    x_test: Any,
    y_test: Any,
    where: dict[str, str],
    class_names: tuple[str, ...] | None = None,
) -> RawArrays:
    """Validate and normalise four arrays into a read-only :class:`RawArrays`.

    Parameters
    ----------
    x_train, y_train, x_test, y_test : array_like
        Images ``(n, h, w)`` or ``(n, h, w, 1)`` (uint8, bool, integers 0..255, or floats
        in [0, 1] or [0, 255]) and integer labels ``(n,)`` or ``(n, 1)``.
    where : dict of str to str
        Names each array (keys :data:`SPLIT_KEYS`) for error messages: file name, npz key...
    class_names : tuple of str, optional
        When given, the labels must already be indices into it; without, class names are
        the sorted unique label values and labels are re-indexed to match.

    Returns
    -------
    RawArrays

    Raises
    ------
    ValueError
        Naming the array (``where``), what is wrong with it and what is accepted.
    """
    xs = [_image_array(x_train, where["x_train"]), _image_array(x_test, where["x_test"])]
    xs = _to_uint8(xs, [where["x_train"], where["x_test"]])
    ys = [_label_array(y_train, where["y_train"]), _label_array(y_test, where["y_test"])]
    for x, y, xk, yk in ((xs[0], ys[0], "x_train", "y_train"), (xs[1], ys[1], "x_test", "y_test")):
        if len(x) != len(y):
            raise ValueError(
                f"{where[yk]} holds {len(y):,} labels but {where[xk]} holds {len(x):,} "
                "images; each image needs exactly one label; check that the files belong together"
            )
    if xs[0].shape[1:] != xs[1].shape[1:]:
        raise ValueError(
            f"training images in {where['x_train']} are {image_size_text(xs[0])} but test "
            f"images in {where['x_test']} are {image_size_text(xs[1])}; both splits must "
            "have the same image size"
        )

    if class_names is not None:
        for y, yk in ((ys[0], "y_train"), (ys[1], "y_test")):
            if y.min() < 0 or y.max() >= len(class_names):
                raise ValueError(
                    f"{where[yk]} holds labels {y.min()}..{y.max()}; "
                    f"expected 0..{len(class_names) - 1}"
                )
    else:
        values = np.unique(np.concatenate(ys))
        class_names = tuple(str(v) for v in values)
        if not np.array_equal(values, np.arange(len(values))):
            # Keep the invariant "labels index class_names": labels like {3, 7} become
            # {0, 1} and the names keep the original values.
            ys = [np.searchsorted(values, y).astype(np.int64) for y in ys]
    return RawArrays(xs[0], ys[0], xs[1], ys[1], class_names).frozen()


def too_small_message(where: str, h: int, w: int) -> str:
    """The error text for images smaller than :data:`MIN_IMAGE_SIDE` on a side."""
    return (
        f"{where} holds images of {h}x{w} pixels; images must be at least "
        f"{MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE}"
    )


def _image_array(x: Any, where: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(
            f"{where} must be a 3-D array (n, height, width) of grayscale images "
            f"(or (n, h, w, 1)), got shape {x.shape}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{where} holds no images; the dataset needs at least one")
    if x.shape[1] < MIN_IMAGE_SIDE or x.shape[2] < MIN_IMAGE_SIDE:
        raise ValueError(too_small_message(where, x.shape[1], x.shape[2]))
    return x


def _to_uint8(xs: list[np.ndarray], wheres: list[str]) -> list[np.ndarray]:
    """Convert image arrays to uint8 0..255, deciding the scale on train and test together.

    Floats in [0, 1] are scaled by 255 (the usual "normalised" export); floats in
    [0, 255] and integers in 0..255 are cast; anything else is refused rather than
    silently clipped.
    """
    if all(x.dtype == np.uint8 for x in xs):
        return xs
    for x, where in zip(xs, wheres, strict=True):
        if x.dtype.kind not in "biuf":
            raise ValueError(
                f"{where} has dtype {x.dtype}; images must be integers 0..255 or floats in "
                "[0, 1] or [0, 255]"
            )
    if any(x.dtype.kind == "f" for x in xs):
        for x, where in zip(xs, wheres, strict=True):
            if x.dtype.kind == "f" and not np.isfinite(x).all():
                raise ValueError(
                    f"{where} contains NaN or infinite values; fix or drop those images"
                )
        lo = min(float(x.min()) for x in xs)
        hi = max(float(x.max()) for x in xs)
        if lo >= 0.0 and hi <= 1.0:
            scale = 255.0
        elif lo >= 0.0 and hi <= 255.0:
            scale = 1.0
        else:
            raise ValueError(
                f"{' and '.join(wheres)} hold values from {lo:g} to {hi:g}; float images "
                "must lie in [0, 1] or [0, 255]"
            )
        return [np.rint(x.astype(np.float32) * scale).astype(np.uint8) for x in xs]
    out = []
    for x, where in zip(xs, wheres, strict=True):
        if x.dtype.kind != "b" and (int(x.min()) < 0 or int(x.max()) > 255):
            raise ValueError(
                f"{where} holds values from {x.min()} to {x.max()}; integer images must lie "
                "in 0..255"
            )
        out.append(x.astype(np.uint8) * 255 if x.dtype.kind == "b" else x.astype(np.uint8))
    return out


def _label_array(y: Any, where: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{where} must be a 1-D array of labels, got shape {y.shape}")
    if y.dtype.kind in "iub":
        return y.astype(np.int64)
    if y.dtype.kind == "f" and np.isfinite(y).all() and np.array_equal(y, np.round(y)):
        return y.astype(np.int64)
    raise ValueError(f"{where} must hold integer class labels, got dtype {y.dtype}")
