"""Quality against the published recipes, and the 2-D code against PCA and t-SNE.

Part 1, per variant: the article's recipe as published (``published_config``: Adadelta
lr 1.0, its epochs and batch size) against the app's default preset (``resolve_config``),
both through ``TrainingRun`` on the same data, with the per-epoch validation on the whole
test set (so ``val_loss`` is the test loss) and epoch-end wall-clock stamps. The preset
is trained for max(its own epochs, ceil(recipe epochs / 5)) epochs so that the goal "the
default reaches the recipe's final test loss within 1/5 of the recipe's epochs" can be
read off its curve; its "own" figures are taken at its own epoch count. Reported:

(a) the test loss of each after equal wall time (the preset's total time at its own
    epoch count; the recipe's last epoch ending within that time), and after equal epochs;
(b) the epochs each needs to reach the recipe's final test loss, and the goal.

``--try deep:learning_rate=0.003,batch_size=128`` adds candidate defaults (repeatable).

Part 2: the 2-D code of the deep2d preset (the model trained in part 1) against PCA and
t-SNE on the Fashion-MNIST test set: kNN-5 accuracy (fitted on train codes, scored on
test codes; PCA fitted on train+test images), trustworthiness (k=5) on a 2,000-point
test subset; and on a 5,000-point stratified test subset, all three with a split kNN
(70/30) for t-SNE's sake.

    .venv/bin/python bench/bench_quality.py [--variants dense,deep,sparse,conv,deep2d]
        [--limit N] [--conv-limit 20000] [--try VARIANT:k=v,...] [--no-embeddings]
"""

from __future__ import annotations

import argparse
import math
import time

import common  # noqa: F401
import numpy as np
from common import EpochClock, Report, fashion, md_table


def parse_try(items):
    out = []
    for item in items or []:
        name, _, rest = item.partition(":")
        ov = {}
        for kv in rest.split(","):
            if kv:
                k, _, v = kv.partition("=")
                ov[k.strip()] = float(v) if k.strip() == "learning_rate" else int(v)
        out.append((name.strip(), ov))
    return out


def train(cfg, ds):
    """Train through TrainingRun; return per-epoch test loss, cumulative seconds and the run."""
    from aecore.training import FINISHED, TrainingRun

    run = TrainingRun(cfg, ds, val_limit=len(ds.x_test))
    clock = EpochClock(run)
    t0 = time.perf_counter()
    run.start()
    run.join()
    if run.status != FINISHED:
        raise RuntimeError(f"{cfg['variant']}: {run.status}: {run.reason}")
    cum = [e - t0 for e in clock.end]
    return list(run.history.val_loss), cum, run


def first_reaching(curve, target):
    for i, v in enumerate(curve):
        if v <= target * (1 + 1e-9):
            return i + 1
    return None


