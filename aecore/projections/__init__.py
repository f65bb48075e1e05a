"""2-D projections of images and codes: PCA, t-SNE and an autoencoder's latent space.

Every function follows the scikit-learn habit: arrays in, a ``(n, 2)`` float32 array
out, and a ``random_state`` where randomness is involved. Inputs may be uint8 images
``(n, h, w)`` (scaled to [0, 1]) or float features ``(n, d)`` (used as they are); both
are flattened to ``(n, d)`` first.

One module per job; import the names from here:

- ``features``: :func:`as_features` (inputs to a float32 matrix) and progress reports;
- ``pca_projection``: :func:`pca`, :func:`pca_features` (fit on one set, project others);
- ``tsne_projection``: :func:`tsne` (openTSNE or scikit-learn, exact kNN), the backends;
- ``codes``: :func:`latent` (run an encoder) and :func:`code_to_2d`;
- ``threads``: cores, competing threads, ``n_jobs``;
- ``openmp``: the ``OMP_WAIT_POLICY`` decision made when aecore is imported.

:func:`sample_indices` is :func:`aecore.sampling.stratified_indices`, under the name
callers have used for the projections' point samples.

The names are loaded on first use (PEP 562): ``aecore/__init__.py`` imports
``aecore.projections.openmp`` before anything else, and this file must not import NumPy
or scikit-learn on the way (see :mod:`aecore.projections.openmp`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aecore.projections.codes import code_to_2d, latent
    from aecore.projections.features import ProgressFn, as_features
    from aecore.projections.openmp import OpenMPPolicy, openmp_policy
    from aecore.projections.pca_projection import pca, pca_features
    from aecore.projections.threads import resolve_n_jobs
    from aecore.projections.tsne_projection import TSNE_BACKENDS, default_tsne_backend, tsne
    from aecore.sampling import stratified_indices as sample_indices

__all__ = [
    "pca",
    "pca_features",
    "tsne",
    "latent",
    "code_to_2d",
    "sample_indices",
    "as_features",
    "TSNE_BACKENDS",
    "default_tsne_backend",
    "ProgressFn",
    "resolve_n_jobs",
    "OpenMPPolicy",
    "openmp_policy",
    "OPENMP_PASSIVE",
]

# public name -> (module, name there)
_EXPORTS = {
    "pca": ("aecore.projections.pca_projection", "pca"),
    "pca_features": ("aecore.projections.pca_projection", "pca_features"),
    "tsne": ("aecore.projections.tsne_projection", "tsne"),
    "TSNE_BACKENDS": ("aecore.projections.tsne_projection", "TSNE_BACKENDS"),
    "default_tsne_backend": ("aecore.projections.tsne_projection", "default_tsne_backend"),
    "latent": ("aecore.projections.codes", "latent"),
    "code_to_2d": ("aecore.projections.codes", "code_to_2d"),
    "as_features": ("aecore.projections.features", "as_features"),
    "ProgressFn": ("aecore.projections.features", "ProgressFn"),
    "resolve_n_jobs": ("aecore.projections.threads", "resolve_n_jobs"),
    "OpenMPPolicy": ("aecore.projections.openmp", "OpenMPPolicy"),
    "openmp_policy": ("aecore.projections.openmp", "openmp_policy"),
    "sample_indices": ("aecore.sampling", "stratified_indices"),
    # The old private spelling, still used by bench/bench_tsne.py; remove with that use.
    "_n_jobs": ("aecore.projections.threads", "resolve_n_jobs"),
}


def __getattr__(name: str) -> Any:
    if name == "OPENMP_PASSIVE":
        # True when OpenMP's idle threads sleep (decided when aecore was imported).
        return importlib.import_module("aecore.projections.openmp").openmp_policy().passive
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
