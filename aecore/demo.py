"""The Home page's demonstration model: a tiny autoencoder trained in a few seconds.

When a visitor has trained nothing yet and the model store holds no preset for the data,
the Home page still shows a real model at work. :func:`train_demo_model` trains it through
the same ``TrainingRun`` as every other model.

The first screen cannot wait for TensorFlow, though: importing it alone costs about 5 CPU
seconds, more than the whole budget of a cold start (bench/results/cold_start.md). So Home
uses :class:`DemoModel`: the same network (the ``dense`` recipe, 784 -> 32 relu -> 784
sigmoid, binary cross-entropy, Adam) trained by :func:`train_demo_numpy` in plain NumPy in
about a second, saved to the model store (``<store>/demo/<key>.npz``) and loaded from there
by every later start, which needs neither TensorFlow nor training.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from aecore.data import Dataset
from aecore.models import Models
from aecore.sampling import stratified_indices
from aecore.training import FINISHED, TrainingRun
from aecore.validation import check_int, check_seed
from aecore.variants import resolve_config

#: the recipe: the single-layer autoencoder, batch 32 for 3 epochs on 4,000 images, about
#: 375 steps: recognisable digits in ~3 s on a laptop
DEMO_VARIANT = "dense"
DEMO_EPOCHS = 3
DEMO_BATCH_SIZE = 32
DEMO_TRAIN_IMAGES = 4000
DEMO_VAL_IMAGES = 500


def train_demo_model(dataset: Dataset, *, n_train: int = DEMO_TRAIN_IMAGES, epochs: int = DEMO_EPOCHS,
                     batch_size: int = DEMO_BATCH_SIZE, seed: int = 0,
                     timeout: float = 300.0) -> tuple[Models, dict[str, Any]]:
    """Train the demonstration model on ``dataset``; return ``(models, config)``.

    Parameters
    ----------
    dataset : Dataset
        Any dataset; a seeded, class-stratified subset of ``n_train`` training images is
        used (all of them when it has fewer).
    n_train, epochs, batch_size : int
        The recipe; the defaults take a few seconds on a laptop.
    seed : int, default 0
        Seed of the subset and of the weights.
    timeout : float, default 300
        Seconds to wait for training to finish.

    Raises
    ------
    ValueError
        If an argument is out of range, or training fails or does not finish in time
        (the message says why).
    """
    n_train = check_int("n_train", n_train, low=1)
    seed = check_seed(seed)
    config = resolve_config(DEMO_VARIANT, epochs=epochs, batch_size=batch_size, seed=seed)
    if n_train < len(dataset.x_train):
        idx = stratified_indices(dataset.y_train, n_train, seed)
        dataset = replace(dataset, x_train=dataset.x_train[idx], y_train=dataset.y_train[idx])
    run = TrainingRun(config, dataset, val_limit=DEMO_VAL_IMAGES)
    run.start()
    if not run.join(timeout=timeout):
        run.stop()  # no worker left behind: it ends after the current batch
        run.join(timeout=30)
        raise ValueError(f"the demo model did not finish training within {timeout:g} s")
    if run.status != FINISHED:
        raise ValueError(run.reason or "the demo model did not finish training")
    return run.models, run.config


# ---------------------------------------------------------------------------- NumPy demo
#: Adam's constants as Keras sets them, so the NumPy demo follows the recipe the app trains with
_ADAM_B1, _ADAM_B2, _ADAM_EPS = 0.9, 0.999, 1e-7
DEMO_FORMAT = 1


@dataclass
class DemoModel:
    """The single-layer dense autoencoder as NumPy arrays: ``code = relu(x W1 + b1)``,
    ``x_hat = sigmoid(code W2 + b2)`` on pixels scaled to [0, 1].

    ``config`` is the dense recipe it was trained with (as :func:`resolve_config` gives it),
    ``image_shape`` the images it takes; ``history`` the mean training loss of each epoch.
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    config: dict[str, Any]
    image_shape: tuple[int, int]
    history: list[float]

    @property
    def code_size(self) -> int:
        return int(self.w1.shape[1])

    def fits(self, image_shape) -> bool:
        return tuple(int(s) for s in image_shape) == tuple(self.image_shape)

    def encode(self, x_uint8: np.ndarray) -> np.ndarray:
        """uint8 images ``(n, h, w)`` -> codes ``(n, code_size)`` float32."""
        x = np.asarray(x_uint8, np.float32).reshape(len(x_uint8), -1) / np.float32(255.0)
        return np.maximum(x @ self.w1 + self.b1, 0)

    def reconstruct(self, x_uint8: np.ndarray) -> np.ndarray:
        """uint8 images -> reconstructions in [0, 1], ``(n, h, w)`` float32."""
        z = self.encode(x_uint8) @ self.w2 + self.b2
        return _sigmoid(z).reshape(len(x_uint8), *self.image_shape)

    def save(self, path: str | os.PathLike) -> Path:
        """Write an ``.npz`` atomically (a crash leaves the old file or none)."""
        from aecore.atomic import atomic_path

        meta = json.dumps({"config": self.config, "image_shape": list(self.image_shape), "history": self.history,
                           "format": DEMO_FORMAT})
        with atomic_path(path, ".npz") as tmp:
            np.savez(tmp, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2, meta=np.array(meta))
        path = Path(path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> DemoModel:
        """Read a file written by :meth:`save`; ``ValueError`` saying what is wrong otherwise."""
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                arrays = {k: np.asarray(z[k], np.float32) for k in ("w1", "b1", "w2", "b2")}
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"demo model {str(path)!r} cannot be read: {exc}") from None
        shape = tuple(int(s) for s in meta.get("image_shape", ()))
        n = int(np.prod(shape)) if shape else -1
        w1, w2 = arrays["w1"], arrays["w2"]
        if meta.get("format") != DEMO_FORMAT or w1.shape[0] != n or w2.shape != (w1.shape[1], n) or \
                not all(np.isfinite(a).all() for a in arrays.values()):
            raise ValueError(f"demo model {str(path)!r} is not a usable demo model")
        return cls(**arrays, config=meta["config"], image_shape=shape, history=list(meta.get("history", [])))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def _glorot(rng: np.random.Generator, n_in: int, n_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)


