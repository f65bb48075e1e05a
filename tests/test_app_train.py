"""AppTest: the Train page — settings, presets, live training, errors, store, state."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from aecore.variants import PRESETS, VARIANTS, resolve_config

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("AECORE_STORE_DIR", str(tmp_path / "store"))
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("AECORE_DATA_ROOT", str(tmp_path / "data"))
    return tmp_path


def _train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()  # app.py (navigation, Home) first, as a browser would
    at.switch_page("app_pages/train.py").run()
    assert not at.exception
    return at


def _small(at: AppTest, dataset: str = "mnist_sample", n: int = 300, epochs: int = 1) -> None:
    at.selectbox(key="train_dataset").select(dataset).run()  # a new dataset resets the size
    at.number_input(key="train_n_train").set_value(n)
    at.number_input(key="train_epochs").set_value(epochs).run()
    assert not at.exception and not at.error


def _finish(at: AppTest):
    run = at.session_state["ae_run"]
    assert run.join(60)
    at.run()
    assert not at.exception
    return run


def _errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def test_defaults_come_from_the_recipe_and_the_architecture_is_shown():
    at = _train_page()
    assert not at.error
    recipe = resolve_config("dense")
    assert at.selectbox(key="train_variant").value == "dense"
    assert at.text_input(key="train_hidden").value == ""
    assert at.number_input(key="train_code_dim").value == recipe["code_dim"]
    assert at.text_input(key="train_learning_rate").value == f"{recipe['learning_rate']:g}"
    assert at.number_input(key="train_n_train").value == 4000  # the whole offline sample
    assert at.table  # the architecture table
    assert any("parameters" in e.label for e in at.expander)
    assert at.button(key="train_pause").disabled and at.button(key="train_stop").disabled
    assert "ae_run" not in at.session_state


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_shows_its_recipe_and_architecture(variant):
    at = _train_page()
    at.selectbox(key="train_variant").set_value(variant).run()
    assert not at.exception and not at.error
    recipe = resolve_config(variant)
    assert at.number_input(key="train_epochs").value == recipe["epochs"]
    text = "\n".join(c.value for c in at.caption)
    assert VARIANTS[variant].source in text
    assert at.table and any("parameters" in e.label for e in at.expander)


def test_presets_published_and_reset_to_recipe():
    at = _train_page()
    labels = list(PRESETS)
    i = next(i for i, label in enumerate(labels) if PRESETS[label][0] == "deep2d")
    at.button(key=f"train_preset_{i}").click().run()
    assert at.selectbox(key="train_variant").value == "deep2d"
    assert at.text_input(key="train_hidden").value == "128,64,10"
    assert at.number_input(key="train_code_dim").value == 2
    assert at.selectbox(key="train_output_activation").value == "tanh"
    assert at.selectbox(key="train_scaling").value == "centered"
    at.button(key="train_published").click().run()
    at.selectbox(key="train_variant").set_value("deep").run()
    at.button(key="train_published").click().run()
    assert at.selectbox(key="train_optimizer").value == "adadelta"
    assert at.text_input(key="train_learning_rate").value == "1"
    assert at.number_input(key="train_epochs").value == 100
    at.number_input(key="train_code_dim").set_value(7).run()
    at.button(key="train_reset_recipe").click().run()
    assert at.number_input(key="train_code_dim").value == 32
    assert at.selectbox(key="train_optimizer").value == "adam"
    assert not at.exception and not at.error


def test_invalid_inputs_show_what_to_change_and_the_page_keeps_working():
    at = _train_page()
    at.text_input(key="train_hidden").input("12,,x").run()
    assert not at.exception
    assert "hidden must be a comma-separated list of whole numbers" in _errors(at)
    assert at.button(key="train_start").disabled
    at.text_input(key="train_hidden").input("64").run()
    assert not at.error
    at.number_input(key="train_code_dim").set_value(1000).run()
    assert "code_dim must be between 1 and 784" in _errors(at)
    assert at.button(key="train_start").disabled
    at.number_input(key="train_code_dim").set_value(16).run()
    at.text_input(key="train_learning_rate").input("fast").run()
    assert "learning_rate must be a number" in _errors(at)
    at.text_input(key="train_learning_rate").input("0.001").run()
    assert not at.error and not at.button(key="train_start").disabled
    # a folder that is not there names the folder and what to give instead
    at.selectbox(key="train_dataset").select("__folder__").run()
    assert "type the name of a folder" in _errors(at)
    at.text_input(key="train_folder").input("nowhere").run()
    assert "nowhere" in _errors(at) and not at.exception
    at.selectbox(key="train_dataset").select("digits").run()
    assert not at.error and not at.exception


def test_a_tiny_run_trains_is_saved_remembered_and_survives_leaving_the_page(_env):
    at = _train_page()
    _small(at)
    at.button(key="train_start").click().run()
    assert not at.exception
    run = _finish(at)
    assert run.status == "finished"
    h = run.history
    assert h.epoch == [1] and len(h.loss) == 1 and h.trace_loss
    assert len(at.get("plotly_chart")) == 3  # loss curve, inputs, reconstructions
    assert [m.label for m in at.metric][:2] == ["Train loss", "Validation loss"]
    # remembered for Denoise / Latent, and saved to the store for "use pretrained"
    kept = at.session_state["ae_models"]
    assert len(kept) == 1 and next(iter(kept.values())).models is run.models
    assert any((_env / "store").iterdir())
    # a learning-rate change applies to the model as it is: no new model
    at.text_input(key="train_learning_rate").input("0.0005").run()
    assert at.session_state["ae_run"] is run and run.config["learning_rate"] == 0.0005
    assert not at.warning
    at.text_input(key="train_learning_rate").input("0.003").run()
    # leave and come back: the settings and the run are still there
    at.number_input(key="train_code_dim").set_value(16).run()
    at.switch_page("app_pages/home.py").run()
    assert not at.exception
    assert "your model" in "\n".join(c.value for c in at.caption)
    at.switch_page("app_pages/train.py").run()
    assert at.number_input(key="train_code_dim").value == 16
    assert at.number_input(key="train_n_train").value == 300
    assert at.session_state["ae_run"] is run
    # an architecture change asks before resetting
    warning = "\n".join(w.value for w in at.warning)
    assert "code_dim" in warning and "Reset and apply" in warning
    assert run.history.epoch == [1]
    at.button(key="train_apply").click().run()
    new = at.session_state["ae_run"]
    assert new is not run and new.status == "idle" and new.config["code_dim"] == 16
    # back to the saved settings: the stored model loads at once
    at.number_input(key="train_code_dim").set_value(32).run()
    at.button(key="train_pretrained").click().run()
    loaded = at.session_state["ae_run"]
    assert not at.exception
    assert loaded.status == "finished" and loaded.history.epoch == [1]
    assert not at.button(key="train_step").disabled


def test_step_pause_resume_and_stop():
    at = _train_page()
    _small(at, dataset="digits", epochs=3)
    at.button(key="train_step").click().run()
    run = at.session_state["ae_run"]
    assert run.wait(60) == "paused"
    at.run()
    assert len(run.history.epoch) == 1
    assert not at.button(key="train_resume").disabled
    at.button(key="train_resume").click().run()
    run.join(60)
    at.run()
    assert run.status == "finished" and run.history.epoch == [1, 2, 3]
    assert at.button(key="train_start").label == "Start over"


def test_stop_keeps_what_was_learned():
    at = _train_page()
    _small(at, dataset="digits", epochs=200)
    at.button(key="train_start").click().run()
    run = at.session_state["ae_run"]
    for _ in range(300):
        if run.history.epoch or run.status != "running":
            break
        time.sleep(0.05)
    at.run()  # the page shows the run going, Stop enabled
    at.button(key="train_stop").click().run()
    run = _finish(at)
    assert run.status == "stopped" and 1 <= len(run.history.epoch) < 200
    assert "stopped by the user" in "\n".join(c.value for c in at.caption).lower()
    kept = at.session_state["ae_models"]
    assert next(iter(kept.values())).history.epoch == run.history.epoch


def test_a_diverging_run_shows_its_reason_and_the_app_keeps_working():
    at = _train_page()
    _small(at, dataset="digits")
    at.selectbox(key="train_variant").set_value("linear").run()
    at.text_input(key="train_hidden").input("64,64")
    at.selectbox(key="train_optimizer").set_value("sgd")
    at.text_input(key="train_learning_rate").input("10")
    at.number_input(key="train_batch_size").set_value(16).run()
    assert not at.error
    at.button(key="train_start").click().run()
    run = _finish(at)
    assert run.status == "failed"
    assert "diverged" in _errors(at) and "Lower the learning rate" in _errors(at)
    assert "ae_models" not in at.session_state or not at.session_state["ae_models"]
    at.text_input(key="train_learning_rate").input("0.001").run()
    assert not at.exception
    assert not at.button(key="train_start").disabled  # a fresh start is one click away


def test_page_reruns_while_training_do_not_stall_the_run():
    # Streamlit calls keras.backend.clear_session() after every script run (fragment reruns
    # too): it swaps Keras' global state under the training thread, clears TF's kernel cache
    # and runs a full gc. Unprotected, a page polling twice a second kept a run on the MNIST
    # sample from finishing its first step for over a minute.
    from keras.src.backend.common import global_state
    from streamlit.runtime.scriptrunner import script_runner

    at = _train_page()
    global_state.set_global_attribute("autoencoder_lab_probe", 1)
    script_runner._clean_problem_modules()  # what Streamlit runs after each script run
    assert global_state.get_global_attribute("autoencoder_lab_probe") == 1

    _small(at, dataset="digits", epochs=2)
    at.button(key="train_start").click().run()
    run = at.session_state["ae_run"]
    for _ in range(300):  # poll like the live fragment does
        if run.status != "running":
            break
        at.run()
        time.sleep(0.2)
    assert run.join(30)
    assert run.status == "finished" and run.history.epoch == [1, 2]


def test_other_callers_still_get_the_real_clear_session():
    import keras
    from keras.src.backend.common import global_state

    _train_page()
    global_state.set_global_attribute("autoencoder_lab_probe", 1)
    keras.backend.clear_session()
    assert global_state.get_global_attribute("autoencoder_lab_probe") is None


def test_labels_name_what_differs_from_the_recipe():
    from ui.state import model_label

    assert model_label(resolve_config("conv"), 5) == "conv · 5 ep"
    assert model_label(resolve_config("conv", filters=[32, 16, 16]), 5) == "conv · filters 32-16-16 · 5 ep"
    assert (model_label(resolve_config("deep", hidden=[], code_dim=2, learning_rate=0.01), 3)
            == "deep · no hidden layers · code 2 · lr 0.01 · 3 ep")
    assert (model_label(resolve_config("dense", activation="tanh", noise_factor=0.3, seed=4), 1)
            == "dense · tanh activation · noise 0.3 · seed 4 · 1 ep")


def test_two_conv_runs_in_one_session_are_two_models_in_every_picker(digits):
    """Every conv run used to be labelled "conv · N ep" and the models were kept by label,
    so the second conv model replaced the first in every model picker."""
    from tests.conftest import trained
    from ui.state import MODELS_KEY, RUN_KEY

    wide = trained("conv", digits, filters=[16, 8])
    narrow = trained("conv", digits, filters=[8, 8])
    again = trained("conv", digits, filters=[8, 8])  # the same settings trained a second time
    at = AppTest.from_file(APP, default_timeout=60)
    for run in (wide, narrow, again):
        at.session_state[RUN_KEY] = run
        at.run()  # app.py keeps every finished run for the other pages
        assert not at.exception
    kept = at.session_state[MODELS_KEY]
    assert list(kept) == ["conv · filters 16-8 · 1 ep", "conv · filters 8-8 · 1 ep",
                          "conv · filters 8-8 · 1 ep (2)"]
    assert [e.models for e in kept.values()] == [wide.models, narrow.models, again.models]
    at.switch_page("app_pages/denoise.py").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="dn_model").options == [
        "Current run: conv · filters 8-8 · 1 ep", "conv · filters 16-8 · 1 ep", "conv · filters 8-8 · 1 ep"]


@pytest.mark.parametrize("preset", ["Variational autoencoder (VAE), 2-d code", "Conditional VAE: ask for a digit"])
def test_a_vae_trains_live_with_reconstruction_and_kl_beside_the_total(preset):
    import json

    at = AppTest.from_file(APP, default_timeout=180)  # a first run imports TensorFlow: slow on a busy machine
    at.switch_page("app_pages/train.py").run()
    assert not at.exception
    at.button(key=f"train_preset_{list(PRESETS).index(preset)}").click().run()
    assert at.selectbox(key="train_variant").value == "vae"
    # the VAE's own settings are in view, not tucked into the expander
    assert at.text_input(key="train_beta").value == "1"
    assert at.checkbox(key="train_conditional").value is ("Conditional" in preset)
    _small(at, dataset="digits", n=300, epochs=2)
    at.text_input(key="train_hidden").input("32").run()
    at.button(key="train_start").click().run()
    run = _finish(at)
    assert run.status == "finished", run.reason
    assert not at.error, _errors(at)
    charts = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    loss = charts["chart_loss"]
    titles = [a["text"] for a in loss["layout"]["annotations"] if a["text"]]
    assert titles == ["reconstruction (BCE summed over pixels)", "KL divergence from N(0, I)"]
    curves = [(t["name"], t.get("yaxis", "y")) for t in loss["data"]]
    assert ("train", "y2") in curves and ("validation", "y2") in curves  # reconstruction
    assert ("train", "y3") in curves and ("validation", "y3") in curves  # KL
    kl = next(t for t in loss["data"] if t["name"] == "train" and t.get("yaxis") == "y3")
    assert kl["y"] == pytest.approx(run.history.extra["kl"])
    assert "reconstruction + β × KL" in loss["layout"]["yaxis"]["title"]["text"]
    # previews work for a conditional VAE too: it is given the test digits' labels
    assert {"chart_inputs", "chart_outputs"} <= set(charts)
    assert any("negative ELBO" in c.value for c in at.caption)
    assert any("Generate" in str(link.proto.label) for link in at.get("page_link"))
