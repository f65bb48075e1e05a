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
