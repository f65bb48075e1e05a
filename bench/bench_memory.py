"""Memory: RSS growth over repeated train/reset cycles, and peak RSS of one epoch per variant.

Part 1, in a fresh subprocess per mode: a deep2d TrainingRun on a small Fashion-MNIST
subset trains 1 epoch and is reset, ``--cycles`` times; RSS (psutil) is read after every
cycle. The figure is RSS after the last cycle / RSS after the first. Goal <= 1.10. Modes:

* ``reset``: one TrainingRun, ``start(); join(); reset()`` per cycle (what the Reset
  button does);
* ``reset+gc``: the same with ``gc.collect()`` after each reset;
* ``new-run``: a new TrainingRun per cycle, the old one dropped (what changing the
  architecture does), with ``gc.collect()``.

Part 2: for each variant, a fresh subprocess imports TensorFlow, loads the full 60k
Fashion-MNIST (baseline RSS read then), trains one epoch through TrainingRun with the
preset config and reports the peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``).

    .venv/bin/python bench/bench_memory.py [--cycles 20] [--modes reset,reset+gc,new-run]
        [--variants dense,deep,deep2d,sparse,linear,conv,denoising] [--cycle-limit 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MiB = 2**20


def child_cycles(mode: str, cycles: int, limit: int) -> dict:
    """``mode`` joins with '+': base ``reset`` or ``new-run``, then any of ``gc`` (gc.collect()
    each cycle), ``trim`` (glibc malloc_trim(0) each cycle), ``clear`` (keras.backend.clear_session()
    each cycle: a diagnostic only, it resets state every session shares), ``elem`` (the original
    element-wise pipeline instead of make_train_data), ``unreg`` (after each cycle, drop the
    "CustomGradient-*" entries that tracing added to TensorFlow's global gradient registry; a
    diagnostic of the leak, see the report)."""
    import ctypes
    import gc

    import common  # noqa: F401
    import keras
    import psutil

    import aecore.training as training
    from aecore.data import load_dataset
    from aecore.training import FINISHED, TrainingRun

    parts = set(mode.split("+"))
    if "elem" in parts:
        from bench_speed import elem_train_data

        training.make_train_data = elem_train_data
    libc = ctypes.CDLL("libc.so.6") if "trim" in parts else None
    proc = psutil.Process()
    ds = load_dataset("fashion_mnist", limit=limit)
    cfg = {"variant": "deep2d", "epochs": 1}
    from tensorflow.python.framework import ops as tf_ops

    registry = tf_ops._gradient_registry._registry
    rss, run = [], None
    for _i in range(cycles):
        before = set(registry)
        if run is None or "new-run" in parts:
            run = None
            if "gc" in parts:
                gc.collect()
            run = TrainingRun(cfg, ds)
        run.start()
        run.join()
        if run.status != FINISHED:
            raise RuntimeError(run.reason)
        if "new-run" not in parts:
            run.reset()
        if "clear" in parts:
            keras.backend.clear_session()
        if "unreg" in parts:
            for key in [k for k in registry if k not in before and k.startswith("CustomGradient")]:
                del registry[key]
        if "gc" in parts:
            gc.collect()
        if libc is not None:
            libc.malloc_trim(0)
        rss.append(proc.memory_info().rss)
    gc.collect()
    models = sum(1 for o in gc.get_objects() if isinstance(o, keras.Model))
    grads = sum(1 for k in registry if k.startswith("CustomGradient"))
    return {"rss": rss, "models": models, "grads": grads}


def child_peak(variant: str) -> dict:
    import resource

    import common  # noqa: F401
    import psutil
    import tensorflow  # noqa: F401  (import before the baseline, as the app has it loaded)

    from aecore.data import load_dataset
    from aecore.training import FINISHED, TrainingRun

    proc = psutil.Process()
    ds = load_dataset("fashion_mnist")
    base = proc.memory_info().rss
    base_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    run = TrainingRun({"variant": variant, "epochs": 1}, ds)
    run.start()
    run.join()
    if run.status != FINISHED:
        raise RuntimeError(run.reason)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"base": base, "base_peak": base_peak, "peak": peak, "after": proc.memory_info().rss,
            "n": len(ds.x_train), "batch": run.config["batch_size"]}


def spawn(*argv: str) -> dict:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", *argv],
                         capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if out.returncode != 0:
        raise RuntimeError(f"child {argv} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--cycle-limit", type=int, default=2000, help="training images for the cycle test")
    ap.add_argument("--modes", default="reset,reset+gc,new-run,reset+gc+trim,reset+gc+clear,reset+gc+unreg")
    ap.add_argument("--variants", default="dense,deep,deep2d,sparse,linear,conv,denoising")
    ap.add_argument("--sections", default="cycles,peak")
    ap.add_argument("--out", default="memory", help="result file name under bench/results/")
    args = ap.parse_args()

    if args.child:
        kind = args.child[0]
        res = (child_cycles(args.child[1], int(args.child[2]), int(args.child[3])) if kind == "cycles"
               else child_peak(args.child[1]))
        print(json.dumps(res))
        return

    from common import Report

    rep = Report(args.out, "Memory: train/reset cycles and peak RSS per variant")
    sections = args.sections.split(",")
    if "cycles" in sections:
        rows, traces = [], []
        for mode in args.modes.split(","):
            print(f"cycles: {mode}", flush=True)
            out = spawn("cycles", mode, str(args.cycles), str(args.cycle_limit))
            r = out["rss"]
            ratio = r[-1] / r[0]
            half = len(r) // 2
            slope = (r[-1] - r[half - 1]) / max(len(r) - half, 1) / MiB
            rows.append([mode, f"{r[0] / MiB:.0f}", f"{r[-1] / MiB:.0f}", f"{ratio:.3f}", f"{slope:+.1f}",
                         out["models"], out["grads"], "met" if ratio <= 1.10 else "MISSED"])
            traces.append(f"- {mode}: " + ", ".join(f"{x / MiB:.0f}" for x in r))
        rep.table(
            f"Train/reset cycles (deep2d, {args.cycle_limit:,} Fashion-MNIST images, 1 epoch each)",
            ["mode", "RSS after cycle 1 (MiB)", f"RSS after cycle {args.cycles} (MiB)",
             f"ratio {args.cycles}/1", f"MiB per cycle over cycles {args.cycles // 2}..{args.cycles}",
             "live keras.Model objects at the end", "CustomGradient entries in TF's gradient registry at the end",
             "goal <= 1.10"],
            rows,
            note=("Modes: `reset` = one TrainingRun, start/join/reset per cycle; `new-run` = a new TrainingRun "
                  "per cycle; `+gc` gc.collect() each cycle; `+trim` glibc malloc_trim(0) each cycle; `+clear` "
                  "keras.backend.clear_session() each cycle (diagnostic only: it resets state all sessions "
                  "share); `+elem` the original element-wise tf.data pipeline; `+unreg` drops, after each cycle, the "
                  "`CustomGradient-*` entries that the cycle's tracing added to TensorFlow's global gradient "
                  "registry (`tensorflow.python.framework.ops._gradient_registry`), a diagnostic of the cause. "
                  "Each mode in a fresh subprocess; RSS from psutil after each cycle (after the reset / gc). "
                  "RSS per cycle (MiB):\n\n" + "\n".join(traces)),
        )
    if "peak" in sections:
        rows = []
        for v in args.variants.split(","):
            print(f"peak: {v}", flush=True)
            r = spawn("peak", v)
            rows.append([v, f"{r['n']:,}", r["batch"], f"{r['base'] / MiB:.0f}", f"{r['base_peak'] / MiB:.0f}",
                         f"{r['peak'] / MiB:.0f}", f"{(r['peak'] - r['base']) / MiB:+.0f}",
                         f"{r['after'] / MiB:.0f}"])
        rep.table(
            "Peak RSS of one training epoch per variant (60k Fashion-MNIST)",
            ["variant", "train images", "batch", "RSS after import + data load (MiB)",
             "peak RSS before training (MiB)", "peak RSS after 1 epoch (MiB)", "peak - baseline (MiB)",
             "RSS at the end (MiB)"],
            rows,
            note=("Each variant in its own fresh subprocess: import TensorFlow, load the full dataset (uint8, "
                  "60,000 train + 10,000 test), read the baseline, train one epoch through TrainingRun with the "
                  "preset config (validation on 2,000 test images included), read ru_maxrss."),
        )
    rep.write()


if __name__ == "__main__":
    main()
