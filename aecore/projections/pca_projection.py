"""PCA: images or features onto their leading principal components."""

from __future__ import annotations

import numpy as np

from aecore.projections.features import as_features
from aecore.validation import check_int, check_random_state

__all__ = ["pca", "pca_features"]


def pca(x, n_components: int = 2, random_state: int | None = 0) -> np.ndarray:
    """Project onto the leading principal components (scikit-learn ``PCA``).

    Parameters
    ----------
    x : array_like
        uint8 images ``(n, h, w)`` (scaled to [0, 1]) or float features ``(n, d)``.
    n_components : int, default=2
        Number of components, between 1 and ``min(n, d)``.
    random_state : int or None, default=0
        Seed for the randomized SVD solver scikit-learn may pick for large inputs.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(n, n_components)``.

    Raises
    ------
    ValueError
        On malformed input or an ``n_components`` out of range.
    """
    from sklearn.decomposition import PCA

    feats = as_features(x)
    random_state = check_random_state(random_state)
    n, d = feats.shape
    n_components = check_int("n_components", n_components, 1, min(n, d),
                             f" for {n} points with {d} features")
    out = PCA(n_components=n_components, random_state=random_state).fit_transform(feats)
    return np.ascontiguousarray(out, dtype=np.float32)


def pca_features(x_fit, *others, n_components: int, random_state: int | None = 0) -> list[np.ndarray]:
    """Fit PCA on ``x_fit`` and project it and each of ``others`` onto its leading components.

    The same inputs as :func:`pca`; returns one float32 ``(n_i, n_components)`` array per
    input, ``x_fit``'s first. Unlike :func:`pca` the fitted components are kept for held-out
    data (a classifier's test images), which must not take part in the fit.
    """
    from sklearn.decomposition import PCA

    feats = as_features(x_fit, "x_fit")
    random_state = check_random_state(random_state)
    n, d = feats.shape
    n_components = check_int("n_components", n_components, 1, min(n, d),
                             f" for {n} points with {d} features")
    model = PCA(n_components=n_components, random_state=random_state).fit(feats)
    outs = [model.transform(feats)]
    for i, x in enumerate(others):
        other = as_features(x, f"others[{i}]")
        if other.shape[1] != d:
            raise ValueError(f"others[{i}] has {other.shape[1]} features but PCA was fitted on {d}")
        outs.append(model.transform(other))
    return [np.ascontiguousarray(o, dtype=np.float32) for o in outs]
