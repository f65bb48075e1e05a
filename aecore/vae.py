"""The variational autoencoder: its builder and loss, and what a trained VAE can do.

The encoder maps an image (and, for the conditional VAE, its one-hot label) to the mean
and log-variance of a Gaussian code and a reparameterised sample of it; the decoder maps
a code (and the label) to Bernoulli pixel probabilities; the "autoencoder" composes them
(keras-io ``vae.py``, Kingma & Welling 2014; conditional: Sohn et al. 2015). Training
minimises the negative ELBO, binary cross-entropy summed over pixels plus ``beta`` times
the KL divergence from the standard normal prior (Higgins et al. 2017 for ``beta != 1``),
averaged over the batch; the Keras logs carry ``loss``, ``reconstruction`` and ``kl`` and
their ``val_`` versions.

Custom pieces are registered Keras serializables (package ``aecore``) and there are no
Lambda layers, so a saved ``.keras`` file loads in Keras' safe mode once this module is
imported (``aecore.store`` imports it before loading).

Every function here takes uint8 images and, for a conditional model, integer labels, and
returns images in [0, 1]. Running the models (with or without the label) is
:mod:`aecore.inference`'s job, for a VAE as for any autoencoder; the functions here add what
is particular to a VAE (its posterior, the prior, the ELBO) and refuse a label given to the
wrong kind of model. Pictures of the results go through :mod:`aecore.images`.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from aecore import inference, metrics
from aecore.inference import is_conditional, n_classes_of, one_hot
from aecore.models import Models, conv_sizes, to_model_space
from aecore.validation import check_int, check_seed


# ---------------------------------------------------------------------------- layers
@keras.saving.register_keras_serializable(package="aecore")
class Sampling(keras.layers.Layer):
    """The reparameterised code z = mean + exp(log_var / 2) * eps, eps ~ N(0, I).

    Draws while training; otherwise returns the mean, so reconstructions and previews are
    deterministic. The loss always draws (:meth:`VAEModel.test_step` calls :meth:`draw`),
    so the validation loss is the same estimate as the training loss.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        z_mean, z_log_var = inputs
        if not training:
            return z_mean
        return self.draw(z_mean, z_log_var)

    def draw(self, z_mean, z_log_var):
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="aecore")
class VAEModel(keras.Model):
    """The composed VAE: a functional model whose ``fit`` minimises the negative ELBO.

    Built like any functional model (``VAEModel(inputs, outputs, name=..., beta=...)``);
    calling it reconstructs from the code mean. ``train_step`` and ``test_step`` follow
    keras-io's ``vae.py``: they run the named ``encoder`` and ``decoder`` sub-models, draw
    a code, and track ``loss`` (reconstruction + beta x KL), ``reconstruction`` (binary
    cross-entropy summed over pixels) and ``kl``, each a mean per image. The target is the
    second element of each batch, so a denoising pipeline's (noisy, clean) pairs work too.
    """

    # The signature must stay Functional's (inputs, outputs, name) for Keras to save and
    # revive this class as a functional model; beta travels in kwargs and in get_config.
    def __init__(self, inputs, outputs, name=None, **kwargs):
        beta = float(kwargs.pop("beta", 1.0))
        super().__init__(inputs, outputs, name=name, **kwargs)
        self.beta = beta
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}

    def terms(self, x, y, training: bool = False):
        """(reconstruction, kl) of one batch, each a mean over its images."""
        conditional = isinstance(x, (list, tuple))
        encoder, decoder = self.get_layer("encoder"), self.get_layer("decoder")
        z_mean, z_log_var, _ = encoder(list(x) if conditional else x, training=training)
        z = encoder.get_layer("z").draw(z_mean, z_log_var)
        x_hat = decoder([z, x[1]] if conditional else z, training=training)
        reconstruction = ops.mean(ops.sum(ops.binary_crossentropy(y, x_hat), axis=(1, 2)))
        kl = ops.mean(-0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1))
        return reconstruction, kl

    def _track(self, loss, reconstruction, kl) -> dict:
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        import tensorflow as tf  # the project's Keras backend; keras-io's vae.py does the same

        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            reconstruction, kl = self.terms(x, y, training=True)
            loss = reconstruction + self.beta * kl
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        return self._track(loss, reconstruction, kl)

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        reconstruction, kl = self.terms(x, y, training=False)
        return self._track(reconstruction + self.beta * kl, reconstruction, kl)


