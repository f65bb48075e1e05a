"""A linear autoencoder against PCA: PCA from scratch, principal angles, aligned bases.

Baldi & Hornik (1989): an autoencoder with no activations, trained on squared error,
reaches the subspace of the top-k principal components (not the components themselves:
any basis of that subspace reconstructs as well). This module gives the pieces to watch it
happen:

- :func:`pca_from_scratch` — centre, covariance, ``numpy.linalg.eigh``; and
  :func:`sklearn_agreement`, its largest difference to scikit-learn's ``PCA``;
- :func:`decoder_affine` — the decoder of a linear model as ``x = z @ A + c``; the rows of
  ``A`` span the reconstruction subspace (``c`` is the offset, PCA's mean plays that role);
- :func:`principal_angles` — between that span and the top-k components (0 deg = same);
- :func:`align_to_pca` — the decoder basis rotated (orthogonal Procrustes) to sit as close
  as it can to PCA's k eigen-images, so the two can be shown side by side;
- :func:`compare_with_pca` and :class:`AngleTracker` — the figures per model, per epoch.

Everything works on model-space floats (``aecore.models.to_model_space``); the MSE here is
unclipped, the quantity both methods minimise (PCA exactly, by the Eckart-Young theorem).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from aecore.inference import predict_batches
from aecore.models import Models, to_model_space
from aecore.validation import check_int
from aecore.variants import get_variant

__all__ = [
    "PCAFit", "pca_from_scratch", "sklearn_agreement", "is_linear", "decoder_affine",
    "principal_angles", "align_to_pca", "compare_with_pca", "AngleTracker",
]


@dataclass(frozen=True)
class PCAFit:
    """PCA of ``n`` flattened images of ``d`` pixels, every component kept.

    ``components`` rows are unit eigenvectors of the covariance, largest variance first;
    ``variances`` their eigenvalues (the variance along each).
    """

    mean: np.ndarray  # (d,)
    components: np.ndarray  # (d, d), one component per row
    variances: np.ndarray  # (d,), descending
    n_samples: int

    @property
    def n_features(self) -> int:
        return int(self.mean.shape[0])

    def top(self, k: int) -> np.ndarray:
        """The top-``k`` components, ``(k, d)``."""
        return self.components[: self._k(k)]

    def explained_ratio(self, k: int) -> float:
        """Share of the total variance the top-``k`` components keep."""
        total = float(self.variances.sum())
        return float(self.variances[: self._k(k)].sum() / total) if total > 0 else 0.0

    def reconstruct(self, x: np.ndarray, k: int) -> np.ndarray:
        """Project flattened ``(n, d)`` rows onto the top-``k`` subspace and back."""
        w = self.top(k)
        xc = _flat(x) - self.mean
        return (xc @ w.T) @ w + self.mean

    def mse(self, x: np.ndarray, k: int) -> float:
        """Mean squared error of the PCA-``k`` reconstruction of ``x`` (unclipped)."""
        flat = _flat(x)
        return float(np.mean((flat - self.reconstruct(flat, k)) ** 2))

    def _k(self, k: int) -> int:
        return check_int("k", k, 1, self.n_features, f" for {self.n_features}-pixel images")


def _flat(x: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[0] == 0:
        raise ValueError(f"expected a non-empty batch of images (n, ...), got shape {arr.shape}")
    return arr.reshape(arr.shape[0], -1)


def pca_from_scratch(x: Any) -> PCAFit:
    """PCA with NumPy alone: centre, covariance, eigen-decomposition.

    ``x`` is ``(n, ...)`` floats (each image is flattened); at least two images. Each
    component's sign is fixed so that its largest-magnitude pixel is positive (the
    convention scikit-learn uses), so two runs give the same pictures.
    """
    flat = _flat(x)
    n = flat.shape[0]
    if n < 2:
        raise ValueError(f"PCA needs at least 2 images, got {n}")
    mean = flat.mean(axis=0)                       # 1. the mean image
    centred = flat - mean                          # 2. centre
    cov = centred.T @ centred / (n - 1)            # 3. covariance, (d, d)
    values, vectors = np.linalg.eigh(cov)          # 4. eigenvectors of a symmetric matrix
    order = np.argsort(values)[::-1]               # 5. largest variance first
    values = np.clip(values[order], 0.0, None)     #    (round-off makes tiny ones negative)
    components = vectors[:, order].T
    rows = np.arange(len(components))
    signs = np.sign(components[rows, np.argmax(np.abs(components), axis=1)])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    return PCAFit(mean, components, values, n)


def sklearn_agreement(x: Any, k: int, fit: PCAFit | None = None) -> dict[str, float]:
    """The largest differences between :func:`pca_from_scratch` and scikit-learn's ``PCA``.

    Components are compared after aligning each one's sign (an eigenvector's sign is
    arbitrary). Returns ``components``, ``variances`` (absolute) and ``reconstruction``
    (largest pixel difference of the k-component reconstructions of ``x``).
    """
    from sklearn.decomposition import PCA

    flat = _flat(x)
    fit = fit or pca_from_scratch(flat)
    k = check_int("k", k, 1, min(flat.shape), f" for {flat.shape[0]} images of {flat.shape[1]} pixels")
    sk = PCA(n_components=k, svd_solver="full").fit(flat)
    ours = fit.top(k)
    signs = np.sign(np.sum(ours * sk.components_, axis=1))
    aligned = ours * np.where(signs == 0, 1.0, signs)[:, None]
    sk_rec = sk.inverse_transform(sk.transform(flat))
    return {
        "components": float(np.max(np.abs(aligned - sk.components_))),
        "variances": float(np.max(np.abs(fit.variances[:k] - sk.explained_variance_))),
        "reconstruction": float(np.max(np.abs(fit.reconstruct(flat, k) - sk_rec))),
    }


def is_linear(config: dict[str, Any] | None) -> bool:
    """True for a dense model with no activation anywhere (its decoder is an affine map)."""
    config = config or {}
    try:
        family = get_variant(config.get("variant")).family
    except ValueError:
        return False
    return (family == "dense" and config.get("code_activation") == "linear"
            and config.get("output_activation") == "linear"
            and (not config.get("hidden") or config.get("activation") == "linear"))


def decoder_affine(models: Models) -> tuple[np.ndarray, np.ndarray]:
    """A linear decoder as ``image = code @ A + c``: returns ``A`` ``(k, d)`` and ``c`` ``(d,)``.

    Read off by decoding the zero code and the k unit codes, so it holds for any stack of
    linear layers (and for weights shared with the encoder). Only meaningful when
    :func:`is_linear` holds for the model's configuration.
    """
    k = models.code_size
    codes = np.vstack([np.zeros((1, k)), np.eye(k)]).astype(np.float32).reshape((k + 1, *models.code_shape))
    out = predict_batches(models.decoder, codes, batch_size=k + 1).reshape(k + 1, -1).astype(np.float64)
    return out[1:] - out[0], out[0]


def principal_angles(basis: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Principal angles in degrees, smallest first, between the spans of two sets of rows.

    ``basis`` ``(k, d)`` and ``components`` ``(m, d)``; ``min(k, m)`` angles. 0 deg means
    that direction is shared; the largest angle says how far the two subspaces are apart.
    """
    from scipy.linalg import subspace_angles

    a, b = np.atleast_2d(np.asarray(basis, np.float64)), np.atleast_2d(np.asarray(components, np.float64))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"basis has {a.shape[1]} pixels per row but components have {b.shape[1]}")
    if not np.isfinite(a).all():
        raise ValueError("the decoder's weights are not finite (NaN or infinite): training diverged")
    return np.sort(np.degrees(subspace_angles(a.T, b.T)))


