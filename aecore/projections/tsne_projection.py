"""2-D projections of images and codes: PCA, t-SNE and an autoencoder's latent space.

Every function follows the scikit-learn habit: arrays in, a ``(n, 2)`` float32 array
out, and a ``random_state`` where randomness is involved. Inputs may be uint8 images
``(n, h, w)`` (scaled to [0, 1]) or float features ``(n, d)`` (used as they are); both
are flattened to ``(n, d)`` first.

The t-SNE backend is openTSNE (Barnes-Hut gradient) by default. It was chosen by
measuring it side by side with scikit-learn's ``TSNE`` on 5,000 MNIST digits (see
``bench/bench_tsne.py`` and ``bench/results/tsne.md``): at the same perplexity and
iteration count it reached the same quality with 1.1-1.2x less CPU work and was at least
as fast in wall time, and it reports progress through per-iteration callbacks, which
scikit-learn has no way to do. The FFT gradient was 1.7x slower than Barnes-Hut at 5k.

Threads and OpenMP: scikit-learn and openTSNE parallelise with OpenMP (libgomp), whose
default is to spin-wait at every barrier. When other threads compete for the cores (a
model training in the background, another process), a spinning t-SNE thread waits for a
descheduled partner at every iteration: measured here 1.6-2.8x slower than passive
threads, burning 2.4-6.5x the CPU. So on
import this module sets ``OMP_WAIT_POLICY=PASSIVE`` unless the variable is already set or
an OpenMP runtime is probably loaded already (``sklearn``/``openTSNE`` imported before
this module; the runtime reads the variable once, when it loads); ``aecore/__init__.py``
is the best place to set it. Where it came too late, :func:`tsne` uses only the cores
that no other thread is busy on when it starts (see its ``n_jobs``).
"""

from __future__ import annotations

import inspect
import math
import os
import sys
import time
from typing import Callable, Optional

import numpy as np

__all__ = [
    "pca",
    "tsne",
    "latent",
    "code_to_2d",
    "sample_indices",
    "as_features",
    "TSNE_BACKENDS",
    "default_tsne_backend",
]

ProgressFn = Callable[[float, str], None]

#: Valid values of ``tsne(backend=...)``.
TSNE_BACKENDS = ("auto", "opentsne", "sklearn")

# Exact neighbour search (chunked brute force) beats openTSNE's Annoy index up to well past
# 10k points on this class of machine, is deterministic and lets us report progress per
# chunk; above this size its O(n^2) cost loses to Annoy.
_EXACT_KNN_MAX_POINTS = 20_000
# Keep each distance chunk around 32 MB of float64.
_KNN_CHUNK_ELEMENTS = 4_000_000
# Share of the progress bar for the steps before the optimisation, roughly their share of
# the wall time at 5k points (PCA ~2%, neighbours + affinities ~6%).
_FRAC_PCA = 0.02
_FRAC_AFFINITIES = 0.08
# Progress is reported at least this often during the optimisation (fraction of iterations).
_PROGRESS_STEP = 0.025


def _configure_openmp() -> bool:
    """Ask OpenMP runtimes not yet loaded to sleep, not spin; True if in effect."""
    policy = os.environ.get("OMP_WAIT_POLICY")
    if policy is None:
        if any(m in sys.modules for m in ("sklearn", "openTSNE")):
            return False
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        return True
    return policy.strip().upper() == "PASSIVE"


_OPENMP_PASSIVE = _configure_openmp()

# --------------------------------------------------------------------------- helpers


def as_features(x, name: str = "x") -> np.ndarray:
    """Flatten images or features to a float32 ``(n, d)`` matrix.

    Parameters
    ----------
    x : array_like
        uint8 images ``(n, h, w)`` / ``(n, h, w, c)`` or features ``(n, d)``. uint8 input
        is scaled to [0, 1]; any other dtype is converted to float32 unchanged.
    name : str, default="x"
        Name used in error messages.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(n, d)``.

    Raises
    ------
    ValueError
        If ``x`` has fewer than 2 dimensions, no rows, no features or non-finite values.
    """
    arr = np.asarray(x)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must be images (n, h, w) or features (n, d), got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {arr.shape})")
    n = arr.shape[0]
    if arr.dtype == np.uint8:
        out = arr.reshape(n, -1).astype(np.float32) / np.float32(255.0)
    else:
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
        out = arr.reshape(n, -1).astype(np.float32, copy=False)
    if out.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {arr.shape})")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return out


def _call_progress(progress: Optional[ProgressFn], fraction: float, message: str) -> None:
    if progress is not None:
        progress(float(min(1.0, max(0.0, fraction))), message)


