"""OpenMP's wait policy: decided once, when ``aecore`` is imported, and reported truthfully.

scikit-learn and openTSNE parallelise with OpenMP, whose runtime spins idle threads at
every barrier by default. When other threads compete for the cores (a model training in
the background, another process), a spinning t-SNE thread waits for a descheduled partner
at every iteration: measured 1.6-2.8x slower than passive threads, burning 2.4-6.5x the
CPU (bench/results/tsne.md). ``OMP_WAIT_POLICY=PASSIVE`` makes idle threads sleep, but a
runtime reads the variable once, when it loads; setting it later changes nothing.

So ``aecore/__init__.py`` calls :func:`configure_openmp` before it imports anything else,
and this module uses the standard library only (an OpenBLAS-openmp or MKL build of NumPy
loads an OpenMP runtime itself). It sets the variable only when the user has not set it
and no runtime is loaded yet; :func:`openmp_policy` then says whether idle threads really
sleep, which :func:`aecore.projections.threads.resolve_n_jobs` uses to pick thread counts.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "OPENMP_MODULES",
    "OpenMPPolicy",
    "configure_openmp",
    "decide_wait_policy",
    "loaded_openmp_runtimes",
    "openmp_modules_imported",
    "openmp_policy",
]

#: Modules whose import loads an OpenMP runtime (TensorFlow and so Keras bring scikit-learn's
#: libgomp; numba and torch bring their own). Consulted only where the process's loaded
#: libraries cannot be listed (no /proc, e.g. macOS).
OPENMP_MODULES = ("sklearn", "openTSNE", "numba", "torch", "tensorflow", "keras")

# libgomp (GCC), libiomp5 (Intel), libomp (LLVM), also as vendored by wheels
# ("libgomp-e985bcbb.so.1.0.0").
_RUNTIME_NAME = re.compile(r"lib(?:gomp|iomp5|omp)[-.]")


@dataclass(frozen=True)
class OpenMPPolicy:
    """What was decided about ``OMP_WAIT_POLICY`` and why.

    Attributes
    ----------
    passive : bool
        True when OpenMP's idle threads sleep rather than spin, as far as can be known.
    user_value : str or None
        ``OMP_WAIT_POLICY`` as set before aecore was imported, None if it was unset.
    loaded_before : tuple of str
        What showed that an OpenMP runtime was loaded before aecore was imported: the
        runtime libraries' file names, or (without /proc) the modules of
        :data:`OPENMP_MODULES` already imported. Empty if none.
    set_by_aecore : bool
        True when aecore set ``OMP_WAIT_POLICY=PASSIVE`` itself.
    """

    passive: bool
    user_value: str | None
    loaded_before: tuple[str, ...]
    set_by_aecore: bool

    def describe(self) -> str:
        """One sentence for logs and benchmark notes."""
        if self.user_value is not None:
            return f"OMP_WAIT_POLICY={self.user_value} as set by the user"
        if self.set_by_aecore:
            return "OMP_WAIT_POLICY=PASSIVE set by aecore before any OpenMP runtime loaded"
        return ("OpenMP threads spin: a runtime was loaded before aecore was imported "
                f"({', '.join(self.loaded_before)}); import aecore first or set OMP_WAIT_POLICY")


def loaded_openmp_runtimes(maps_path: str = "/proc/self/maps") -> tuple[str, ...] | None:
    """File names of the OpenMP runtimes mapped into this process, or None when unknown.

    Read from ``/proc/self/maps`` (Linux); None where that file cannot be read.
    """
    try:
        with open(maps_path) as fh:
            maps = fh.read()
    except OSError:
        return None
    names = {os.path.basename(line.split()[-1]) for line in maps.splitlines() if "/" in line}
    return tuple(sorted(name for name in names if _RUNTIME_NAME.match(name)))


def openmp_modules_imported(modules: Iterable[str] | None = None) -> tuple[str, ...]:
    """The modules of :data:`OPENMP_MODULES` among ``modules`` (default: ``sys.modules``)."""
    present = set(sys.modules if modules is None else modules)
    return tuple(m for m in OPENMP_MODULES if m in present)


def decide_wait_policy(user_value: str | None, loaded_before: tuple[str, ...]) -> OpenMPPolicy:
    """The decision itself, free of side effects.

    An explicit user setting always wins (PASSIVE, in any case, is passive; anything else
    is not). Otherwise PASSIVE is set when no runtime is loaded yet, and when one is, idle
    threads spin whatever the variable says from now on.
    """
    if user_value is not None:
        return OpenMPPolicy(user_value.strip().upper() == "PASSIVE", user_value, loaded_before, False)
    if loaded_before:
        return OpenMPPolicy(False, None, loaded_before, False)
    return OpenMPPolicy(True, None, (), True)


_policy: OpenMPPolicy | None = None


def configure_openmp() -> OpenMPPolicy:
    """Decide the wait policy for this process, once; later calls return the same decision.

    ``aecore/__init__.py`` makes the first call, when aecore is imported. Where it sets
    nothing (too late, or set by the user) the environment is left as it was, so it never
    claims PASSIVE while a loaded runtime spins.
    """
    global _policy
    if _policy is None:
        runtimes = loaded_openmp_runtimes()
        loaded = openmp_modules_imported() if runtimes is None else runtimes
        policy = decide_wait_policy(os.environ.get("OMP_WAIT_POLICY"), loaded)
        if policy.set_by_aecore:
            os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        _policy = policy
    return _policy


def openmp_policy() -> OpenMPPolicy:
    """The decision :func:`configure_openmp` made when aecore was imported."""
    return configure_openmp()
