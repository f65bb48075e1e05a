"""Issue 9's "done means" in a real browser: two runs with different learning rates survive a
reload in the Runs panel and the model pickers, their curves overlay, a code-size sweep
charts loss against code size, the link reopens the setup in a fresh browser, and a
downloaded model loads back through the upload. Tiny: 8x8 digits, 300 images, 2 epochs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS, assert_no_traceback, new_page, shot, wait_idle
from tests.e2e.test_browser import goto_page, set_number, wait_for_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SETUP = "train?dataset=digits&variant=dense&epochs=2&learning_rate=0.001"


def set_text(page, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input").first
    box.fill(value)
    box.press("Enter")
    wait_idle(page)


def train(page, start_label: str) -> None:
    page.locator(".st-key-train_start button").first.click()
    wait_for_text(page, r"Status: finished", 240)
    wait_idle(page)
    assert_no_traceback(page)


def chips(page, key: str) -> str:
    """The selected options of a multiselect, as shown."""
    return page.locator(f".st-key-{key} [data-testid='stMultiSelectTagsContainer']").first.inner_text()


def view(page, key: str, name: str) -> None:
    """A screenshot of the window scrolled to an element (a full-page shot stops at the fold)."""
    page.locator(f".st-key-{key}").first.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def options(page, key: str) -> list[str]:
    """Open a selectbox and read every option, then close it."""
    page.locator(f".st-key-{key} input").first.click()
    page.get_by_role("option").first.wait_for()
    texts = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return texts


def test_two_runs_persist_overlay_sweep_link_and_download(browser, server, tmp_path):
    page = new_page(browser, server, SETUP)
    page.locator("h1").filter(has_text="Train an autoencoder").first.wait_for(timeout=90_000)
    wait_idle(page)
    assert page.locator(".st-key-train_learning_rate input").first.input_value() == "0.001"
    set_number(page, "train_n_train", 300)
    train(page, "Start")
    set_text(page, "train_learning_rate", "0.01")
    train(page, "Start over")
    # the model of the run on screen, downloaded
    with page.expect_download() as dl:
        page.locator(".st-key-export_model button").first.click()
    model_file = tmp_path / "model.keras"
    dl.value.save_as(model_file)
    assert model_file.stat().st_size > 1000
    url = page.url
    assert "learning_rate=0.01" in url and "dataset=digits" in url

    # a reload is a new session: both runs come back from the store
    page.reload()
    wait_for_text(page, "Runs to compare", 120)
    wait_idle(page)
    selected = chips(page, "runs_selected")
    assert "lr 0.001 · 2 ep" in selected and "lr 0.01 · 2 ep" in selected, selected
    page.locator(".st-key-runs_overlay").first.wait_for()  # their curves, overlaid
    page.locator(".st-key-runs_log label").first.click()
    wait_idle(page)
    assert_no_traceback(page)
    view(page, "runs_overlay", "explore_1_runs_panel")
    goto_page(page, "Denoise")
    labels = options(page, "dn_model")
    assert any("lr 0.001 · 2 ep" in t for t in labels) and any("lr 0.01 · 2 ep" in t for t in labels), labels
    shot(page, "explore_2_denoise_pickers")

    # a code-size sweep, 2..32
    goto_page(page, "Train")
    page.get_by_text("Try several values").first.click()
    page.locator(".st-key-sweep_values input").first.wait_for()
    assert page.locator(".st-key-sweep_values input").first.input_value() == "2,4,8,16,32"
    page.locator(".st-key-sweep_start button").first.click()
    wait_for_text(page, r"Sweep finished: 5 of 5 values trained", 600)
    page.locator(".st-key-sweep_chart").first.wait_for()
    wait_idle(page)
    assert_no_traceback(page)
    view(page, "sweep_chart", "explore_3_sweep")

    # the link in a fresh browser: the same settings
    fresh = new_page(browser, server, url.split("/", 3)[3])
    fresh.locator("h1").filter(has_text="Train an autoencoder").first.wait_for(timeout=90_000)
    wait_idle(fresh)
    try:
        expect(fresh.locator(".st-key-train_learning_rate input").first).to_have_value("0.01", timeout=60_000)
    except AssertionError:
        shot(fresh, "explore_failed_link")
        raise AssertionError(f"{url}: {fresh.inner_text('body')[:3000]}") from None
    assert fresh.locator(".st-key-train_epochs input").first.input_value() == "2"
    assert fresh.locator(".st-key-train_n_train input").first.input_value() == "300"
    wait_for_text(fresh, r"digits · [\d,]+ training", 30)  # the dataset line under the picker
    # the downloaded model loads back through the upload
    fresh.get_by_text("Load a saved model file (.keras)").click()
    fresh.locator('.st-key-train_upload input[type="file"]').set_input_files(str(model_file))
    wait_for_text(fresh, re.escape("Loaded model.keras"), 90)
    assert_no_traceback(fresh)
    shot(fresh, "explore_4_fresh_browser_upload")
    fresh.context.close()
    page.context.close()
    assert server.alive()
