"""VAE on the offline sample: negative ELBO against epochs and beta; the conditional VAE's classes.

Part 1: the ``vae`` preset (dense 512-256, 2-d code, beta 1) and beta-VAE versions of it,
trained through ``TrainingRun`` on ``mnist_sample`` (4,000 train / 1,000 test) with the whole
test set as validation data, so each epoch's validation reconstruction + KL is the test
negative ELBO in nats per image (one code drawn per image). The last columns are
``aecore.vae.neg_elbo`` after the final epoch (what ``python -m aecore evaluate`` prints).
The goal: the preset's test negative ELBO is at most 170 nats.

Part 2: the encoder's hidden sizes, the default 512-256 against a smaller alternative, with
the preset's other settings (how the default was chosen).

Part 3: the conditional preset. For each class, ``--samples`` images drawn from the prior
with that label are classified by a 5-nearest-neighbour classifier fitted on the real
training digits' pixels; the agreement with the asked class is reported (goal: at least
80% for every class), with the classifier's accuracy on the real test digits for reference.

Sample grids go to bench/out/vae_*.png (prior samples, the 2-d manifold, one row per class
from the conditional VAE) to look at.

    .venv/bin/python bench/bench_vae.py [--betas 0.5,1,2,4] [--epochs N] [--alt-hidden 256,128]
        [--samples 100]
"""

from __future__ import annotations

import argparse
import os
import time

import common  # noqa: F401
import numpy as np
from common import ROOT, EpochClock, Report

OUT = os.path.join(ROOT, "bench", "out")


def train(ds, **overrides):
    """A finished TrainingRun of the vae variant, its per-epoch test negative ELBO and its seconds."""
    from aecore.training import FINISHED, TrainingRun

    run = TrainingRun({"variant": "vae", **overrides}, ds, val_limit=len(ds.x_test))
    clock = EpochClock(run)
    t0 = time.perf_counter()
    run.start()
    run.join()
    if run.status != FINISHED:
        raise RuntimeError(f"vae {overrides}: {run.status}: {run.reason}")
    h = run.history
    curve = [r + k for r, k in zip(h.extra["val_reconstruction"], h.extra["val_kl"], strict=True)]
    seconds = clock.end[-1] - t0
    print(f"  vae {overrides}: {len(curve)} epochs in {seconds:.0f} s, test -ELBO {curve[-1]:.1f}", flush=True)
    return run, curve, seconds


