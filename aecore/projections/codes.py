"""An autoencoder's latent space in 2-D: encode with the encoder, then plot or project."""

from __future__ import annotations

import numpy as np

from aecore.inference import predict_batches
from aecore.projections.features import ProgressFn, report_progress
from aecore.projections.pca_projection import pca
from aecore.projections.tsne_projection import tsne
from aecore.validation import check_int

__all__ = ["latent", "code_to_2d"]


def latent(encoder, x, batch_size: int = 512) -> np.ndarray:
    """Encode inputs with a Keras encoder and return the flattened codes.

    The model is run as :func:`aecore.inference.encode` runs it
    (:func:`aecore.inference.predict_batches`), without the scaling from uint8 pixels.

    Parameters
    ----------
    encoder : keras.Model
        A Keras model. If it returns several outputs (a VAE's ``z_mean, z_log_var, z``),
        the first one is used.
    x : array_like
        Model-space float input, already scaled by the caller (the variant knows its
        scaling); no scaling is done here.
    batch_size : int, default=512
        Prediction batch size.

    Returns
    -------
    numpy.ndarray
        float32 array ``(n, d)``: the code flattened per sample. When ``d == 2`` it can
        be plotted directly; otherwise pass it to :func:`code_to_2d`.

    Raises
    ------
    ValueError
        If ``x`` is empty or ``batch_size`` is not a positive integer.
    """
    batch_size = check_int("batch_size", batch_size, low=1)
    arr = np.asarray(x)
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise ValueError(f"x has no samples (shape {arr.shape})")
    code = predict_batches(encoder, arr, batch_size)
    return np.ascontiguousarray(code.reshape(code.shape[0], -1), dtype=np.float32)


def code_to_2d(
    code,
    method: str = "tsne",
    random_state: int | None = 0,
    progress: ProgressFn | None = None,
    **kwargs,
) -> np.ndarray:
    """Turn latent codes into 2-D points for plotting.

    Parameters
    ----------
    code : array_like
        Codes ``(n, ...)``, flattened to ``(n, d)``.
    method : {"tsne", "pca"}, default="tsne"
        Projection used when ``d > 2``.
    random_state : int or None, default=0
        Passed to the projection.
    progress : callable, optional
        ``progress(fraction, message)``; forwarded to :func:`tsne`, called with 0.0 and
        1.0 otherwise.
    **kwargs
        Extra keyword arguments for :func:`tsne` (``perplexity``, ``n_iter``, ...).

    Returns
    -------
    numpy.ndarray
        float32 ``(n, 2)``. A 2-D code is returned unchanged (as float32); a 1-D code is
        plotted against zero (second column 0) rather than rejected.

    Raises
    ------
    ValueError
        For an unknown ``method`` or invalid projection parameters.
    """
    if method not in ("tsne", "pca"):
        raise ValueError(f"method must be one of tsne, pca; got {method!r}")
    arr = np.asarray(code)
    if arr.ndim < 2:
        raise ValueError(f"code must have shape (n, d), got {arr.shape}")
    flat = arr.reshape(arr.shape[0], -1).astype(np.float32)
    d = flat.shape[1]
    if d <= 2:
        report_progress(progress, 0.0, "Code is already 2-D")
        out = flat if d == 2 else np.hstack([flat, np.zeros_like(flat)])
        report_progress(progress, 1.0, "Code is already 2-D")
        return np.ascontiguousarray(out)
    if method == "pca":
        if kwargs:
            raise ValueError(f"unexpected arguments for method='pca': {', '.join(kwargs)}")
        report_progress(progress, 0.0, "PCA of the code")
        out = pca(flat, n_components=2, random_state=random_state)
        report_progress(progress, 1.0, "PCA done")
        return out
    return tsne(flat, random_state=random_state, progress=progress, **kwargs)
