"""Training speed: epochs/s on Fashion-MNIST, TrainingRun against a bare Keras-default fit.

Sections (each a set of arms interleaved round by round, order rotated every round,
models freshly built outside the timers; s/epoch = median of epochs 2..n, since epoch 1
also traces the graph):

A. ``options``: what makes a small dense epoch fast, at ONE batch size (the preset's, 256)
   so final losses are comparable: the input pipeline (``elem``: the original
   ``make_train_data``, element-wise shuffle of uint8 images, scaled per batch; ``gather``:
   shuffled indices, batches gathered from the whole uint8 array held as one tensor, then
   scaled; ``numpy``: float32 arrays handed to ``fit`` (Keras' own array adapter)) crossed
   with ``steps_per_execution`` (1, 8, 32; Keras 3 has no "auto" for it). All through bare
   ``fit`` with TrainingRun's validation (2,000 test images) so only the option differs.
   The same seed gives ``elem`` and ``gather`` the same batch order, so equal losses show
   that an option changes speed only.
B. ``variants``: every variant through ``TrainingRun`` (the app's preset: batch 256, or 128
   for conv) against the baseline ``model.fit(x, x)`` with Keras defaults (batch_size=32,
   steps_per_execution=1, numpy float32 arrays, no validation). conv/denoising train on a
   stratified subset and their epochs/s are scaled to a 60k-image epoch. Test loss on the
   10k test set after the same number of epochs is reported for both.
C. ``batch``: TrainingRun on dense at the recipe's batch 256 against Keras' default 32:
   epochs/s and test loss after the same epochs.

D. ``defaults``: TrainingRun with the previous defaults (element-wise pipeline,
   steps_per_execution=1) against the current ones, same config and seed.
E. ``pipeline``: the two tf.data pipelines alone (no model), wall and CPU time per epoch.

    .venv/bin/python bench/bench_speed.py [--sections options,defaults,variants,batch,pipeline] [--repeats 3]
        [--epochs 3] [--variants dense,deep,deep2d,sparse,linear,conv,denoising]
        [--option-variants dense] [--default-variants dense,deep2d] [--conv-limit 6000]
"""

from __future__ import annotations

import argparse
import inspect
import time

import common  # noqa: F401
from common import EpochClock, Report, fashion, interleave, keras_epoch_clock, median, spread, steady

N_FULL = 60_000


def gather_train_data(x_uint8, config, shuffle_seed):
    """The adopted pipeline (shuffle indices, gather batches from one uint8 tensor): the
    engine's own ``make_train_data``, so the comparison measures what the app runs."""
    from aecore.training import make_train_data

    return make_train_data(x_uint8, config, shuffle_seed)


