"""Keras dataset downloads that fail within seconds offline, and the Keras cache on disk.

A lecturer offline should not stare at a spinner: a short TCP probe runs first, the download
itself runs under a bounded socket timeout, and a failure is remembered for a while so the
next load falls back at once instead of trying the network again.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from typing import Any

from aecore.data.arrays import SPLIT_KEYS, assemble
from aecore.data.dataset import RawArrays
from aecore.data.errors import short_error
from aecore.data.idx import has_idx_files

__all__ = [
    "DOWNLOAD_HOST",
    "FAILURE_TTL_S",
    "DownloadError",
    "clear_cache",
    "download",
    "keras_cached",
    "keras_cached_fashion_dir",
    "keras_load_data",
    "probe_network",
]

# How long to wait for a TCP connection to the Keras download host before declaring
# ourselves offline, and the per-socket-operation timeout during the download itself.
_PROBE_TIMEOUT_S = 3.0
_DOWNLOAD_SOCKET_TIMEOUT_S = 10.0
DOWNLOAD_HOST = ("storage.googleapis.com", 443)
# Remember a failed download for a while, so repeated loads offline fall back instantly
# instead of retrying the network every time.
FAILURE_TTL_S = 120.0

# remembered download failures: Keras dataset name -> (time.monotonic() of it, reason)
_FAILURES: dict[str, tuple[float, str]] = {}
# socket.setdefaulttimeout is process-wide: one download at a time keeps restores correct.
_DOWNLOAD_LOCK = threading.Lock()


class DownloadError(OSError):
    """A Keras download failed, now or less than :data:`FAILURE_TTL_S` ago.

    ``str(error)`` is the short reason, ready to put in a message for the user.
    """


def download(name: str, class_names: tuple[str, ...]) -> RawArrays:
    """``keras.datasets.<name>.load_data()``, validated, failing within seconds offline.

    Parameters
    ----------
    name : str
        A ``keras.datasets`` module, e.g. ``"mnist"`` or ``"fashion_mnist"``.
    class_names : tuple of str
        Names of the label values the loader returns.

    Returns
    -------
    RawArrays

    Raises
    ------
    DownloadError
        With the short reason, when the download fails or failed less than
        :data:`FAILURE_TTL_S` seconds ago (then without trying the network again).
    """
    failed = _FAILURES.get(name)
    if failed is not None and time.monotonic() - failed[0] < FAILURE_TTL_S:
        raise DownloadError(failed[1])
    try:
        raw = _fetch(name, tuple(class_names))
    except Exception as exc:  # noqa: BLE001 - URLError, OSError, bare Exception from get_file...
        reason = short_error(exc)
        _FAILURES[name] = (time.monotonic(), reason)
        raise DownloadError(reason) from exc
    _FAILURES.pop(name, None)
    return raw


def clear_cache() -> None:
    """Forget downloaded arrays and remembered failures."""
    _keras_raw.cache_clear()
    _FAILURES.clear()


def keras_cached(fname: str) -> str | None:
    """Path of ``fname`` in a Keras ``datasets`` cache folder, or None when not cached."""
    for home in _keras_homes():
        path = os.path.join(home, "datasets", fname)
        if os.path.isfile(path):
            return path
    return None


def keras_cached_fashion_dir() -> str | None:
    """The Keras cache folder holding Fashion-MNIST's four IDX files, or None."""
    for home in _keras_homes():
        folder = os.path.join(home, "datasets", "fashion-mnist")
        if has_idx_files(folder):
            return folder
    return None


def probe_network(host: tuple[str, int] = DOWNLOAD_HOST) -> None:
    """Raise OSError unless a TCP connection to ``host`` opens within a few seconds.

    Runs in a daemon thread because name resolution ignores socket timeouts and can hang
    for tens of seconds on a laptop with no network.
    """
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            socket.create_connection(host, timeout=_PROBE_TIMEOUT_S).close()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            outcome.append(exc)

    thread = threading.Thread(target=connect, daemon=True, name="aecore-net-probe")
    thread.start()
    thread.join(_PROBE_TIMEOUT_S + 0.5)
    if not outcome:
        raise OSError(f"no network: {host[0]} did not answer within {_PROBE_TIMEOUT_S:g} s")
    if outcome[0] is not None:
        raise OSError(f"no network: {outcome[0]}")


def keras_load_data(name: str) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """Call ``keras.datasets.<name>.load_data()`` (imported lazily: Keras is slow to import)."""
    import keras

    return getattr(keras.datasets, name).load_data()


def _keras_homes() -> list[str]:
    """Folders Keras may cache into, in the order Keras itself picks them."""
    env = os.environ.get("KERAS_HOME")
    if env:
        return [os.path.expanduser(env)]
    return [os.path.join(os.path.expanduser("~"), ".keras"), os.path.join("/tmp", ".keras")]


def _fetch(name: str, class_names: tuple[str, ...]) -> RawArrays:
    if not any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY")):
        # Behind a proxy a direct probe proves nothing; rely on the socket timeout there.
        probe_network()
    with _DOWNLOAD_LOCK:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(_DOWNLOAD_SOCKET_TIMEOUT_S)
        try:
            return _keras_raw(name, class_names)
        finally:
            socket.setdefaulttimeout(previous)


@functools.lru_cache(maxsize=2)
def _keras_raw(name: str, class_names: tuple[str, ...]) -> RawArrays:
    (x_tr, y_tr), (x_te, y_te) = keras_load_data(name)
    where = f"Keras {name} loader"
    return assemble(
        x_tr, y_tr, x_te, y_te, {k: f"{where} {k}" for k in SPLIT_KEYS}, class_names=class_names
    )
