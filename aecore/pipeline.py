"""What a training run feeds Keras: a tf.data pipeline of batches, and validation arrays.

Images stay uint8 until batched (a float copy of 60k MNIST images is ~190 MB); scaling and
training noise happen per batch inside the graph. The noise itself is defined once, in
:mod:`aecore.noise`, for this pipeline and for NumPy callers alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aecore.models import to_model_space
from aecore.noise import add_noise, add_noise_tf
from aecore.variants import value_range

#: seed offset for the fixed noise on validation images, so it differs from training noise
VAL_NOISE_SEED = 7919


def make_train_data(x_uint8: np.ndarray, config: dict[str, Any], shuffle_seed: int):
    """A tf.data pipeline of (input, target) batches from uint8 images.

    Shuffling is seeded and reshuffled each epoch; training noise is drawn per batch from a
    seeded random stream that is re-randomised every epoch, so the denoising variant sees
    fresh noise each epoch yet the same config and seed give the same run.
    """
    import tensorflow as tf

    scaling = config["scaling"]
    factor = float(config["noise_factor"])
    kind = config["noise_kind"]
    n = len(x_uint8)
    # Shuffle indices, not images, and gather each batch from one uint8 tensor: tf.data's
    # per-element cost of shuffling 60k images was a large part of a small dense model's
    # epoch (bench/bench_speed.py, section A). The same seed gives the same batch order.
    images = tf.constant(x_uint8)
    ds = tf.data.Dataset.range(n).shuffle(n, seed=shuffle_seed, reshuffle_each_iteration=True)
    ds = ds.batch(config["batch_size"])

    def scale(idx):
        b = tf.cast(tf.gather(images, idx), tf.float32) / 255.0
        return b - 0.5 if scaling == "centered" else b

    if factor > 0:
        seeds = tf.data.Dataset.random(seed=shuffle_seed + 1, rerandomize_each_iteration=True)
        limits = value_range(config)

        def noisy(idx, s):
            clean = scale(idx)
            return add_noise_tf(clean, factor, kind, s, limits), clean

        ds = tf.data.Dataset.zip((ds, seeds)).map(noisy, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        def pair(idx):
            b = scale(idx)
            return b, b

        ds = ds.map(pair, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def validation_arrays(x_uint8: np.ndarray, config: dict[str, Any], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(input, target) for validation: fixed noise, so val loss is comparable across epochs."""
    clean = to_model_space(x_uint8, config["scaling"])
    if config["noise_factor"] > 0:
        noisy = add_noise(clean, config["noise_factor"], config["noise_kind"], seed + VAL_NOISE_SEED,
                          value_range(config))
        return noisy, clean
    return clean, clean
