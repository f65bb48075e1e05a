"""Browser fixtures: a real `streamlit run app.py` on a free loopback port, driven by
Playwright through Debian's Chromium (Playwright cannot download its own browser here)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("AECORE_SHOTS_DIR", ROOT / "tests" / "e2e" / "screenshots"))
CHROMIUM = os.environ.get("AECORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not healthy after {timeout}s")


class Server:
    """One streamlit process; `restart()` kills it hard and starts it again on the same port."""

    def __init__(self, tmp: Path, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "streamlit.log"
        self.env = {**os.environ, "AECORE_STORE_DIR": str(tmp / "store"),
                    "AECORE_DATA_ROOT": str(tmp / "data"), **(env or {})}
        (tmp / "data").mkdir(exist_ok=True)
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
               "--server.headless", "true", "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT)
        wait_healthy(self.url, self.proc)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run must apt-get install chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("server")).start()
    yield srv
    srv.kill()


def new_page(browser, server, path: str = ""):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/{path}")
    wait_idle(page)
    return page


def wait_idle(page, timeout: float = 60.0) -> None:
    """Wait until the app has rendered and is not running a script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    end = time.monotonic() + timeout
    time.sleep(0.3)
    while time.monotonic() < end:
        running = page.locator('[data-testid="stStatusWidget"]').count()
        if not running:
            return
        time.sleep(0.2)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    # Streamlit scrolls inside its own container, which full_page does not unroll: start
    # every picture from the top of the page.
    page.evaluate("""() => { for (const el of document.querySelectorAll('*')) {
        if (el.scrollTop > 0) el.scrollTop = 0; } window.scrollTo(0, 0); }""")
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_traceback(page) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text, text[:2000]
    assert page.locator('[data-testid="stException"]').count() == 0, text[:2000]


def choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with widget key ``key``, retrying when a rerun closes the list."""
    wait_idle(page)
    wanted = page.locator('[role="option"]').filter(has_text=option).first
    for _ in range(3):  # a rerun that lands during the click closes the list again
        page.locator(f'.st-key-{key} [role="combobox"]').first.click()
        try:
            wanted.wait_for(timeout=10_000)
            break
        except Exception:
            page.keyboard.press("Escape")
            wait_idle(page)
    wanted.click()
    wait_idle(page)
