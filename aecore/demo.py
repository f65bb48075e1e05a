"""The Home page's demonstration model: a tiny autoencoder trained in a few seconds.

When a visitor has trained nothing yet and the model store holds no preset for the data,
the Home page still shows a real model at work. This trains it, through the same
``TrainingRun`` as every other model, so it is engine code with its own test; the app only
caches the result.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

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
