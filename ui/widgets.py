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


def run_buttons(prefix: str, status: str | None, *, step: bool = True, start_help: str = "",
                stop_help: str = "", reset_help: str = "") -> str | None:
    """Start / Pause / Resume / (Step) / Stop / Reset in one row for a page's own run.

    ``status`` is the run's status (None before the first run); widget keys are
    ``{prefix}_start`` and so on. Returns the action pressed ("start", "pause", "resume",
    "step", "stop", "reset") or None; each button is enabled only when it means something.
    """
    from aecore.training import PAUSED, RUNNING

    active = status in (RUNNING, PAUSED)
    buttons = [("start", "Start", ":material/play_arrow:", active, start_help),
               ("pause", "Pause", ":material/pause:", status != RUNNING, ""),
               ("resume", "Resume", ":material/play_circle:", status != PAUSED, "")]
    if step:
        buttons.append(("step", "Step", ":material/skip_next:", status == RUNNING, "Train one more epoch, then pause"))
    buttons += [("stop", "Stop", ":material/stop:", not active, stop_help),
                ("reset", "Reset", ":material/restart_alt:", status is None, reset_help)]
    pressed = None
    for col, (action, label, icon, disabled, hint) in zip(st.columns(len(buttons)), buttons, strict=True):
        if col.button(label, key=f"{prefix}_{action}", type="primary" if action == "start" else "secondary",
                      icon=icon, width="stretch", disabled=disabled, help=hint or None):
            pressed = action
    return pressed


#: how often a training page redraws its live section while a run trains (seconds)
LIVE_REFRESH_S = 0.5


def live_section(status0: str, draw: Callable[[str], Any], every: float = LIVE_REFRESH_S) -> None:
    """Call ``draw(status0)`` in a fragment redrawn every ``every`` s while the run trains.

    ``status0`` is the run's status when the page ran; ``draw`` reruns the whole page when the
    status it sees differs (so the buttons follow), and errors in it become messages.
    """
    from aecore.training import RUNNING

    @st.fragment(run_every=every if status0 == RUNNING else None)
    def live():
        guard(lambda: draw(status0))

    live()


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

    Layer lists and log-scale numbers (learning rate, L1) are text and whole numbers have no
    limits on the widget, so any value can be typed and ``aecore`` gets to say what is wrong
    with it (the page then disables Start and says why).
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
        # No min/max on the widget: a browser keeps the old value of an out-of-range entry
        # without a word. The field takes what is typed and aecore's check says what is wrong.
        return st.number_input(label, step=1, key=key, help=f"{p.help} ({int(p.low):,} to {int(p.high):,})",
                               disabled=disabled)
    if p.log:
        return st.text_input(label, key=key, help=p.help + " (e.g. 0.001 or 1e-3)", disabled=disabled)
    return st.slider(label, min_value=float(p.low), max_value=float(p.high), step=0.05, key=key,
                     help=p.help, disabled=disabled)


_SPELLED = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


def plural(n: int, word: str, words: str | None = None, spell: bool = False) -> str:
    """"1 class", "10 classes", "4,000 images": a count with its noun in the right number;
    ``spell`` writes counts up to ten as a word that starts a sentence ("Six test images")."""
    count = _SPELLED[n] if spell and 0 <= n < len(_SPELLED) else f"{n:,}"
    return f"{count} {word if n == 1 else (words or word + 's')}"


def status_line(status: str, extra: str = "") -> None:
    icon, text = STATUS_TEXT.get(status, ("", status))
    st.markdown(f"#### {icon} Status: {text}" + (f" — {extra}" if extra else ""))


def run_notes(snap) -> None:
    """What the learning-rate schedule and early stopping did (``History.notes``), latest
    first; the run's own reason (an early stop) is shown beside the status already."""
    notes = [n for n in snap.history.notes if n != snap.reason]
    if notes:
        st.caption("Schedule: " + "; ".join(reversed(notes[-3:])))


def variant_caption(name: str) -> None:
    v = get_variant(name)
    st.markdown(f"**{v.title}.** {v.description}")
    st.caption(f"Recipe: {v.source}")


def dataset_provenance(ds: Dataset) -> None:
    """Say plainly where the images come from, and when a fallback happened."""
    h, w = ds.image_shape
    test = plural(len(ds.x_test), "test image")
    st.caption(f"**{ds.name}** · {len(ds.x_train):,} training / {test} of "
               f"{h}x{w} pixels · {plural(ds.num_classes, 'class', 'classes')} · source: {ds.source}")
    if ds.notice:
        st.warning(ds.notice)
    elif ds.is_sample:
        st.info("This is the offline 5,000-digit MNIST sample standing in for full MNIST "
                "(60,000 digits): the same kind of images, fewer of them.")


def require_model(purpose: str) -> dict:
    """The session's usable models, or an info box with a link to Train and ``st.stop()``.

    A model whose training diverged (NaN weights) is never offered; the page says so
    plainly, so a student knows where their run went.
    """
    available = state.models_available()
    diverged = state.diverged_models()
    if diverged:
        names = ", ".join(f"“{label}”" for label in diverged)
        st.warning(f"{names} {'is' if len(diverged) == 1 else 'are'} not offered here: its training diverged "
                   "(the weights became NaN or infinite), so it draws blank images and any score of it "
                   "would be meaningless. Lower the learning rate and train again.", icon=":material/error:")
    if not available:
        st.info(f"Train a model on the Train page first … then come back here to {purpose}.")
        st.page_link("app_pages/train.py", label="Go to the Train page", icon=":material/model_training:")
        st.stop()
    return available
