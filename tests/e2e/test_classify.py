"""The Classify page in a real browser: train a dense autoencoder on Train, then train the
article's classifier on its encoder live, get the PCA and pixel baselines, the mistakes and
the label-efficiency chart. Screenshots at 1024x768 and 1920x1080 go to tests/e2e/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SHOTS, assert_no_traceback, new_page, wait_idle
from tests.e2e.test_browser import goto_page, set_number, wait_for_text
from tests.e2e.test_lessons import shots

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def shot_at(page, heading: str, name: str) -> None:
    """A viewport screenshot scrolled to a heading (Streamlit scrolls inside its own container,
    so a full-page picture shows only the top)."""
    page.get_by_text(heading).first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_train_a_classifier_on_an_encoder_against_pca_and_pixels(browser, server):
    page = new_page(browser, server)
    goto_page(page, "Train")
    set_number(page, "train_n_train", 2000)
    set_number(page, "train_epochs", 5)
    page.locator(".st-key-train_start button").first.click()
    wait_for_text(page, r"Status: finished", 300)
    wait_idle(page)

    goto_page(page, "Classify")
    wait_for_text(page, "autoencoder classification in Keras", 60)
    chosen = page.locator(".st-key-cl_model input").first.input_value()
    assert "dense · 5 ep" in chosen, chosen  # the model just trained on Train
    page.locator(".st-key-cl_budget input").first.click()
    page.get_by_role("option", name="10 per class").click()
    wait_idle(page)
    set_number(page, "cl_epochs", 5)
    page.locator(".st-key-cl_start button").first.click()
    wait_for_text(page, r"Epoch [1-5] of 5", 120)
    wait_for_text(page, r"Test accuracy: Raw pixels\s+\d+\.\d%", 300)
    text = wait_for_text(page, r"Download the encoder \(\.keras\)", 120)  # the last section
    wait_idle(page)
    assert "Status: finished" in text
    for arm in ("Encoder \\(autoencoder's code\\)", "PCA \\(as many numbers\\)", "Raw pixels"):
        assert re.search(rf"Test accuracy: {arm}\s+\d+\.\d%", text), text[:3000]
    assert "misclassified test images" in text and "Download the classifier (.keras)" in text
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 5  # loss, accuracy, bars, confusion, mistakes
    assert_no_traceback(page)
    shots(page, "classify_trained")
    page.set_viewport_size({"width": 1400, "height": 1000})
    shot_at(page, "Encoder, PCA and raw pixels: the same head", "classify_results")
    shot_at(page, "What the classifier gets wrong", "classify_mistakes")

    page.locator(".st-key-cl_efficiency button").first.click()
    wait_for_text(page, r"Each point is the test accuracy of a fresh head", 600)
    wait_idle(page)
    assert_no_traceback(page)
    shot_at(page, "Accuracy against labels per class", "classify_efficiency")

    # the same 32-number model on the Latent page: t-SNE of its code beside t-SNE of the pixels
    goto_page(page, "Latent space")
    text = wait_for_text(page, r"t.SNE of the code \(32.d → 2.d\)", 120)
    text = wait_for_text(page, r"Autoencoder code \(32.d\) \+ t.SNE\s+\d\.\d{3}", 300)  # its row of scores
    assert "Autoencoder code (32" in text and "→ PCA" in text, text[:3000]
    wait_idle(page)
    assert_no_traceback(page)
    shot_at(page, "t-SNE of the pixels", "classify_latent_code_tsne")
