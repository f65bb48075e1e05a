"""The Train page's settings in the link: ``?dataset=digits&variant=deep&learning_rate=0.01``.

The page writes the dataset, the variant and every hyperparameter that differs from the
variant's recipe into the query string (``st.query_params``) after each render, so the
address is a bookmark of the setup. A link with settings the session has not applied yet
(a bookmark, a link sent by a lecturer, a fresh browser) sets the form before the widgets
are drawn. A bad value is named in a warning and the recipe's value is used instead;
nothing else in the link is lost.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from aecore.data import DATASET_NAMES
from aecore.validation import check_int
from aecore.variants import PARAMS, VARIANTS, check_param, get_variant, resolve_config
from ui import form, state
from ui.datasets import FOLDER_CHOICE

APPLIED_KEY = "ae_url_applied"  # the link's settings last applied to, or written from, the form
PROBLEMS_KEY = "ae_url_problems"  # (messages, the query written after them or None)
FIXED = ("dataset", "variant", "n_train")


def as_text(value: Any) -> str:
    """A setting as the link spells it: "128,64", "true", "0.001", "16"."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _link() -> dict[str, str]:
    """The link's Train settings (other pages' parameters are left alone)."""
    return {k: st.query_params.get(k) for k in st.query_params.keys() if k in FIXED or k in PARAMS}


def _signature(values: dict[str, str]) -> tuple:
    return tuple(sorted(values.items()))


def parse_link(values: dict[str, str]) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """``(resolved config or None, dataset or None, problems)`` from a link's settings.

    Each bad value is left out and named (parameter, value, limit); the rest still apply.
    """
    problems: list[str] = []
    variant = values.get("variant")
    if variant is not None and variant not in VARIANTS:
        problems.append(f"**Variant**: unknown variant {variant!r}; valid variants: {', '.join(VARIANTS)}")
        variant = None
    variant = variant or form.form()["variant"]
    good: dict[str, Any] = {}
    for name, raw in values.items():
        if name in FIXED:
            continue
        if name not in get_variant(variant).params:
            problems.append(f"{name}: not a setting of the {variant} variant")
            continue
        try:
            good[name] = check_param(name, raw)
        except ValueError as exc:
            problems.append(str(exc))
    try:
        config = resolve_config(variant, **good)
    except ValueError as exc:  # values fine alone but not together
        problems.append(str(exc))
        config = resolve_config(variant)
    dataset = values.get("dataset")
    if dataset is not None and not dataset.strip():
        problems.append("dataset: empty")
        dataset = None
    if "variant" not in values and not good:
        config = None  # only a dataset in the link: the form keeps its settings
    return config, dataset, problems


def from_link() -> None:
    """Before the Train form is drawn: apply a link's settings not applied before, and say
    which values were refused (they fall back to the recipe)."""
    values = _link()
    if values and st.session_state.get(APPLIED_KEY) != _signature(values):
        st.session_state[APPLIED_KEY] = _signature(values)
        config, dataset, problems = parse_link(values)
        if config is not None:
            form.set_form_config(config)
        if dataset is not None:
            named = dataset in DATASET_NAMES
            st.session_state[form.wkey("dataset")] = dataset if named else FOLDER_CHOICE
            st.session_state[form.wkey("folder")] = "" if named else dataset
            state.set_dataset_name(dataset)
        n_train = values.get("n_train")
        if n_train is not None:
            try:
                n = check_param_int("n_train", n_train)
            except ValueError as exc:
                problems.append(str(exc))
            else:  # the size chosen for this dataset (a new dataset otherwise starts with all its images)
                f = form.form()
                f["n_train"], f["n_train_for"] = n, dataset or state.dataset_name()
                st.session_state[form.wkey("n_train")] = n
        st.session_state[PROBLEMS_KEY] = (problems, None) if problems else None
    kept = st.session_state.get(PROBLEMS_KEY)
    if kept:
        lines = "\n".join(f"- {form.field_message(p)}" for p in kept[0])
        st.warning(f"Some settings in the link could not be used; the recipe's values are used instead:\n{lines}",
                   icon=":material/link_off:")


def check_param_int(name: str, raw: str) -> int:
    """A whole number of at least 1 from the link (``ValueError`` names it)."""
    try:
        n = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    return check_int(name, n, low=1)


def to_link(config: dict[str, Any] | None, dataset_key: str | None, n_train: int | None = None,
            full: Any = None) -> None:
    """After the form is drawn: the dataset, the variant, the training-set size when it is not
    every image, and each hyperparameter that differs from the recipe, in the link."""
    if config is None or not dataset_key:
        return
    recipe = resolve_config(config["variant"])
    want = {"dataset": dataset_key, "variant": config["variant"]}
    if n_train is not None and full is not None and n_train < len(full.x_train):
        want["n_train"] = str(int(n_train))
    for name in get_variant(config["variant"]).params:
        if config.get(name) != recipe.get(name):
            want[name] = as_text(config[name])
    have = _link()
    if have != want:
        for k in have:
            if k not in want:
                del st.query_params[k]
        for k, v in want.items():
            if have.get(k) != v:
                st.query_params[k] = v
    sig = _signature(want)
    st.session_state[APPLIED_KEY] = sig
    kept = st.session_state.get(PROBLEMS_KEY)
    if kept:  # the warning stays until the student changes a setting
        if kept[1] is None:
            st.session_state[PROBLEMS_KEY] = (kept[0], sig)
        elif kept[1] != sig:
            st.session_state[PROBLEMS_KEY] = None
