"""A quick probe of map2d's network in plain Keras, for changes the product has no option for.

``bench_map2d.py`` trains every arm through ``TrainingRun``, exactly as the app does; this
probe builds the same network (784-512-256-128-2, ReLU, tanh output on centered inputs, MSE,
Adam 4e-3 with cosine decay to 1% of it, batch 1024, 56 epochs, all 60,000 Fashion-MNIST
training images) directly in Keras, without validation, so that a change the app does not
offer (a warm-up, weight EMA, dropout, Keras-style input dropout, shift augmentation, a
convolutional encoder) can be tried in one run before anyone builds it into the product. It
scores as ``bench_map2d.py`` does: kNN-5 fitted on the 60k training codes, scored on the 10k
test codes, and trustworthiness (k=5) of 2,000 of the test codes. Each run appends a line to
``bench/results/map2d_probe.jsonl``; ``--report`` writes ``bench/results/map2d_probe.md``.

    .venv/bin/python bench/probe_map2d.py --name base_s0 --seed 0
    .venv/bin/python bench/probe_map2d.py --name wi3_s1 --seed 1 --warmup 3 --indrop 0.3
    .venv/bin/python bench/probe_map2d.py --report
"""
import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from bench.common import RESULTS, command_line  # noqa: E402

JSONL = os.path.join(RESULTS, "map2d_probe.jsonl")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", help="the run's name in the results")
    p.add_argument("--report", action="store_true", help="write bench/results/map2d_probe.md")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=56)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--hidden", default="512,256,128")
    p.add_argument("--warmup", type=float, default=0.0, help="warm-up epochs (linear)")
    p.add_argument("--ema", type=float, default=0.0, help="EMA momentum of the weights (0: none)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout after encoder hidden layers")
    p.add_argument("--indrop", type=float, default=0.0, help="dropout on the input")
    p.add_argument("--shift", type=int, default=0, help="random shift augmentation in px")
    p.add_argument("--floor", type=float, default=0.01, help="cosine decay ends at this fraction of --lr (the app's COSINE_FLOOR)")
    p.add_argument("--conv", default="", help="conv encoder filters, e.g. 16,32 (stride 2 each)")
    return p


def report(p: argparse.ArgumentParser) -> None:
    """Write map2d_probe.md from every run in map2d_probe.jsonl."""
    rows = [json.loads(line) for line in open(JSONL)]
    defaults = vars(p.parse_args([]))
    out = ["# map2d probe (plain Keras, Fashion-MNIST 60k)", "",
           "Written by `.venv/bin/python bench/probe_map2d.py --report` from `map2d_probe.jsonl`; "
           "each run's command is in that file.", "",
           "| run | change from map2d's network | kNN-5 (10k test) | trust. (2,000) | test MSE | wall s | CPU s |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        change = ", ".join(f"{k} {v}" for k, v in r["args"].items()
                           if k in defaults and k not in ("name", "seed", "report") and v != defaults[k]) or "none"
        out.append(f"| {r['name']} | {change}, seed {r['args']['seed']} | {r['knn5']:.4f} | {r['trust']:.4f} "
                   f"| {r['test_mse']:.5f} | {r['wall']} | {r['cpu']} |")
    with open(os.path.join(RESULTS, "map2d_probe.md"), "w") as f:
        f.write("\n".join(out) + "\n")


def train(a: argparse.Namespace) -> None:  # noqa: C901 - one straight recipe, read top to bottom
    """Train one probe run and append its scores to map2d_probe.jsonl."""
    import keras
    from keras import layers

    from aecore import metrics
    from aecore.data import load_dataset
    from aecore.models import to_model_space

    keras.utils.set_random_seed(a.seed)
    ds = load_dataset("fashion_mnist", limit=None, test_limit=10_000)
    xtr = to_model_space(ds.x_train, "centered").reshape(len(ds.x_train), -1)
    xte = to_model_space(ds.x_test, "centered").reshape(len(ds.x_test), -1)
    hidden = [int(h) for h in a.hidden.split(",")]

    inp = keras.Input((784,))
    h = inp
    if a.indrop:
        h = layers.Dropout(a.indrop)(h)
    if a.conv:
        h = layers.Reshape((28, 28, 1))(h)
        for f in a.conv.split(","):
            h = layers.Conv2D(int(f), 3, strides=2, padding="same", activation="relu")(h)
        h = layers.Flatten()(h)
    for u in (hidden[-2:] if a.conv else hidden):
        h = layers.Dense(u, activation="relu")(h)
        if a.dropout:
            h = layers.Dropout(a.dropout)(h)
    code = layers.Dense(2)(h)
    encoder = keras.Model(inp, code)
    cin = keras.Input((2,))
    h = cin
    for u in reversed(hidden):
        h = layers.Dense(u, activation="relu")(h)
    out = layers.Dense(784, activation="tanh")(h)
    decoder = keras.Model(cin, out)
    ae = keras.Model(inp, decoder(encoder(inp)))

    steps = math.ceil(len(xtr) / a.batch)
    total = steps * a.epochs
    warm = int(a.warmup * steps)

    class Sched(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            import tensorflow as tf
            step = tf.cast(step, tf.float32)
            cos = a.lr * (a.floor + (1 - a.floor) * 0.5 * (1 + tf.cos(math.pi * tf.minimum(1.0, (step - warm) / max(total - warm, 1)))))
            if warm:
                return tf.where(step < warm, a.lr * (step + 1) / warm, cos)
            return cos
    kw = dict(learning_rate=Sched())
    if a.ema:
        kw.update(use_ema=True, ema_momentum=a.ema)
    ae.compile(optimizer=keras.optimizers.Adam(**kw), loss="mse")

    if a.shift:
        import tensorflow as tf
        s = a.shift
        def aug(x):
            img = tf.reshape(x, (-1, 28, 28, 1))
            img = tf.pad(img, [[0, 0], [s, s], [s, s], [0, 0]], constant_values=-0.5)
            img = tf.image.random_crop(img, (tf.shape(img)[0], 28, 28, 1))
            y = tf.reshape(img, (-1, 784))
            return y, y
        data = tf.data.Dataset.from_tensor_slices(xtr).shuffle(60000, seed=a.seed).batch(a.batch).map(aug).prefetch(2)
        t0, c0 = time.perf_counter(), time.process_time()
        ae.fit(data, epochs=a.epochs, verbose=0)
    else:
        t0, c0 = time.perf_counter(), time.process_time()
        ae.fit(xtr, xtr, batch_size=a.batch, epochs=a.epochs, verbose=0, shuffle=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ctr = encoder.predict(xtr, batch_size=4096, verbose=0)
    cte = encoder.predict(xte, batch_size=4096, verbose=0)
    rec = float(np.mean((ae.predict(xte, batch_size=4096, verbose=0) - xte) ** 2))
    r = dict(name=a.name, args=vars(a), command=command_line(), date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), wall=round(wall, 1), cpu=round(cpu, 1), test_mse=rec,
             knn5=metrics.knn_accuracy(ctr, ds.y_train, cte, ds.y_test, k=5),
             trust=metrics.trustworthiness(ds.x_test, cte, n_neighbors=5, max_points=2000, seed=0))
    print(json.dumps(r), flush=True)
    os.makedirs(RESULTS, exist_ok=True)
    with open(JSONL, "a") as f:
        f.write(json.dumps(r) + "\n")


def main() -> None:
    p = parser()
    a = p.parse_args()
    if a.report:
        report(p)
    elif not a.name:
        p.error("--name is required to train (or --report)")
    else:
        train(a)


if __name__ == "__main__":
    main()
