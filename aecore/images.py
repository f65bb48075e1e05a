"""Grayscale image grids and PNG encoding: the one home for both.

The pages draw many small digits as one picture (a single PNG is far cheaper to build and
send than one plot per digit), and the CLI writes the same grids to files. Both go through
:func:`mosaic` and :func:`to_png`. NumPy and Pillow only.
"""

from __future__ import annotations

import io
import math

import numpy as np

#: the colour of gaps and caption bands: white, around digits drawn white on black
BACKGROUND = 255


def as_pixels(images) -> np.ndarray:
    """Images as uint8 ``(n, h, w)``.

    Accepts ``(h, w)``, ``(n, h, w)`` or ``(n, h, w, 1)``; uint8 pixels pass through, floats
    are read as [0, 1] (clipped; NaN and -inf become black, +inf white). Raises
    ``ValueError`` for any other shape.
    """
    x = np.asarray(images)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"images must be an array of shape (n, h, w), got shape {x.shape}")
    if x.dtype == np.uint8:
        return x
    x = np.nan_to_num(x.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.rint(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


def mosaic(images, cols: int | None = None, *, pad: int = 0, scale: int = 1, band: int = 0,
           band_below: bool = False, background: int = BACKGROUND) -> np.ndarray:
    """Tile images row by row into one uint8 picture.

    Parameters
    ----------
    images : array_like
        ``(n, h, w)`` uint8 pixels or floats in [0, 1] (see :func:`as_pixels`).
    cols : int, optional
        Images per row (at most ``n``); by default the grid is as square as it can be.
    pad : int, default 0
        Pixels of ``background`` between neighbouring tiles (none around the edge).
    scale : int, default 1
        Each image is enlarged this many times with nearest neighbour, so small digits stay
        crisp when a browser scales the picture.
    band : int, default 0
        Pixels of ``background`` above each tile (below with ``band_below``), room for a
        caption. ``pad`` and ``band`` are in output pixels, after ``scale``.
    background : int, default 255
        Gray level of the gaps and of the cells no image fills.

    Returns
    -------
    numpy.ndarray
        uint8 ``(rows * cell_h - pad, cols * cell_w - pad)`` with ``cell_h = h * scale + band
        + pad`` and ``cell_w = w * scale + pad``; image ``i`` has its top-left corner at
        ``(i // cols * cell_h + (0 if band_below else band), i % cols * cell_w)``.
    """
    x = as_pixels(images)
    n, h, w = x.shape
    for name, value in (("pad", pad), ("band", band)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    if cols is None:
        cols = max(1, math.ceil(math.sqrt(n)))
    elif isinstance(cols, bool) or not isinstance(cols, (int, np.integer)) or cols < 1:
        raise ValueError(f"cols must be a positive integer, got {cols!r}")
    cols = max(1, min(int(cols), n))
    rows = max(1, math.ceil(n / cols))
    th, tw = h * scale, w * scale
    cell_h, cell_w = th + band + pad, tw + pad
    out = np.full((rows * cell_h - pad, cols * cell_w - pad), background, dtype=np.uint8)
    if scale > 1:
        x = x.repeat(scale, axis=1).repeat(scale, axis=2)
    top0 = 0 if band_below else band
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = r * cell_h + top0, c * cell_w
        out[top:top + th, left:left + tw] = x[i]
    return out


def to_png(array, compress_level: int = 3) -> bytes:
    """PNG bytes of a grayscale picture (uint8 ``(h, w)`` pixels, or floats in [0, 1]) or of a
    colour one (uint8 ``(h, w, 3)`` RGB).

    ``compress_level`` 3 (of 9) keeps encoding fast enough to redraw twice a second; the
    digits compress well at any level.
    """
    from PIL import Image

    x = np.asarray(array)
    if x.ndim == 3 and x.shape[-1] == 3 and x.dtype == np.uint8:
        pixels = x
    elif x.ndim != 2:
        raise ValueError(f"a PNG is drawn from one (h, w) picture or (h, w, 3) RGB pixels, got shape {x.shape}")
    else:
        pixels = as_pixels(x)[0]
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", optimize=False, compress_level=compress_level)
    return buf.getvalue()
