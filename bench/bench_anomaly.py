"""Reconstruction error as an outlier score (issue 11): AUC of digit models against
Fashion-MNIST clothes and uniform noise.

Goal: a dense digits model separates the offline sample's digit test images from
Fashion-MNIST test images with AUC >= 0.95. Each model trains through ``TrainingRun`` on
mnist_sample (4,000 train digits), as the app and ``python -m aecore train`` do; it then
scores the 1,000 test digits (inliers) and 1,000 class-balanced Fashion-MNIST test images,
or 1,000 noise images (outliers), exactly as ``python -m aecore anomalies`` does
(``aecore.anomaly.mix`` / ``summary``). Three seeds per row.

    PYTHONPATH=. .venv/bin/python bench/bench_anomaly.py [--seeds 3] [--out anomaly]
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401
from common import Report, spread

GOAL = 0.95
#: (row label, variant, overrides)
ARMS = [
    ("dense preset (10 epochs)", "dense", {}),
    ("dense, 20 epochs", "dense", {"epochs": 20}),
    ("deep preset", "deep", {}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default="anomaly")
    args = ap.parse_args()

    from aecore import anomaly
    from aecore.data import load_dataset
    from aecore.training import FINISHED, TrainingRun

    ds = load_dataset("mnist_sample")
    outliers = {src: anomaly.outlier_images(src, 1000, ds.image_shape, seed=0)
                for src in ("fashion_mnist", anomaly.NOISE)}
    report = Report(args.out, "Reconstruction error as an outlier score (mnist_sample models)")
    rows = []
    for label, variant, overrides in ARMS:
        aucs: dict[str, list[float]] = {src: [] for src in outliers}
        secs = []
        for seed in range(args.seeds):
            run = TrainingRun({"variant": variant, "seed": seed, **overrides}, ds)
            t0 = time.perf_counter()
            run.start()
            run.join()
            secs.append(time.perf_counter() - t0)
            if run.status != FINISHED:
                raise RuntimeError(f"{label} seed {seed}: {run.status} {run.reason}")
            for src, x_out in outliers.items():
                m = anomaly.mix(run.models, run.config, ds.x_test, x_out)
                aucs[src].append(anomaly.summary(m)["auc"])
            print(label, seed, {k: round(v[-1], 4) for k, v in aucs.items()}, flush=True)
        fashion = aucs["fashion_mnist"]
        rows.append([label, run.config["epochs"], spread(fashion, "{:.4f}"), spread(aucs[anomaly.NOISE], "{:.4f}"),
                     f"{sum(a >= GOAL for a in fashion)}/{len(fashion)}", spread(secs, "{:.0f}")])
    report.table(
        "AUC of reconstruction error (MSE per image) as an outlier score",
        ["model", "epochs", "AUC vs Fashion-MNIST", "AUC vs noise", f"seeds with AUC >= {GOAL}", "train s"],
        rows,
        note=f"{len(ds.x_test)} digit test images (inliers) against 1,000 Fashion-MNIST test images (a seeded "
             "class-balanced draw) or 1,000 uniform-noise images; median (min..max) over seeds 0.."
             f"{args.seeds - 1}. Seconds are wall time on a shared 2-core machine.")
    report.write()


if __name__ == "__main__":
    main()
