"""Keep TensorFlow's process-wide gradient registry from growing with every trained model.

Every trace of a training step registers a ``CustomGradient-<uid>`` function in
TensorFlow's process-wide gradient registry (Keras' optimizer wraps its all-reduce in
``tf.custom_gradient``) and never removes it; the entry's closure keeps the whole traced
graph alive, ~16 MiB per model trained (bench/bench_memory.py). An entry is only read
while its own trace builds the gradient, so once no worker that started before it is
still alive it can go. A lecture that trains and resets all hour otherwise grows without
bound.

A training worker calls :func:`trace_started` before it first traces and
:func:`trace_ended` when it is done; the last one out prunes what nobody can still need.
This reaches into TensorFlow's private API, so every access is guarded: a TensorFlow
without it keeps everything, as it would without this module.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

_LOCK = threading.Lock()
_ACTIVE_MARKS: dict[Hashable, int] = {}
_CUSTOM_GRADIENT = "CustomGradient-"


def _uid_now() -> int | None:
    try:
        from tensorflow.python.framework import ops

        return int(ops.uid())
    except Exception:  # a TensorFlow without this private API: keep everything
        return None


def trace_started(owner: Hashable) -> None:
    """Mark that ``owner`` (a training worker) may trace from now on: keep newer entries."""
    mark = _uid_now()
    if mark is not None:
        with _LOCK:
            _ACTIVE_MARKS[owner] = mark


def trace_ended(owner: Hashable) -> int:
    """``owner`` has stopped tracing: drop its mark and prune; returns how many entries went."""
    with _LOCK:
        _ACTIVE_MARKS.pop(owner, None)
        return _prune_locked()


def prune_gradient_registry() -> int:
    """Drop custom-gradient entries older than every live training worker; returns how many."""
    with _LOCK:
        return _prune_locked()


def _prune_locked() -> int:
    try:
        from tensorflow.python.framework import ops

        registry = ops._gradient_registry._registry
    except Exception:
        return 0
    floor = min(_ACTIVE_MARKS.values(), default=None)
    stale = []
    for name in list(registry):
        if isinstance(name, str) and name.startswith(_CUSTOM_GRADIENT):
            try:
                uid = int(name[len(_CUSTOM_GRADIENT):])
            except ValueError:
                continue
            if floor is None or uid < floor:
                stale.append(name)
    for name in stale:
        registry.pop(name, None)
    return len(stale)