def label(cfg):
    return f"{cfg['optimizer']} lr {cfg['learning_rate']:g}, batch {cfg['batch_size']}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default="dense,deep,sparse,conv,deep2d")
    ap.add_argument("--limit", type=int, default=None, help="training images for dense variants (default all 60k)")
    ap.add_argument("--conv-limit", type=int, default=20_000, help="training images for conv variants")
    ap.add_argument("--recipe-epochs", type=int, default=None, help="override the recipe's epochs (quick checks)")
    ap.add_argument("--try", dest="tries", action="append", help="VARIANT:param=value,... extra candidate")
    ap.add_argument("--no-embeddings", action="store_true")
    ap.add_argument("--out", default="quality")
    args = ap.parse_args()

    from aecore.variants import get_variant, published_config, resolve_config

    rep = Report(args.out, "Quality: the published recipes against the app's default presets")
    tries = parse_try(args.tries)
    summary, curves_md = [], []
    deep2d_run = None
    for name in args.variants.split(","):
        conv = get_variant(name).family == "conv"
        ds = fashion(args.conv_limit if conv else args.limit, 10_000)
        recipe = published_config(name)
        if args.recipe_epochs:
            recipe["epochs"] = args.recipe_epochs
        preset = resolve_config(name)
        own = preset["epochs"]
        fifth = math.ceil(recipe["epochs"] / 5)
        same = {k: v for k, v in recipe.items() if k != "epochs"} == {k: v for k, v in preset.items() if k != "epochs"}
        arms = [("preset", dict(preset, epochs=max(own, fifth)))]
        for tname, ov in tries:
            if tname == name:
                arms.append((f"candidate {ov}", dict(resolve_config(name, **ov), epochs=max(own, fifth))))
        if not same:
            arms.insert(1, ("recipe", recipe))
        print(f"== {name}: {len(ds.x_train):,} train / {len(ds.x_test):,} test; arms "
              f"{[(a, c['epochs']) for a, c in arms]}", flush=True)
        res = {}
        for arm, cfg in arms:
            t = time.perf_counter()
            res[arm] = train(cfg, ds)
            print(f"  {arm}: {cfg['epochs']} epochs in {time.perf_counter() - t:.0f} s, final test loss "
                  f"{res[arm][0][-1]:.5f}", flush=True)
        if same:
            # The recipe as published is the preset: one run serves both, over the recipe's epochs.
            pv, pc, prun = res["preset"]
            if len(pv) < recipe["epochs"]:
                raise RuntimeError("deep2d preset shorter than recipe")
            res["recipe"] = (pv[: recipe["epochs"]], pc[: recipe["epochs"]], prun)
        if name == "deep2d":
            deep2d_run = res["preset"][2]
        rv, rc, _ = res["recipe"]
        target = rv[-1]
        for arm, cfg in arms + ([("recipe", recipe)] if same else []):
            if arm == "recipe":
                continue
            v, c, _ = res[arm]
            own_e = own if arm == "preset" else own
            t_own = c[own_e - 1]
            within = [i for i, x in enumerate(rc) if x <= t_own]
            r_at_t = rv[within[-1]] if within else float("nan")
            r_ep_t = (within[-1] + 1) if within else 0
            need = first_reaching(v, target)
            need_r = first_reaching(rv, target)
            goal = "met" if need is not None and need <= fifth else "MISSED"
            summary.append([
                name + (" (recipe = preset)" if same else ""), f"{len(ds.x_train):,}",
                f"{label(recipe)}, {recipe['epochs']} ep", f"{arm}: {label(cfg)}, {own_e} ep",
                f"{t_own:.0f}", f"{v[own_e - 1]:.5f}", f"{r_at_t:.5f} (ep {r_ep_t})",
                f"{rv[min(own_e, len(rv)) - 1]:.5f}", f"{target:.5f}", f"{rc[-1]:.0f}",
                need_r, need if need is not None else f"> {len(v)}", fifth, goal,
            ])
        rows = []
        n = max(len(r[0]) for r in res.values())
        for i in range(n):
            row = [i + 1]
            for arm in ["recipe"] + [a for a, _ in arms if a != "recipe"]:
                v, c, _ = res[arm]
                row += [f"{v[i]:.5f}", f"{c[i]:.1f}"] if i < len(v) else ["", ""]
            rows.append(row)
        heads = ["epoch"]
        for arm in ["recipe"] + [a for a, _ in arms if a != "recipe"]:
            heads += [f"{arm} test loss", f"{arm} cum. s"]
        curves_md.append(f"<details><summary>{name}: per-epoch test loss and cumulative wall time</summary>\n\n"
                         + md_table(heads, rows) + "\n\n</details>\n")

    rep.table(
        "Recipe as published against the default preset",
        ["variant", "train images", "recipe", "default", "default wall s", "default test loss",
         "recipe test loss at equal wall time", "recipe test loss at equal epochs", "recipe final test loss",
         "recipe wall s", "recipe epochs to its final loss", "default epochs to recipe's final loss",
         "1/5 of recipe epochs", "goal"],
        summary,
        note=("Fashion-MNIST, test loss on all 10,000 test images after every epoch (TrainingRun's validation; "
              "for sparse it includes the L1 activity penalty, alike for both). Dense variants train on "
              f"{'all 60,000' if args.limit is None else f'{args.limit:,}'} images, conv on a stratified "
              f"{args.conv_limit:,}-image subset. One run per arm, trained back to back in one process on this "
              "shared machine (wall times are noisy; equal epochs is the noise-free reading, the two configs "
              "having the same batch size cost the same per epoch). The default is trained for "
              "max(its epochs, 1/5 of the recipe's) to read off when it reaches the recipe's final loss. "
              "deep2d: the published recipe (Adam, batch 256, 20 epochs) is the preset, so one run serves both."),
    )
    rep.add("\n".join(curves_md))

    if not args.no_embeddings and deep2d_run is not None:
        embeddings(rep, deep2d_run)
    rep.write()


