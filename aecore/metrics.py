"""Quality measures for reconstructions and 2-D embeddings.

Reconstruction metrics compare images in the same value range (model space, e.g. [0, 1])
and work per image: each image is flattened first. Embedding metrics score how well a
2-D map keeps classes apart (kNN accuracy, silhouette) and keeps neighbourhoods
(trustworthiness). All results are plain Python floats or float64 numpy arrays, finite
where a plot or JSON needs them to be (PSNR is capped at :data:`PSNR_CAP_DB`).
"""

from __future__ import annotations

import math

import numpy as np

from aecore.validation import check_int

__all__ = [
    "PSNR_CAP_DB",
    "reconstruction_errors",
    "mean_reconstruction_error",
    "psnr",
    "mean_psnr",
    "binary_crossentropy",
    "knn_accuracy",
    "knn_accuracy_split",
    "trustworthiness",
    "silhouette",
    "embedding_scores",
]

#: PSNR reported for a perfect reconstruction (and the ceiling for any image), in dB.
PSNR_CAP_DB = 100.0


# --------------------------------------------------------------------------- helpers


def _pair(x, x_hat, names=("x", "x_hat")):
    a = np.asarray(x)
    b = np.asarray(x_hat)
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}"
        )
    if a.ndim < 2 or a.shape[0] == 0:
        raise ValueError(
            f"{names[0]} and {names[1]} must be non-empty batches (n, ...), got shape {a.shape}"
        )
    n = a.shape[0]
    return a.reshape(n, -1).astype(np.float64), b.reshape(n, -1).astype(np.float64)


def _embedding(emb, name="emb") -> np.ndarray:
    arr = np.asarray(emb)
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty array (n, d), got shape {arr.shape}")
    arr = arr.reshape(arr.shape[0], -1)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / np.float32(255.0)
    return arr.astype(np.float64, copy=False)


def _labels(y, n: int, emb_name: str, emb_shape, y_name: str = "y") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"{y_name} must be 1-D with one label per row of {emb_name}, got {y_name} shape "
            f"{arr.shape} and {emb_name} shape {tuple(emb_shape)}"
        )
    return arr


# --------------------------------------------------------------------------- reconstruction


def reconstruction_errors(x, x_hat) -> np.ndarray:
    """Per-image mean squared error.

    Parameters
    ----------
    x, x_hat : array_like
        Originals and reconstructions, same shape ``(n, ...)`` and same value range.

    Returns
    -------
    numpy.ndarray
        float64 array ``(n,)``: the MSE of each flattened image.

    Raises
    ------
    ValueError
        If the shapes differ (both are named) or the batch is empty.
    """
    a, b = _pair(x, x_hat)
    return np.mean((a - b) ** 2, axis=1)


def mean_reconstruction_error(x, x_hat) -> float:
    """Mean over images of :func:`reconstruction_errors`.

    Parameters
    ----------
    x, x_hat : array_like
        Originals and reconstructions, same shape ``(n, ...)``.

    Returns
    -------
    float
        Mean squared error.
    """
    return float(np.mean(reconstruction_errors(x, x_hat)))


def psnr(x, x_hat, data_range: float = 1.0) -> np.ndarray:
    """Per-image peak signal-to-noise ratio in dB, capped at :data:`PSNR_CAP_DB`.

    ``10 * log10(data_range**2 / mse)``. A perfect reconstruction would be +inf; it is
    reported as 100 dB (and no image scores above that) so tables, JSON and plots stay
    finite.

    Parameters
    ----------
    x, x_hat : array_like
        Originals and reconstructions, same shape ``(n, ...)``.
    data_range : float, default=1.0
        Peak-to-peak range of the values (1.0 for [0, 1] or [-0.5, 0.5], 255 for uint8).

    Returns
    -------
    numpy.ndarray
        float64 array ``(n,)``.

    Raises
    ------
    ValueError
        If the shapes differ, ``data_range`` is not positive, or a value is NaN or infinite.
    """
    if not (isinstance(data_range, (int, float, np.number)) and data_range > 0):
        raise ValueError(f"data_range must be a positive number, got {data_range!r}")
    mse = reconstruction_errors(x, x_hat)
    if not np.isfinite(mse).all():  # else NaN > 0 is False and a NaN image scores the 100 dB cap
        raise ValueError(f"{'x_hat' if np.isfinite(x).all() else 'x'} contains NaN or infinite values")
    out = np.full(mse.shape, PSNR_CAP_DB, dtype=np.float64)
    pos = mse > 0
    with np.errstate(divide="ignore"):
        out[pos] = 10.0 * np.log10(float(data_range) ** 2 / mse[pos])
    return np.minimum(out, PSNR_CAP_DB)


def mean_psnr(x, x_hat, data_range: float = 1.0) -> float:
    """Mean over images of the capped per-image :func:`psnr`.

    Parameters
    ----------
    x, x_hat : array_like
        Originals and reconstructions, same shape ``(n, ...)``.
    data_range : float, default=1.0
        Peak-to-peak range of the values.

    Returns
    -------
    float
        Mean PSNR in dB (at most 100).
    """
    return float(np.mean(psnr(x, x_hat, data_range=data_range)))


