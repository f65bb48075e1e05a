"""AppTest of the Anomalies page: ranking, histogram by class, outliers, ROC and threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import chart_keys as _charts
from tests.conftest import joined_text as _text
from tests.conftest import open_page, trained
from ui.state import RUN_KEY

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "app_pages/anomalies.py"


@pytest.fixture(scope="module")
def digit_run(digits):
    return trained("dense", digits, code_dim=16, epochs=3, learning_rate=0.01)


@pytest.fixture(scope="module")
def mnist_run():
    from aecore.data import load_dataset

    return trained("dense", load_dataset("mnist_sample", limit=500, test_limit=200), epochs=2)


def _page(run=None):
    return open_page(PAGE, TIMEOUT, **({RUN_KEY: run} if run is not None else {}))


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_no_model_shows_info_and_link():
    at = _page()
    assert "reconstruction error is an outlier score" in _text(at.markdown)
    assert any("Train a model on the Train page first" in i.value for i in at.info)
    assert at.get("page_link") and not at.slider


def test_ranking_histogram_and_a_size_mismatch_explained(digit_run):
    at = _page(digit_run)
    assert {"an_typical", "an_atypical", "an_hist"} <= _charts(at)
    # a digits (8x8) model: 28x28 Fashion-MNIST cannot be mixed in, and the page says why
    assert at.selectbox(key="an_source").options == ["Fashion-MNIST clothes", "MNIST digits (offline sample)",
                                                     "uniform noise"]
    assert "the outliers from fashion_mnist are 28x28 images but the model takes 8x8" in _text(at.error)
    at.selectbox(key="an_source").set_value("noise").run()
    assert not at.exception and not at.error, _text(at.error)
    assert {"an_roc", "an_mix"} <= _charts(at)
    auc = float(next(m.value for m in at.markdown if m.value.startswith("### AUC")).split()[-1])
    assert auc > 0.95  # noise is nothing like a digit
    at.radio(key="an_count").set_value(16).run()
    assert not at.exception


def test_fashion_outliers_roc_and_the_threshold_slider(mnist_run):
    at = _page(mnist_run)
    assert at.selectbox(key="an_source").value == "fashion_mnist"
    at.select_slider(key="an_n_out").set_value(250).run()
    assert not at.exception and not at.error, _text(at.error)
    assert "### AUC" in _text(at.markdown)
    assert _metric(at, "Outliers caught (of 250)")
    slider = at.slider(key="an_threshold")
    low, high = slider.min, slider.max
    slider.set_value(low).run()
    assert _metric(at, "Outliers missed") == "0" and _metric(at, "Test images passed") == "0"
    at.slider(key="an_threshold").set_value(high).run()
    assert _metric(at, "Outliers caught (of 250)") == "0"
    assert _metric(at, "False alarms (of 200)") == "0"
    assert {"an_roc", "an_mix", "an_missed"} <= _charts(at)
    assert not at.exception and not at.error
