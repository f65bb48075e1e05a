"""Reconstruction error as an outlier score: which images are typical, which are not.

An autoencoder reconstructs well what looks like its training data and badly what does
not, so each image's reconstruction error ranks it from typical to atypical. Mixing in
images from elsewhere (another dataset, or noise) turns that into a detector whose quality
is the ROC curve's area: the chance that a random outlier scores higher than a random
inlier. A threshold splits the mix into flagged and passed images.

Scores are the per-image mean squared error in pixel space [0, 1] of clean inputs
(:func:`aecore.inference.reconstruct` and :func:`aecore.metrics.reconstruction_errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from aecore import metrics
from aecore.inference import check_fits, reconstruct
from aecore.models import Models
from aecore.sampling import stratified_indices
from aecore.validation import check_int, check_seed

__all__ = [
    "NOISE", "OUTLIER_SOURCES", "QUANTILES", "reconstruction_scores", "rank", "outlier_images",
    "Mix", "mix", "roc", "threshold_counts", "quantiles", "summary",
]

NOISE = "noise"  # uniform noise images, as an outlier source
#: outlier sources offered besides "another dataset": a name -> what it is
OUTLIER_SOURCES = {"fashion_mnist": "Fashion-MNIST clothes", "mnist_sample": "MNIST digits (offline sample)",
                   NOISE: "uniform noise"}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def reconstruction_scores(models: Models, config: dict[str, Any], x_uint8: np.ndarray,
                          batch_size: int = 512) -> np.ndarray:
    """Each image's reconstruction error (MSE in [0, 1] pixel space), float64 ``(n,)``."""
    x = np.asarray(x_uint8)
    if x.ndim != 3 or len(x) == 0:
        raise ValueError(f"expected a non-empty batch of images (n, h, w), got shape {x.shape}")
    check_fits(models, x.shape[1:], "these images")
    inputs, recon = reconstruct(models, config, x, batch_size=batch_size)
    return metrics.reconstruction_errors(inputs, recon)


def rank(scores: np.ndarray) -> np.ndarray:
    """Indices from the most typical (lowest error) to the most atypical (highest)."""
    return np.argsort(np.asarray(scores, dtype=np.float64), kind="stable")


def outlier_images(source: str, n: int, image_shape: tuple[int, int], seed: int = 0,
                   root: str | None = None) -> np.ndarray:
    """``n`` uint8 outlier images of ``image_shape``: uniform noise, or a dataset's test images.

    ``source`` is :data:`NOISE` or a dataset name or path (``aecore.data.load_dataset``);
    a dataset's images are a seeded class-balanced draw from its test set (all of them
    when it has fewer). Raises ``ValueError`` when the dataset's images are another size.
    """
    n = check_int("n", n, 1, 100_000)
    seed = check_seed(seed)
    h, w = (int(s) for s in image_shape)
    if source == NOISE:
        return np.random.default_rng(seed).integers(0, 256, size=(n, h, w), dtype=np.uint8)
    from aecore.data import load_dataset

    try:
        ds = load_dataset(source, root=root)
    except ValueError as exc:
        raise ValueError(f"outliers {source!r}: {exc}; or '{NOISE}' for uniform noise images") from None
    if ds.image_shape != (h, w):
        raise ValueError(f"the outliers from {ds.name} are {ds.image_shape[0]}x{ds.image_shape[1]} images but "
                         f"the model takes {h}x{w}; choose outliers of the same size, or noise")
    if n >= len(ds.x_test):
        return np.array(ds.x_test)
    return ds.x_test[np.sort(stratified_indices(ds.y_test, n, seed))]


@dataclass(frozen=True)
class Mix:
    """Inliers and outliers with their scores; ``is_outlier`` marks the outliers in ``scores``."""

    inlier_scores: np.ndarray
    outlier_scores: np.ndarray

    @property
    def scores(self) -> np.ndarray:
        return np.concatenate([self.inlier_scores, self.outlier_scores])

    @property
    def is_outlier(self) -> np.ndarray:
        return np.concatenate([np.zeros(len(self.inlier_scores), bool), np.ones(len(self.outlier_scores), bool)])


def mix(models: Models, config: dict[str, Any], inliers: np.ndarray, outliers: np.ndarray) -> Mix:
    """Score inliers and outliers (uint8 images of the model's size) with one model."""
    return Mix(reconstruction_scores(models, config, inliers), reconstruction_scores(models, config, outliers))


def _check_mix(m: Mix) -> None:
    if len(m.inlier_scores) == 0 or len(m.outlier_scores) == 0:
        raise ValueError(f"the ROC curve needs inliers and outliers, got {len(m.inlier_scores)} inliers "
                         f"and {len(m.outlier_scores)} outliers")
    if not (np.isfinite(m.inlier_scores).all() and np.isfinite(m.outlier_scores).all()):
        raise ValueError("some reconstruction errors are NaN or infinite: the model is broken (diverged)")


def roc(m: Mix) -> dict[str, Any]:
    """The ROC curve of the score as an outlier detector, and its area.

    Returns ``fpr`` (inliers flagged), ``tpr`` (outliers caught), ``thresholds`` (the
    score from which an image is flagged at each point) and ``auc``. An AUC of 1 separates
    them perfectly, 0.5 is chance, below 0.5 means the outliers reconstruct *better*.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    _check_mix(m)
    fpr, tpr, thresholds = roc_curve(m.is_outlier, m.scores)
    return {"fpr": fpr, "tpr": tpr, "thresholds": thresholds, "auc": float(roc_auc_score(m.is_outlier, m.scores))}


def threshold_counts(m: Mix, threshold: float) -> dict[str, int]:
    """What a threshold flags (score >= threshold): outliers ``caught`` and ``missed``,
    inliers ``false_alarms`` (flagged) and ``passed``."""
    t = float(threshold)
    caught = int(np.sum(m.outlier_scores >= t))
    alarms = int(np.sum(m.inlier_scores >= t))
    return {"caught": caught, "missed": len(m.outlier_scores) - caught,
            "false_alarms": alarms, "passed": len(m.inlier_scores) - alarms}


def quantiles(scores: np.ndarray, qs: tuple[float, ...] = QUANTILES) -> dict[str, float]:
    """``{"q05": ..., "q50": ..., ...}`` of the scores."""
    values = np.quantile(np.asarray(scores, dtype=np.float64), qs)
    return {f"q{round(q * 100):02d}": float(v) for q, v in zip(qs, values, strict=True)}


def summary(m: Mix) -> dict[str, Any]:
    """AUC, counts and error quantiles of a mix (what the CLI prints)."""
    r = roc(m)
    return {"auc": r["auc"], "n_inliers": int(len(m.inlier_scores)), "n_outliers": int(len(m.outlier_scores)),
            "inlier_error": quantiles(m.inlier_scores), "outlier_error": quantiles(m.outlier_scores)}
