"""Seeded image corruption: Gaussian (the seeds' recipe), salt-and-pepper and masking.

The random draw depends only on the seed and the array's shape, never on the factor, so
moving a noise slider changes only the level of the same noise pattern: a student sees
the same digits get noisier, not a new random field at every step.

Two front ends share one definition of each kind (:func:`_corrupt`): :func:`add_noise`
(NumPy, for pages, metrics and validation images) and :func:`add_noise_tf` (TensorFlow,
inside the training pipeline's ``tf.data`` graph, so noise is drawn per batch without
leaving the graph).
"""

from __future__ import annotations

import numpy as np

NOISE_KINDS = ("gaussian", "salt_pepper", "masking")


def check_factor(factor: float, name: str = "noise factor") -> float:
    """Return ``factor`` as a float or raise ``ValueError`` if it is not in [0, 1]."""
    try:
        value = float(factor)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between 0 and 1, got {factor!r}") from None
    if not np.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {factor!r}")
    return value


def check_kind(kind: str) -> str:
    """Return ``kind`` or raise ``ValueError`` listing the valid noise kinds."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise kind {kind!r}; valid kinds: {', '.join(NOISE_KINDS)}")
    return kind


def add_noise(
    x: np.ndarray,
    factor: float,
    kind: str = "gaussian",
    seed: int = 0,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """Corrupt model-space images with seeded noise.

    Parameters
    ----------
    x : ndarray
        Float images already scaled into ``value_range`` (any shape).
    factor : float
        Noise level in [0, 1]. Gaussian: ``x + factor * N(0, 1) * (hi - lo)``, clipped to
        ``value_range`` (the Keras-blog recipe with factor 0.5 on [0, 1] inputs).
        Salt-and-pepper: a fraction ``factor`` of pixels set to ``lo`` or ``hi``.
        Masking: a fraction ``factor`` of pixels set to ``lo``.
    kind : {"gaussian", "salt_pepper", "masking"}
    seed : int
        Same seed and shape give the same pattern at every factor.
    value_range : (lo, hi)
        The variant's input range: (0, 1), or (-0.5, 0.5) for the tanh recipe.

    Returns
    -------
    ndarray of float32, same shape as ``x``.
    """
    factor = check_factor(factor)
    check_kind(kind)
    lo, hi = (float(v) for v in value_range)
    x = np.asarray(x, dtype=np.float32)
    if factor == 0.0:
        return x.copy()
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        draw = rng.standard_normal(x.shape, dtype=np.float32)
    else:
        draw = rng.random(x.shape, dtype=np.float32)
    out = _corrupt(x, draw, factor, kind, lo, hi, np.where, np.clip, np.float32)
    return out.astype(np.float32, copy=False)


def add_noise_tf(x, factor: float, kind: str, seed, value_range: tuple[float, float] = (0.0, 1.0)):
    """:func:`add_noise` for float32 tensors inside a ``tf.data`` or ``tf.function`` graph.

    ``seed`` is an int64 scalar tensor (one per batch, from a seeded
    ``tf.data.Dataset.random``); the draw is stateless, so the same seed gives the same
    noise. ``factor``, ``kind`` and ``value_range`` are Python values, fixed when the graph
    is traced. TensorFlow is imported here only: the NumPy half of this module must not
    pull it in.
    """
    import tensorflow as tf

    factor = check_factor(factor)
    check_kind(kind)
    lo, hi = (float(v) for v in value_range)
    if factor == 0.0:
        return x
    pair = tf.stack([seed, seed // 2 + 1])
    if kind == "gaussian":
        draw = tf.random.stateless_normal(tf.shape(x), seed=pair)
    else:
        draw = tf.random.stateless_uniform(tf.shape(x), seed=pair)
    return _corrupt(x, draw, factor, kind, lo, hi, tf.where, tf.clip_by_value, float)


def _corrupt(x, draw, factor: float, kind: str, lo: float, hi: float, where, clip, scalar):
    """The one definition of each kind, written with ``where``/``clip`` so NumPy and
    TensorFlow share it. ``draw`` is standard normal for "gaussian", uniform in [0, 1)
    otherwise; ``scalar`` casts the Gaussian scale to the backend's float (float32 in NumPy,
    so the result is not promoted to float64)."""
    if kind == "gaussian":
        return clip(x + scalar(factor * (hi - lo)) * draw, lo, hi)
    if kind == "masking":
        return where(draw < factor, lo, x)
    # salt_pepper: the lower half of the corrupted band is pepper, the upper half salt
    out = where(draw < factor / 2, lo, x)
    return where((draw >= factor / 2) & (draw < factor), hi, out)
