"""``load_dataset``: a name or a path in, a :class:`Dataset` (optionally a subset) out."""

from __future__ import annotations

import os

import numpy as np

from aecore.data import download, idx, npz, sources
from aecore.data.dataset import Dataset
from aecore.data.paths import resolve_data_files
from aecore.sampling import stratified_indices
from aecore.validation import check_optional_int, check_seed

__all__ = ["clear_cache", "load_dataset"]


def load_dataset(
    name_or_path: str | os.PathLike,
    limit: int | None = None,
    seed: int = 0,
    test_limit: int | None = None,
    root: str | os.PathLike | None = None,
) -> Dataset:
    """Load a named dataset or one from a folder / .npz file.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        One of :data:`~aecore.data.DATASET_NAMES`, or a path (``~`` is expanded) to a
        folder of IDX files (``train-images-idx3-ubyte[.gz]``,
        ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]``,
        ``t10k-labels-idx1-ubyte[.gz]``; the ``train-images.idx3-ubyte`` spelling is
        accepted too), to a Keras-layout ``.npz`` file, or to a folder holding exactly one
        such ``.npz``.
    limit : int, optional
        Keep at most this many training images: a seeded, class-stratified random subset
        (in the source's order). ``None`` keeps everything.
    seed : int, default 0
        Seed of the subset drawn by ``limit`` / ``test_limit``. Fixed train/test splits of
        the sample sources do not depend on it.
    test_limit : int, optional
        Keep at most this many test images. When omitted and ``limit`` is given, the test
        set is capped at ``max(100, limit // 4)``.
    root : str or os.PathLike, optional
        When given, a path must resolve (symlinks and ``..`` included) to somewhere inside
        this folder; relative paths are taken relative to it. Named datasets ignore it.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown name, a path outside ``root``, missing or malformed files, bad
        ``limit`` / ``test_limit`` / ``seed``, or ``fashion_mnist`` being unavailable.
    """
    limit = check_optional_int("limit", limit, low=1)
    test_limit = check_optional_int("test_limit", test_limit, low=1)
    seed = check_seed(seed)
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise ValueError(
            f"dataset must be a name or a path, got {type(name_or_path).__name__}"
        )

    named = sources.canonical_name(name_or_path)
    if named is not None:
        raw, name, source, notice = sources.load_named(named)
    else:
        files = resolve_data_files(name_or_path, root)
        raw = idx.load_idx(files.paths) if files.kind == "idx" else npz.load_npz(files.paths[0])
        name, source, notice = files.name, files.source, None

    if test_limit is None and limit is not None:
        test_limit = max(100, limit // 4)
    # Separate streams so the test subset does not shift when only `limit` changes.
    x_train, y_train = _subset(raw.x_train, raw.y_train, limit, np.random.default_rng(seed))
    x_test, y_test = _subset(raw.x_test, raw.y_test, test_limit, np.random.default_rng([seed, 1]))
    return Dataset(
        name=name,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=raw.class_names,
        source=source,
        notice=notice,
    )


def clear_cache() -> None:
    """Forget every cached dataset and remembered download failure (mainly for tests)."""
    sources.clear_cache()
    idx.clear_cache()
    npz.clear_cache()
    download.clear_cache()


def _subset(
    x: np.ndarray, y: np.ndarray, k: int | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return (views of) the cached arrays, or a stratified subset of ``k`` rows."""
    if k is None or k >= len(y):
        # Views of read-only arrays cannot be made writeable again, which protects the cache.
        return x.view(), y.view()
    chosen = stratified_indices(y, k, rng)
    return x[chosen], y[chosen]
