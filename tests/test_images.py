"""aecore.images: tiling digits into one picture and encoding it as PNG."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from aecore.images import as_pixels, mosaic, to_png


def tiles(n: int, h: int = 3, w: int = 2) -> np.ndarray:
    """``n`` uint8 images, image ``i`` filled with the value ``i + 1``."""
    return np.stack([np.full((h, w), i + 1, np.uint8) for i in range(n)])


def test_tiles_go_row_by_row_with_gaps_between_them_only():
    out = mosaic(tiles(5), cols=3, pad=1)
    # 2 rows of 3-pixel tiles, 3 columns of 2-pixel tiles, 1-pixel gaps inside only
    assert out.shape == (2 * 3 + 1, 3 * 2 + 2)
    assert out[0, 0] == 1 and out[0, 3] == 2 and out[0, 6] == 3
    assert out[4, 0] == 4 and out[4, 3] == 5
    assert out[4, 6] == 255  # the sixth cell is empty
    assert (out[3, :] == 255).all() and (out[:, 2] == 255).all()  # the gaps


def test_scale_enlarges_each_pixel_and_keeps_the_layout():
    x = np.array([[[0, 255], [255, 0]]], np.uint8)
    out = mosaic(x, scale=3)
    assert out.shape == (6, 6)
    assert (out[:3, :3] == 0).all() and (out[:3, 3:] == 255).all() and (out[3:, :3] == 255).all()
    big = mosaic(tiles(4), cols=2, pad=2, scale=2)
    small = mosaic(tiles(4), cols=2, pad=1)
    assert big.shape == (2 * small.shape[0], 2 * small.shape[1])
    assert np.array_equal(big, small.repeat(2, 0).repeat(2, 1))


@pytest.mark.parametrize("below", [False, True])
def test_caption_band_above_or_below_each_tile(below):
    out = mosaic(tiles(2), cols=1, band=4, band_below=below)
    assert out.shape == (2 * (3 + 4), 2)
    first = 0 if below else 4
    assert (out[first:first + 3] == 1).all()
    band = out[3:7] if below else out[0:4]
    assert (band == 255).all()


def test_default_grid_is_near_square():
    assert mosaic(tiles(9)).shape == (9, 6)  # 3 x 3 tiles of 3x2
    assert mosaic(tiles(10)).shape == (3 * 3, 4 * 2)  # 4 columns, 3 rows, the last one short


def test_float_images_are_read_as_unit_range_and_cleaned():
    x = np.array([[[0.0, 1.0], [0.5, np.nan]], [[2.0, -1.0], [np.inf, -np.inf]]], np.float32)
    px = as_pixels(x)
    assert px.dtype == np.uint8
    assert px[0].tolist() == [[0, 255], [128, 0]]
    assert px[1].tolist() == [[255, 0], [255, 0]]
    assert as_pixels(np.zeros((2, 4, 4, 1))).shape == (2, 4, 4)  # the channel axis is dropped
    assert as_pixels(np.zeros((5, 6))).shape == (1, 5, 6)  # one image


@pytest.mark.parametrize("kwargs,match", [
    ({"cols": 0}, "cols must be a positive integer"),
    ({"pad": -1}, "pad must be a non-negative integer"),
    ({"band": 1.5}, "band must be a non-negative integer"),
    ({"scale": 0}, "scale must be a positive integer"),
])
def test_bad_layout_arguments_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mosaic(tiles(2), **kwargs)


def test_wrong_shapes_are_refused():
    with pytest.raises(ValueError, match=r"shape \(n, h, w\), got shape \(2, 3, 4, 3\)"):
        mosaic(np.zeros((2, 3, 4, 3)))
    with pytest.raises(ValueError, match=r"one \(h, w\) picture"):
        to_png(np.zeros((2, 3, 4)))


def test_png_round_trips_the_pixels():
    pic = mosaic(tiles(6), cols=3, pad=1, scale=2)
    data = to_png(pic)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data))
    assert img.mode == "L" and img.size == (pic.shape[1], pic.shape[0])
    assert np.array_equal(np.asarray(img), pic)
    unit = to_png(np.array([[0.0, 1.0]], np.float32))
    assert np.asarray(Image.open(io.BytesIO(unit))).tolist() == [[0, 255]]
