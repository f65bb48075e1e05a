"""Cold and warm start: time from `streamlit run app.py` to Home's demo image in Chromium.

Each repeat starts a fresh server process (the browser tests' harness, tests/e2e/conftest.py)
with an empty model store and opens Home in Playwright-driven Chromium; then it starts a
second fresh process on the *same* store (a later start: the demo model the first process
saved is loaded, not trained). Milestones, from ``Popen``:

- server healthy (``/_stcore/health``);
- Home's first text rendered;
- the demo's picture visible: the first digit of the HTML figure under "Input -> code ->
  reconstruction" (a Plotly chart before issue 13's last step), drawn
  from a real model (while the first start trains it, the live model as it is; the caption
  says which);
- the demo model finished (the caption says it was trained when the app started or loaded).

CPU seconds are the server process's user+system time when the picture appeared (psutil).

    .venv/bin/python bench/bench_cold_start.py --repeats 3
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import ROOT, Report, spread  # noqa: E402

PICTURE = ".ae-demo img"  # Home's input -> code -> reconstruction (plain HTML since issue 13)


def harness():
    spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(ROOT, "tests", "e2e", "conftest.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def one_start(browser, Server, tmp: Path, done_text: str) -> dict:
    """One fresh server on ``tmp``'s store, opened in ``browser`` (a Browser: a new profile, an
    empty HTTP cache; or a BrowserContext: its cache kept from earlier pages)."""
    import psutil

    t0 = time.perf_counter()
    srv = Server(tmp).start()
    out = {"healthy": time.perf_counter() - t0}
    try:
        page = browser.new_page(**({"viewport": {"width": 1400, "height": 1200}} if hasattr(browser, "contexts")
                                   else {}))
        page.goto(srv.url)
        page.wait_for_selector("text=trained to copy its input", timeout=180_000)
        out["first_text"] = time.perf_counter() - t0
        page.wait_for_selector(PICTURE, state="visible", timeout=180_000)
        out["picture"] = time.perf_counter() - t0
        cpu = psutil.Process(srv.proc.pid).cpu_times()
        out["cpu_at_picture"] = cpu.user + cpu.system
        page.wait_for_selector(f"text={done_text}", timeout=180_000)
        out["model_done"] = time.perf_counter() - t0
        out["caption"] = page.locator("text=passed through").first.inner_text()[:200]
        page.close()
    finally:
        srv.kill()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--done-text", default="passed through",
                    help="text that shows the demo model is final (default: the demo caption)")
    ap.add_argument("--name", default="cold_start")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    h = harness()
    rep = Report(args.name, "Cold and warm start: `streamlit run` to Home's demo picture")
    cold, warm, cached = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=h.CHROMIUM, args=h.CHROMIUM_ARGS)
        for r in range(args.repeats):
            tmp = Path(tempfile.mkdtemp(prefix="aecore-cold-"))
            cold.append(one_start(browser, h.Server, tmp, args.done_text))
            print("cold", r + 1, cold[-1], flush=True)
            warm.append(one_start(browser, h.Server, tmp, args.done_text))
            print("warm", r + 1, warm[-1], flush=True)
            # a browser that has shown the app before keeps Streamlit's and Plotly's scripts cached
            ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
            one_start(ctx, h.Server, Path(tempfile.mkdtemp(prefix="aecore-cold-")), args.done_text)
            cached.append(one_start(ctx, h.Server, tmp, args.done_text))
            print("warm, cached browser", r + 1, cached[-1], flush=True)
            ctx.close()
        browser.close()
    rows = []
    for key, label in (("healthy", "server healthy"), ("first_text", "Home's first text in Chromium"),
                       ("picture", "demo picture visible"), ("cpu_at_picture", "server CPU s at the picture"),
                       ("model_done", "demo model final (trained or loaded)")):
        rows.append((label, spread([c[key] for c in cold]), spread([w[key] for w in warm]),
                     spread([c[key] for c in cached])))
    rep.table("Seconds from Popen, median (min..max)", ["milestone", "empty store (cold)", "same store again (warm)",
                                                        "warm, browser cache kept"],
              rows, note=f"{args.repeats} repeats; each a fresh `streamlit run app.py` process; Chromium via "
                         f"Playwright (already launched); cold and warm open a fresh browser profile (nothing cached), "
                         f"the last column a profile that has shown the app once before. 2-core machine; load average at the end "
                         f"{os.getloadavg()[0]:.2f} (the server and Chromium themselves count). "
                         f"Cold caption: {cold[-1]['caption']!r}. Warm caption: {warm[-1]['caption']!r}.")
    rep.write()


if __name__ == "__main__":
    main()
