"""An autoencoder's encoder as features for a classifier, against raw pixels and PCA.

The "autoencoder classification in Keras" recipe: train an autoencoder on unlabelled
images, keep its encoder, stack a small head on it (a dense layer, dropout, a softmax over
the classes) and train that on the labels, with the encoder frozen or fine-tuned. The
honest question is what the encoder buys, so every comparison trains the *same* head on
the *same* labelled images for the *same* epochs on three inputs ("arms"):

- ``encoder``: the autoencoder's code (frozen: the codes are computed once and the head
  trains on them, which is the same thing as a frozen encoder under the head and much
  cheaper; fine-tuned: a copy of the encoder trains with the head, the model's own encoder
  is left as it was);
- ``pca``: PCA with as many components as the code has numbers, fitted on the training
  images without their labels (as the autoencoder was);
- ``pixels``: the raw pixels in [0, 1].

A label budget is "every label" or exactly N labelled images per class
(:func:`aecore.sampling.per_class_indices`). An epoch is one pass over the labelled images,
but at least :data:`MIN_EPOCH_EXAMPLES` examples: a small set (10 images) is repeated, so
"the same epochs" gives a small budget enough updates to fit its few labels.

The head trains with :class:`ClassifierRun`, a :class:`aecore.training.TrainingRun`
over the classifier, so pause / step / stop and the live curves work as on the Train page;
its history's ``extra`` holds ``accuracy`` and ``val_accuracy`` per epoch. Validation is
on the first ``val_limit`` test images (nothing is selected on it: the epochs are fixed).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aecore import inference
from aecore.history import History
from aecore.models import Models, make_optimizer, to_model_space
from aecore.sampling import per_class_indices, stratified_indices
from aecore.stages import Stage
from aecore.training import FAILED, TrainingRun
from aecore.validation import check_seed
from aecore.variants import Param, check_param

__all__ = [
    "ARMS", "ARM_TITLES", "DEFAULTS", "BUDGETS", "MIN_EPOCH_EXAMPLES", "resolve", "check_encoder_model",
    "label_indices", "budget_text", "ArmInputs", "arm_inputs", "standardizer", "build_head", "ClassifierModels",
    "ClassifierRun", "ArmResult", "make_run", "finish", "train_arm", "compare", "confusion",
    "misclassified", "classifier_model", "save_classifier", "save_encoder", "load_classifier",
    "predict_classes", "label_efficiency",
]

ARMS = ("encoder", "pca", "pixels")
ARM_TITLES = {"encoder": "autoencoder's encoder", "pca": "PCA", "pixels": "raw pixels"}
#: the head and its training: a dense layer of ``units`` relu, dropout, softmax (the article's)
DEFAULTS: dict[str, Any] = {"units": 128, "dropout": 0.3, "fine_tune": False, "epochs": 20, "batch_size": 32,
                            "learning_rate": 0.001, "optimizer": "adam", "seed": 0, "labels_per_class": None}
#: label budgets of the label-efficiency chart (None: every label)
BUDGETS = (1, 10, 100, None)
MIN_EPOCH_EXAMPLES = 1024
PCA_FIT_LIMIT = 10_000  # PCA is fitted on at most this many training images (stratified)
_PARAMS = {
    "units": Param("units", "int", "width of the head's dense layer", 1, 4096),
    "dropout": Param("dropout", "float", "dropout rate after the head's dense layer", 0.0, 0.9),
    "fine_tune": Param("fine_tune", "bool", "train the encoder with the head (else frozen)"),
    "arm": Param("arm", "choice", "what the head is trained on", choices=ARMS),
}


def resolve(**settings: Any) -> dict[str, Any]:
    """A classifier configuration: :data:`DEFAULTS` with ``settings``, every value checked.

    Keys: ``arm`` (default "encoder"), ``units``, ``dropout``, ``fine_tune``, ``epochs``,
    ``batch_size``, ``learning_rate``, ``optimizer``, ``seed``, ``labels_per_class`` (None:
    every label). Raises ``ValueError`` naming the setting, the value and the limit.
    """
    unknown = set(settings) - set(DEFAULTS) - {"arm", "kind"}
    if unknown:
        raise ValueError(f"unknown classifier setting {sorted(unknown)[0]!r}; valid settings: "
                         f"arm, {', '.join(DEFAULTS)}")
    cfg = {"kind": "classifier", "arm": "encoder", **DEFAULTS, **settings}
    for name in ("units", "dropout", "fine_tune", "arm"):
        cfg[name] = check_param(_PARAMS[name], cfg[name])
    for name in ("epochs", "batch_size", "learning_rate", "optimizer"):
        cfg[name] = check_param(name, cfg[name])
    cfg["seed"] = check_seed(cfg["seed"])
    if cfg["labels_per_class"] is not None:
        cfg["labels_per_class"] = check_param(Param("labels per class", "int", "", 1, 10**9),
                                              cfg["labels_per_class"])
    if cfg["arm"] != "encoder":
        cfg["fine_tune"] = False  # PCA and pixels have nothing to fine-tune
    cfg["kind"] = "classifier"
    return cfg


def check_encoder_model(models: Models) -> None:
    """Refuse a model whose encoder cannot serve as features (a conditional VAE's encoder
    takes the very label the classifier should predict)."""
    if inference.is_conditional(models):
        raise ValueError("a conditional VAE's encoder takes each image's class as an input, so its code "
                         "already knows the answer; choose a plain autoencoder or VAE")


def label_indices(y: np.ndarray, labels_per_class: int | None, seed: int = 0,
                  name: str = "labels per class") -> np.ndarray:
    """The labelled training images of a budget: all of them (None) or N per class
    (``ValueError`` naming ``name`` when N is larger than the smallest class)."""
    y = np.asarray(y)
    if labels_per_class is None:
        return np.arange(len(y), dtype=np.int64)
    return per_class_indices(y, labels_per_class, seed, name)


def budget_text(labels_per_class: int | None) -> str:
    return "every label" if labels_per_class is None else f"{labels_per_class:,} per class"


# ---------------------------------------------------------------------------- inputs
@dataclass
class ArmInputs:
    """What an arm's head is fed: training and test inputs and how to scale them.

    ``scaling`` is None for float features used as they are (codes, PCA scores), "pixels"
    for uint8 pixels flattened to [0, 1], or "unit" / "centered" for uint8 images going
    into a fine-tuned encoder (its variant's model space). uint8 stays uint8 until batched.
    """

    arm: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    scaling: str | None
    class_names: tuple[str, ...]
    n_labelled: int
    seconds: float = 0.0  # computing the features (encoding, PCA)
    #: per-feature mean and variance of the head's input on the unlabelled training images
    mean: np.ndarray | None = None
    variance: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        return int(np.prod(self.x_train.shape[1:]))

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """Inputs as the model takes them (float32)."""
        if self.scaling is None:
            return np.asarray(x, dtype=np.float32)
        if self.scaling == "pixels":
            return to_model_space(x, "unit")
        return to_model_space(x, self.scaling)


def _repeat(idx: np.ndarray) -> np.ndarray:
    """A small labelled set repeated up to :data:`MIN_EPOCH_EXAMPLES` (whole copies)."""
    reps = max(1, math.ceil(MIN_EPOCH_EXAMPLES / max(len(idx), 1)))
    return np.tile(idx, reps) if reps > 1 else idx


def arm_inputs(arm: str, dataset, idx: np.ndarray, *, models: Models | None = None,
               ae_config: dict[str, Any] | None = None, fine_tune: bool = False, seed: int = 0) -> ArmInputs:
    """The inputs of one arm for the labelled training images ``dataset.x_train[idx]``.

    ``models`` and ``ae_config`` (the autoencoder) are needed by every arm: the encoder arm
    encodes with it, PCA keeps as many components as its code has numbers. PCA is fitted on
    the training images (at most :data:`PCA_FIT_LIMIT`, class-balanced) without labels.
    """
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; valid arms: {', '.join(ARMS)}")
    if models is None:
        raise ValueError("every arm needs the autoencoder (the encoder arm encodes with it, PCA keeps as many "
                         "components as its code has numbers)")
    inference.check_fits(models, dataset.image_shape, f"the dataset {dataset.name}")
    check_encoder_model(models)
    config = {"scaling": "unit", **(ae_config or {})}
    idx = np.asarray(idx, dtype=np.int64)
    t0 = time.perf_counter()
    x_lab, x_test = dataset.x_train[idx], dataset.x_test
    n = len(x_lab)
    x_fit = dataset.x_train[stratified_indices(dataset.y_train, PCA_FIT_LIMIT, seed)]  # unlabelled
    if arm == "pixels":
        train, test, scaling = x_lab.reshape(n, -1), x_test.reshape(len(x_test), -1), "pixels"
        fitted = to_model_space(x_fit.reshape(len(x_fit), -1), "unit")
    elif arm == "pca":
        from aecore.projections import pca_features

        fitted, train, test = pca_features(x_fit, x_lab, x_test, n_components=models.code_size,
                                           random_state=seed)
        scaling = None
    else:
        fitted = inference.encode(models, config, x_fit)
        if fine_tune:
            train, test, scaling = x_lab, x_test, config["scaling"]
        else:
            train, test, scaling = (inference.encode(models, config, x_lab),
                                    inference.encode(models, config, x_test), None)
        if not (np.isfinite(fitted).all() and np.isfinite(test).all()):
            raise ValueError("this model's codes contain NaN or infinite values (its training diverged); "
                             "train it again with a lower learning rate")
    mean, variance = standardizer(fitted)
    return ArmInputs(arm, train, dataset.y_train[idx], test, dataset.y_test, scaling, tuple(dataset.class_names),
                     n, time.perf_counter() - t0, mean, variance)


def standardizer(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and variance for the head's first layer (every arm's head starts by
    standardizing its input, so codes of any scale, PCA scores and pixels get the same
    treatment). A feature that barely varies (a dead code unit, a corner pixel) gets a
    variance floor of 1% of the average, so a rare non-zero value cannot blow up."""
    f = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    mean, var = f.mean(axis=0), f.var(axis=0)
    floor = max(1e-6, 0.01 * float(var.mean()))
    return mean.astype(np.float32), np.maximum(var, floor).astype(np.float32)


# ---------------------------------------------------------------------------- models
def _keras():
    import keras

    return keras


def build_head(n_features: int, n_classes: int, units: int, dropout: float, seed: int = 0, name: str = "head",
               mean: np.ndarray | None = None, variance: np.ndarray | None = None):
    """The article's head: features -> Dense(units, relu) -> Dropout -> Dense(n_classes, softmax),
    after a fixed standardization of the features when ``mean`` and ``variance`` are given
    (:func:`standardizer`; a Keras ``Normalization`` layer, so a saved file needs no custom code)."""
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((int(n_features),), name="features")
    x = inp
    if mean is not None:
        x = layers.Normalization(mean=np.asarray(mean).ravel(), variance=np.asarray(variance).ravel(),
                                 name="standardize")(x)
    x = layers.Dense(units, activation="relu", name="hidden",
                     kernel_initializer=keras.initializers.GlorotUniform(seed=seed * 1000 + 1))(x)
    x = layers.Dropout(dropout, seed=seed, name="dropout")(x)
    out = layers.Dense(n_classes, activation="softmax", name="classes",
                       kernel_initializer=keras.initializers.GlorotUniform(seed=seed * 1000 + 2))(x)
    return keras.Model(inp, out, name=name)


def _code_of(encoder, x):
    """The encoder's code of a tensor, flattened (a VAE's encoder: its mean, the first output)."""
    code = encoder(x)
    if isinstance(code, (list, tuple)):
        code = code[0]
    return _keras().layers.Flatten(name="code_flat")(code)


def _copy_encoder(encoder):
    """A trainable copy of an encoder with the same weights (fine-tuning leaves the
    autoencoder's own encoder as it was)."""
    import aecore.tied  # noqa: F401  (registered layers, as for loading)
    import aecore.vae  # noqa: F401

    keras = _keras()
    copy = keras.models.clone_model(encoder)
    copy.set_weights(encoder.get_weights())
    copy.trainable = True
    return copy


@dataclass
class ClassifierModels:
    """``trained`` is what ``fit`` trains: the head alone (on features), or a copy of the
    encoder with the head (fine-tuning, on images). ``encoder`` is the encoder the
    classifier uses (the copy when fine-tuned), None for PCA and pixels."""

    head: Any
    trained: Any
    encoder: Any = None


def classifier_model(encoder, head, image_shape: tuple[int, int]):
    """images ``(h, w)`` in the variant's model space -> class probabilities: the encoder
    with the head on its code, as one Keras model (what is saved and downloaded)."""
    keras = _keras()
    inp = keras.Input(tuple(int(s) for s in image_shape), name="image")
    return keras.Model(inp, head(_code_of(encoder, inp)), name="classifier")


class ClassifierRun(TrainingRun):
    """Train a classifier head with the Train page's controls.

    ``inputs`` are an arm's (:func:`arm_inputs`); ``encoder`` is the autoencoder's encoder
    (needed for fine-tuning, kept for saving). ``config`` is :func:`resolve`'s.
    """

    def __init__(self, config: dict[str, Any], inputs: ArmInputs, *, encoder=None, image_shape=None,
                 image_scaling: str = "unit", val_limit: int = 2000, steps_per_execution: int = 8):
        if inputs.scaling in ("unit", "centered") and encoder is None:
            raise ValueError("fine-tuning needs the encoder")
        self.inputs = inputs
        self.source_encoder = encoder
        self.image_shape = tuple(image_shape) if image_shape is not None else None
        self.image_scaling = image_scaling  # how the whole classifier's images are scaled (the encoder's)
        self.classes = len(inputs.class_names)
        order = _repeat(np.arange(len(inputs.x_train)))
        # what TrainingRun reads of a dataset: the (repeated) training inputs, the test inputs
        self.train_order = order
        super().__init__(config, _Inputs(inputs, order), val_limit=val_limit,
                         steps_per_execution=steps_per_execution)

    # the five hooks of TrainingRun
    def _resolve(self, config: dict[str, Any]) -> dict[str, Any]:
        return resolve(**{k: v for k, v in config.items() if k != "kind"})

    def _build(self) -> ClassifierModels:
        cfg = self.config
        if self.inputs.scaling in ("unit", "centered"):  # fine-tuning: image -> encoder copy -> head
            encoder = _copy_encoder(self.source_encoder)
            k = int(np.prod(encoder.outputs[0].shape[1:]))
            head = build_head(k, self.classes, cfg["units"], cfg["dropout"], cfg["seed"],
                              mean=self.inputs.mean, variance=self.inputs.variance)
            keras = _keras()
            inp = keras.Input(tuple(encoder.inputs[0].shape[1:]), name="image")
            trained = keras.Model(inp, head(_code_of(encoder, inp)), name="classifier")
            return ClassifierModels(head, trained, encoder)
        head = build_head(self.inputs.n_features, self.classes, cfg["units"], cfg["dropout"], cfg["seed"],
                          mean=self.inputs.mean, variance=self.inputs.variance)
        return ClassifierModels(head, head, self.source_encoder if self.inputs.arm == "encoder" else None)

    def _compile(self) -> None:
        self.models.trained.compile(optimizer=make_optimizer(self.config["optimizer"], self.config["learning_rate"]),
                                    loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                                    steps_per_execution=self.steps_per_execution)

    @property
    def trained_model(self):
        return self.models.trained

    def _fit_plan(self):
        import tensorflow as tf

        cfg, inputs = self.config, self.inputs
        x = tf.constant(np.ascontiguousarray(inputs.x_train))
        y = tf.constant(inputs.y_train.astype(np.int32))
        order = tf.constant(self.train_order)
        scaling = inputs.scaling

        def batch(idx):
            pos = tf.gather(order, idx)
            xb = tf.gather(x, pos)
            if scaling is not None:
                xb = tf.cast(xb, tf.float32) / 255.0
                if scaling == "centered":
                    xb = xb - 0.5
            return xb, tf.gather(y, pos)

        n = len(self.train_order)
        data = (tf.data.Dataset.range(n).shuffle(n, seed=int(cfg["seed"]), reshuffle_each_iteration=True)
                .batch(cfg["batch_size"]).map(batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))
        kwargs: dict[str, Any] = {}
        n_val = min(self.val_limit, len(inputs.x_test))
        if n_val:
            kwargs = {"validation_data": (inputs.scaled(inputs.x_test[:n_val]), inputs.y_test[:n_val]),
                      "validation_batch_size": max(cfg["batch_size"], 256)}
        stage = Stage("", cfg["epochs"], lambda train, fit_kwargs: (self.models.trained, train, fit_kwargs))
        return [stage], data, kwargs

    def _is_finite(self) -> bool:
        return all(bool(np.isfinite(w).all()) for w in self.models.trained.get_weights())

    # what the pages and the CLI read
    def predict_test(self, batch_size: int = 1024) -> np.ndarray:
        """Class probabilities of every test input ``(n_test, n_classes)`` with the weights as they are."""
        with self._predict_lock:
            return inference.predict_batches(self.models.trained, self.inputs.scaled(self.inputs.x_test), batch_size)

    def classifier(self):
        """The whole classifier on images (encoder arm only): see :func:`classifier_model`."""
        if self.models.encoder is None or self.image_shape is None:
            raise ValueError(f"only the encoder arm's classifier takes images; this one is trained on "
                             f"{ARM_TITLES[self.inputs.arm]}")
        if self.models.trained is not self.models.head:
            return self.models.trained
        return classifier_model(self.models.encoder, self.models.head, self.image_shape)


class _Inputs:
    """The part of a Dataset a :class:`TrainingRun` reads, for a classifier's inputs."""

    def __init__(self, inputs: ArmInputs, order: np.ndarray):
        self.x_train = order  # only its length is read: examples per epoch
        self.x_test = inputs.x_test
        self.class_names = inputs.class_names
        self.name = f"{inputs.arm} features"


# ---------------------------------------------------------------------------- training an arm
@dataclass
class ArmResult:
    arm: str
    accuracy: float
    y_pred: np.ndarray
    history: History
    seconds: float  # features and training
    n_labelled: int
    config: dict[str, Any] = field(default_factory=dict)


def make_run(arm: str, models: Models, ae_config: dict[str, Any], dataset, *, val_limit: int = 2000,
             **settings: Any) -> ClassifierRun:
    """An idle :class:`ClassifierRun` of one arm, for the labels of ``settings['labels_per_class']``."""
    cfg = resolve(arm=arm, **settings)
    idx = label_indices(dataset.y_train, cfg["labels_per_class"], cfg["seed"])
    inputs = arm_inputs(arm, dataset, idx, models=models, ae_config=ae_config, fine_tune=cfg["fine_tune"],
                        seed=cfg["seed"])
    return ClassifierRun(cfg, inputs, encoder=models.encoder, image_shape=dataset.image_shape,
                         image_scaling=(ae_config or {}).get("scaling", "unit"), val_limit=val_limit)


def finish(run: ClassifierRun, seconds: float | None = None) -> ArmResult:
    """The test accuracy and predictions of a run's classifier as it is now."""
    if run.status == FAILED:
        raise ValueError(run.reason or "training failed")
    pred = np.argmax(run.predict_test(), axis=1)
    acc = float(np.mean(pred == run.inputs.y_test)) if len(pred) else float("nan")
    took = run.snapshot().progress.elapsed + run.inputs.seconds if seconds is None else seconds
    return ArmResult(run.inputs.arm, acc, pred, run.history.copy(), took, run.inputs.n_labelled, dict(run.config))


def train_arm(arm: str, models: Models, ae_config: dict[str, Any], dataset, *, val_limit: int = 2000,
              timeout: float = 3600, **settings: Any) -> tuple[ArmResult, ClassifierRun]:
    """Train one arm to the end (blocking) and return its result and run."""
    t0 = time.perf_counter()
    run = make_run(arm, models, ae_config, dataset, val_limit=val_limit, **settings)
    run.start()
    run.join(timeout)
    return finish(run, time.perf_counter() - t0), run


def compare(models: Models, ae_config: dict[str, Any], dataset, arms=ARMS, **settings: Any) -> dict[str, ArmResult]:
    """The same head, labels and epochs on each arm: ``{arm: ArmResult}``."""
    return {arm: train_arm(arm, models, ae_config, dataset, **settings)[0] for arm in arms}


def label_efficiency(models: Models, ae_config: dict[str, Any], dataset, budgets=BUDGETS, arms=ARMS,
                     progress=None, **settings: Any) -> list[dict[str, Any]]:
    """Test accuracy of every arm at every label budget that fits the smallest class.

    Rows ``{"labels_per_class", "n_labelled", "arm", "accuracy"}`` (``labels_per_class`` of
    every label is the smallest class's size, for a log axis). ``progress(fraction, text)``.
    """
    smallest = int(np.unique(dataset.y_train, return_counts=True)[1].min())
    usable = [b for b in budgets if b is None or b <= smallest]
    rows, jobs = [], [(b, a) for b in usable for a in arms]
    for i, (budget, arm) in enumerate(jobs):
        if progress is not None:
            progress(i / len(jobs), f"{ARM_TITLES[arm]}, {budget_text(budget)}")
        r, _ = train_arm(arm, models, ae_config, dataset, **{**settings, "labels_per_class": budget})
        rows.append({"labels_per_class": smallest if budget is None else budget, "every_label": budget is None,
                     "n_labelled": r.n_labelled, "arm": arm, "accuracy": r.accuracy})
    if progress is not None:
        progress(1.0, "done")
    return rows


# ---------------------------------------------------------------------------- what it gets wrong
def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``(n_classes, n_classes)``: row = true class, column = predicted (scikit-learn)."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(np.asarray(y_true), np.asarray(y_pred), labels=list(range(int(n_classes))))


def misclassified(y_true: np.ndarray, y_pred: np.ndarray, n: int = 24, seed: int = 0) -> np.ndarray:
    """Indices of up to ``n`` misclassified test images, spread over the classes (seeded)."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    if len(wrong) <= n:
        return wrong
    return wrong[stratified_indices(np.asarray(y_true)[wrong], n, seed)]


# ---------------------------------------------------------------------------- saving, as the article does
def save_classifier(run: ClassifierRun, path, meta: dict[str, Any] | None = None):
    """Write the encoder arm's classifier (images in model space -> class probabilities) to
    a ``.keras`` file that loads in safe mode; ``meta`` goes in with the run's settings."""
    from aecore.store import save_keras_file

    info = {"kind": "classifier", "config": run.config, "history": run.history.to_dict(),
            "scaling": run.image_scaling, "class_names": list(run.inputs.class_names), **(meta or {})}
    return save_keras_file(run.classifier(), path, info)


def save_encoder(run: ClassifierRun, path, meta: dict[str, Any] | None = None):
    """Write the classifier's encoder (the fine-tuned copy, or the autoencoder's own) to ``.keras``."""
    from aecore.store import save_keras_file

    if run.models.encoder is None:
        raise ValueError(f"a classifier on {ARM_TITLES[run.inputs.arm]} has no encoder")
    return save_keras_file(run.models.encoder, path, {"kind": "encoder", "fine_tuned": bool(run.config["fine_tune"]),
                                                      **(meta or {})})


def load_classifier(path) -> tuple[Any, dict[str, Any]]:
    """(Keras model, its embedded metadata) of a saved classifier, loaded in safe mode."""
    import json
    import zipfile
    from pathlib import Path

    import aecore.tied  # noqa: F401
    import aecore.vae  # noqa: F401
    from aecore.store import META_MEMBER, StoreError

    path = Path(path)
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise StoreError(f"{str(path)!r} is not a .keras model file")
    model = _keras().models.load_model(path, safe_mode=True, compile=False)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read(META_MEMBER)) if META_MEMBER in zf.namelist() else {}
    return model, meta


def predict_classes(model, x_uint8: np.ndarray, scaling: str = "unit", batch_size: int = 1024) -> np.ndarray:
    """Predicted class of each uint8 image by a saved classifier."""
    probs = inference.predict_batches(model, to_model_space(x_uint8, scaling), batch_size)
    return np.argmax(probs, axis=1)
