"""Issue 8 in a real browser: malformed model files uploaded while a run trains, numbers out
of range typed into the fields, and every page at a projector's 1024x768 and at 1920x1080.

The server's own log (stdout and stderr) is checked for tracebacks after each test.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_traceback, shot, wait_idle
from tests.e2e.test_browser import goto_page, set_number, wait_for_text
from tests.test_reliability_hardening import draws_14x14, not_our_submodels

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZES = {"1024x768": (1024, 768), "1920x1080": (1920, 1080)}


def open_page(browser, server, size=(1400, 1000)):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.url)
    wait_idle(page)
    return page


def assert_server_log_clean(server) -> None:
    log = server.log_text()
    assert "Traceback" not in log, log[-3000:]


def controls_enabled(page) -> None:
    for key in ("train_stop", "train_reset", "train_pause"):
        button = page.locator(f".st-key-{key} button").first
        assert button.is_visible() and button.is_enabled(), key


def epoch_now(page) -> int:
    m = re.search(r"Epoch (\d+) of 1000", page.inner_text("body"))
    return int(m.group(1)) if m else 0


def test_malformed_uploads_mid_run_leave_the_run_and_its_controls_alone(browser, server, tmp_path):
    files = [not_our_submodels(tmp_path / "f.keras"), draws_14x14(tmp_path / "g.keras")]
    page = open_page(browser, server)
    goto_page(page, "Train")
    set_number(page, "train_n_train", 1000)
    set_number(page, "train_epochs", 1000)
    page.locator(".st-key-train_start button").first.click()
    wait_for_text(page, r"Status: training", 60)
    wait_for_text(page, r"Epoch [2-9]\d* of 1000|Epoch \d{2,} of 1000", 120)
    page.get_by_text("Load a saved model file (.keras)").click()
    expected = {"f.keras": "its encoder is a Dense layer, not a model",
                "g.keras": "it draws 14x14 images from 28x28 inputs"}
    for path in files:
        before = epoch_now(page)
        page.locator('.st-key-train_upload input[type="file"]').set_input_files(str(path))
        wait_for_text(page, re.escape(expected[path.name]), 90)
        wait_idle(page)
        body = page.inner_text("body")
        assert body.count(expected[path.name]) == 1, body[:3000]
        assert "4 · Train" in body and "Status: training" in body, body[:3000]
        controls_enabled(page)
        # the run goes on: its epoch counter moves past the one before the upload
        page.wait_for_function(
            """(before) => { const m = document.body.innerText.match(/Epoch (\\d+) of 1000/);
                             return m !== null && Number(m[1]) > before; }""", arg=before, timeout=90_000)
        assert_no_traceback(page)
        shot(page, f"hardening_upload_{path.stem}")
    # the controls still work: Stop stops the run, which keeps what it learned
    page.locator(".st-key-train_stop button").first.click()
    wait_for_text(page, r"Status: stopped", 90)
    assert_no_traceback(page)
    assert_server_log_clean(server)
    page.context.close()


def test_out_of_range_numbers_in_the_browser_are_said_not_replaced(browser, server):
    page = open_page(browser, server)
    goto_page(page, "Train")
    box = page.locator(".st-key-train_code_dim input").first
    box.fill("0")
    box.press("Enter")
    wait_for_text(page, r"Start is off", 60)
    assert "Code size" in page.inner_text("body") and "between 1 and 8192, got 0" in page.inner_text("body")
    assert page.locator(".st-key-train_start button").first.is_disabled()
    assert box.input_value() == "0"
    set_number(page, "train_code_dim", 32)
    box = page.locator(".st-key-train_n_train input").first
    box.fill("1e12")
    box.press("Enter")
    wait_idle(page)
    # whatever the browser makes of "1e12", the page says which size it trains on
    text = wait_for_text(page, r"Training on (all )?[\d,]+ (of the 4,000 )?training images", 60)
    shown = box.input_value()
    used = re.search(r"Training on (all )?([\d,]+)", text).group(2).replace(",", "")
    assert int(used) == min(int(float(shown)), 4000), (shown, used)
    assert_no_traceback(page)
    assert_server_log_clean(server)
    page.context.close()


def tall_shot(page, name: str, width: int) -> None:
    """The whole page at this width (Streamlit scrolls inside its own box, so a full-page
    picture needs a viewport as tall as the content)."""
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll('*')]
                                  .map(el => el.scrollHeight))""")
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 6000)})
    wait_idle(page)
    shot(page, name + "_full")
    page.set_viewport_size(size)


def test_screenshots_of_every_page_at_both_sizes(browser, server):
    """Pictures to look at (tests/e2e/screenshots/); the checks are that nothing is cut off
    that the issue named: buttons, preset names, pickers' epoch counts."""
    for label, size in SIZES.items():
        page = open_page(browser, server, size)
        wait_for_text(page, r"test images? of", 180)
        wait_idle(page)
        shot(page, f"size_{label}_home")
        tall_shot(page, f"size_{label}_home", size[0])
        goto_page(page, "Train")
        page.locator(".st-key-train_preset_3 button").first.click()  # 2-D, tuned
        wait_idle(page)
        set_number(page, "train_n_train", 1500)
        set_number(page, "train_epochs", 8)
        page.locator(".st-key-train_start button").first.click()
        wait_for_text(page, r"Epoch [1-9] of 8", 120)
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
        shot(page, f"size_{label}_train_during")
        tall_shot(page, f"size_{label}_train_during", size[0])
        wait_for_text(page, r"Status: finished", 240)
        wait_idle(page)
        shot(page, f"size_{label}_train_after")
        tall_shot(page, f"size_{label}_train_after", size[0])
        for key in ("train_resume", "train_step", "train_start", "train_reset"):
            assert_not_truncated(page, f".st-key-{key} button")
        for i in range(8):
            assert_not_truncated(page, f".st-key-train_preset_{i} button")
        goto_page(page, "Denoise")
        wait_for_text(page, "Noise factor", 90)
        wait_idle(page)
        assert_not_truncated(page, ".st-key-dn_model")
        shot(page, f"size_{label}_denoise")
        tall_shot(page, f"size_{label}_denoise", size[0])
        goto_page(page, "Latent space")
        wait_for_text(page, r"(?i)trustworthiness", 240)
        wait_idle(page, 240)
        assert_not_truncated(page, ".st-key-lt_model")
        shot(page, f"size_{label}_latent")
        tall_shot(page, f"size_{label}_latent", size[0])
        assert_no_traceback(page)
        page.context.close()
    assert_server_log_clean(server)


def assert_not_truncated(page, selector: str) -> None:
    """No text inside the element is cut off: no ellipsis over hidden text, and no input
    (a selectbox shows its choice in one) holding more than its box shows."""
    cut = page.evaluate("""(sel) => [...document.querySelectorAll(sel)].flatMap(root =>
        [root, ...root.querySelectorAll('*')]).filter(el => el.scrollWidth > el.clientWidth + 1
            && (el.tagName === 'INPUT' || getComputedStyle(el).textOverflow === 'ellipsis'))
        .map(el => el.value || el.innerText)""", selector)
    assert not cut, f"cut off in {selector}: {cut}"
