"""Seeded, stratified subsets: the one implementation every caller uses.

Dataset limits, the projections' point samples, the CLI's evaluation subsets and the page
previews all pick their images here, so "the same seed" means the same images everywhere.
"""

from __future__ import annotations

import numpy as np

from aecore.validation import check_int, check_seed

SeedLike = int | np.integer | np.random.Generator


def _rng(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed))


def class_quotas(y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(classes, inverse, quota per class) for a stratified draw of ``n`` from labels ``y``.

    Each class gets floor(n * share); the remainder goes one each to the classes with the
    largest fractional parts, ties to the bigger class, then to the lower class label, so
    the quotas depend on the labels alone, never on a random draw.
    """
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = counts * (n / len(y))
    take = np.floor(exact).astype(np.int64)
    short = n - int(take.sum())
    if short > 0:
        order = np.lexsort((np.arange(len(classes)), -counts, -(exact - take)))
        take[order[:short]] += 1
    return classes, inverse, take


def stratified_indices(y, n: int, seed: SeedLike = 0) -> np.ndarray:
    """Sorted int64 indices of a stratified, seeded subset of ``min(n, len(y))`` labels.

    Parameters
    ----------
    y : array_like
        1-D labels.
    n : int
        Requested subset size (at least 1).
    seed : int or numpy.random.Generator, default=0
        The same seed gives the same subset; members are drawn at random within each class.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D labels or ``n`` is not a positive integer.
    """
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D labels, got shape {labels.shape}")
    n = check_int("n", n, low=1)
    total = labels.shape[0]
    rng = _rng(seed)
    if n >= total:
        return np.arange(total, dtype=np.int64)
    _, inverse, take = class_quotas(labels, n)
    chosen = [
        rng.choice(np.flatnonzero(inverse == c), size=int(m), replace=False)
        for c, m in enumerate(take)
        if m
    ]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def round_robin_indices(y, n: int) -> np.ndarray:
    """The first example of each class, then the second of each, ... until ``n`` are taken.

    Deterministic and seed-free: previews and figures show the same digits on every run.
    """
    labels = np.asarray(y)
    n = check_int("n", n, low=1)
    by_class = [list(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    out: list[int] = []
    while len(out) < min(n, len(labels)):
        for idx in by_class:
            if idx and len(out) < n:
                out.append(int(idx.pop(0)))
    return np.asarray(out, dtype=np.int64)


def per_class_indices(y, n_per_class: int, seed: SeedLike = 0, name: str = "n_per_class") -> np.ndarray:
    """Sorted int64 indices of exactly ``n_per_class`` seeded examples of every class.

    A label budget ("10 labels per class") is this, not a stratified draw of
    ``10 * classes``: on an unbalanced set (full MNIST) proportional quotas would give some
    classes fewer. Each class's members come from :func:`stratified_indices` of that class
    alone, so the seed means the same thing here as there. ``name`` is the parameter's name
    in error messages (a CLI flag, a widget).

    Raises
    ------
    ValueError
        If ``n_per_class`` is not a positive integer or is larger than the smallest class.
    """
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D labels, got shape {labels.shape}")
    n = check_int(name, n_per_class, low=1)
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) == 0:
        raise ValueError("y has no labels")
    smallest = int(counts.min())
    if n > smallest:
        raise ValueError(f"{name} must be at most {smallest} (the smallest class, "
                         f"{classes[int(np.argmin(counts))]!s}, has {smallest} examples), got {n}")
    rng = _rng(seed)
    chosen = []
    for c in classes:
        members = np.flatnonzero(labels == c)
        chosen.append(members[stratified_indices(labels[members], n, rng)])
    return np.sort(np.concatenate(chosen)).astype(np.int64)
