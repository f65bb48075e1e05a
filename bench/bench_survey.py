"""The survey's two training lessons, measured: tied weights, and layer-wise pretraining.

Part 1, tied weights: each variant's recipe (Adam, the preset's epochs) trained with and
without ``tied_weights`` at equal epochs; test loss (the model's own loss on the whole test
set), test pixel MSE, parameter count and seconds. On ``mnist_sample`` (4,000 train / 1,000
test) and, with ``--fashion N``, a stratified N-image Fashion-MNIST training subset (2,000
test images).

Part 2, layer-wise pretraining: ``pretraining=layerwise`` against plain end-to-end training
at the same total epochs (the recipe's: deep 15 = 2+2+2 pretraining + 9 fine-tuning, deep2d
20 = 2+2+2+2 + 12), plus the survey-era setting of sigmoid hidden units (``deep`` with
``activation=sigmoid``), where pretraining historically mattered. Reported: final test loss,
the test loss after the first end-to-end epoch of each arm (after pretraining, for the
pretrained arm: the head start it gives), kNN-5 accuracy of the code (4,000 train codes ->
1,000 test codes) and seconds.

Every cell is the median (min..max) over ``--seeds`` seeds; the two arms of one seed run next
to each other. Timings are indicative (the machine is shared).

    .venv/bin/python bench/bench_survey.py [--seeds 3] [--fashion 10000] [--parts tied,pretraining]
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401
from common import Report, fashion, spread


def train(ds, overrides: dict) -> dict:
    """Train one configuration through TrainingRun; its test metrics."""
    from aecore import metrics
    from aecore.inference import encode, reconstruct
    from aecore.models import to_model_space
    from aecore.training import FINISHED, TrainingRun

    run = TrainingRun(overrides, ds, val_limit=len(ds.x_test))
    t0 = time.perf_counter()
    run.start()
    run.join()
    seconds = time.perf_counter() - t0
    if run.status != FINISHED:
        raise RuntimeError(f"{overrides}: {run.status}: {run.reason}")
    h, cfg = run.history, run.config
    _, recon = reconstruct(run.models, cfg, ds.x_test)
    clean = to_model_space(ds.x_test, "unit")
    first_e2e = h.stage.index("fine-tune (end to end)") if h.stage else 0
    out = {
        "loss": h.val_loss[-1],  # Keras' loss on the whole test set after the last epoch
        "first": h.val_loss[first_e2e],  # ... after the first end-to-end epoch
        "mse": float(metrics.reconstruction_errors(clean, recon).mean()),
        "params": int(run.models.autoencoder.count_params()),
        "knn": metrics.knn_accuracy(encode(run.models, cfg, ds.x_train), ds.y_train,
                                    encode(run.models, cfg, ds.x_test), ds.y_test, k=5),
        "seconds": seconds,
    }
    print(f"  {ds.name} {overrides}: loss {out['loss']:.4f} mse {out['mse']:.4f} knn {out['knn']:.3f} "
          f"{seconds:.0f} s", flush=True)
    return out


def compare(ds, base: dict, option: dict, seeds: int) -> tuple[list[dict], list[dict]]:
    """Both arms for each seed, the order alternating so neither always runs first."""
    a, b = [], []
    for seed in range(seeds):
        arms = [(a, base), (b, {**base, **option})]
        for results, cfg in arms if seed % 2 == 0 else arms[::-1]:
            results.append(train(ds, {**cfg, "seed": seed}))
    return a, b


def col(results: list[dict], key: str, fmt: str = "{:.4f}") -> str:
    return spread([r[key] for r in results], fmt)


def tied_part(rep: Report, datasets, seeds: int) -> None:
    rows = []
    for ds in datasets:
        for variant in ("dense", "deep"):
            untied, tied = compare(ds, {"variant": variant}, {"tied_weights": True}, seeds)
            for name, res in (("untied", untied), ("tied", tied)):
                rows.append([ds.name, f"{variant} ({name})", f"{res[0]['params']:,}", col(res, "loss"),
                             col(res, "mse"), col(res, "knn", "{:.3f}"), col(res, "seconds", "{:.0f}")])
    rep.table("Tied weights at equal epochs (recipe: Adam, dense 10 epochs lr 0.003, deep 15 epochs lr 0.002)",
              ["dataset", "model", "parameters", "test loss (BCE)", "test MSE", "kNN-5 of code", "seconds"], rows)


def pretraining_part(rep: Report, ds, seeds: int) -> None:
    rows = []
    for label, base in (("deep", {"variant": "deep"}), ("deep2d", {"variant": "deep2d"}),
                        ("deep, sigmoid hidden units", {"variant": "deep", "activation": "sigmoid"})):
        e2e, pre = compare(ds, base, {"pretraining": "layerwise"}, seeds)
        for name, res in (("end to end", e2e), ("layer-wise + fine-tune", pre)):
            rows.append([label, name, col(res, "loss"), col(res, "first"), col(res, "mse"),
                         col(res, "knn", "{:.3f}"), col(res, "seconds", "{:.0f}")])
    rep.table(f"Layer-wise pretraining at the same total epochs ({ds.name})",
              ["model", "training", "test loss", "test loss after 1st end-to-end epoch", "test MSE",
               "kNN-5 of code", "seconds"], rows,
              note="Test loss is BCE for deep, MSE for deep2d (its recipe). Epochs: deep 15 (pretraining 2 per "
                   "layer x 3, fine-tuning 9), deep2d 20 (2 x 4, then 12).")


def main() -> None:
    from aecore.data import load_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--fashion", type=int, default=0, help="also Fashion-MNIST with this many training images")
    parser.add_argument("--parts", default="tied,pretraining")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    rep = Report("survey", "The survey's lessons: tied weights and layer-wise pretraining")
    mnist = load_dataset("mnist_sample")
    if "tied" in parts:
        datasets = [mnist] + ([fashion(args.fashion, 2000)] if args.fashion else [])
        tied_part(rep, datasets, args.seeds)
    if "pretraining" in parts:
        pretraining_part(rep, mnist, args.seeds)
    rep.write()


if __name__ == "__main__":
    main()
