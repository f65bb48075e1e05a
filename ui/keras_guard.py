"""Keep Streamlit from resetting Keras under a model that trains in the background.

Streamlit's script runner calls ``keras.backend.clear_session()`` after each run, fragment
reruns included, to free memory. That replaces Keras' per-thread global state for *every*
thread, resets the TF default graph, clears TF's kernel cache and runs a full
``gc.collect()``. With the Train page polling twice a second, a model training in the
background thread never got past tracing its first step (measured: 0 batches in 60 s
polled vs. 4 s unpolled). The app names every layer itself and bounds the models it keeps,
so it never needs the reset. Other callers (tests, notebooks) still get the real function.
"""

from __future__ import annotations

import sys
import threading

_PATCH_LOCK = threading.Lock()


def protect_keras_session() -> None:
    """Make ``keras.backend.clear_session()`` a no-op when Streamlit calls it (idempotent)."""
    # A plain import, never sys.modules.get: when several sessions open at once, another
    # session's thread may be half-way through importing keras, and only the import
    # statement waits for it to finish (a half-initialised module has no .backend yet).
    import keras

    with _PATCH_LOCK:
        _patch_clear_session(keras.backend)


_WARM = {"started": False}


def protect_after_page(warm_delay_s: float = 3.0) -> None:
    """After a page run: patch now if Keras is loaded; otherwise import it in the background.

    Streamlit's clean-up only touches Keras when it is in ``sys.modules``, and every code
    path that trains calls :func:`protect_keras_session` first, so a page that needed no
    Keras need not wait for it. Importing TensorFlow in the script thread right after the
    first page held the GIL for ~5 CPU seconds while the browser was still fetching the
    page's Plotly bundle from the same process (bench/bench_cold_start.py); a daemon thread
    imports it ``warm_delay_s`` later instead (once per process), so the Train page still
    finds TensorFlow loaded.
    """
    if "keras" in sys.modules:
        protect_keras_session()
        return
    with _PATCH_LOCK:
        if _WARM["started"]:
            return
        _WARM["started"] = True

    def warm():
        import time

        time.sleep(warm_delay_s)
        try:
            protect_keras_session()
        except Exception:  # a broken TensorFlow shows where a page needs it, with its message
            pass

    threading.Thread(target=warm, name="aecore-keras-warmup", daemon=True).start()


def _patch_clear_session(backend) -> None:
    if getattr(backend.clear_session, "_autoencoder_lab", False):
        return
    original = backend.clear_session

    def clear_session(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("streamlit."):
            return None
        return original(*args, **kwargs)

    clear_session._autoencoder_lab = True
    clear_session._original = original
    clear_session.__doc__ = original.__doc__
    backend.clear_session = clear_session
