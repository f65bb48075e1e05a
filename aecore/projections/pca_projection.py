"""PCA: images or features onto their leading principal components."""

from __future__ import annotations

import numpy as np

from aecore.projections.features import as_features
from aecore.validation import check_int, check_random_state

__all__ = ["pca"]


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
