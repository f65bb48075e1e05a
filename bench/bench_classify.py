"""An autoencoder's encoder as a classifier's features, against PCA and raw pixels (issue 10).

For each dataset and each encoder (the app's dense, deep and conv presets, trained here
through ``TrainingRun`` as the app trains them), the same head (``aecore.classify``
defaults: dense 128 relu, dropout 0.3, softmax; Adam 0.001, batch 32) is trained on the same
labelled images for the same epochs on three inputs: the frozen encoder's code, PCA with
as many components as the code has numbers (fitted on the unlabelled training images),
and the raw pixels. Label budgets: 1, 10, 100 labelled images per class and every label.
Test accuracy is on the whole test set. One seed (0): differences of a point or two at
small budgets are within the spread of the labelled draw.

Fashion-MNIST: the autoencoders and "every label" use a stratified 10,000-image subset of
the 60,000 training images (``--fashion-limit``; the full set does not fit the time on this
shared 2-core machine); the test set is the full 10,000.

    PYTHONPATH=. .venv/bin/python bench/bench_classify.py [--datasets mnist_sample,fashion_mnist]
        [--variants dense,deep,conv] [--epochs 20] [--fashion-limit 10000] [--out classify]
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401
from common import Report

BUDGETS = (1, 10, 100, None)


def train_autoencoder(variant: str, ds):
    from aecore.training import FINISHED, TrainingRun
    from aecore.variants import resolve_config

    run = TrainingRun(resolve_config(variant), ds)
    w, c = time.perf_counter(), time.process_time()
    run.start()
    run.join()
    if run.status != FINISHED:
        raise RuntimeError(f"{variant}: {run.status} {run.reason}")
    return run, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--datasets", default="mnist_sample,fashion_mnist")
    p.add_argument("--variants", default="dense,deep,conv")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--fashion-limit", type=int, default=10_000)
    p.add_argument("--out", default="classify")
    args = p.parse_args()

    from aecore import classify
    from aecore.data import load_dataset

    report = Report(args.out, "Classify: encoder vs PCA vs pixels as a classifier's features")
    summary = []
    for name in args.datasets.split(","):
        limit = args.fashion_limit if name == "fashion_mnist" else None
        ds = load_dataset(name, limit=limit, test_limit=10**9 if limit else None)  # every test image
        rows = []
        for variant in args.variants.split(","):
            run, ae_wall, ae_cpu = train_autoencoder(variant, ds)
            print(f"{name} {variant}: autoencoder {ae_wall:.0f} s, val loss {run.history.val_loss[-1]:.4f}",
                  flush=True)
            for budget in BUDGETS:
                accs, wall, cpu = {}, 0.0, 0.0
                for arm in classify.ARMS:
                    w, c = time.perf_counter(), time.process_time()
                    r, _ = classify.train_arm(arm, run.models, run.config, ds, labels_per_class=budget,
                                              epochs=args.epochs)
                    wall += time.perf_counter() - w
                    cpu += time.process_time() - c
                    accs[arm] = r.accuracy
                    n_lab = r.n_labelled
                best = max(round(v, 3) for v in accs.values())
                row = [variant, f"{run.models.code_size}", classify.budget_text(budget) + f" ({n_lab:,})",
                       *(f"**{accs[a]:.3f}**" if round(accs[a], 3) == best else f"{accs[a]:.3f}"
                         for a in classify.ARMS),
                       f"{wall:.0f} / {cpu:.0f}"]
                rows.append(row)
                summary.append((name, *row))
                print(f"  {budget_text(budget)}: " + ", ".join(f"{a} {accs[a]:.3f}" for a in classify.ARMS), flush=True)
            rows.append([f"({variant} autoencoder: {len(run.history.epoch)} epochs, {ae_wall:.0f} s wall / "
                         f"{ae_cpu:.0f} s CPU)", "", "", "", "", "", ""])
        report.table(f"{name}: {len(ds.x_train):,} training images (autoencoder and every label), "
                     f"{len(ds.x_test):,} test images",
                     ["encoder", "code", "labels per class (images)", "encoder acc.", "PCA acc.", "pixels acc.",
                      "3 arms: wall / CPU s"], rows,
                     note=f"Same head, labels and {args.epochs} epochs for the three arms; the best of each row (and "
                          "any tie) in bold. Frozen encoder. Seconds are the three arms' training and feature computation; the "
                          "machine was shared with other jobs, so wall time is above CPU time.")
    report.write()


def budget_text(b):
    from aecore.classify import budget_text as text

    return text(b)


if __name__ == "__main__":
    main()