def write_png(name: str, images: np.ndarray, cols: int) -> str:
    from aecore import vae

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(vae.to_png(vae.mosaic(images, cols=cols), tile=images.shape[-1]))
    return os.path.relpath(path, ROOT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--betas", default="0.5,1,2,4")
    ap.add_argument("--epochs", type=int, default=None, help="epochs for every run (default: the preset's)")
    ap.add_argument("--alt-hidden", default="256,128", help="hidden sizes to compare with the default")
    ap.add_argument("--samples", type=int, default=100, help="conditional samples per class")
    ap.add_argument("--out", default="vae")
    args = ap.parse_args()

    from sklearn.neighbors import KNeighborsClassifier

    from aecore import vae
    from aecore.data import load_dataset
    from aecore.variants import resolve_config

    rep = Report(args.out, "VAE: negative ELBO against epochs and beta; the conditional VAE's classes")
    ds = load_dataset("mnist_sample")
    preset = resolve_config("vae")
    epochs = args.epochs or preset["epochs"]
    marks = [e for e in (1, 2, 5, 10, 15, 20, 30, 50) if e <= epochs]
    if epochs not in marks:
        marks.append(epochs)
    print(f"== mnist_sample: {len(ds.x_train):,} train / {len(ds.x_test):,} test; preset "
          f"{ {k: preset[k] for k in ('hidden', 'code_dim', 'learning_rate', 'batch_size', 'epochs')} }", flush=True)

    # ---------------------------------------------------------------- part 1: epochs and beta
    rows, runs = [], {}
    for beta in (float(b) for b in args.betas.split(",")):
        run, curve, seconds = train(ds, beta=beta, epochs=epochs)
        runs[beta] = run
        final = vae.neg_elbo(run.models, run.config, ds.x_test)
        goal = ""
        if beta == 1.0:
            goal = "met" if final["neg_elbo"] <= 170 else "MISSED"
        rows.append([f"{beta:g}" + (" (preset)" if beta == preset["beta"] else ""),
                     *(f"{curve[e - 1]:.1f}" for e in marks),
                     f"{final['neg_elbo']:.1f}", f"{final['reconstruction']:.1f}", f"{final['kl']:.2f}",
                     f"{seconds:.0f}", goal])
    rep.table(
        "Test negative ELBO (nats per image) against epochs and beta",
        ["beta", *(f"ep {e}" for e in marks), "final -ELBO", "final reconstruction", "final KL", "train s",
         "goal <= 170 (beta 1)"],
        rows,
        note=("mnist_sample, 4,000 train / 1,000 test images; dense 512-256 encoder, mirrored decoder, 2-d code, "
              f"Adam lr {preset['learning_rate']:g}, batch {preset['batch_size']}, seed 0. 'ep N': validation "
              "reconstruction + KL on the whole test set after epoch N (one code draw per image); 'final': "
              "aecore.vae.neg_elbo after the last epoch (reconstruction = BCE summed over the 784 pixels). "
              "The -ELBO is reconstruction + KL whatever beta was trained with: beta > 1 buys a code closer "
              "to the prior (smaller KL) at the price of reconstruction. One run per row, back to back on a "
              "shared 2-core machine (seconds are noisy)."),
    )

    # ---------------------------------------------------------------- part 2: hidden sizes
    alt = [int(x) for x in args.alt_hidden.split(",")]
    base_run = runs.get(1.0)
    rows = []
    if base_run is not None:
        f = vae.neg_elbo(base_run.models, base_run.config, ds.x_test)
        rows.append([",".join(map(str, preset["hidden"])) + " (preset)", f"{f['neg_elbo']:.1f}",
                     f"{base_run.models.autoencoder.count_params():,}"])
    alt_run, _, alt_s = train(ds, hidden=alt, epochs=epochs)
    f = vae.neg_elbo(alt_run.models, alt_run.config, ds.x_test)
    rows.append([",".join(map(str, alt)), f"{f['neg_elbo']:.1f}", f"{alt_run.models.autoencoder.count_params():,}"])
    rep.table("Encoder hidden sizes (beta 1, preset otherwise)", ["hidden", "final test -ELBO", "parameters"], rows)

    # ---------------------------------------------------------------- part 3: conditional VAE
    crun, ccurve, cseconds = train(ds, conditional=True, epochs=epochs)
    cfinal = vae.neg_elbo(crun.models, crun.config, ds.x_test, ds.y_test)
    knn = KNeighborsClassifier(n_neighbors=5).fit(ds.x_train.reshape(len(ds.x_train), -1) / 255.0, ds.y_train)
    real_acc = float(np.mean(knn.predict(ds.x_test.reshape(len(ds.x_test), -1) / 255.0) == ds.y_test))
    rows, agreements = [], []
    for c in range(len(ds.class_names)):
        images = vae.sample(crun.models, crun.config, args.samples, seed=c, label=c)
        pred = knn.predict(images.reshape(len(images), -1))
        agree = float(np.mean(pred == c))
        agreements.append(agree)
        others = np.bincount(pred[pred != c], minlength=10)
        worst = f"{int(np.argmax(others))} ({int(others.max())})" if others.any() else "-"
        rows.append([c, f"{agree:.0%}", worst, "met" if agree >= 0.8 else "MISSED"])
    rows.append(["all", f"{np.mean(agreements):.1%} (lowest {min(agreements):.0%})", "",
                 "met" if min(agreements) >= 0.8 else "MISSED"])
    rep.table(
        "Conditional VAE: does a sample of class c look like a c?",
        ["asked class", "5-NN agrees", "most common other answer (count)", "goal >= 80%"],
        rows,
        note=(f"The conditional preset ({epochs} epochs, {cseconds:.0f} s; test -ELBO {cfinal['neg_elbo']:.1f} nats, "
              f"reconstruction {cfinal['reconstruction']:.1f}, KL {cfinal['kl']:.2f}). {args.samples} samples per "
              "class drawn from the N(0, I) prior with the label, seed = class; decoder means (pixel "
              "probabilities) classified by KNeighborsClassifier(n_neighbors=5) fitted on the 4,000 real training "
              f"digits' pixels in [0, 1]. The same classifier scores {real_acc:.1%} on the 1,000 real test digits."),
    )

    # ---------------------------------------------------------------- pictures to look at
    base = runs.get(1.0) or next(iter(runs.values()))
    grids = [
        write_png("vae_prior.png", vae.sample(base.models, base.config, 64, seed=0), cols=8),
        write_png("vae_manifold.png", vae.manifold(base.models, base.config, grid=15, span=2.0).reshape(-1, 28, 28),
                  cols=15),
        write_png("cvae_rows.png", np.concatenate([vae.sample(crun.models, crun.config, 10, seed=100 + c, label=c)
                                                   for c in range(10)]), cols=10),
    ]
    recon_x = ds.x_test[:10]
    _, recon = vae.reconstruct(base.models, base.config, recon_x)
    grids.append(write_png("vae_reconstructions.png", np.concatenate([recon_x / 255.0, recon]), cols=10))
    rep.add("Sample grids (not committed): " + ", ".join(f"`{g}`" for g in grids))
    rep.write()


if __name__ == "__main__":
    main()
