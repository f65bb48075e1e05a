"""How many threads a projection may use: cores, competing threads and ``n_jobs``."""

from __future__ import annotations

import os
import statistics
import time

from aecore.projections.openmp import openmp_policy
from aecore.validation import is_int

__all__ = ["cores", "competing_threads", "resolve_n_jobs"]


def cores() -> int:
    """Cores this process may run on (its CPU affinity where known), at least 1."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, n or 1)


def competing_threads() -> float | None:
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
    return float(statistics.median(samples))


def resolve_n_jobs(n_jobs: int | None) -> int:
    """The thread count for a projection's ``n_jobs`` argument.

    A positive int is taken as it is; other negative ints follow scikit-learn (-2 = all
    cores but one). -1 or None means all cores, except when OpenMP's idle threads spin
    (see :mod:`aecore.projections.openmp`): then only the cores not busy with other work
    right now, at least 1, because spinning threads that share cores with busy work stall
    each other at every barrier (measured 1.5-5x slower than one thread).

    Raises
    ------
    ValueError
        If ``n_jobs`` is 0, not an integer, or a bool.
    """
    if n_jobs is not None and (not is_int(n_jobs) or n_jobs == 0):
        raise ValueError(f"n_jobs must be a positive integer, -1 (all cores) or None, got {n_jobs!r}")
    n = cores()
    if n_jobs is None or n_jobs == -1:
        if n == 1 or openmp_policy().passive:
            return n
        busy = competing_threads()
        if busy is None:
            return n
        return int(max(1, min(n, round(n - busy))))
    if n_jobs < 0:
        return max(1, n + 1 + int(n_jobs))
    return int(n_jobs)
