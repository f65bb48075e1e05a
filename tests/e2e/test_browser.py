"""A newcomer's first minute in a real browser: train the 2-D autoencoder live, slide the
noise factor, open the latent space. Screenshots of every page go to tests/e2e/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_traceback, new_page, shot, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: each navigation title -> the heading its page draws first (proof the page has run)
HEADINGS = {"Home": "Autoencoder Lab", "Train": "Train an autoencoder", "Denoise": "Denoise",
            "Latent space": "Latent space"}


def goto_page(page, title: str) -> None:
    """Navigate inside the same session (a fresh URL would be a new session without the model).

    Learn's pages are plain links in the top bar; a page in a named section (Beyond) sits in
    that section's drop-down, so each section is opened in turn until the link shows up.
    """
    name = re.compile(rf"^\s*\S*\s*{re.escape(title)}\s*$")
    page.locator('[data-testid="stTopNav"], [data-testid="stSidebarNav"]').first.wait_for(timeout=90_000)
    link = page.locator('[data-testid="stTopNavLink"], [data-testid="stSidebarNavLink"]').filter(has_text=name)
    try:
        if link.count():
            link.first.click(timeout=90_000)
        else:
            for section in page.locator('[data-testid="stTopNavSection"]').all():
                section.click()
                item = page.locator('[data-testid="stTopNavDropdownLink"]').filter(has_text=name)
                if item.count():
                    item.first.click(timeout=30_000)
                    break
                page.keyboard.press("Escape")
            else:
                raise LookupError(title)
    except Exception:
        shot(page, f"failed_goto_{title.replace(' ', '_')}")
        raise AssertionError(f"no link to {title!r}; the page says:\n{page.inner_text('body')[:2000]}") from None
    page.locator("h1").filter(has_text=HEADINGS.get(title, title)).first.wait_for(timeout=90_000)
    wait_idle(page)


def set_number(page, key: str, value: int) -> None:
    box = page.locator(f".st-key-{key} input").first
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page)


def wait_for_text(page, pattern: str, timeout: float = 180.0) -> str:
    """Wait until the page's text matches ``pattern`` (a Python regex; a leading ``(?i)``
    is honoured) and return that text."""
    flags = ""
    source = pattern
    if source.startswith("(?i)"):
        flags, source = "i", source[4:]
    try:
        page.wait_for_function("([source, flags]) => new RegExp(source, flags).test(document.body.innerText)",
                               arg=[source, flags], timeout=timeout * 1000, polling=250)
    except Exception:
        raise AssertionError(f"{pattern!r} not on the page after {timeout}s:\n"
                             f"{page.inner_text('body')[:3000]}") from None
    return page.inner_text("body")


def test_newcomer_trains_slides_noise_and_compares_latent_spaces(browser, server):
    page = new_page(browser, server)
    wait_for_text(page, "Six test images", 180)  # Home's real model: input -> code -> reconstruction
    wait_idle(page)
    assert_no_traceback(page)
    # the demo is plain HTML that survives Streamlit's sanitiser: 12 digits and 6 codes of 32 cells
    assert page.locator(".ae-demo img").count() == 12
    assert page.locator('.ae-demo [title^="unit "]').count() == 6 * 32
    shot(page, "1_home")

    goto_page(page, "Train")
    page.locator(".st-key-train_preset_3 button").first.click()  # "2-D autoencoder, tuned for the offline sample"
    wait_idle(page)
    set_number(page, "train_n_train", 1500)
    set_number(page, "train_epochs", 12)
    shot(page, "2_train_before")
    page.locator(".st-key-train_start button").first.click()
    text = wait_for_text(page, r"Epoch [1-9]\d* of 12", 120)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()  # the live loss curve
    shot(page, "3_train_during")
    # The live view keeps moving while we watch, with no click: the epoch counter goes past
    # the one first seen (or the run finishes, which the page can only show by redrawing).
    first = int(re.search(r"Epoch (\d+) of 12", text).group(1))
    page.wait_for_function(
        """(first) => { const t = document.body.innerText;
                        const m = t.match(/Epoch (\\d+) of 12/);
                        return /Status: finished/.test(t) || (m !== null && Number(m[1]) > first); }""",
        arg=first, timeout=120_000, polling=250)
    wait_for_text(page, r"Status: finished", 240)
    wait_idle(page)
    assert_no_traceback(page)
    shot(page, "4_train_finished")

    goto_page(page, "Denoise")
    wait_for_text(page, "Noise factor", 60)
    shot(page, "5_denoise_default")
    slider = page.locator('.st-key-dn_noise input[type="range"]').first
    before = slider.input_value()
    slider.focus()
    for _ in range(6):
        slider.press("ArrowRight")
    # the server has taken the new value once it writes it into the link (?noise=...)
    page.wait_for_function(
        """(before) => { const v = new URLSearchParams(window.location.search).get("noise");
                         return v !== null && Number(v) > before; }""",
        arg=float(before), timeout=60_000, polling=250)
    wait_idle(page)
    after = slider.input_value()
    assert float(after) > float(before), (before, after)
    assert_no_traceback(page)
    shot(page, "6_denoise_more_noise")

    goto_page(page, "Latent space")
    wait_for_text(page, r"(?i)trustworthiness", 240)
    wait_idle(page, 240)
    assert_no_traceback(page)
    body = page.inner_text("body")
    assert re.search(r"(?i)t-SNE", body) and re.search(r"(?i)PCA", body)
    shot(page, "7_latent")
    assert server.alive()
