"""Shared fixtures: tiny seeded data, an isolated model store, quiet TensorFlow."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory, monkeypatch):
    """No test writes to the user's ~/.cache model store."""
    monkeypatch.setenv("AECORE_STORE_DIR", str(tmp_path_factory.mktemp("store")))


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits: 1,437 train / 360 test images, loads in milliseconds."""
    from aecore.data import load_dataset

    return load_dataset("digits")


@pytest.fixture(scope="session")
def small_mnist():
    """400 real 28x28 MNIST digits for training, 100 for testing."""
    from aecore.data import load_dataset

    return load_dataset("mnist_sample", limit=400, test_limit=100)


def trained(variant: str, data, **overrides):
    """A finished one-epoch TrainingRun (for page tests that need a model in session state)."""
    from aecore.training import FINISHED, TrainingRun

    run = TrainingRun({"variant": variant, "epochs": 1, **overrides}, data, val_limit=100)
    run.start()
    assert run.join(60)
    assert run.status == FINISHED, run.reason
    return run


# ---------------------------------------------------------------------------- page-test helpers
APP = str(__import__("pathlib").Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str, timeout: float = 120, **state):
    """``app.py`` switched to ``page`` with ``state`` in session state, run once without an exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_keys(at) -> set:
    """The keys of the Plotly charts on the page."""
    return {c.key for c in at.get("plotly_chart")}


def joined_text(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def finish_session(at, session_key: str):
    """Wait for the page's own training run (kept under ``session_key``) to end, then rerun the page."""
    session = at.session_state[session_key]
    assert session.run.join(120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return session
