"""The `linear` preset against PCA: which optimizer, learning rate, batch and epochs reach
the PCA subspace on the offline sample in the time a student will wait.

Goal (issue 11): on mnist_sample (4,000 train / 1,000 test), the preset's largest principal
angle between its decoder's subspace and PCA's top-k components is at most 10 degrees, and
its test MSE is within 2% of PCA-k's (PCA fitted on the training images; both unclipped,
the quantity both minimise), in about 30 s or less.

Part 1 (sweep): each candidate trains once through ``TrainingRun`` (as the app does, test
set as validation) for its largest epoch count, with an ``AngleTracker`` and a clock on the
epoch hook, so one run gives the figures after every epoch; the table shows them at a few
epoch counts. Seconds are wall time from start to that epoch's end, graph tracing included.

Part 2 (preset): the preset as shipped in aecore/variants.py (``resolve_config("linear")``)
for seeds 0, 1, 2, and the old preset (Adam 0.003, batch 256, 10 epochs) for comparison.

    PYTHONPATH=. .venv/bin/python bench/bench_linear.py [--sections sweep,preset] [--out linear]
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401
import numpy as np
from common import Report

GOAL_ANGLE, GOAL_RATIO = 10.0, 1.02
CHECKPOINTS = (5, 10, 15, 20, 30, 50)
OLD_PRESET = dict(optimizer="adam", learning_rate=0.003, batch_size=256, epochs=10)
#: (optimizer, learning rate, batch size, epochs trained)
SWEEP = [
    ("adam", 0.003, 256, 30),  # the old preset, trained on
    ("adam", 0.001, 32, 30), ("adam", 0.003, 32, 30), ("adam", 0.01, 32, 30),
    ("adam", 0.001, 64, 30), ("adam", 0.003, 64, 30), ("adam", 0.01, 64, 30),
    ("adam", 0.003, 128, 30), ("adam", 0.01, 128, 30), ("adam", 0.03, 128, 30),
    ("nadam", 0.003, 32, 30),
    ("rmsprop", 0.001, 32, 30),
    ("sgd", 0.1, 256, 50),  # the "as published" preset
    ("sgd", 0.5, 32, 30),
]


def train(ds, fit, **overrides):
    """One TrainingRun with angle and clock hooks: per-epoch (largest angle, MSE ratio, seconds)."""
    from aecore.linear import AngleTracker
    from aecore.training import FINISHED, TrainingRun

    run = TrainingRun({"variant": "linear", **overrides}, ds, val_limit=len(ds.x_test))
    k = run.config["code_dim"]
    tracker = AngleTracker(fit.top(k))
    stamps: list[float] = []
    run.epoch_hooks += [tracker, lambda epoch, models: stamps.append(time.perf_counter())]
    pca_mse = fit.mse(to_model(ds.x_test, run.config), k)
    t0 = time.perf_counter()
    run.start()
    run.join()
    if run.status != FINISHED:
        raise RuntimeError(f"{overrides}: {run.status} {run.reason}")
    _, angles = tracker.history()
    ratios = np.asarray(run.history.val_loss) / pca_mse
    return [(float(a[-1]), float(a[0]), float(r), s - t0) for a, r, s in zip(angles, ratios, stamps, strict=True)]


def to_model(x, config):
    from aecore.models import to_model_space

    return to_model_space(x, config["scaling"])


def meets(angle: float, ratio: float) -> str:
    return "yes" if angle <= GOAL_ANGLE and ratio <= GOAL_RATIO else "no"


def sweep(report, ds, fit):
    rows = []
    for opt, lr, bs, epochs in SWEEP:
        per_epoch = train(ds, fit, optimizer=opt, learning_rate=lr, batch_size=bs, epochs=epochs)
        for e in (c for c in CHECKPOINTS if c <= epochs):
            largest, smallest, ratio, s = per_epoch[e - 1]
            rows.append((opt, f"{lr:g}", bs, e, f"{largest:.1f}", f"{smallest:.1f}", f"{ratio:.4f}", f"{s:.1f}",
                         meets(largest, ratio)))
            print(rows[-1], flush=True)
    report.table("Sweep (seed 0): figures after each epoch count of one run",
                 ["optimizer", "lr", "batch", "epochs", "largest angle (deg)", "smallest angle (deg)",
                  "test MSE / PCA", "seconds", f"goal (<= {GOAL_ANGLE:g} deg, <= {GOAL_RATIO})"], rows)


def preset(report, ds, fit):
    from aecore.variants import resolve_config

    cfg = resolve_config("linear")
    shown = {k: cfg[k] for k in ("code_dim", "optimizer", "learning_rate", "batch_size", "epochs")}
    rows = []
    for label, overrides in (("preset as shipped", {}), ("old preset", OLD_PRESET)):
        for seed in (0, 1, 2):
            largest, smallest, ratio, s = train(ds, fit, seed=seed, **overrides)[-1]
            rows.append((label, seed, f"{largest:.1f}", f"{smallest:.1f}", f"{ratio:.4f}", f"{s:.1f}",
                         meets(largest, ratio)))
            print(rows[-1], flush=True)
    report.table(f"The preset as shipped ({shown}) against the old one, three seeds",
                 ["preset", "seed", "largest angle (deg)", "smallest angle (deg)", "test MSE / PCA", "seconds",
                  "goal"], rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sections", default="sweep,preset")
    ap.add_argument("--out", default="linear")
    args = ap.parse_args()
    from aecore.data import load_dataset
    from aecore.linear import pca_from_scratch, sklearn_agreement
    from aecore.models import to_model_space

    ds = load_dataset("mnist_sample")
    x = to_model_space(ds.x_train, "unit")
    t = time.perf_counter()
    fit = pca_from_scratch(x)
    took = time.perf_counter() - t
    report = Report(args.out, "Linear autoencoder against PCA on mnist_sample")
    diff = sklearn_agreement(x, 2, fit)
    report.add(f"PCA from scratch on {len(x):,} x {x.shape[1] * x.shape[2]} pixels: {took:.2f} s; largest "
               f"difference to scikit-learn (k=2): components {diff['components']:.1e}, variances "
               f"{diff['variances']:.1e}. PCA-2 test MSE {fit.mse(to_model_space(ds.x_test, 'unit'), 2):.5f}; "
               f"top eigenvalues {', '.join(f'{v:.3f}' for v in fit.variances[:4])}.")
    sections = args.sections.split(",")
    if "sweep" in sections:
        sweep(report, ds, fit)
    if "preset" in sections:
        preset(report, ds, fit)
    report.write()


if __name__ == "__main__":
    main()