# ---------------------------------------------------------------------------- builder
def build_vae(config: dict[str, Any], image_shape: tuple[int, int], n_classes: int = 10) -> Models:
    """Encoder, decoder and composed :class:`VAEModel` for a resolved ``vae`` configuration.

    Dense: image -> hidden layers -> (z_mean, z_log_var) -> z; the decoder mirrors the
    hidden layers. Conv (keras-io): stride-2 Conv2D per ``filters`` entry, then the hidden
    layers; the decoder mirrors it with Conv2DTranspose. Conditional: the one-hot label
    (``n_classes`` wide) joins the flattened features in the encoder and the code in the
    decoder, and every model takes ``[image, label]`` (the decoder ``[code, label]``).
    """
    layers = keras.layers
    h, w = (int(s) for s in image_shape)
    n_pixels = h * w
    code_dim = config["code_dim"]
    if not 1 <= code_dim <= n_pixels:
        raise ValueError(f"code_dim must be between 1 and {n_pixels} for {h}x{w} images, got {code_dim}")
    conditional = bool(config["conditional"])
    if conditional:
        n_classes = check_int("n_classes", n_classes, low=2, high=10_000, what=" for a conditional VAE")
    conv = config["arch"] == "conv"
    filters = config["filters"]
    if conv:
        need = 2 ** len(filters)
        if min(h, w) < need:
            raise ValueError(
                f"filters has {len(filters)} conv stages, each halving the image, which needs images at "
                f"least {need}x{need}; got {h}x{w}: use at most {int(math.log2(min(h, w)))} entries in filters"
            )
    seed = int(config["seed"])
    counter = iter(range(10_000))
    act = config["activation"]

    def init():
        # Per-layer seeds, as in aecore.models: reproducible without global state.
        return keras.initializers.GlorotUniform(seed=seed * 1000 + next(counter))

    def label_input():
        return keras.Input((n_classes,), name="label")

    image = keras.Input((h, w), name="image")
    enc_inputs: Any = image
    if conv:
        x = layers.Reshape((h, w, 1), name="channels")(image)
        for i, f in enumerate(filters):
            x = layers.Conv2D(f, 3, strides=2, padding="same", activation=act, kernel_initializer=init(),
                              name=f"enc_conv_{i + 1}")(x)
        x = layers.Flatten(name="flatten")(x)
    else:
        x = layers.Flatten(name="flatten")(image)
    if conditional:
        label = label_input()
        enc_inputs = [image, label]
        x = layers.Concatenate(name="with_label")([x, label])
    for i, units in enumerate(config["hidden"]):
        x = layers.Dense(units, activation=act, kernel_initializer=init(), name=f"enc_{i + 1}")(x)
    z_mean = layers.Dense(code_dim, kernel_initializer=init(), name="z_mean")(x)
    z_log_var = layers.Dense(code_dim, kernel_initializer=init(), name="z_log_var")(x)
    z = Sampling(seed=seed, name="z")([z_mean, z_log_var])
    encoder = keras.Model(enc_inputs, [z_mean, z_log_var, z], name="encoder")

    code_in = keras.Input((code_dim,), name="code_in")
    dec_inputs: Any = code_in
    y = code_in
    if conditional:
        dec_label = label_input()
        dec_inputs = [code_in, dec_label]
        y = layers.Concatenate(name="with_label")([code_in, dec_label])
    for i, units in enumerate(reversed(config["hidden"])):
        y = layers.Dense(units, activation=act, kernel_initializer=init(), name=f"dec_{i + 1}")(y)
    if conv:
        sizes = conv_sizes((h, w), len(filters))  # stride-2 'same' convs round up like pooling
        ch, cw = sizes[-1]
        y = layers.Dense(ch * cw * filters[-1], activation=act, kernel_initializer=init(), name="dec_dense")(y)
        y = layers.Reshape((ch, cw, filters[-1]), name="dec_reshape")(y)
        for j, i in enumerate(reversed(range(len(filters)))):
            y = layers.Conv2DTranspose(filters[i], 3, strides=2, padding="same", activation=act,
                                       kernel_initializer=init(), name=f"dec_deconv_{j + 1}")(y)
            (th, tw), (sh, sw) = sizes[i], sizes[i + 1]
            if (2 * sh, 2 * sw) != (th, tw):
                # an odd size was rounded up (7 -> 4); trim the extra row/column
                y = layers.Cropping2D(((0, 2 * sh - th), (0, 2 * sw - tw)), name=f"dec_crop_{j + 1}")(y)
        y = layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid", kernel_initializer=init(),
                                   name="pixels")(y)
    else:
        y = layers.Dense(n_pixels, activation="sigmoid", kernel_initializer=init(), name="pixels")(y)
    y = layers.Reshape((h, w), name="image_out")(y)
    decoder = keras.Model(dec_inputs, y, name="decoder")

    ae_image = keras.Input((h, w), name="image")
    if conditional:
        ae_label = label_input()
        _, _, ae_z = encoder([ae_image, ae_label])
        autoencoder = VAEModel([ae_image, ae_label], decoder([ae_z, ae_label]), name="autoencoder",
                               beta=config["beta"])
    else:
        _, _, ae_z = encoder(ae_image)
        autoencoder = VAEModel(ae_image, decoder(ae_z), name="autoencoder", beta=config["beta"])
    return Models(encoder, decoder, autoencoder)


