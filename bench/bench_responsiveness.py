"""Responsiveness as a lecturer feels it.

1. Server time of the rerun after a noise-slider move on Denoise (goal <= 0.2 s), and after
   a page switch with a trained model (goal <= 0.5 s): the script run, timed in-process with
   Streamlit's AppTest (the same script runner the server uses, without the browser).
2. Cold start: `streamlit run app.py` to the first rendered Home page in headless Chromium.
3. t-SNE on the Latent page for 2k, 5k and 10k Fashion-MNIST test points: first view
   (computes, with progress) and cached view (goal at 5k: first <= 10 s, cached <= 0.3 s).

    .venv/bin/python bench/bench_responsiveness.py [--repeats 5] [--sizes 2000,5000,10000]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
import time
from pathlib import Path

from common import ROOT, Report, median, spread

APP = os.path.join(ROOT, "app.py")


def trained_run(dataset: str, limit: int, test_limit: int | None, variant: str = "deep2d", epochs: int = 2):
    from aecore.data import load_dataset
    from aecore.training import TrainingRun

    ds = load_dataset(dataset, limit=limit, test_limit=test_limit)
    run = TrainingRun({"variant": variant, "epochs": epochs}, ds)
    run.start()
    run.join()
    return run


_SCRIPT_TIMES: list[float] = []


def _time_script_runs() -> None:
    """Time each script run inside the script thread. AppTest's own clock would add its
    0.1 s polling of that thread; this is the server's share alone."""
    from streamlit.runtime.scriptrunner import script_runner

    if getattr(script_runner.ScriptRunner._run_script, "_timed", False):
        return
    original = script_runner.ScriptRunner._run_script

    def timed(self, rerun_data):
        t = time.perf_counter()
        try:
            return original(self, rerun_data)
        finally:
            _SCRIPT_TIMES.append(time.perf_counter() - t)

    timed._timed = True
    script_runner.ScriptRunner._run_script = timed


def timed_run(at) -> float:
    _time_script_runs()
    before = len(_SCRIPT_TIMES)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return sum(_SCRIPT_TIMES[before:])


def slider_and_switch(report: Report, repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    run = trained_run("mnist_sample", 4000, None, "dense", 3)
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["ae_run"] = run
    at.switch_page("app_pages/denoise.py")
    timed_run(at)  # first view: builds the cached error curve
    slider = []
    for i in range(repeats * 2):
        at.slider(key="dn_noise").set_value(round(0.05 * ((i % 19) + 1), 2))
        slider.append(timed_run(at))
    switches = {"Home": [], "Train": [], "Denoise": [], "Latent space (cached)": []}
    pages = {"Home": "app_pages/home.py", "Train": "app_pages/train.py", "Denoise": "app_pages/denoise.py",
             "Latent space (cached)": "app_pages/latent.py"}
    at.switch_page("app_pages/latent.py")
    timed_run(at)  # computes and caches the projections once
    for _ in range(repeats):
        for name, path in pages.items():
            at.switch_page(path)
            switches[name].append(timed_run(at))
    rows = [("noise slider move (Denoise, 8 digits)", spread(slider, "{:.3f}"), "<= 0.2 s",
             "met" if median(slider) <= 0.2 else f"missed by {median(slider) / 0.2:.1f}x")]
    for name, xs in switches.items():
        rows.append((f"switch to {name}, trained model", spread(xs, "{:.3f}"), "<= 0.5 s",
                     "met" if median(xs) <= 0.5 else f"missed by {median(xs) / 0.5:.1f}x"))
    report.table("Server time of a rerun (s)", ["action", "median (min..max)", "goal", "result"], rows,
                 f"AppTest script runs, {len(slider)} slider moves and {repeats} switches to each page, "
                 "dense model trained 3 epochs on the 4,000-digit sample, app's default widgets.")


def cold_start(report: Report, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    # The browser tests' server harness, loaded by path (tests/ is not a package).
    spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(ROOT, "tests", "e2e", "conftest.py"))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    CHROMIUM, CHROMIUM_ARGS, Server = harness.CHROMIUM, harness.CHROMIUM_ARGS, harness.Server

    rows = []
    times, home = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(repeats):
            tmp = Path(tempfile.mkdtemp())
            t0 = time.perf_counter()
            srv = Server(tmp).start()
            t_health = time.perf_counter() - t0
            page = browser.new_page()
            page.goto(srv.url)
            page.wait_for_selector("text=trained to copy its input", timeout=180_000)
            t_first = time.perf_counter() - t0
            page.wait_for_selector("text=Six test images", timeout=180_000)
            times.append((t_health, t_first))
            home.append(time.perf_counter() - t0)
            page.close()
            srv.kill()
        browser.close()
    rows.append(("server healthy (/_stcore/health)", spread([t[0] for t in times])))
    rows.append(("first Home content rendered in Chromium", spread([t[1] for t in times])))
    rows.append(("Home's demo model shown (empty store: trains 3 epochs once per process)", spread(home)))
    report.table("Cold start of `streamlit run app.py` (s)", ["milestone", "median (min..max)"], rows,
                 f"{repeats} fresh server processes, each with an empty model store; time from Popen.")


def tsne_views(report: Report, sizes: list[int]) -> None:
    from streamlit.testing.v1 import AppTest

    run = trained_run("fashion_mnist", 3000, 10_000, "deep2d", 2)
    rows = []
    for n in sizes:
        at = AppTest.from_file(APP, default_timeout=600)
        at.session_state["ae_run"] = run
        at.switch_page("app_pages/latent.py")
        timed_run(at)
        at.selectbox(key="lt_size").set_value(n)
        first = timed_run(at)
        cached = [timed_run(at) for _ in range(3)]
        goal = ""
        if n == 5000:
            goal = ("met" if first <= 10 else f"first view missed by {first / 10:.1f}x") + ", " + (
                "cached met" if median(cached) <= 0.3 else f"cached missed by {median(cached) / 0.3:.1f}x")
        rows.append((f"{n:,}", f"{first:.2f}", spread(cached, "{:.3f}"), goal))
    report.table("Latent page with t-SNE, Fashion-MNIST test points (s)",
                 ["points", "first view (t-SNE + PCA + code + scores)", "cached view", "goal (5k: <= 10 s / <= 0.3 s)"],
                 rows, "Server time of the Latent page's script run (AppTest), deep2d model; the first view "
                       "computes t-SNE of the pixels with a progress bar, PCA, the code and the three score "
                       "rows; later views read the cache.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", default="2000,5000,10000")
    ap.add_argument("--skip", default="", help="comma list of: slider, cold, tsne")
    args = ap.parse_args()
    os.environ.setdefault("AECORE_STORE_DIR", tempfile.mkdtemp())
    report = Report("responsiveness", "Responsiveness: reruns, cold start, t-SNE views")
    skip = set(filter(None, args.skip.split(",")))
    if "slider" not in skip:
        slider_and_switch(report, args.repeats)
    if "cold" not in skip:
        cold_start(report, max(1, args.repeats // 2))
    if "tsne" not in skip:
        tsne_views(report, [int(s) for s in args.sizes.split(",")])
    report.write()


if __name__ == "__main__":
    main()