def elem_train_data(x_uint8, config, shuffle_seed):
    """The original pipeline (element-wise shuffle of uint8 images), kept for comparison."""
    import tensorflow as tf

    from aecore.variants import value_range

    scaling = config["scaling"]
    lo, hi = value_range(config)
    factor = float(config["noise_factor"])
    kind = config["noise_kind"]
    n = len(x_uint8)
    ds = tf.data.Dataset.from_tensor_slices(x_uint8)
    ds = ds.shuffle(n, seed=shuffle_seed, reshuffle_each_iteration=True).batch(config["batch_size"])

    def scale(b):
        b = tf.cast(b, tf.float32) / 255.0
        return b - 0.5 if scaling == "centered" else b

    if factor > 0:
        seeds = tf.data.Dataset.random(seed=shuffle_seed + 1, rerandomize_each_iteration=True)

        def noisy(b, s):
            clean = scale(b)
            pair = tf.stack([s, s // 2 + 1])
            if kind == "gaussian":
                z = tf.random.stateless_normal(tf.shape(clean), seed=pair)
                return tf.clip_by_value(clean + factor * (hi - lo) * z, lo, hi), clean
            u = tf.random.stateless_uniform(tf.shape(clean), seed=pair)
            out = tf.where(u < (factor if kind == "masking" else factor / 2), lo, clean)
            if kind == "salt_pepper":
                out = tf.where((u >= factor / 2) & (u < factor), hi, out)
            return out, clean

        ds = tf.data.Dataset.zip((ds, seeds)).map(noisy, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(lambda b: (scale(b), scale(b)), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def test_loss(models, cfg, ds):
    from aecore.training import validation_arrays

    x, y = validation_arrays(ds.x_test, cfg, int(cfg["seed"]))
    return float(models.autoencoder.evaluate(x, y, batch_size=1000, verbose=0))


def section_options(args, rep):
    from aecore.models import build, compile_model, to_model_space
    from aecore.training import validation_arrays
    from aecore.variants import resolve_config

    for name in args.option_variants.split(","):
        ds = fashion(None)
        cfg = resolve_config(name, epochs=args.epochs)
        bs, seed = cfg["batch_size"], int(cfg["seed"])
        val = validation_arrays(ds.x_test[:2000], cfg, seed)
        xf = to_model_space(ds.x_train, cfg["scaling"])

        def arm(pipe, spe):
            def go():
                models = build(cfg, ds.image_shape)
                compile_model(models, cfg, spe)
                clock = keras_epoch_clock()
                kw = dict(epochs=args.epochs, validation_data=val, validation_batch_size=max(bs, 256),
                          callbacks=[clock], verbose=0)
                c = time.process_time()
                if pipe == "numpy":
                    h = models.autoencoder.fit(xf, xf, batch_size=bs, shuffle=True, **kw)
                else:
                    make = gather_train_data if pipe == "gather" else elem_train_data
                    h = models.autoencoder.fit(make(ds.x_train, cfg, seed), shuffle=False, **kw)
                cpu = time.process_time() - c
                return {"epoch": steady(clock.epoch_times), "cpu": cpu, "loss": h.history["loss"][-1],
                        "val": h.history["val_loss"][-1], "test": test_loss(models, cfg, ds)}
            return go

        arms = {f"{p} spe={s}": arm(p, s) for p in ("elem", "gather", "numpy") for s in args.spe}
        res = interleave(arms, args.repeats)
        base = [r["epoch"] for r in res[f"elem spe={args.spe[0]}"]]
        rows = []
        for k, rs in res.items():
            e = [r["epoch"] for r in rs]
            speedup = [b / a for a, b in zip(e, base, strict=False)]
            rows.append([k, spread(e), spread([N_FULL / len(ds.x_train) / x for x in e]),
                         spread(speedup, "{:.2f}"), spread([r["cpu"] for r in rs], "{:.1f}"),
                         f"{median([r['loss'] for r in rs]):.5f}",
                         f"{median([r['test'] for r in rs]):.5f}",
                         f"{max(r['test'] for r in rs) - min(r['test'] for r in rs):.1e}"])
        rep.table(
            f"A. Input pipeline x steps_per_execution, {name}, batch {bs}, 60k images, {args.epochs} epochs",
            ["option", "s/epoch", "epochs/s", f"speed-up vs elem spe={args.spe[0]}",
             f"process CPU s, whole fit ({args.epochs} epochs)", "final train loss",
             "test loss (10k)", "test loss range over rounds"],
            rows,
            note=(f"Bare `fit` with the preset config ({cfg['optimizer']} lr {cfg['learning_rate']:g}), "
                  "TrainingRun's validation on 2,000 test images included in every epoch. Median (min..max) "
                  f"over {args.repeats} interleaved rounds; speed-up computed per round. `elem` = the original "
                  "make_train_data (element-wise shuffle of uint8 images); `gather` = shuffled indices, batches "
                  "gathered from one uint8 tensor and scaled (same batch order as elem for one seed); `numpy` = "
                  "float32 arrays, Keras' array adapter (its own shuffle order)."),
        )


def section_variants(args, rep):
    from aecore.models import build, compile_model, to_model_space
    from aecore.noise import add_noise
    from aecore.training import FINISHED, TrainingRun
    from aecore.variants import get_variant, resolve_config, value_range

    spe_default = inspect.signature(TrainingRun.__init__).parameters["steps_per_execution"].default
    rows = []
    for name in args.variants.split(","):
        conv = get_variant(name).family == "conv"
        ds = fashion(args.conv_limit if conv else None)
        n = len(ds.x_train)
        cfg = resolve_config(name, epochs=args.epochs)
        x = to_model_space(ds.x_train, cfg["scaling"])
        y = x
        if cfg["noise_factor"] > 0:
            x = add_noise(y, cfg["noise_factor"], cfg["noise_kind"], int(cfg["seed"]), value_range(cfg))

        def bare():
            models = build(cfg, ds.image_shape)
            compile_model(models, cfg)  # steps_per_execution=1
            clock = keras_epoch_clock()
            h = models.autoencoder.fit(x, y, epochs=args.epochs, callbacks=[clock], verbose=0)  # batch 32
            return {"epoch": steady(clock.epoch_times), "loss": h.history["loss"][-1],
                    "test": test_loss(models, cfg, ds)}

        def app():
            run = TrainingRun(cfg, ds)
            clock = EpochClock(run)
            run.start()
            run.join()
            if run.status != FINISHED:
                raise RuntimeError(f"{name}: {run.status}: {run.reason}")
            return {"epoch": steady(clock.epoch_times), "loss": run.history.loss[-1],
                    "test": test_loss(run.models, cfg, ds)}

        res = interleave({"keras-default": bare, "TrainingRun": app}, args.repeats)
        eb = [r["epoch"] for r in res["keras-default"]]
        ea = [r["epoch"] for r in res["TrainingRun"]]
        scale = N_FULL / n
        ratio = [b / a for a, b in zip(ea, eb, strict=False)]
        dense = get_variant(name).family == "dense"
        goal = ("met" if median(ratio) >= 1.3 else "MISSED") if dense else "(dense only)"
        rows.append([name, f"{n:,}", cfg["batch_size"], spread([1 / (e * scale) for e in eb], "{:.3f}"),
                     spread([1 / (e * scale) for e in ea], "{:.3f}"), spread(ratio, "{:.2f}"), goal,
                     f"{median([r['test'] for r in res['keras-default']]):.4f}",
                     f"{median([r['test'] for r in res['TrainingRun']]):.4f}"])
    rep.table(
        f"B. Every variant: TrainingRun (preset) against bare Keras-default fit, {args.epochs} epochs",
        ["variant", "train images", "app batch", "Keras-default epochs/s (per 60k)", "TrainingRun epochs/s (per 60k)",
         "speed-up", "goal >= 1.3x (dense)", f"test loss after {args.epochs} ep, Keras default",
         f"test loss after {args.epochs} ep, TrainingRun"],
        rows,
        note=(f"Keras default = `model.fit(x, x)` on float32 numpy arrays, batch_size=32, steps_per_execution=1, "
              "no validation (denoising: fit(noisy, clean), noise drawn once). TrainingRun = the app's preset "
              f"(Adam, its batch size, steps_per_execution={spe_default}, the default `make_train_data` pipeline, "
              "per-epoch validation on 2,000 test images included). Epochs/s are for a 60,000-image epoch: conv "
              f"and denoising train on a stratified {args.conv_limit:,}-image subset and their epoch time is "
              f"scaled by 60,000/{args.conv_limit:,}. Median (min..max) over {args.repeats} interleaved rounds, "
              "speed-up per round. Test loss on the 10k test set: the batch sizes differ, so it is not an "
              "equal-loss comparison (batch 32 takes 8x the steps per epoch); see section C."),
    )


def section_batch(args, rep):
    from aecore.training import FINISHED, TrainingRun
    from aecore.variants import resolve_config

    ds = fashion(None)
    rows = []
    for name in args.option_variants.split(","):
        def app(bs):
            def go():
                cfg = resolve_config(name, epochs=args.epochs, batch_size=bs)
                run = TrainingRun(cfg, ds)
                clock = EpochClock(run)
                t = time.perf_counter()
                run.start()
                run.join()
                wall = time.perf_counter() - t
                if run.status != FINISHED:
                    raise RuntimeError(run.reason)
                return {"epoch": steady(clock.epoch_times), "wall": wall, "test": test_loss(run.models, cfg, ds)}
            return go

        res = interleave({"256": app(256), "32": app(32)}, args.repeats)
        e256 = [r["epoch"] for r in res["256"]]
        e32 = [r["epoch"] for r in res["32"]]
        for bs, rs, e in (("256 (recipe)", res["256"], e256), ("32 (Keras default)", res["32"], e32)):
            rows.append([name, bs, spread([1 / x for x in e], "{:.3f}"),
                         spread([b / a for a, b in zip(e, e32, strict=False)], "{:.2f}"),
                         f"{median([r['test'] for r in rs]):.4f}", spread([r["wall"] for r in rs], "{:.1f}")])
    rep.table(
        f"C. Batch size through TrainingRun, {args.epochs} epochs on 60k",
        ["variant", "batch", "epochs/s", "speed-up vs 32", f"test loss after {args.epochs} epochs",
         f"wall s for {args.epochs} epochs"],
        rows,
        note=("Same TrainingRun defaults otherwise (Adam at the preset learning rate). Median (min..max) over "
              f"{args.repeats} interleaved rounds."),
    )


def section_defaults(args, rep):
    """TrainingRun with the previous defaults against the current ones, side by side."""
    import aecore.training as training
    from aecore.training import FINISHED, TrainingRun
    from aecore.variants import resolve_config

    spe_default = inspect.signature(TrainingRun.__init__).parameters["steps_per_execution"].default
    ds = fashion(None)
    rows = []
    for name in args.default_variants.split(","):
        cfg = resolve_config(name, epochs=args.epochs)

        def arm(pipe, spe):
            def go():
                saved = training.make_train_data
                if pipe == "elem":
                    training.make_train_data = elem_train_data
                try:
                    run = TrainingRun(cfg, ds, steps_per_execution=spe)
                    clock = EpochClock(run)
                    run.start()
                    run.join()
                finally:
                    training.make_train_data = saved
                if run.status != FINISHED:
                    raise RuntimeError(run.reason)
                return {"epoch": steady(clock.epoch_times), "loss": run.history.loss[-1],
                        "test": test_loss(run.models, cfg, ds), "trace": len(run.history.trace_x)}
            return go

        before, after = "elem pipeline, spe=1 (before)", f"make_train_data, spe={spe_default} (now)"
        res = interleave({before: arm("elem", 1), after: arm("default", spe_default)}, args.repeats)
        eb = [r["epoch"] for r in res[before]]
        for k, rs in res.items():
            e = [r["epoch"] for r in rs]
            rows.append([name, k, spread([1 / x for x in e], "{:.3f}"), spread([b / a for a, b in zip(e, eb, strict=False)], "{:.2f}"),
                         f"{median([r['loss'] for r in rs]):.5f}", f"{median([r['test'] for r in rs]):.5f}",
                         f"{median([r['trace'] for r in rs]):.0f}"])
    rep.table(
        f"D. TrainingRun before and after the default change, 60k images, {args.epochs} epochs",
        ["variant", "TrainingRun", "epochs/s", "speed-up vs before", "final train loss", "test loss (10k)",
         "trace points"],
        rows,
        note=("Both arms are TrainingRun with the preset config (validation on 2,000 test images per epoch); "
              "'before' swaps in the original element-wise-shuffle pipeline (bench copy) and steps_per_execution=1. "
              f"Median (min..max) over {args.repeats} interleaved rounds, speed-up per round."),
    )


def section_pipeline(args, rep):
    """The input pipelines alone: one epoch of batches iterated with no model."""
    from aecore.variants import resolve_config

    ds = fashion(None)
    cfg = resolve_config("dense")

    def arm(make):
        def go():
            d = make(ds.x_train, cfg, 0)
            for _ in d:  # warm-up epoch (tracing, thread pools)
                pass
            t, c = time.perf_counter(), time.process_time()
            for _ in range(2):
                for _ in d:
                    pass
            return {"wall": (time.perf_counter() - t) / 2, "cpu": (time.process_time() - c) / 2}
        return go

    res = interleave({"elem": arm(elem_train_data), "gather": arm(gather_train_data)}, max(5, args.repeats))
    we = [r["wall"] for r in res["elem"]]
    ce = [r["cpu"] for r in res["elem"]]
    rows = []
    for k, rs in res.items():
        w = [r["wall"] for r in rs]
        c = [r["cpu"] for r in rs]
        rows.append([k, spread(w, "{:.3f}"), spread([a / b for a, b in zip(w, we, strict=False)], "{:.2f}"), spread(c, "{:.3f}"),
                     spread([a / b for a, b in zip(c, ce, strict=False)], "{:.2f}")])
    rep.table(
        "E. Input pipeline alone: one epoch of 60k images in batches of 256, no model",
        ["pipeline", "wall s/epoch", "wall vs elem", "process CPU s/epoch", "CPU vs elem"],
        rows,
        note=(f"Median (min..max) over {max(5, args.repeats)} interleaved rounds, each the mean of two epochs after "
              "a warm-up epoch. CPU time matters here because the pipeline's threads share the 2 cores with "
              "the training step."),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sections", default="options,defaults,variants,batch,pipeline")
    ap.add_argument("--default-variants", default="dense,deep2d")
    ap.add_argument("--variants", default="dense,deep,deep2d,sparse,linear,conv,denoising")
    ap.add_argument("--option-variants", default="dense")
    ap.add_argument("--spe", default="1,8,32", help="steps_per_execution values for section A")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--conv-limit", type=int, default=6_000)
    ap.add_argument("--out", default="speed", help="result file name under bench/results/")
    args = ap.parse_args()
    args.spe = [int(s) for s in args.spe.split(",")]
    rep = Report(args.out, "Training speed: TrainingRun against bare Keras-default fit")
    sections = args.sections.split(",")
    try:
        if "options" in sections:
            section_options(args, rep)
        if "variants" in sections:
            section_variants(args, rep)
        if "batch" in sections:
            section_batch(args, rep)
        if "defaults" in sections:
            section_defaults(args, rep)
        if "pipeline" in sections:
            section_pipeline(args, rep)
    finally:
        rep.write()


if __name__ == "__main__":
    main()