def embeddings(rep, run):
    from aecore import metrics, projections
    from aecore.models import to_model_space

    ds = fashion(None, 10_000)
    scaling = run.config["scaling"]
    rows = []
    t = time.perf_counter()
    code_tr = projections.latent(run.models.encoder, to_model_space(ds.x_train, scaling))
    code_te = projections.latent(run.models.encoder, to_model_space(ds.x_test, scaling))
    t_ae = time.perf_counter() - t
    t = time.perf_counter()
    both = projections.pca(np.concatenate([ds.x_train, ds.x_test]))
    t_pca = time.perf_counter() - t
    pca_tr, pca_te = both[: len(ds.x_train)], both[len(ds.x_train):]
    idx = projections.sample_indices(ds.y_test, 5000, seed=0)
    x5, y5 = ds.x_test[idx], ds.y_test[idx]
    t = time.perf_counter()
    ts5 = projections.tsne(x5, random_state=0)
    t_tsne = time.perf_counter() - t
    for method, tr, te, e5, secs in (
        ("autoencoder 2-D code (deep2d preset)", code_tr, code_te, code_te[idx], t_ae),
        ("PCA, 2 components", pca_tr, pca_te, pca_te[idx], t_pca),
        ("t-SNE (openTSNE, perplexity 30, 750 iterations)", None, None, ts5, t_tsne),
    ):
        full_knn = metrics.knn_accuracy(tr, ds.y_train, te, ds.y_test, k=5) if tr is not None else None
        full_tw = metrics.trustworthiness(ds.x_test, te, n_neighbors=5, max_points=2000, seed=0) if te is not None else None
        rows.append([
            method,
            f"{full_knn:.4f}" if full_knn is not None else "n/a (no transform)",
            f"{full_tw:.4f}" if full_tw is not None else "n/a",
            f"{metrics.knn_accuracy_split(e5, y5, k=5, seed=0):.4f}",
            f"{metrics.trustworthiness(x5, e5, n_neighbors=5, max_points=2000, seed=0):.4f}",
            f"{metrics.silhouette(e5, y5, seed=0):.3f}",
            f"{secs:.1f}",
        ])
    rep.table(
        "2-D embeddings of the Fashion-MNIST test set",
        ["method", "kNN-5 acc (train -> 10k test)", "trustworthiness k=5 (2,000 of 10k test)",
         "kNN-5 acc, split 70/30 (5,000 test subset)", "trustworthiness k=5 (2,000 of the 5,000)",
         "silhouette (5,000)", "seconds"],
        rows,
        note=("Autoencoder codes: the deep2d preset model trained in part 1 (60k train images), train codes for "
              "the kNN fit, test codes scored. PCA: aecore.projections.pca fitted on the 70k train+test images "
              "(unsupervised), split back. t-SNE has no transform, so it is computed on a 5,000-point stratified "
              "test subset (aecore.projections.sample_indices, seed 0) and scored with a seeded 70/30 split "
              "kNN; the last three columns score every method on that same subset. Seconds: encoding 70k "
              "images / PCA on 70k / t-SNE on 5k."),
    )


if __name__ == "__main__":
    main()