def train_demo_numpy(dataset: Dataset, *, n_train: int = DEMO_TRAIN_IMAGES, epochs: int = DEMO_EPOCHS,
                     batch_size: int = DEMO_BATCH_SIZE, seed: int = 0) -> DemoModel:
    """Train the demonstration autoencoder in NumPy (no TensorFlow): about a second.

    The network, loss, optimizer, learning rate, batch size and epochs are those of
    :func:`train_demo_model` (the ``dense`` recipe); a seeded, class-stratified subset of
    ``n_train`` training images is used (all of them when it has fewer).

    Raises
    ------
    ValueError
        If an argument is out of range or training diverges (the message says which).
    """
    n_train = check_int("n_train", n_train, low=1)
    seed = check_seed(seed)
    config = resolve_config(DEMO_VARIANT, epochs=epochs, batch_size=batch_size, seed=seed)
    x_all = dataset.x_train
    if n_train < len(x_all):
        x_all = x_all[stratified_indices(dataset.y_train, n_train, seed)]
    h, w = dataset.image_shape
    d, k, lr = h * w, int(config["code_dim"]), np.float32(config["learning_rate"])
    rng = np.random.default_rng(seed)
    params = [_glorot(rng, d, k), np.zeros(k, np.float32), _glorot(rng, k, d), np.zeros(d, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    x_all = x_all.reshape(len(x_all), d).astype(np.float32) / np.float32(255.0)
    history, t = [], 0
    for _ in range(config["epochs"]):
        order = rng.permutation(len(x_all))
        total = 0.0
        for start in range(0, len(order), config["batch_size"]):
            x = x_all[order[start:start + config["batch_size"]]]
            w1, b1, w2, b2 = params
            z1 = x @ w1 + b1
            code = np.maximum(z1, 0)
            p = np.clip(_sigmoid(code @ w2 + b2), 1e-7, 1 - 1e-7)
            total += float(-np.mean(x * np.log(p) + (1 - x) * np.log(1 - p))) * len(x)
            dz2 = (p - x) / np.float32(x.size)  # mean binary cross-entropy through the sigmoid
            dz1 = (dz2 @ w2.T) * (z1 > 0)
            grads = [x.T @ dz1, dz1.sum(0), code.T @ dz2, dz2.sum(0)]
            t += 1
            step = lr * np.sqrt(1 - _ADAM_B2 ** t) / (1 - _ADAM_B1 ** t)
            for i, g in enumerate(grads):
                m[i] = _ADAM_B1 * m[i] + (1 - _ADAM_B1) * g
                v[i] = _ADAM_B2 * v[i] + (1 - _ADAM_B2) * g * g
                params[i] -= (step * m[i] / (np.sqrt(v[i]) + _ADAM_EPS)).astype(np.float32)
        history.append(total / len(x_all))
        if not np.isfinite(history[-1]):
            raise ValueError(f"the demo model diverged in epoch {len(history)}")
    return DemoModel(*params, config=config, image_shape=(h, w), history=history)


def demo_path(store_root: str | os.PathLike, config: dict[str, Any], dataset: str, n_train: int,
              image_shape) -> Path:
    """Where the store keeps the NumPy demo trained with ``config`` on these images."""
    from aecore.store import DEMO_DIR, config_key

    return Path(store_root) / DEMO_DIR / f"{config_key(config, dataset, n_train, image_shape)}.npz"


def load_or_train_demo(dataset: Dataset, store_root: str | os.PathLike) -> tuple[DemoModel, str]:
    """The demo for ``dataset``: loaded from the store, else trained now and saved there.

    Returns ``(model, "loaded" | "trained")``. A store that cannot be written (read-only,
    full disk) still gives a trained model; a damaged file is trained over.
    """
    n = min(DEMO_TRAIN_IMAGES, len(dataset.x_train))
    config = resolve_config(DEMO_VARIANT, epochs=DEMO_EPOCHS, batch_size=DEMO_BATCH_SIZE, seed=0)
    path = demo_path(store_root, config, dataset.name, n, dataset.image_shape)
    if path.exists():
        try:
            model = DemoModel.load(path)
            if model.fits(dataset.image_shape):
                return model, "loaded"
        except ValueError:
            pass
    model = train_demo_numpy(dataset)
    try:
        model.save(path)
    except OSError:
        pass
    return model, "trained"
