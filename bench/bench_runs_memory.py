"""Memory of many runs: the server's RSS with 20 runs in the Runs panel.

Each arm runs in a fresh subprocess: Streamlit's AppTest drives the real app (``app.py``,
the Train page with its Runs panel) in that process, which is what a server's RSS holds
for one student's session. Twenty runs of a deep autoencoder (hidden 512,256, code 32:
about 0.93 M parameters, 3.7 MB of float32 weights plus twice that in Adam's slots) train one
epoch each on 300 MNIST-sample digits with a different learning rate; each finished run is
made the session's current run, the page reruns (``app.py`` saves it to the store, the
Runs panel lists it), and RSS (psutil) is read. Then the Denoise page is opened, whose
picker lists all twenty.

Arms:

* ``records`` — what the app does: the session keeps a light record per run (config,
  History, seconds, status, store key, colour), the weights of its last
  ``ui.state.MAX_KEPT_MODELS`` (6) models, and stored models' weights are loaded on demand
  through a process cache of ``ui.store_index.LOADED_MODELS`` (4);
* ``keep-all`` — the alternative: every run's model kept in the session
  (``MAX_KEPT_MODELS`` raised to 1,000), as a session that held all its runs' weights would.

    .venv/bin/python bench/bench_runs_memory.py [--runs 20] [--hidden 512,256]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MiB = 2**20


def child(arm: str, runs: int, hidden: str, n_train: int) -> dict:
    os.environ["AECORE_STORE_DIR"] = tempfile.mkdtemp(prefix="bench-runs-store-")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import gc

    import common  # noqa: F401
    import psutil
    from streamlit.testing.v1 import AppTest

    import ui.state
    from aecore.data import load_dataset
    from aecore.training import FINISHED, TrainingRun

    if arm == "keep-all":
        ui.state.MAX_KEPT_MODELS = 1000
    proc = psutil.Process()
    cpu0 = time.process_time()
    data = load_dataset("mnist_sample", limit=n_train, test_limit=200)
    at = AppTest.from_file(os.path.join(os.path.dirname(HERE), "app.py"), default_timeout=300)
    at.run()
    at.switch_page("app_pages/train.py").run()
    rss, params = [], 0
    for i in range(runs):
        run = TrainingRun({"variant": "deep", "hidden": hidden, "code_dim": 32, "epochs": 1,
                           "learning_rate": 0.0005 * (i + 1)}, data, val_limit=200)
        params = run.models.autoencoder.count_params()
        run.start()
        run.join()
        assert run.status == FINISHED, run.reason
        at.session_state["ae_run"] = run
        # the page's form would apply its own learning rate to the current run: keep the run's
        at.text_input(key="train_learning_rate").set_value(f"{run.config['learning_rate']:g}")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        del run
        gc.collect()
        rss.append(proc.memory_info().rss)
    panel_rows = len(at.dataframe[0].value) if at.dataframe else 0
    at.switch_page("app_pages/denoise.py").run()
    assert not at.exception, [e.value for e in at.exception]
    picker = len(at.selectbox(key="dn_model").options)
    gc.collect()
    after_denoise = proc.memory_info().rss
    kept = len(at.session_state["ae_models"])
    return {"arm": arm, "rss": rss, "after_denoise": after_denoise, "panel_rows": panel_rows,
            "picker_models": picker, "kept_in_session": kept, "parameters": params,
            "cpu_s": time.process_time() - cpu0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--hidden", default="512,256")
    ap.add_argument("--n-train", type=int, default=300)
    ap.add_argument("--arms", default="records,keep-all")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.runs, args.hidden, args.n_train)), flush=True)
        return

    sys.path.insert(0, HERE)
    from common import Report

    report = Report("runs_memory", "Runs panel memory: RSS with 20 runs kept")
    results = {}
    for arm in args.arms.split(","):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", arm, "--runs", str(args.runs),
                              "--hidden", args.hidden, "--n-train", str(args.n_train)],
                             capture_output=True, text=True, cwd=os.path.dirname(HERE),
                             env={**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(HERE), HERE])})
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(f"{arm} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        results[arm] = json.loads(line[7:])
        results[arm]["wall_s"] = time.perf_counter() - t0
        print(arm, {k: v for k, v in results[arm].items() if k != "rss"}, flush=True)

    rows = []
    for arm, r in results.items():
        rss = r["rss"]
        growth = (rss[-1] - rss[0]) / (len(rss) - 1) / MiB if len(rss) > 1 else float("nan")
        half = len(rss) // 2 - 1
        late = (rss[-1] - rss[half]) / (len(rss) - 1 - half) / MiB if len(rss) - 1 > half else float("nan")
        rows.append([arm, f"{rss[0] / MiB:.0f}", f"{rss[half] / MiB:.0f}", f"{rss[-1] / MiB:.0f}",
                     f"{r['after_denoise'] / MiB:.0f}", f"{growth:.1f}", f"{late:.1f}", r["kept_in_session"],
                     r["panel_rows"],
                     r["picker_models"], f"{r['wall_s']:.0f}", f"{r['cpu_s']:.0f}"])
    n = len(next(iter(results.values()))["rss"])
    report.table(
        f"RSS of the app's process, MiB (one session, {n} runs)",
        ["arm", "after run 1", f"after run {n // 2}", f"after run {n}", "after opening Denoise",
         "growth per run (MiB)", f"growth per run after run {n // 2} (MiB)", "models kept in session", "Runs panel rows", "Denoise picker entries",
         "wall s", "CPU s"], rows,
        note=f"Model: deep, hidden {args.hidden}, code 32 ({next(iter(results.values()))['parameters']:,} "
             f"parameters), 1 epoch on {args.n_train} MNIST-sample digits per run. The machine was shared with "
             "other jobs (2 cores), so wall seconds are not a measure of anything here; RSS is.")
    if set(results) == {"records", "keep-all"}:
        g = {a: (r["rss"][-1] - r["rss"][0]) for a, r in results.items()}
        report.add(f"RSS growth from run 1 to run {n}: records {g['records'] / MiB:.0f} MiB, keep-all "
                   f"{g['keep-all'] / MiB:.0f} MiB (keep-all / records = {g['keep-all'] / max(g['records'], 1):.2f}).")
    report.add("RSS after each run (MiB): " + "; ".join(
        f"{arm}: " + " ".join(f"{v / MiB:.0f}" for v in r["rss"]) for arm, r in results.items()))
    report.write()


if __name__ == "__main__":
    main()
