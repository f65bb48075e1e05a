"""t-SNE: two backends (openTSNE, scikit-learn) behind one function, with progress.

The backend is openTSNE (Barnes-Hut gradient) by default. It was chosen by measuring it
side by side with scikit-learn's ``TSNE`` on 5,000 MNIST digits (see
``bench/bench_tsne.py`` and ``bench/results/tsne.md``): at the same perplexity and
iteration count it reached the same quality with 1.1-1.2x less CPU work and was at least
as fast in wall time, and it reports progress through per-iteration callbacks, which
scikit-learn has no way to do. The FFT gradient was 1.7x slower than Barnes-Hut at 5k.
Thread counts come from :func:`aecore.projections.threads.resolve_n_jobs`.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from aecore.projections.features import ProgressFn, as_features, report_progress
from aecore.projections.pca_projection import pca
from aecore.projections.threads import resolve_n_jobs
from aecore.validation import check_int, check_optional_int, check_random_state

__all__ = ["EXACT_KNN_MAX_POINTS", "TSNE_BACKENDS", "default_tsne_backend", "tsne"]


#: Valid values of ``tsne(backend=...)``.
TSNE_BACKENDS = ("auto", "opentsne", "sklearn")

# Exact neighbour search (chunked brute force) beats openTSNE's Annoy index up to well past
# 10k points on this class of machine, is deterministic and lets us report progress per
# chunk; above this size its O(n^2) cost loses to Annoy.
EXACT_KNN_MAX_POINTS = 20_000
# Keep each distance chunk around 32 MB of float64.
_KNN_CHUNK_ELEMENTS = 4_000_000
# Share of the progress bar for the steps before the optimisation, roughly their share of
# the wall time at 5k points (PCA ~2%, neighbours + affinities ~6%).
_FRAC_PCA = 0.02
_FRAC_AFFINITIES = 0.08
# Progress is reported at least this often during the optimisation (fraction of iterations).
_PROGRESS_STEP = 0.025


def _has_opentsne() -> bool:
    try:
        import openTSNE  # noqa: F401
    except ImportError:
        return False
    return True


def default_tsne_backend() -> str:
    """Return the backend that ``tsne(backend="auto")`` uses here.

    Returns
    -------
    str
        ``"opentsne"`` when openTSNE is importable (the measured winner), else
        ``"sklearn"``.
    """
    return "opentsne" if _has_opentsne() else "sklearn"


def _validate_tsne(n: int, perplexity, n_iter, pca_dims, backend) -> tuple[int, int | None]:
    """Check the parameters against ``n`` points; return ``(n_iter, pca_dims)`` as ints."""
    if n < 5:
        raise ValueError(f"t-SNE needs at least 5 points, got {n}")
    # Perplexity is a real number, so it has no check in aecore.validation.
    if isinstance(perplexity, bool) or not isinstance(perplexity, (int, float, np.number)) or not (
        1 <= float(perplexity) <= n - 1
    ):
        raise ValueError(
            f"perplexity must be between 1 and {n - 1} for {n} points, got {perplexity!r}"
        )
    n_iter = check_int("n_iter", n_iter, low=50)
    pca_dims = check_optional_int("pca_dims", pca_dims, low=2, what=" or None")
    if backend not in TSNE_BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(TSNE_BACKENDS)}; got {backend!r}")
    return n_iter, pca_dims


def _exact_knn(x: np.ndarray, k: int, progress, start: float, stop: float):
    """Exact k nearest neighbours (self excluded), in row chunks with progress."""
    from sklearn.metrics.pairwise import euclidean_distances

    n = x.shape[0]
    sq = np.einsum("ij,ij->i", x, x)[None, :]
    rows = max(1, min(math.ceil(n / 10), _KNN_CHUNK_ELEMENTS // n))
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float64)
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        d2 = euclidean_distances(x[i0:i1], x, Y_norm_squared=sq, squared=True)
        d2[np.arange(i1 - i0), np.arange(i0, i1)] = np.inf
        if k < n - 1:
            part = np.argpartition(d2, k, axis=1)[:, :k]
        else:
            part = np.argsort(d2, axis=1)[:, :k]
        pd = np.take_along_axis(d2, part, axis=1)
        order = np.argsort(pd, axis=1, kind="stable")
        indices[i0:i1] = np.take_along_axis(part, order, axis=1)
        distances[i0:i1] = np.sqrt(np.maximum(np.take_along_axis(pd, order, axis=1), 0.0))
        report_progress(
            progress, start + (stop - start) * i1 / n, f"Finding nearest neighbours ({i1}/{n})"
        )
    return indices, distances


def _tsne_opentsne(xr, perplexity, random_state, n_iter, n_jobs, progress, f0):
    import openTSNE
    from openTSNE import affinity, initialization, nearest_neighbors

    n = xr.shape[0]
    x64 = np.ascontiguousarray(xr, dtype=np.float64)
    k = min(n - 1, int(3 * perplexity))
    f_opt = f0 + _FRAC_AFFINITIES
    f_knn = f0 + 0.6 * _FRAC_AFFINITIES
    report_progress(progress, f0, "Finding nearest neighbours")
    if n <= EXACT_KNN_MAX_POINTS:
        idx, dist = _exact_knn(x64, k, progress, f0, f_knn)
        knn_index = nearest_neighbors.PrecomputedNeighbors(idx, dist)
    else:
        knn_index = nearest_neighbors.Annoy(
            x64, k, metric="euclidean", n_jobs=n_jobs, random_state=random_state
        )
    report_progress(progress, f_knn, "Computing affinities")
    aff = affinity.PerplexityBasedNN(
        perplexity=float(perplexity), knn_index=knn_index, n_jobs=n_jobs
    )
    init = initialization.pca(x64, n_components=2, random_state=random_state)
    report_progress(progress, f_opt, "Optimising embedding")

    # openTSNE.TSNE.fit's schedule (exaggeration 12, then none; momentum 0.8; learning rate
    # n / exaggeration), with the early phase capped at half the iterations.
    ee_iter = min(250, n_iter // 2)
    main_iter = n_iter - ee_iter
    every = max(1, int(n_iter * _PROGRESS_STEP))

    def make_callback(offset: int, phase: str):
        def callback(iteration, error, embedding):
            done = offset + iteration
            report_progress(
                progress,
                f_opt + (1.0 - f_opt) * done / n_iter,
                f"t-SNE {phase}: iteration {done}/{n_iter}, KL {error:.3f}",
            )
            return False

        return callback

    emb = openTSNE.TSNEEmbedding(
        init,
        aff,
        negative_gradient_method="bh",
        random_state=random_state,
        n_jobs=n_jobs,
        learning_rate="auto",
        momentum=0.8,
        theta=0.5,
        max_step_norm=5,
    )
    cb_kwargs = {"callbacks_every_iters": every} if progress is not None else {}
    if ee_iter > 0:
        emb = emb.optimize(
            n_iter=ee_iter,
            exaggeration=12,
            momentum=0.8,
            inplace=True,
            callbacks=make_callback(0, "early exaggeration") if progress is not None else None,
            **cb_kwargs,
        )
    emb = emb.optimize(
        n_iter=main_iter,
        exaggeration=None,
        momentum=0.8,
        inplace=True,
        callbacks=make_callback(ee_iter, "refining") if progress is not None else None,
        **cb_kwargs,
    )
    return np.asarray(emb)


def _tsne_sklearn(xr, perplexity, random_state, n_iter, n_jobs, progress, f0):
    from sklearn.manifold import TSNE

    # scikit-learn renamed n_iter to max_iter (1.5); ask the installed version.
    params = inspect.signature(TSNE).parameters
    iter_kw = "max_iter" if "max_iter" in params else "n_iter"
    from threadpoolctl import threadpool_limits

    report_progress(progress, f0, "Running scikit-learn t-SNE (no intermediate progress)")
    model = TSNE(
        n_components=2,
        perplexity=float(perplexity),
        init="pca",
        learning_rate="auto",
        random_state=random_state,
        n_jobs=n_jobs,
        **{iter_kw: int(n_iter)},
    )
    # scikit-learn's gradient uses every core through OpenMP whatever n_jobs says.
    with threadpool_limits(limits=n_jobs, user_api="openmp"):
        return model.fit_transform(xr)


def tsne(
    x,
    perplexity: float = 30.0,
    random_state: int | None = 0,
    n_iter: int = 500,
    progress: ProgressFn | None = None,
    pca_dims: int | None = 50,
    backend: str = "auto",
    n_jobs: int | None = -1,
) -> np.ndarray:
    """Embed points in 2-D with t-SNE.

    The pipeline is the standard one: scale uint8 images to [0, 1], reduce to
    ``pca_dims`` principal components when there are more features than that, find the
    ``3 * perplexity`` exact nearest neighbours (openTSNE's Annoy index above 20,000
    points), then optimise with openTSNE's Barnes-Hut gradients: ``min(250, n_iter // 2)``
    iterations of early exaggeration (12) and the rest without, learning rate
    ``n / exaggeration``, momentum 0.8, PCA initialisation.

    Parameters
    ----------
    x : array_like
        uint8 images ``(n, h, w)`` or float features ``(n, d)``; at least 5 points.
    perplexity : float, default=30.0
        Effective number of neighbours; must be between 1 and ``n - 1`` (scikit-learn's
        rule is ``0 < perplexity < n``; values below 1 are meaningless for t-SNE and are
        rejected rather than adjusted). Nothing is clamped.
    random_state : int or None, default=0
        Seed for PCA and the initialisation. With an int the result is reproducible.
    n_iter : int, default=500
        Total optimisation iterations, early exaggeration included (scikit-learn's
        ``max_iter`` convention). The default 250 + 250 is cheaper than openTSNE's
        250 + 500 and scikit-learn's 1000; on 5,000 MNIST digits it measured the same
        trustworthiness and kNN accuracy (bench/results/tsne.md) in ~25% less time, which
        the 10 s first-view goal needs. Pass 750 or more for a final, more settled map.
        At least 50 (250 with the ``"sklearn"`` backend).
    progress : callable, optional
        ``progress(fraction, message)``, called with ``fraction`` rising from 0.0 to 1.0:
        before and after each preparatory step, per neighbour-search chunk, and every
        2.5% of the optimisation iterations; always once with 1.0 at the end. Raising
        an exception from it aborts the computation. The ``"sklearn"`` backend has no
        callback API, so it reports only the start and the end.
    pca_dims : int or None, default=50
        When the data have more than ``pca_dims`` features they are first reduced to
        ``min(pca_dims, n)`` principal components. ``None`` disables the reduction.
    backend : {"auto", "opentsne", "sklearn"}, default="auto"
        ``"auto"`` is openTSNE when installed (the measured winner), else scikit-learn.
    n_jobs : int or None, default=-1
        Threads for the optimiser. -1 or None means all cores, except when OpenMP could
        not be made passive (see :mod:`aecore.projections.openmp`): then only the cores
        not busy with other work when the call starts (Linux: the instantaneous runnable
        count in /proc/loadavg), at least 1, because two spinning threads competing with,
        say, a model training in the background were measured 1.5-5x slower than one
        thread (:func:`aecore.projections.threads.resolve_n_jobs`).

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(n, 2)``.

    Raises
    ------
    ValueError
        On malformed input, fewer than 5 points, or a parameter out of range; the message
        names the parameter, the value and the limit.
    """
    feats = as_features(x)
    n, d = feats.shape
    n_iter, pca_dims = _validate_tsne(n, perplexity, n_iter, pca_dims, backend)
    random_state = check_random_state(random_state)
    jobs = resolve_n_jobs(n_jobs)
    if backend == "auto":
        backend = default_tsne_backend()
    if backend == "sklearn" and n_iter < 250:
        raise ValueError(f"n_iter must be at least 250 with backend='sklearn', got {n_iter}")

    report_progress(progress, 0.0, f"Preparing {n} points")
    f0 = 0.0
    if pca_dims is not None and d > pca_dims:
        dims = min(pca_dims, n)
        feats = pca(feats, n_components=dims, random_state=random_state)
        f0 = _FRAC_PCA
        report_progress(progress, f0, f"Reduced {d} features to {dims} with PCA")

    run = _tsne_opentsne if backend == "opentsne" else _tsne_sklearn
    out = run(feats, float(perplexity), random_state, n_iter, jobs, progress, f0)
    out = np.ascontiguousarray(out, dtype=np.float32)
    report_progress(progress, 1.0, "t-SNE done")
    return out
