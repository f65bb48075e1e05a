"""Layer-wise pretraining in a real browser: the Train page during a staged run, at 1024x768
and 1920x1080 (screenshots 9_pretraining_*.png in tests/e2e/screenshots/)."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import SHOTS, Server, assert_no_traceback, choose, shot, wait_idle
from tests.e2e.test_browser import set_number, wait_for_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("server"))
    if os.environ.get("AECORE_E2E_PORT"):  # a developer's assigned port on a shared machine
        srv.port = int(os.environ["AECORE_E2E_PORT"])
        srv.url = f"http://127.0.0.1:{srv.port}"
    srv.start()
    yield srv
    srv.kill()


def show_curve(page) -> None:
    """Scroll the live curve into view in one step (the fragment redraws it twice a second)."""
    page.evaluate("""() => document.querySelector('[data-testid="stPlotlyChart"]')
                              .scrollIntoView({block: 'center'})""")
    page.wait_for_timeout(300)


def test_a_layerwise_run_shows_its_stages(browser, server):
    """One run, seen at a projector's 1024x768 while it pretrains and at 1920x1080 once it fine-tunes."""
    ctx = browser.new_context(viewport={"width": 1024, "height": 768})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/train")  # by URL: at 1024 px the navigation is folded away
    page.locator("h1").filter(has_text="Train an autoencoder").first.wait_for(timeout=90_000)
    wait_idle(page)
    choose(page, "train_variant", "(deep)")
    set_number(page, "train_n_train", 2000)
    set_number(page, "train_epochs", 12)
    choose(page, "train_pretraining", "layerwise")
    page.locator(".st-key-train_tied_weights label").first.click()  # tied and pretrained together
    wait_idle(page)
    text = wait_for_text(page, "parameters instead of", 60)
    assert "Tied: decoder kernels are the encoder's transposes" in text
    page.locator(".st-key-train_start button").first.click()
    wait_for_text(page, r"Stage: pretrain layer 3 \(64-32\)", 180)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    assert_no_traceback(page)
    show_curve(page)
    page.screenshot(path=str(SHOTS / "9_pretraining_1024x768.png"))  # what the screen shows
    shot(page, "9_pretraining_1024x768_top")
    page.set_viewport_size({"width": 1920, "height": 1080})
    name = "9_pretraining_1920x1080"
    wait_for_text(page, r"Stage: fine-tune \(end to end\)", 180)
    wait_for_text(page, r"Epoch [89] of 12|Epoch 1[0-2] of 12|Status: finished", 180)
    assert_no_traceback(page)
    show_curve(page)
    page.screenshot(path=str(SHOTS / f"{name}_finetune.png"))
    shot(page, name + "_top")
    stop = page.locator(".st-key-train_stop button").first
    if stop.is_enabled():
        try:
            stop.click(timeout=5_000)
        except Exception:  # the run finished between the check and the click: nothing to stop
            wait_for_text(page, r"Status: finished", 30)
        wait_idle(page)
    ctx.close()