def binary_crossentropy(x, x_hat, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy between targets ``x`` and predictions ``x_hat``.

    Same value as Keras' ``binary_crossentropy`` loss averaged over a batch of equally
    sized images: predictions are clipped to ``[eps, 1 - eps]``.

    Parameters
    ----------
    x : array_like
        Targets in [0, 1], shape ``(n, ...)``.
    x_hat : array_like
        Predicted probabilities, same shape.
    eps : float, default=1e-7
        Clipping for the logarithms, in (0, 0.5).

    Returns
    -------
    float
        Mean BCE over all pixels.

    Raises
    ------
    ValueError
        If the shapes differ, ``eps`` is out of range or ``x`` leaves [0, 1] (BCE is
        meaningless for centered data; report MSE there).
    """
    if not (isinstance(eps, (int, float, np.number)) and 0 < eps < 0.5):
        raise ValueError(f"eps must be between 0 and 0.5 (exclusive), got {eps!r}")
    a, b = _pair(x, x_hat)
    lo, hi = float(a.min()), float(a.max())
    if lo < -1e-6 or hi > 1 + 1e-6:
        raise ValueError(
            f"binary_crossentropy needs targets x in [0, 1], got values in [{lo:g}, {hi:g}]"
        )
    p = np.clip(b, eps, 1.0 - eps)
    loss = -(a * np.log(p) + (1.0 - a) * np.log1p(-p))
    return float(np.mean(loss))


# --------------------------------------------------------------------------- embeddings


def knn_accuracy(emb_train, y_train, emb_test, y_test, k: int = 5) -> float:
    """Accuracy of a k-nearest-neighbour classifier fitted on train points.

    Parameters
    ----------
    emb_train : array_like
        Training embedding ``(n_train, d)`` (higher-rank input is flattened per row).
    y_train : array_like
        Training labels ``(n_train,)``.
    emb_test : array_like
        Test embedding ``(n_test, d)``, same ``d``.
    y_test : array_like
        Test labels ``(n_test,)``.
    k : int, default=5
        Neighbours; between 1 and ``n_train``.

    Returns
    -------
    float
        Fraction of test points whose majority-vote label is right.

    Raises
    ------
    ValueError
        On mismatched lengths or widths (both shapes are named) or ``k`` out of range.
    """
    from sklearn.neighbors import KNeighborsClassifier

    tr = _embedding(emb_train, "emb_train")
    te = _embedding(emb_test, "emb_test")
    ytr = _labels(y_train, tr.shape[0], "emb_train", np.shape(emb_train), "y_train")
    yte = _labels(y_test, te.shape[0], "emb_test", np.shape(emb_test), "y_test")
    if tr.shape[1] != te.shape[1]:
        raise ValueError(
            f"emb_train and emb_test must have the same width, got {np.shape(emb_train)} "
            f"and {np.shape(emb_test)}"
        )
    n_train = tr.shape[0]
    k = check_int("k", k, 1, n_train, f" for {n_train} training points")
    clf = KNeighborsClassifier(n_neighbors=k).fit(tr, ytr)
    return float(clf.score(te, yte))


def knn_accuracy_split(emb, y, k: int = 5, test_fraction: float = 0.3, seed: int = 0) -> float:
    """kNN accuracy inside a single embedding, via a seeded train/test split.

    For embeddings with no separate training set (t-SNE has no ``transform``): the
    points are split ``1 - test_fraction`` / ``test_fraction``, stratified by label when
    every class has at least 2 members (otherwise a plain random split), and
    :func:`knn_accuracy` is computed.

    Parameters
    ----------
    emb : array_like
        Embedding ``(n, d)``.
    y : array_like
        Labels ``(n,)``.
    k : int, default=5
        Neighbours; at most the training part's size.
    test_fraction : float, default=0.3
        Share of points held out, in (0, 1).
    seed : int, default=0
        Seed for the split.

    Returns
    -------
    float
        Test accuracy.

    Raises
    ------
    ValueError
        On mismatched lengths, too few points or parameters out of range.
    """
    from sklearn.model_selection import train_test_split

    e = _embedding(emb)
    labels = _labels(y, e.shape[0], "emb", np.shape(emb))
    if not (isinstance(test_fraction, (float, int, np.number)) and 0 < test_fraction < 1):
        raise ValueError(f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction!r}")
    n = e.shape[0]
    n_test = math.ceil(n * test_fraction)
    if n < 2 or n_test >= n:
        raise ValueError(f"knn_accuracy_split needs at least 2 points and some left to train on, got {n}")
    _, counts = np.unique(labels, return_counts=True)
    stratify = labels if counts.min() >= 2 and n_test >= len(counts) and n - n_test >= len(counts) else None
    e_tr, e_te, y_tr, y_te = train_test_split(
        e, labels, test_size=n_test, random_state=seed, stratify=stratify
    )
    return knn_accuracy(e_tr, y_tr, e_te, y_te, k=k)


def trustworthiness(x_high, emb, n_neighbors: int = 5, max_points: int = 2000, seed: int = 0) -> float:
    """How well the embedding's neighbourhoods are true neighbourhoods (0..1, 1 = all).

    scikit-learn's ``sklearn.manifold.trustworthiness`` on the flattened high-dimensional
    points (uint8 images are scaled to [0, 1]; ranks do not depend on it). It builds two
    ``n x n`` distance and rank matrices, O(n^2) memory, so above ``max_points`` points
    it is computed on a seeded uniform random subset of ``max_points`` points (not
    stratified) — an estimate, the same subset for the same ``seed`` and ``n``.

    Parameters
    ----------
    x_high : array_like
        Original points ``(n, ...)``.
    emb : array_like
        Embedding ``(n, d)``.
    n_neighbors : int, default=5
        Neighbourhood size; must be below half the (subsampled) number of points.
    max_points : int, default=2000
        Subsample above this size.
    seed : int, default=0
        Seed for the subsample.

    Returns
    -------
    float
        Trustworthiness in [0, 1].

    Raises
    ------
    ValueError
        On mismatched lengths (both shapes are named) or ``n_neighbors`` out of range.
    """
    from sklearn.manifold import trustworthiness as _tw

    hi = _embedding(x_high, "x_high")
    lo = _embedding(emb)
    if hi.shape[0] != lo.shape[0]:
        raise ValueError(
            f"x_high and emb must have the same number of points, got {np.shape(x_high)} "
            f"and {np.shape(emb)}"
        )
    max_points = check_int("max_points", max_points, low=3)
    n = hi.shape[0]
    if n > max_points:
        idx = np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))
        hi, lo = hi[idx], lo[idx]
        n = max_points
    limit = (n - 1) // 2
    if limit < 1:
        raise ValueError(f"trustworthiness needs at least 3 points, got {n}")
    n_neighbors = check_int("n_neighbors", n_neighbors, 1, limit, f" for {n} points")
    return float(_tw(hi, lo, n_neighbors=n_neighbors))


def silhouette(emb, y, max_points: int = 5000, seed: int = 0) -> float:
    """Silhouette score of the labelled embedding (-1..1, higher = classes apart).

    scikit-learn's ``silhouette_score`` (euclidean). Above ``max_points`` points it is
    computed on a seeded random subset. Returns ``nan`` rather than raising when it is
    undefined: fewer than 2 classes, as many classes as points, or non-finite values in
    the embedding (e.g. a diverged model).

    Parameters
    ----------
    emb : array_like
        Embedding ``(n, d)``.
    y : array_like
        Labels ``(n,)``.
    max_points : int, default=5000
        Subsample above this size.
    seed : int, default=0
        Seed for the subsample.

    Returns
    -------
    float
        Silhouette score, or ``nan`` when undefined.

    Raises
    ------
    ValueError
        On mismatched lengths (both shapes are named).
    """
    from sklearn.metrics import silhouette_score

    e = _embedding(emb)
    labels = _labels(y, e.shape[0], "emb", np.shape(emb))
    max_points = check_int("max_points", max_points, low=2)
    n = e.shape[0]
    if n > max_points:
        idx = np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))
        e, labels = e[idx], labels[idx]
        n = max_points
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= n or not np.all(np.isfinite(e)):
        return float("nan")
    return float(silhouette_score(e, labels))


def embedding_scores(x_high, emb, y, k: int = 5, seed: int = 0) -> dict:
    """The latent page's table row: kNN accuracy, trustworthiness, silhouette.

    Parameters
    ----------
    x_high : array_like
        Original points ``(n, ...)`` (images or features).
    emb : array_like
        2-D (or any-width) embedding ``(n, d)``.
    y : array_like
        Labels ``(n,)``.
    k : int, default=5
        Neighbours for both kNN accuracy and trustworthiness.
    seed : int, default=0
        Seed for the split and the subsamples.

    Returns
    -------
    dict
        ``{f"knn{k}": ..., "trustworthiness": ..., "silhouette": ...}`` (``"knn5"`` at the
        default ``k``), floats. kNN uses :func:`knn_accuracy_split` (30% held out). If the
        embedding has non-finite values every score is ``nan``.

    Raises
    ------
    ValueError
        On mismatched lengths (shapes are named) or ``k`` out of range.
    """
    e = _embedding(emb)
    if np.shape(x_high)[:1] != e.shape[:1]:
        raise ValueError(
            f"x_high and emb must have the same number of points, got {np.shape(x_high)} "
            f"and {np.shape(emb)}"
        )
    _labels(y, e.shape[0], "emb", np.shape(emb))
    key = f"knn{k}"
    if not np.all(np.isfinite(e)):
        nan = float("nan")
        return {key: nan, "trustworthiness": nan, "silhouette": nan}
    return {
        key: knn_accuracy_split(e, y, k=k, seed=seed),
        "trustworthiness": trustworthiness(x_high, e, n_neighbors=k, seed=seed),
        "silhouette": silhouette(e, y, seed=seed),
    }