def _check_random_state(random_state):
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    raise ValueError(f"random_state must be an int or None, got {random_state!r}")


def _cores() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def _competing_threads() -> Optional[float]:
    """Runnable threads other than the caller right now (Linux), or None if unknown.

    Sampled from ``/proc/loadavg``'s instantaneous running count (median of a few reads
    over ~50 ms); the 1-minute load average would still count our own previous run.
    """
    samples = []
    try:
        for i in range(9):
            if i:
                time.sleep(0.006)
            with open("/proc/loadavg") as fh:
                running = fh.read().split()[3].split("/")[0]
            samples.append(int(running) - 1)
    except (OSError, IndexError, ValueError):
        return None
    return float(np.median(samples))


def _n_jobs(n_jobs: Optional[int]) -> int:
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer))):
        raise ValueError(f"n_jobs must be a positive int, -1 (all cores) or None, got {n_jobs!r}")
    cores = _cores()
    if n_jobs is None or n_jobs == -1:
        if cores == 1 or _OPENMP_PASSIVE:
            return cores
        busy = _competing_threads()
        if busy is None:
            return cores
        # Spinning OpenMP threads that share cores with other busy work stall each other
        # at every barrier (measured 1.5-5x slower than one thread), so take free cores.
        return int(max(1, min(cores, round(cores - busy))))
    if n_jobs < 0:  # scikit-learn convention: -2 = all cores but one
        return max(1, cores + 1 + int(n_jobs))
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive int, -1 (all cores) or None, got 0")
    return int(n_jobs)


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


# --------------------------------------------------------------------------- PCA


def pca(x, n_components: int = 2, random_state: Optional[int] = 0) -> np.ndarray:
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
    random_state = _check_random_state(random_state)
    n, d = feats.shape
    limit = min(n, d)
    if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)) or not (
        1 <= n_components <= limit
    ):
        raise ValueError(
            f"n_components must be between 1 and {limit} for {n} points with {d} features, "
            f"got {n_components!r}"
        )
    out = PCA(n_components=int(n_components), random_state=random_state).fit_transform(feats)
    return np.ascontiguousarray(out, dtype=np.float32)


# --------------------------------------------------------------------------- t-SNE


