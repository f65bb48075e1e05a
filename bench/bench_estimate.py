"""Calibrate aecore.estimate: measured seconds per epoch against multiply-adds per image.

Trains a few networks of very different sizes through ``TrainingRun`` on the offline sample,
times epochs 2.. (epoch 1 traces the graph), and fits ``s/epoch = 6 * MACs * n / F + steps * c``
(dense and conv MACs separately: ``6 * n * (MACs_dense / F_dense + MACs_conv / F_conv) + steps * c``)
by least squares, giving the sustained FLOP/s and the per-step cost ``c`` that
``aecore.estimate.CALIBRATED_FLOPS`` / ``STEP_OVERHEAD_S`` hold. Prints each network's
measured time next to the estimate made with the fitted and with the shipped constants.

    .venv/bin/python bench/bench_estimate.py [--n 2000] [--epochs 3]
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from bench.common import EpochClock, Report, median

CASES = [
    ("dense", {}),
    ("deep", {"hidden": [512, 256]}),
    ("deep", {"hidden": [2048, 1024]}),
    ("deep", {"hidden": [4096, 2048]}),
    ("conv", {}),
    ("denoising", {}),
]


def measure(variant: str, overrides: dict, data, epochs: int) -> float:
    from aecore.training import FINISHED, TrainingRun

    run = TrainingRun({"variant": variant, "epochs": epochs, **overrides}, data, val_limit=0)
    clock = EpochClock(run)
    run.start()
    run.join()
    assert run.status == FINISHED, run.reason
    return median(clock.epoch_times[1:])


def main() -> None:
    from aecore import estimate
    from aecore.data import load_dataset
    from aecore.variants import resolve_config

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    data = load_dataset("mnist_sample", limit=args.n, test_limit=100)
    n = len(data.x_train)
    report = Report("estimate", "Calibration of aecore.estimate (time per epoch)")
    rows = []
    for variant, overrides in CASES:
        cfg = {"variant": variant, **overrides}
        e = estimate.estimate(cfg, data.image_shape, n)
        steps = math.ceil(n / min(resolve_config(**cfg)["batch_size"], n))
        seconds = measure(variant, overrides, data, args.epochs)
        layers = estimate.layer_sizes(cfg, data.image_shape)
        dense = sum(x.macs for x in layers if x.kind == "Dense")
        conv = sum(x.macs for x in layers if x.kind == "Conv2D")
        rows.append((variant, overrides, e.parameters, e.macs_per_image, steps, seconds, dense, conv))
        print(f"{variant} {overrides}: {e.parameters:,} params, {seconds:.2f} s/epoch", flush=True)
    a = np.array([[6.0 * r[6] * n, 6.0 * r[7] * n, r[4]] for r in rows])
    y = np.array([r[5] for r in rows])
    # relative least squares: every network counts alike, whatever its size
    w = 1.0 / y
    (inv_dense, inv_conv, per_step), *_ = np.linalg.lstsq(a * w[:, None], y * w, rcond=None)
    table = []
    for variant, overrides, params, macs, steps, seconds, dense, conv in rows:
        fitted = 6.0 * n * (dense * inv_dense + conv * inv_conv) + steps * per_step
        shipped = estimate.estimate({"variant": variant, **overrides}, data.image_shape, n).seconds_per_epoch
        table.append((variant, overrides or "recipe", f"{params:,}", f"{macs:,}", f"{seconds:.2f}",
                      f"{fitted:.2f}", f"{shipped:.2f}", f"{shipped / seconds:.2f}"))
    report.table(f"{n:,} training images, median of epochs 2-{args.epochs}",
                 ["variant", "settings", "parameters", "MACs/image", "measured s/epoch", "fitted",
                  "shipped constants", "shipped / measured"], table,
                 note=f"Fit: F_dense = {1 / inv_dense:.3g} FLOP/s, F_conv = {1 / inv_conv:.3g} FLOP/s, "
                      f"c = {per_step * 1e3:.2f} ms per step. "
                      f"Shipped: CALIBRATED_FLOPS = {estimate.CALIBRATED_FLOPS}, "
                      f"STEP_OVERHEAD_S = {estimate.STEP_OVERHEAD_S:.3g}.")
    report.write()


if __name__ == "__main__":
    main()
