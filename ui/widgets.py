"""Small shared widgets and the error guard every page runs inside.

No traceback ever reaches a user: a ``ValueError`` from ``aecore`` (bad settings, a bad
dataset folder, a damaged model file) is shown as ``st.error(message)``, anything else as a
short "unexpected error" line, with the traceback going to the server log only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import streamlit as st

from aecore.data import Dataset
from aecore.variants import PARAMS, get_variant
from ui import state

log = logging.getLogger("autoencoder_lab")

STATUS_TEXT = {
    "idle": (":material/radio_button_unchecked:", "ready to start"),
    "running": (":green[:material/play_circle:]", "training"),
    "paused": (":orange[:material/pause_circle:]", "paused"),
    "finished": (":green[:material/check_circle:]", "finished"),
    "stopped": (":gray[:material/stop_circle:]", "stopped"),
    "failed": (":red[:material/error:]", "failed"),
}


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show a ``ValueError`` as ``st.error`` and carry on after the block."""
    try:
        yield
    except ValueError as exc:
        st.error(str(exc) or type(exc).__name__)


def guard(main: Callable[[], Any]) -> None:
    """Run a page's body; errors become messages, never tracebacks.

    ``st.stop()`` and ``st.rerun()`` raise ``BaseException`` subclasses, which pass through.
    """
    try:
        main()
    except ValueError as exc:
        st.error(str(exc) or type(exc).__name__)
    except Exception as exc:  # the last line of defence: the page must keep working
        log.exception("unexpected error on a page")
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        st.error(f"Something unexpected went wrong ({type(exc).__name__}: {first}). "
                 "The rest of the app still works; try again or press Reset.")


def param_widget(name: str, label: str, key: str, disabled: bool = False) -> Any:
    """The input for one hyperparameter, chosen from its schema in ``aecore.variants.PARAMS``.

    Layer lists and log-scale numbers (learning rate, L1) are text, so any value can be
    typed and ``aecore`` gets to say what is wrong with it.
    """
    p = PARAMS[name]
    if p.kind == "bool":
        return st.checkbox(label, key=key, help=p.help, disabled=disabled)
    if p.kind == "intlist":
        return st.text_input(label, key=key, help=p.help + " (e.g. 128,64; empty for none)",
                             disabled=disabled)
    if p.kind == "choice":
        return st.selectbox(label, p.choices, key=key, help=p.help, disabled=disabled)
    if p.kind == "int":
        return st.number_input(label, min_value=int(p.low), max_value=int(p.high), step=1, key=key,
                               help=p.help, disabled=disabled)
    if p.log:
        return st.text_input(label, key=key, help=p.help + " (e.g. 0.001 or 1e-3)", disabled=disabled)
    return st.slider(label, min_value=float(p.low), max_value=float(p.high), step=0.05, key=key,
                     help=p.help, disabled=disabled)


def status_line(status: str, extra: str = "") -> None:
    icon, text = STATUS_TEXT.get(status, ("", status))
    st.markdown(f"#### {icon} Status: {text}" + (f" — {extra}" if extra else ""))


def variant_caption(name: str) -> None:
    v = get_variant(name)
    st.markdown(f"**{v.title}.** {v.description}")
    st.caption(f"Recipe: {v.source}")


def dataset_provenance(ds: Dataset) -> None:
    """Say plainly where the images come from, and when a fallback happened."""
    h, w = ds.image_shape
    st.caption(f"**{ds.name}** · {len(ds.x_train):,} training / {len(ds.x_test):,} test images of "
               f"{h}x{w} pixels · {ds.num_classes} classes · source: {ds.source}")
    if ds.notice:
        st.warning(ds.notice)
    elif ds.is_sample:
        st.info("This is the offline 5,000-digit MNIST sample standing in for full MNIST "
                "(60,000 digits): the same kind of images, fewer of them.")


def require_model(purpose: str) -> dict:
    """The session's models, or an info box with a link to Train and ``st.stop()``."""
    available = state.models_available()
    if not available:
        st.info(f"Train a model on the Train page first … then come back here to {purpose}.")
        st.page_link("app_pages/train.py", label="Go to the Train page", icon=":material/model_training:")
        st.stop()
    return available
