"""AppTest: the Train page's survey options (tied weights, layer-wise pretraining)."""

from __future__ import annotations

import pytest
from test_app_train import _env, _errors, _finish, _small, _train_page  # noqa: F401  (_env: the fixture)

from aecore.pretraining import FINE_TUNE
from aecore.training import FINISHED


@pytest.mark.parametrize(("variant", "tied", "pretraining"), [
    ("dense", True, False), ("deep", True, True), ("deep2d", True, True), ("sparse", True, False),
    ("linear", True, False), ("conv", False, False), ("denoising", False, False), ("vae", False, False),
])
def test_the_options_show_for_the_variants_they_apply_to(variant, tied, pretraining):
    at = _train_page()
    at.selectbox(key="train_variant").set_value(variant).run()
    assert not at.exception and not at.error
    assert bool([c for c in at.checkbox if c.key == "train_tied_weights"]) == tied
    assert bool([s for s in at.selectbox if s.key == "train_pretraining"]) == pretraining
    if pretraining:
        assert at.selectbox(key="train_pretraining").value == "none"
        assert at.selectbox(key="train_pretraining").options == ["none", "layerwise"]


def test_tied_weights_halve_the_table_and_train():
    at = _train_page()
    at.selectbox(key="train_variant").set_value("deep").run()
    _small(at, "digits", n=300, epochs=1)
    untied = next(e.label for e in at.expander if "parameters" in e.label)
    at.checkbox(key="train_tied_weights").check().run()
    assert not at.exception and not at.error
    tied = next(e.label for e in at.expander if "parameters" in e.label)
    assert untied.endswith("37,344 parameters") and tied.endswith("18,912 parameters")
    text = "\n".join(c.value for c in at.caption)
    assert "Tied: decoder kernels are the encoder's transposes, 18,912 parameters instead of 37,344" in text
    at.button(key="train_start").click().run()
    run = _finish(at)
    assert run.status == FINISHED and run.config["tied_weights"] is True
    assert run.models.decoder.get_layer("pixels").mirror is run.models.encoder.get_layer("enc_1")


def test_layerwise_pretraining_trains_in_stages_and_says_which():
    at = _train_page()
    at.selectbox(key="train_variant").set_value("deep").run()
    _small(at, "digits", n=300, epochs=3)
    at.selectbox(key="train_pretraining").set_value("layerwise").run()
    assert "needs epochs of at least 4" in _errors(at)
    assert at.button(key="train_start").disabled
    at.number_input(key="train_epochs").set_value(5).run()
    assert not at.error
    at.button(key="train_step").click().run()  # one epoch: the first pretraining stage, then paused
    run = at.session_state["ae_run"]
    assert run.wait(60) == "paused", run.reason
    at.run()
    assert not at.exception
    text = "\n".join(c.value for c in at.caption)
    assert "Stage: **pretrain layer 1 (64-128)**" in text
    at.button(key="train_resume").click().run()
    run = _finish(at)
    assert run.status == FINISHED and run.history.stage[-1] == FINE_TUNE and len(run.history.stage) == 5
    assert not at.error
