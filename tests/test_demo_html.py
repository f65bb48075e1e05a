"""Home's input -> code -> reconstruction drawn as plain HTML (no Plotly on the first screen)."""

from __future__ import annotations

import re

import numpy as np

from ui.plots import autoencoder_html


def _images(n=3, h=28, w=28):
    return np.random.default_rng(0).random((n, h, w)).astype(np.float32)


def test_a_long_code_is_a_heat_map_with_every_value_on_hover_and_a_colour_key():
    codes = np.arange(3 * 32, dtype=np.float32).reshape(3, 32) / 10
    html = autoencoder_html(_images(), codes, _images(), titles=["a", "b", "c"])
    assert html.count("<img ") == 6  # three inputs, three reconstructions
    assert html.count('alt="input') == 3 and html.count('alt="reconstruction') == 3
    assert "code (32 numbers)" in html
    assert "grid-template-columns:repeat(8, 1fr)" in html  # 32 numbers as 4x8
    assert len(re.findall(r'title="unit \d+: ', html)) == 96
    assert 'title="unit 32: 9.5000"' in html  # the last image's last number, as measured
    assert "dark purple = 0" in html and "yellow = 9.5" in html
    assert "<svg" not in html  # Streamlit's sanitiser drops inline SVG


def test_a_2_number_code_is_two_bars_with_the_numbers_written_under_them():
    codes = np.array([[0.5, -1.25], [2.0, 0.0]], dtype=np.float32)
    html = autoencoder_html(_images(2), codes, _images(2))
    assert "code (2 numbers)" in html
    assert len(re.findall(r'title="unit \d: ', html)) == 4
    assert "0.50, -1.25" in html and "2.00, 0" in html
    assert "colours" not in html  # bars need no colour key
    # the negative bar hangs below the zero line: it starts at the line (2/3.25 of the height)
    assert "top:61.54%" in html


def test_numbers_nobody_measured_are_grey_dashes_not_values():
    codes = np.array([[np.nan, 1.0]], dtype=np.float32)
    html = autoencoder_html(_images(1), codes, _images(1))
    assert 'title="unit 1: –"' in html and "#ccc" in html
    assert "nan" not in html.lower()


def test_titles_are_escaped():
    html = autoencoder_html(_images(1), np.zeros((1, 2)), _images(1), titles=["<b>x</b>"])
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_a_code_of_thousands_of_numbers_is_one_colour_png_not_thousands_of_cells():
    codes = np.random.default_rng(1).normal(size=(6, 8192)).astype(np.float32)
    codes[0, 0] = np.nan
    html = autoencoder_html(_images(6), codes, _images(6))
    assert "code (8192 numbers)" in html
    assert html.count('alt="code of 8192 numbers"') == 6 and 'title="unit' not in html
    assert len(html) < 200_000  # a <div> per number would be megabytes
    assert "hover a code for its range" in html


def test_colour_pngs_round_trip():
    import io

    from PIL import Image

    from aecore.images import to_png

    rgb = np.zeros((2, 3, 3), dtype=np.uint8)
    rgb[0, 0] = (68, 1, 84)
    img = Image.open(io.BytesIO(to_png(rgb)))
    assert img.mode == "RGB" and img.size == (3, 2) and img.getpixel((0, 0)) == (68, 1, 84)
