"""What every projection shares: inputs flattened to features, and progress reports."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["ProgressFn", "as_features", "report_progress"]

#: ``progress(fraction, message)``, with ``fraction`` rising from 0.0 to 1.0.
ProgressFn = Callable[[float, str], None]


def as_features(x, name: str = "x") -> np.ndarray:
    """Flatten images or features to a float32 ``(n, d)`` matrix.

    Parameters
    ----------
    x : array_like
        uint8 images ``(n, h, w)`` / ``(n, h, w, c)`` or features ``(n, d)``. uint8 input
        is scaled to [0, 1]; any other dtype is converted to float32 unchanged.
    name : str, default="x"
        Name used in error messages.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(n, d)``.

    Raises
    ------
    ValueError
        If ``x`` has fewer than 2 dimensions, no rows, no features or non-finite values.
    """
    arr = np.asarray(x)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must be images (n, h, w) or features (n, d), got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {arr.shape})")
    n = arr.shape[0]
    if arr.dtype == np.uint8:
        out = arr.reshape(n, -1).astype(np.float32) / np.float32(255.0)
    else:
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
        out = arr.reshape(n, -1).astype(np.float32, copy=False)
    if out.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {arr.shape})")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return out


def report_progress(progress: ProgressFn | None, fraction: float, message: str) -> None:
    """Call ``progress`` (if any) with ``fraction`` clipped to [0, 1]."""
    if progress is not None:
        progress(float(min(1.0, max(0.0, fraction))), message)
