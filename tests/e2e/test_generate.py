"""A lecturer's VAE demo in a real browser: train the VAE preset (shortened) on the Train
page, open Generate, draw new samples, click the latent map. Screenshots at 1024x768 and
1920x1080 go to tests/e2e/screenshots/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SHOTS, assert_no_traceback, new_page, shot, wait_idle
from tests.e2e.test_browser import goto_page, set_number, wait_for_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

VAE_PRESET = 8  # "Variational autoencoder (VAE), 2-d code" (aecore.variants.PRESETS)
EPOCHS = 10  # half the preset's 20: the digits are already recognisable, and it takes half the time
SIZES = ((1024, 768), (1920, 1080))


def shots(page, name: str, anchor: str | None = None) -> None:
    """The page at both sizes: from the top, or scrolled to the ``anchor`` element."""
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        wait_idle(page)
        page.wait_for_timeout(800)  # Plotly redraws at the new width
        if anchor is None:
            shot(page, f"{name}_{w}x{h}")
        else:
            page.locator(anchor).first.scroll_into_view_if_needed()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}_{w}x{h}.png"))


def samples_picture(page) -> str:
    """The PNG of the prior-samples grid as the browser has it."""
    return page.locator(".st-key-gn_samples image").first.get_attribute("href") or ""


def slider_value(page, key: str) -> float:
    return float(page.locator(f'.st-key-{key} input[type="range"]').first.input_value())


def test_train_a_vae_then_draw_new_digits(browser, server):
    page = new_page(browser, server)
    goto_page(page, "Train")
    page.locator(f".st-key-train_preset_{VAE_PRESET} button").first.click()
    wait_idle(page)
    set_number(page, "train_epochs", EPOCHS)
    page.locator(".st-key-train_start button").first.click()
    wait_for_text(page, r"Status: finished", 600)
    wait_idle(page)
    body = page.inner_text("body")
    assert "reconstruction (BCE summed over pixels)" in body and "KL divergence from N(0, I)" in body
    assert_no_traceback(page)
    shots(page, "gen_0_train_vae")

    goto_page(page, "Generate")
    wait_for_text(page, "From one test digit to another", 180)
    wait_idle(page)
    assert_no_traceback(page)
    first = samples_picture(page)
    assert first.startswith("data:image/png;base64,")
    shots(page, "gen_1_samples")

    page.locator(".st-key-gn_new button").first.click()
    page.wait_for_function(
        "(before) => { const i = document.querySelector('.st-key-gn_samples image');"
        " return i !== null && i.getAttribute('href') !== before; }",
        arg=first, timeout=60_000, polling=250)
    wait_idle(page)
    assert page.locator(".st-key-gn_seed input").first.input_value() == "1"
    assert "Seed 1:" in page.inner_text("body")
    shots(page, "gen_2_new_samples")

    # a click on the map (up and to the right of the centre) moves the code and the sliders
    plot = page.locator(".st-key-gn_map .nsewdrag").first
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    assert (slider_value(page, "gn_z1"), slider_value(page, "gn_z2")) == (0.0, 0.0)
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    page.wait_for_function(
        "() => Number(document.querySelector('.st-key-gn_z1 input[type=range]').value) > 0", timeout=60_000)
    wait_idle(page)
    assert slider_value(page, "gn_z1") > 0 and slider_value(page, "gn_z2") > 0
    assert "The decoder's drawing at z = (0.00, 0.00)" not in page.inner_text("body")
    assert_no_traceback(page)
    shots(page, "gen_3_clicked_map", anchor=".st-key-gn_digit")
    shots(page, "gen_4_interpolation", anchor=".st-key-gn_strip")
    assert server.alive()
    assert "Traceback" not in server.log_text()
