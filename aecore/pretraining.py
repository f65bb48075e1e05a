"""Greedy layer-wise pretraining (the survey's recipe), as stages of a :class:`TrainingRun`.

Before end-to-end training, each encoder layer is trained alone as a shallow autoencoder:
layer 1 with its mirror decoder layer on the images, layer 2 with its mirror on layer 1's
codes, and so on up to the code layer; then the whole stack is fine-tuned end to end.
The shallow autoencoders are built from the real model's layers (and for a tied model the
mirror borrows the encoder's kernel), so what a stage learns is already in place for the
next one and for the fine-tuning.

How the epochs split (``epochs`` stays the total): each of the L encoder layers gets
``max(1, epochs // (2 L))`` epochs, so about half of the budget goes to pretraining, and
fine-tuning gets the rest (at least one). ``deep`` (15 epochs, 3 layers): 2 + 2 + 2, then 9;
``deep2d`` (20 epochs, 4 layers): 2 + 2 + 2 + 2, then 12.

Stage 1 trains on the run's own images with the configured loss (and training noise);
deeper stages reconstruct the previous layer's codes of the clean images with mean squared
error, through the mirror layer and its activation. Their losses are on that scale, not
the images'; the live curve labels each stage.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aecore.stages import Stage

FINE_TUNE = "fine-tune (end to end)"


def split_epochs(epochs: int, layers: int) -> list[int]:
    """Epochs of each of ``layers`` pretraining stages, then of the fine-tuning (sums to ``epochs``)."""
    per_layer = max(1, epochs // (2 * layers))
    return [per_layer] * layers + [epochs - per_layer * layers]


def check_pretraining(config: dict[str, Any]) -> None:
    """Refuse layer-wise pretraining for a one-layer model or fewer epochs than stages."""
    layers = len(config["hidden"]) + 1
    if layers < 2:
        raise ValueError("pretraining 'layerwise' needs at least one hidden layer (hidden is empty): a one-layer "
                         "autoencoder has nothing to stack; set hidden (e.g. '128,64') or pretraining to 'none'")
    if config.get("epochs", layers + 1) < layers + 1:  # (a builder may see only the architecture keys)
        raise ValueError(f"pretraining 'layerwise' needs epochs of at least {layers + 1} (one per encoder layer, "
                         f"{layers} here, and one to fine-tune), got {config['epochs']}")


def layer_pairs(models) -> list[tuple[Any, Any]]:
    """(encoder layer, its mirror decoder layer) from the image side to the code."""
    enc = [layer for layer in models.encoder.layers if hasattr(layer, "units")]
    dec = [layer for layer in models.decoder.layers if hasattr(layer, "units")]
    if len(enc) != len(dec) or len(enc) < 2:
        raise ValueError(f"layer-wise pretraining needs a deep dense autoencoder; this one has {len(enc)} encoder "
                         f"and {len(dec)} decoder dense layers")
    return list(zip(enc, reversed(dec), strict=True))


def stage_name(k: int, layer) -> str:
    """"pretrain layer 2 (128-64)": the stage that trains encoder layer ``k`` (0-based)."""
    n_in, n_out = (int(d) for d in layer.kernel.shape)
    return f"pretrain layer {k + 1} ({n_in}-{n_out})"


def stages_for(config: dict[str, Any], models, dataset, *, val_limit: int, steps_per_execution: int) -> list[Stage]:
    """The run's stages: one unnamed stage, or with ``pretraining='layerwise'`` one per encoder
    layer and the fine-tuning (``config`` is the run's live dict: a learning-rate change made
    during a stage applies to the stages after it)."""
    if config.get("pretraining", "none") != "layerwise":
        return [Stage("", config["epochs"])]
    check_pretraining(config)
    pairs = layer_pairs(models)
    split = split_epochs(config["epochs"], len(pairs))

    def prepare(k: int):
        def make(train, fit_kwargs):
            return _shallow_fit(k, pairs, models, config, dataset, train, fit_kwargs, val_limit, steps_per_execution)
        return make

    stages = [Stage(stage_name(k, enc), split[k], prepare(k)) for k, (enc, _) in enumerate(pairs)]
    return stages + [Stage(FINE_TUNE, split[-1])]


def _shallow_fit(k, pairs, models, config, dataset, train, fit_kwargs, val_limit, steps_per_execution):
    """(shallow autoencoder of layer ``k``, its data, fit kwargs), compiled and ready to fit."""
    import keras

    from aecore.models import make_loss, make_optimizer

    enc, dec = pairs[k]
    if k == 0:  # the images: the model's own flatten and reshape around the first layer and "pixels"
        inp = keras.Input(tuple(models.encoder.inputs[0].shape[1:]), name="image")
        out = models.decoder.get_layer("image_out")(dec(enc(models.encoder.get_layer("flatten")(inp))))
        loss = make_loss(config["loss"])
    else:
        inp = keras.Input((int(enc.kernel.shape[0]),), name="codes")
        out = dec(enc(inp))
        loss = make_loss("mse")
        train, fit_kwargs = _code_data(models, pairs[k - 1][0], config, dataset, val_limit)
    shallow = keras.Model(inp, out, name=f"pretrain_{k + 1}")
    shallow.compile(optimizer=make_optimizer(config["optimizer"], config["learning_rate"]), loss=loss,
                    steps_per_execution=steps_per_execution)
    return shallow, train, fit_kwargs


def _code_data(models, below, config, dataset, val_limit):
    """The previous layer's codes of the clean training images as a shuffled (codes, codes)
    pipeline, and of the validation images as ``fit`` kwargs."""
    import keras
    import tensorflow as tf

    from aecore.inference import predict_batches
    from aecore.models import to_model_space

    prefix = keras.Model(models.encoder.inputs[0], below.output)
    bs = int(config["batch_size"])

    def codes(x):
        return predict_batches(prefix, to_model_space(x, config["scaling"]), 1024).astype(np.float32)

    h = tf.constant(codes(dataset.x_train))
    n = int(h.shape[0])
    ds = tf.data.Dataset.range(n).shuffle(n, seed=int(config["seed"]), reshuffle_each_iteration=True).batch(bs)
    ds = ds.map(lambda idx: (tf.gather(h, idx),) * 2, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    kwargs: dict[str, Any] = {}
    val_x = dataset.x_test[:val_limit]
    if len(val_x):
        hv = codes(val_x)
        kwargs = {"validation_data": (hv, hv), "validation_batch_size": max(bs, 256)}
    return ds, kwargs
