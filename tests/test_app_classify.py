"""AppTest of the Classify page: a live classifier on the encoder, baselines, mistakes, downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import chart_keys as _charts
from tests.conftest import finish_session, open_page, trained
from tests.conftest import joined_text as _text
from ui.classify import SESSION_KEY
from ui.state import RUN_KEY

TIMEOUT = 180
APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "app_pages/classify.py"


@pytest.fixture(scope="module")
def digit_run(digits):
    return trained("dense", digits, code_dim=16, epochs=3, learning_rate=0.01)


def _page(run=None):
    return open_page(PAGE, TIMEOUT, **({RUN_KEY: run} if run is not None else {}))


def _finish(at):
    return finish_session(at, SESSION_KEY)


def test_no_model_shows_the_lesson_and_a_link():
    at = _page()
    assert "autoencoder classification in Keras" in _text(at.markdown)
    assert any("Train a model on the Train page first" in i.value for i in at.info)


def test_train_live_then_baselines_mistakes_and_downloads(digit_run):
    at = _page(digit_run)
    assert not at.error, _text(at.error)
    assert at.selectbox(key="cl_budget").options == ["every label", "1 per class", "10 per class", "100 per class"]
    at.selectbox(key="cl_budget").set_value(10)
    at.number_input(key="cl_epochs").set_value(3)
    at.selectbox(key="cl_units").set_value(64).run()
    at.button(key="cl_start").click().run()
    assert not at.exception
    session = _finish(at)
    run = session.run
    assert run.status == "finished" and run.history.epoch == [1, 2, 3]
    assert run.inputs.n_labelled == 100 and run.config["units"] == 64 and not run.config["fine_tune"]
    assert not at.error, _text(at.error)
    assert {"cl_chart_loss", "cl_chart_acc", "cl_chart_arms", "cl_chart_confusion", "cl_chart_wrong"} <= _charts(at)
    labels = {m.label for m in at.metric}
    assert {"Train accuracy", "Validation accuracy", "Test accuracy: Encoder (autoencoder's code)",
            "Test accuracy: PCA (as many numbers)", "Test accuracy: Raw pixels"} <= labels
    table = at.table[0].value
    assert list(table["features"]) == ["Encoder (autoencoder's code)", "PCA (as many numbers)", "Raw pixels"]
    assert list(table["numbers per image"]) == ["16", "16", "64"]
    assert "finished" in _text(at.markdown)
    assert len(at.get("download_button")) == 2
    # the label-efficiency chart only when asked for
    assert "cl_chart_eff" not in _charts(at)
    at.button(key="cl_efficiency").click().run()
    assert not at.exception and not at.error, _text(at.error)
    assert "cl_chart_eff" in _charts(at)


def test_step_pauses_after_one_epoch_and_fine_tuning_is_an_option(digit_run):
    at = _page(digit_run)
    at.radio(key="cl_mode").set_value("fine-tuned")
    at.selectbox(key="cl_budget").set_value(1)
    at.number_input(key="cl_epochs").set_value(3).run()
    at.button(key="cl_step").click().run()
    session = at.session_state[SESSION_KEY]
    assert session.run.wait(120) == "paused"
    at.run()
    assert not at.exception and not at.error, _text(at.error)
    assert session.run.config["fine_tune"] and session.run.history.epoch == [1]
    assert not at.button(key="cl_resume").disabled
    at.button(key="cl_stop").click().run()
    session = _finish(at)
    assert session.run.status == "stopped"
    assert "cl_chart_arms" in _charts(at)  # a stopped run is compared too, at the epochs it trained


@pytest.mark.slow
def test_the_dense_preset_on_mnist_sample_meets_the_issue_goal():
    """Issue 10's "done": the dense preset's encoder with every label reaches 0.88 on the sample's
    1,000 test digits, and the page reports all three accuracies."""
    from aecore.data import load_dataset
    from aecore.training import FINISHED, TrainingRun
    from aecore.variants import resolve_config

    run = TrainingRun(resolve_config("dense"), load_dataset("mnist_sample"))
    run.start()
    assert run.join(600) and run.status == FINISHED
    at = _page(run)
    assert at.selectbox(key="cl_budget").value == 0 and at.number_input(key="cl_epochs").value == 20
    at.button(key="cl_start").click().run()
    session = _finish(at)
    assert session.run.inputs.n_labelled == 4000
    metrics = {m.label: m.value for m in at.metric}
    encoder = float(metrics["Test accuracy: Encoder (autoencoder's code)"].rstrip("%")) / 100
    assert encoder >= 0.88, metrics
    assert metrics["Test accuracy: PCA (as many numbers)"].endswith("%")
    assert metrics["Test accuracy: Raw pixels"].endswith("%")
