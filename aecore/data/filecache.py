"""Process-wide caches of file-based datasets, keyed by the files' identity.

A lecturer who replaces a file between two loads must get the new images, and a cache keyed
by path alone would keep serving the old ones; so every reader of user files (IDX, npz)
caches through :func:`cached_by_identity`, and callers cannot forget the key.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TypeVar

__all__ = ["cached_by_identity", "file_identity"]

T = TypeVar("T")


def file_identity(paths: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """``(size, modification time in ns)`` of each file: changes when a file is rewritten.

    Raises
    ------
    ValueError
        If a file cannot be examined (gone, or no permission on its folder).
    """
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError as exc:
            raise ValueError(
                f"'{path}' cannot be read ({exc}); check the file and its permissions"
            ) from exc
        out.append((st.st_size, st.st_mtime_ns))
    return tuple(out)


def cached_by_identity(maxsize: int) -> Callable[[Callable[[tuple[str, ...]], T]],
                                                 Callable[[tuple[str, ...]], T]]:
    """Decorate ``read(paths)`` with an LRU cache keyed by ``paths`` and their identity.

    Parameters
    ----------
    maxsize : int
        Results kept at once; a rewritten file's stale entry ages out like any other.

    Returns
    -------
    callable
        A decorator; the decorated function gains ``cache_clear()``.
    """

    def decorate(read: Callable[[tuple[str, ...]], T]) -> Callable[[tuple[str, ...]], T]:
        @functools.lru_cache(maxsize=maxsize)
        def cached(paths: tuple[str, ...], identity: tuple) -> T:
            # `identity` is only part of the key: a rewritten file misses the cache.
            return read(paths)

        @functools.wraps(read)
        def load(paths: tuple[str, ...]) -> T:
            paths = tuple(paths)
            return cached(paths, file_identity(paths))

        load.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return load

    return decorate
