"""Training overhead: TrainingRun (background thread + control callback) against bare fit.

Three arms per variant, interleaved round by round, each on a freshly built model (the
build is outside every timer):

* ``bare``: ``model.fit`` on the SAME tf.data pipeline TrainingRun uses
  (``aecore.training.make_train_data``), the same validation arrays
  (``validation_arrays`` on the first ``val_limit`` test images, ``validation_batch_size``
  as TrainingRun sets it), the same batch size, epochs and ``steps_per_execution``; only a
  two-stamp epoch clock callback;
* ``run``: ``TrainingRun(config, dataset).start(); join()``, epoch times from the run's
  own epoch hooks;
* ``run+poll``: the same while a second thread calls ``run.snapshot()`` and
  ``run.predict(16 test images)`` twice a second, as the Train page's live fragment does.

The figure is the steady epoch time (median over epochs 2..n; epoch 1 also traces the
graph) and the ratio run / bare computed per round. Goal: ratio <= 1.10.

    .venv/bin/python bench/bench_overhead.py [--variants dense,deep2d,conv] [--repeats 3]
"""

from __future__ import annotations

import argparse
import inspect
import threading
import time

import common  # noqa: F401  (sets sys.path and TF logging)
from common import EpochClock, Report, fashion, interleave, keras_epoch_clock, median, spread, steady

DEFAULT_LIMITS = {"conv": 12_000, "denoising": 12_000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default="dense,deep2d,conv")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--conv-limit", type=int, default=12_000,
                    help="training images for conv/denoising (dense variants use all 60k)")
    ap.add_argument("--poll-interval", type=float, default=0.5)
    ap.add_argument("--spe", type=int, default=None, help="steps_per_execution for both arms (default: TrainingRun's)")
    ap.add_argument("--out", default="overhead", help="result file name under bench/results/")
    args = ap.parse_args()

    from aecore.models import build, compile_model
    from aecore.training import FINISHED, TrainingRun, make_train_data, validation_arrays
    from aecore.variants import get_variant, resolve_config

    spe_default = inspect.signature(TrainingRun.__init__).parameters["steps_per_execution"].default
    if args.spe is not None:
        spe_default = args.spe
    val_limit = inspect.signature(TrainingRun.__init__).parameters["val_limit"].default
    rep = Report(args.out, "Training overhead: TrainingRun against bare model.fit")
    rows = []
    for name in args.variants.split(","):
        fam = get_variant(name).family
        limit = args.conv_limit if fam == "conv" else None
        ds = fashion(limit)
        cfg = resolve_config(name, epochs=args.epochs)
        bs = cfg["batch_size"]
        seed = int(cfg["seed"])
        val = validation_arrays(ds.x_test[:val_limit], cfg, seed)
        probe = ds.x_test[:16]
        print(f"{name}: {len(ds.x_train)} train images, batch {bs}, {args.epochs} epochs, "
              f"steps_per_execution {spe_default}", flush=True)

        def bare():
            models = build(cfg, ds.image_shape)
            compile_model(models, cfg, spe_default)
            clock = keras_epoch_clock()
            t, c = time.perf_counter(), time.process_time()
            models.autoencoder.fit(make_train_data(ds.x_train, cfg, shuffle_seed=seed), epochs=args.epochs,
                                   validation_data=val, validation_batch_size=max(bs, 256),
                                   callbacks=[clock], verbose=0, shuffle=False)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            return {"epoch": steady(clock.epoch_times), "wall": wall, "cpu": cpu, "polls": 0}

        def via_run(poll: bool):
            def go():
                run = TrainingRun(cfg, ds, steps_per_execution=spe_default)  # builds + compiles here, outside the timer
                clock = EpochClock(run)
                stop = threading.Event()
                polls = [0]

                def poller():
                    while not stop.wait(args.poll_interval):
                        run.snapshot()
                        run.predict(probe)
                        polls[0] += 1

                th = threading.Thread(target=poller, daemon=True) if poll else None
                t, c = time.perf_counter(), time.process_time()
                run.start()
                if th:
                    th.start()
                run.join()
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                stop.set()
                if th:
                    th.join()
                if run.status != FINISHED:
                    raise RuntimeError(f"{name}: run ended {run.status}: {run.reason}")
                return {"epoch": steady(clock.epoch_times), "wall": wall, "cpu": cpu, "polls": polls[0]}
            return go

        res = interleave({"bare": bare, "run": via_run(False), "run+poll": via_run(True)}, args.repeats)
        e = {k: [r["epoch"] for r in v] for k, v in res.items()}
        w = {k: [r["wall"] for r in v] for k, v in res.items()}
        r_run = [a / b for a, b in zip(e["run"], e["bare"], strict=False)]
        r_poll = [a / b for a, b in zip(e["run+poll"], e["bare"], strict=False)]
        rw_run = [a / b for a, b in zip(w["run"], w["bare"], strict=False)]
        rw_poll = [a / b for a, b in zip(w["run+poll"], w["bare"], strict=False)]
        c = {k: [r["cpu"] for r in v] for k, v in res.items()}
        rc_run = [a / b for a, b in zip(c["run"], c["bare"], strict=False)]
        rc_poll = [a / b for a, b in zip(c["run+poll"], c["bare"], strict=False)]
        polls = median([r["polls"] for r in res["run+poll"]])
        ok = "met" if median(r_run) <= 1.10 and median(r_poll) <= 1.10 else "MISSED"
        rows.append([name, f"{len(ds.x_train):,}", bs, spread(e["bare"]), spread(e["run"]), spread(e["run+poll"]),
                     spread(r_run, "{:.3f}"), spread(r_poll, "{:.3f}"), spread(rw_run, "{:.3f}"),
                     spread(rw_poll, "{:.3f}"), spread(rc_run, "{:.3f}"), spread(rc_poll, "{:.3f}"),
                     f"{polls:.0f}", ok])

    rep.table(
        "Steady epoch time (s) and ratios to bare fit",
        ["variant", "train images", "batch", "bare fit s/epoch", "TrainingRun s/epoch", "TrainingRun+poll s/epoch",
         "ratio run/bare", "ratio run+poll/bare", "wall ratio run/bare", "wall ratio run+poll/bare",
         "CPU ratio run/bare", "CPU ratio run+poll/bare", "polls per run", "goal <= 1.10"],
        rows,
        note=(f"Median (min..max) of {args.repeats} interleaved rounds (order rotated each round); ratios are "
              f"computed per round, then the median taken. s/epoch = median of epochs 2..{args.epochs} "
              "(epoch 1 traces the graph), each including the per-epoch validation on "
              f"{val_limit:,} test images. The bare arm fits the same tf.data pipeline "
              "(`make_train_data`, uint8 images scaled per batch) and validation arrays as TrainingRun, with "
              f"steps_per_execution={spe_default} in both arms. Wall ratio = start()..join() against "
              "the whole fit() call, both excluding the model build; CPU ratio = process CPU time (all threads, "
              "poller included) over the same span, less sensitive than wall time to the other jobs on this "
              "shared machine. The goal column reads the s/epoch ratios. Poll = snapshot() + predict(16 images) every "
              f"{args.poll_interval:g} s from a second thread. Fashion-MNIST; conv uses a stratified "
              f"{args.conv_limit:,}-image subset, dense variants all 60,000."),
    )
    rep.write()


if __name__ == "__main__":
    main()