def _validate_tsne(n: int, perplexity, n_iter, pca_dims, backend) -> None:
    if n < 5:
        raise ValueError(f"t-SNE needs at least 5 points, got {n}")
    if isinstance(perplexity, bool) or not isinstance(perplexity, (int, float, np.number)) or not (
        1 <= float(perplexity) <= n - 1
    ):
        raise ValueError(
            f"perplexity must be between 1 and {n - 1} for {n} points, got {perplexity!r}"
        )
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 50:
        raise ValueError(f"n_iter must be an int of at least 50, got {n_iter!r}")
    if pca_dims is not None and (
        isinstance(pca_dims, bool) or not isinstance(pca_dims, (int, np.integer)) or pca_dims < 2
    ):
        raise ValueError(f"pca_dims must be an int of at least 2 or None, got {pca_dims!r}")
    if backend not in TSNE_BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(TSNE_BACKENDS)}; got {backend!r}")


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
        _call_progress(
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
    _call_progress(progress, f0, "Finding nearest neighbours")
    if n <= _EXACT_KNN_MAX_POINTS:
        idx, dist = _exact_knn(x64, k, progress, f0, f_knn)
        knn_index = nearest_neighbors.PrecomputedNeighbors(idx, dist)
    else:
        knn_index = nearest_neighbors.Annoy(
            x64, k, metric="euclidean", n_jobs=n_jobs, random_state=random_state
        )
    _call_progress(progress, f_knn, "Computing affinities")
    aff = affinity.PerplexityBasedNN(
        perplexity=float(perplexity), knn_index=knn_index, n_jobs=n_jobs
    )
    init = initialization.pca(x64, n_components=2, random_state=random_state)
    _call_progress(progress, f_opt, "Optimising embedding")

    # openTSNE.TSNE.fit's schedule (exaggeration 12, then none; momentum 0.8; learning rate
    # n / exaggeration), with the early phase capped at half the iterations.
    ee_iter = min(250, n_iter // 2)
    main_iter = n_iter - ee_iter
    every = max(1, int(n_iter * _PROGRESS_STEP))

    def make_callback(offset: int, phase: str):
        def callback(iteration, error, embedding):
            done = offset + iteration
            _call_progress(
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

    _call_progress(progress, f0, "Running scikit-learn t-SNE (no intermediate progress)")
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
    random_state: Optional[int] = 0,
    n_iter: int = 500,
    progress: Optional[ProgressFn] = None,
    pca_dims: Optional[int] = 50,
    backend: str = "auto",
    n_jobs: Optional[int] = -1,
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
        not be made passive (see the module notes): then only the cores not busy with
        other work when the call starts (Linux: the instantaneous runnable count in
        /proc/loadavg), at least 1, because two spinning threads competing with, say, a
        model training in the background were measured 1.5-5x slower than one thread.

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
    _validate_tsne(n, perplexity, n_iter, pca_dims, backend)
    random_state = _check_random_state(random_state)
    jobs = _n_jobs(n_jobs)
    if backend == "auto":
        backend = default_tsne_backend()
    if backend == "sklearn" and n_iter < 250:
        raise ValueError(f"n_iter must be at least 250 with backend='sklearn', got {n_iter}")

    _call_progress(progress, 0.0, f"Preparing {n} points")
    f0 = 0.0
    if pca_dims is not None and d > pca_dims:
        dims = min(int(pca_dims), n)
        feats = pca(feats, n_components=dims, random_state=random_state)
        f0 = _FRAC_PCA
        _call_progress(progress, f0, f"Reduced {d} features to {dims} with PCA")

    run = _tsne_opentsne if backend == "opentsne" else _tsne_sklearn
    out = run(feats, float(perplexity), random_state, int(n_iter), jobs, progress, f0)
    out = np.ascontiguousarray(out, dtype=np.float32)
    _call_progress(progress, 1.0, "t-SNE done")
    return out


# --------------------------------------------------------------------------- latent codes


def latent(encoder, x, batch_size: int = 512) -> np.ndarray:
    """Encode inputs with a Keras encoder and return the flattened codes.

    Parameters
    ----------
    encoder : keras.Model
        Any model with ``predict(x, verbose=0, batch_size=...)``. If it returns several
        outputs (a VAE's ``z_mean, z_log_var, z``), the first one is used.
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
        If ``x`` is empty or ``batch_size`` is not a positive int.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    arr = np.asarray(x)
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise ValueError(f"x has no samples (shape {arr.shape})")
    code = encoder.predict(arr, verbose=0, batch_size=int(batch_size))
    if isinstance(code, dict):
        code = next(iter(code.values()))
    if isinstance(code, (list, tuple)):
        code = code[0]
    code = np.asarray(code)
    return np.ascontiguousarray(code.reshape(code.shape[0], -1), dtype=np.float32)


def code_to_2d(
    code,
    method: str = "tsne",
    random_state: Optional[int] = 0,
    progress: Optional[ProgressFn] = None,
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
        _call_progress(progress, 0.0, "Code is already 2-D")
        out = flat if d == 2 else np.hstack([flat, np.zeros_like(flat)])
        _call_progress(progress, 1.0, "Code is already 2-D")
        return np.ascontiguousarray(out)
    if method == "pca":
        if kwargs:
            raise ValueError(f"unexpected arguments for method='pca': {', '.join(kwargs)}")
        _call_progress(progress, 0.0, "PCA of the code")
        out = pca(flat, n_components=2, random_state=random_state)
        _call_progress(progress, 1.0, "PCA done")
        return out
    return tsne(flat, random_state=random_state, progress=progress, **kwargs)


# --------------------------------------------------------------------------- sampling


def sample_indices(y, n: int, seed: int = 0) -> np.ndarray:
    """Pick a stratified, seeded subset of indices.

    Each class gets a share proportional to its frequency (largest-remainder rounding,
    so the total is exact); members are drawn at random within each class.

    Parameters
    ----------
    y : array_like
        1-D labels.
    n : int
        Requested subset size; the result has ``min(n, len(y))`` indices.
    seed : int, default=0
        Seed for the draw; the same seed gives the same subset.

    Returns
    -------
    numpy.ndarray
        Sorted int64 indices into ``y``.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D or ``n`` is not a positive int.
    """
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D labels, got shape {labels.shape}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    total = labels.shape[0]
    if n >= total:
        return np.arange(total, dtype=np.int64)
    rng = np.random.default_rng(seed)
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    quotas = counts * (n / total)
    take = np.floor(quotas).astype(np.int64)
    short = n - int(take.sum())
    if short > 0:
        # Largest fractional part first; ties go to the bigger class, then class order.
        order = np.lexsort((np.arange(len(classes)), -counts, -(quotas - take)))
        take[order[:short]] += 1
    chosen = []
    for c, m in enumerate(take):
        if m:
            members = np.flatnonzero(inverse == c)
            chosen.append(rng.choice(members, size=int(m), replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)
