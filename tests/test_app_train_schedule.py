"""AppTest: the Train page's learning-rate schedule and early stopping."""

from __future__ import annotations

import pytest
from test_app_train import _env, _finish, _small, _train_page  # noqa: F401  (_env: the fixture)

from aecore.training import FINISHED


@pytest.mark.parametrize("variant", ["dense", "conv", "vae"])
def test_schedule_and_patience_are_offered_for_every_variant(variant):
    at = _train_page()
    at.selectbox(key="train_variant").set_value(variant).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="train_schedule").options == ["none", "cosine", "plateau"]
    assert at.selectbox(key="train_schedule").value == "none"
    assert at.number_input(key="train_patience").value == 0


def test_early_stopping_says_why_the_run_ended():
    at = _train_page()
    at.selectbox(key="train_variant").set_value("deep2d").run()
    _small(at, "digits", n=300, epochs=12)
    # plain SGD at 1e-6: the validation loss stalls at once, so patience 1 stops the run early
    at.selectbox(key="train_optimizer").set_value("sgd")
    at.text_input(key="train_learning_rate").set_value("1e-6")
    at.selectbox(key="train_schedule").set_value("plateau")
    at.number_input(key="train_patience").set_value(1).run()
    assert not at.exception and not at.error
    at.button(key="train_start").click().run()
    run = _finish(at)
    assert run.status == FINISHED and len(run.history.epoch) < 12
    text = "\n".join(c.value for c in at.caption)
    assert "Stopped early at epoch" in text and "validation loss did not improve for 1 epoch" in text


def test_patience_change_reaches_the_run_without_a_reset():
    at = _train_page()
    _small(at, "digits", n=300, epochs=1)
    at.button(key="train_start").click().run()
    run = _finish(at)
    at.number_input(key="train_patience").set_value(4).run()
    at.selectbox(key="train_schedule").set_value("cosine").run()
    assert not at.exception and not at.error
    assert at.session_state["ae_run"] is run  # no new model needed
    assert run.config["patience"] == 4 and run.config["schedule"] == "cosine"
    assert not any(b.key == "train_apply" for b in at.button)
