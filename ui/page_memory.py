"""Per-page widget state: values that outlive a visit to another page, and link parameters.

Streamlit forgets a widget's value when a page without that widget runs. Each page keeps
a copy of its widget values under its own key (``dn_kept``, ``lt_kept``) and restores them
before drawing; these helpers are the only code that writes those keys, so the pages
never write ``st.session_state`` themselves.

A value given in the link (``?noise=0.3``) is applied to its widget once, when the link
holds a value not applied before; afterwards the widget wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import streamlit as st

LINKS_KEY = "ae_links"  # query parameter -> the raw value last applied to (or written from) its widget


def restore_widgets(kept_key: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """Give every widget in ``defaults`` its kept value (or default) before it is drawn.

    Returns the page's kept values, for choosing other defaults from them.
    """
    kept = st.session_state.setdefault(kept_key, {})
    for key, default in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = kept.get(key, default)
    return kept


def kept_values(kept_key: str) -> dict[str, Any]:
    """The values a page kept at its last run (empty on its first)."""
    return st.session_state.setdefault(kept_key, {})


def remember_widgets(kept_key: str, keys: Iterable[str]) -> None:
    """Copy the widgets' current values, so :func:`restore_widgets` brings them back."""
    st.session_state[kept_key] = {k: st.session_state[k] for k in keys if k in st.session_state}


def value(key: str, default: Any = None) -> Any:
    """A widget's current value (a chart's selection, a counter)."""
    return st.session_state.get(key, default)


def set_default(key: str, default: Any) -> Any:
    """Give a value that is not a widget (a counter) its starting value; return its value."""
    return st.session_state.setdefault(key, default)


def keep_valid(key: str, options: Sequence[Any], fallback: Any) -> None:
    """Make a choice widget's value one of ``options`` (models come and go between runs)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = fallback


def forget(key: str, kept_key: str | None = None) -> None:
    """Drop a widget's value (and its kept copy), so it starts again from its default."""
    st.session_state.pop(key, None)
    if kept_key is not None:
        st.session_state.get(kept_key, {}).pop(key, None)


def advance(key: str) -> int:
    """Move a counter on by one (e.g. "New digits") and return its new value."""
    st.session_state[key] = st.session_state.get(key, 0) + 1
    return st.session_state[key]


def apply_link_once(param: str, raw: str | None, key: str, parsed: Any) -> None:
    """Set widget ``key`` to ``parsed`` (read from ``?param=raw``) when the link holds a raw
    value not applied before; ``parsed`` None (an invalid value) is never applied."""
    links = st.session_state.setdefault(LINKS_KEY, {})
    if parsed is not None and links.get(param) != raw:
        st.session_state[key] = parsed
    if raw is not None:
        links[param] = raw


def link_written(param: str, text: str) -> None:
    """Record a value the page wrote into the link, so it is not applied back to the widget."""
    st.session_state.setdefault(LINKS_KEY, {})[param] = text
