"""The survey's lessons in a real browser: train a linear autoencoder on the Linear AE vs PCA
page, then use that model on the Anomalies page and mix in noise. Screenshots of both pages
at 1024x768 and 1920x1080 go to tests/e2e/screenshots/."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import assert_no_traceback, choose, new_page, shot, wait_idle
from tests.e2e.test_browser import set_number, wait_for_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZES = ((1024, 768), (1920, 1080))


def open_beyond(page, title: str, heading: str) -> None:
    """Open a page from the Beyond menu of the top navigation (same session)."""
    page.locator('[data-testid="stTopNavSection"]').filter(has_text="Beyond").first.click()
    page.locator('[data-testid="stTopNavDropdownLink"]').filter(
        has_text=re.compile(rf"^\s*\S*\s*{re.escape(title)}\s*$")).first.click()
    page.locator("h1").filter(has_text=heading).first.wait_for(timeout=90_000)
    wait_idle(page)


def shots(page, name: str) -> None:
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        time.sleep(1.0)
        wait_idle(page)
        shot(page, f"{name}_{w}x{h}")


def test_linear_ae_reaches_pca_then_its_model_finds_noise(browser, server):
    page = new_page(browser, server, "linear_pca")
    wait_for_text(page, "Baldi & Hornik", 120)
    wait_for_text(page, r"largest difference: components \d\.\de-1\d", 120)  # PCA from scratch = sklearn's
    set_number(page, "lp_epochs", 4)
    page.locator(".st-key-lp_start button").first.click()
    wait_for_text(page, r"Epoch [1-4] of 4", 120)
    text = wait_for_text(page, r"Status: finished", 240)
    wait_idle(page)
    assert re.search(r"Largest angle to PCA\s+\d+(\.\d)?°", text), text[:2000]
    assert re.search(r"PCA-2 test MSE\s+0\.05\d+", text), text[:2000]
    assert_no_traceback(page)
    shots(page, "lessons_linear")

    open_beyond(page, "Anomalies", "Anomalies")
    text = wait_for_text(page, r"AUC \d\.\d{3}", 180)
    chosen = page.locator(".st-key-an_model input").first.input_value()
    assert "linear · 4 ep" in chosen, chosen  # the model just trained on the other page
    page.set_viewport_size({"width": 1400, "height": 1000})
    choose(page, "an_source", "uniform noise")
    wait_idle(page)
    text = wait_for_text(page, r"chance that a random outlier \(uniform noise\)", 120)
    auc = float(re.search(r"AUC (\d\.\d{3})", text).group(1))
    assert auc > 0.95, text[:2000]  # noise is nothing like a digit, even to a linear model
    assert_no_traceback(page)
    shots(page, "lessons_anomalies")