# ---------------------------------------------------------------------------- what a model is
def is_vae(models: Models, config: dict[str, Any] | None = None) -> bool:
    """True for a VAE built here (its composed model is a :class:`VAEModel`)."""
    return isinstance(models.autoencoder, VAEModel) and (config is None or config.get("variant") == "vae")


def require_vae(models: Models, config: dict[str, Any] | None) -> None:
    """Refuse a model that is not a VAE, naming what it is."""
    if not is_vae(models, config):
        kind = (config or {}).get("variant") or "non-Autoencoder-Lab"
        raise ValueError(f"this is a {kind} model, not a VAE: train one with --variant vae")


def _needs_labels(models: Models, y, n: int):
    """Refuse labels for a plain VAE and their absence for a conditional one; returns ``y``.

    (:mod:`aecore.inference` ignores labels a model does not take, so any caller can pass
    them; here, where a VAE is asked for by name, a label given to the wrong kind is a
    mistake worth naming.)
    """
    if not is_conditional(models):
        if y is not None:
            raise ValueError("labels were given but this VAE is not conditional (conditional=false)")
        return None
    if y is None:
        raise ValueError("this is a conditional VAE: give the images' labels too")
    one_hot(models, y, n)  # checks the labels' range and count
    return y


# ---------------------------------------------------------------------------- using a model
def posterior(models: Models, config: dict[str, Any], x_uint8: np.ndarray, y=None,
              batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(z_mean, z_log_var) of uint8 images, each float32 ``(n, code_dim)``."""
    x = to_model_space(x_uint8, config["scaling"])
    labels = _needs_labels(models, y, len(x))
    out = inference.predict_batches(models.encoder, inference.with_labels(models.encoder, x, labels), batch_size,
                                    all_outputs=True)
    return out[0], out[1]


def encode(models: Models, config: dict[str, Any], x_uint8: np.ndarray, y=None, batch_size: int = 512) -> np.ndarray:
    """The code means of uint8 images, float32 ``(n, code_dim)`` (labels for a conditional VAE)."""
    return inference.encode(models, config, x_uint8, batch_size, labels=_needs_labels(models, y, len(x_uint8)))


def decode(models: Models, config: dict[str, Any], codes: np.ndarray, y=None, batch_size: int = 512) -> np.ndarray:
    """Images ``(n, h, w)`` in [0, 1] drawn from codes (and labels for a conditional VAE)."""
    n = len(np.asarray(codes, dtype=np.float32).reshape((-1, *models.code_shape)))
    return inference.decode(models, config, codes, batch_size, labels=_needs_labels(models, y, n))


def reconstruct(models: Models, config: dict[str, Any], x_uint8: np.ndarray, y=None, noise_factor: float = 0.0,
                noise_kind: str = "gaussian", noise_seed: int = 0,
                batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, reconstructions from the code mean), both in [0, 1]; labels for a conditional VAE."""
    return inference.reconstruct(models, config, x_uint8, noise_factor, noise_kind, noise_seed, batch_size,
                                 labels=_needs_labels(models, y, len(x_uint8)))


def sample(models: Models, config: dict[str, Any], n: int, seed: int = 0, label=None) -> np.ndarray:
    """``n`` new images ``(n, h, w)`` in [0, 1] decoded from codes drawn from the N(0, I) prior.

    ``label`` (conditional VAE only): an int for n images of that class, or ``n`` ints;
    ``None`` on a conditional VAE cycles through the classes 0, 1, 2, ... The same seed
    gives the same images.
    """
    n = check_int("n", n, low=1, high=100_000)
    rng = np.random.default_rng(check_seed(seed))
    if label is not None and not is_conditional(models):
        raise ValueError("label needs a conditional VAE; this model was trained with conditional=false")
    if label is None and is_conditional(models):
        label = np.arange(n) % n_classes_of(models)
    codes = rng.standard_normal((n, *models.code_shape)).astype(np.float32)
    return decode(models, config, codes, None if label is None else _label_array(label, n))


def _label_array(label, n: int) -> np.ndarray:
    arr = np.asarray(label)
    if arr.dtype.kind not in "iu" or arr.ndim > 1:
        raise ValueError(f"label must be a whole number, got {label!r:.60}")
    return np.full(n, arr) if arr.ndim == 0 else arr


def interpolate(models: Models, config: dict[str, Any], x_a: np.ndarray, x_b: np.ndarray, steps: int = 10,
                y_a: int | None = None, y_b: int | None = None) -> np.ndarray:
    """Decoded images ``(steps, h, w)`` along the straight line between two images' code means.

    ``x_a`` and ``x_b`` are single uint8 images ``(h, w)``. A conditional VAE needs their
    labels; the one-hot label then moves along the line too (:func:`aecore.inference.interpolate`).
    """
    labels = None if y_a is None and y_b is None else (y_a, y_b)
    if labels is not None and None in labels:
        raise ValueError("give both labels (y_a and y_b) or neither")
    _needs_labels(models, None if labels is None else np.asarray(labels), 2)
    return inference.interpolate(models, config, x_a, x_b, steps, labels=labels)


def manifold(models: Models, config: dict[str, Any], grid: int = 15, span: float = 2.0,
             label: int | None = None) -> np.ndarray:
    """Images ``(grid, grid, h, w)`` decoded on a regular grid over a 2-d code.

    Row ``i``, column ``j`` is drawn at ``z = (x_j, y_i)`` with ``x`` running from ``-span``
    to ``span`` left to right and ``y`` from ``span`` down to ``-span`` top to bottom (as a
    plot of the code space looks). A conditional VAE draws every cell as ``label``.
    """
    if models.code_shape != (2,):
        raise ValueError(f"the manifold grid needs a 2-d code; this model's code has {models.code_size} numbers")
    grid = check_int("grid", grid, low=1, high=100)
    if isinstance(span, bool) or not isinstance(span, (int, float, np.number)) or not (0 < span <= 100):
        raise ValueError(f"span must be a number between 0 (exclusive) and 100, got {span!r}")
    xs = np.linspace(-span, span, grid, dtype=np.float32)
    ys = xs[::-1]
    codes = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    labels = None if label is None else _label_array(label, len(codes))
    images = decode(models, config, codes, labels)
    return images.reshape(grid, grid, *images.shape[1:])


def neg_elbo(models: Models, config: dict[str, Any], x_uint8: np.ndarray, y=None, seed: int = 0,
             batch_size: int = 512) -> dict[str, float]:
    """The negative ELBO in nats per image, and its two terms, on uint8 images.

    ``reconstruction`` is binary cross-entropy summed over pixels (one code drawn per image,
    seeded), ``kl`` the KL divergence of the code's posterior from N(0, I) (exact), and
    ``neg_elbo`` their sum whatever ``beta`` the model was trained with; each is a mean over
    the images. Lower is better.
    """
    m, lv = posterior(models, config, x_uint8, y, batch_size)
    rng = np.random.default_rng(check_seed(seed))
    z = m + np.exp(0.5 * lv) * rng.standard_normal(m.shape).astype(np.float32)
    x_hat = decode(models, config, z, y, batch_size)
    x = to_model_space(x_uint8, "unit")
    reconstruction = metrics.binary_crossentropy(x, x_hat) * float(np.prod(x.shape[1:]))
    kl = float(np.mean(-0.5 * np.sum(1.0 + lv - np.square(m) - np.exp(lv), axis=1)))
    return {"neg_elbo": reconstruction + kl, "reconstruction": reconstruction, "kl": kl}


# ---------------------------------------------------------------------------- training data
def make_train_data(x_uint8: np.ndarray, y: np.ndarray, config: dict[str, Any], shuffle_seed: int,
                    n_classes: int):
    """A tf.data pipeline of ``((image, one_hot_label), image)`` batches for a conditional VAE.

    Shuffles indices with the seed and gathers each batch from one uint8 tensor, as
    :func:`aecore.training.make_train_data` does for the other variants.
    """
    import tensorflow as tf

    labels = np.asarray(y)
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"the labels run from {labels.min()} to {labels.max()} but the model has {n_classes} "
                         "classes; press Reset to build it for this dataset")
    images = tf.constant(x_uint8)
    hot = tf.constant(np.eye(n_classes, dtype=np.float32)[labels])
    n = len(x_uint8)
    ds = tf.data.Dataset.range(n).shuffle(n, seed=shuffle_seed, reshuffle_each_iteration=True)
    ds = ds.batch(config["batch_size"])

    def pair(idx):
        b = tf.cast(tf.gather(images, idx), tf.float32) / 255.0
        return (b, tf.gather(hot, idx)), b

    return ds.map(pair, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def labelled_data(models: Models, config: dict[str, Any], dataset, seed: int, val_limit: int):
    """(training pipeline, validation data or None) feeding labels to a conditional VAE."""
    k = n_classes_of(models)
    train = make_train_data(dataset.x_train, dataset.y_train, config, seed, k)
    val_x, val_y = dataset.x_test[:val_limit], dataset.y_test[:val_limit]
    if not len(val_x):
        return train, None
    x = to_model_space(val_x, config["scaling"])
    return train, ((x, one_hot(models, val_y, len(val_x))), x)