def align_to_pca(basis: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The orthonormal basis of ``span(basis)`` closest to ``components`` (Procrustes).

    Both ``(k, d)``. The decoder's rows are any basis of its subspace (mixed, scaled);
    rotating an orthonormal version of them by the orthogonal ``R`` that minimises
    ``||R Q - P||`` lines them up one to one with PCA's eigen-images. Returns ``(k, d)``.
    """
    from scipy.linalg import orthogonal_procrustes

    a, p = np.asarray(basis, np.float64), np.asarray(components, np.float64)
    if a.shape != p.shape:
        raise ValueError(f"basis {a.shape} and components {p.shape} must have the same shape")
    q, _ = np.linalg.qr(a.T)  # (d, k), orthonormal columns spanning the decoder's rows
    r, _ = orthogonal_procrustes(q, p.T)
    return (q @ r).T


def compare_with_pca(models: Models, config: dict[str, Any], fit: PCAFit, x_test_uint8: np.ndarray,
                     batch_size: int = 512) -> dict[str, Any]:
    """A linear model's test MSE and principal angles next to PCA with the same k.

    ``fit`` is PCA of the training images in the model's value range. Returns
    ``ae_mse`` and ``pca_mse`` (unclipped, model space), ``principal_angles_deg``
    (smallest first) and ``k``.
    """
    if not is_linear(config):
        raise ValueError(f"the {config.get('variant')!r} model has activations; principal angles to PCA "
                         "only mean something for a linear autoencoder (variant linear)")
    a, _ = decoder_affine(models)
    k = a.shape[0]
    x = to_model_space(x_test_uint8, config["scaling"])
    y = predict_batches(models.autoencoder, x, batch_size)
    return {
        "k": int(k),
        "ae_mse": float(np.mean((x.reshape(len(x), -1).astype(np.float64) - y.reshape(len(y), -1)) ** 2)),
        "pca_mse": fit.mse(x, k),
        "principal_angles_deg": [float(v) for v in principal_angles(a, fit.top(k))],
    }


class AngleTracker:
    """Principal angles to the top-k components, recorded at each epoch's end.

    Give it to :class:`aecore.training.TrainingRun` as an epoch hook
    (``run.epoch_hooks.append(tracker)``); the worker calls it with the epoch number and the
    models. :meth:`record` at epoch 0 stores the starting point. Thread-safe; a failure to
    read the weights is recorded as NaN angles, never raised into the training.
    """

    def __init__(self, components: np.ndarray):
        self.components = np.asarray(components, np.float64)
        self._lock = threading.Lock()
        self._epochs: list[int] = []
        self._angles: list[np.ndarray] = []

    def __call__(self, epoch: int, models: Models) -> None:
        self.record(epoch, models)

    def record(self, epoch: int, models: Models) -> np.ndarray:
        try:
            angles = principal_angles(decoder_affine(models)[0], self.components)
        except (ValueError, np.linalg.LinAlgError):
            angles = np.full(len(self.components), np.nan)
        with self._lock:
            if self._epochs and self._epochs[-1] == epoch:  # the same epoch again: keep the newest
                self._epochs.pop()
                self._angles.pop()
            self._epochs.append(int(epoch))
            self._angles.append(angles)
        return angles

    def history(self) -> tuple[list[int], np.ndarray]:
        """Epochs and their angles ``(n_epochs, k)`` (degrees, smallest first)."""
        with self._lock:
            k = len(self.components)
            return list(self._epochs), (np.vstack(self._angles) if self._angles else np.zeros((0, k)))
