"""Issue 8, the pages' side: what a hostile student broke in the browser, one test per finding.

Uploads that are not our models, mid-run; diverged (NaN) and overflowing models in the
pickers and metrics; the status line's words; a dataset file replaced on disk; tiny and
one-class datasets on Latent space; a huge network before Start; short preset names and
readable numbers. (Out-of-range numbers are in test_reliability.py, next to the other bad
hyperparameters.)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import trained
from tests.test_reliability import no_traceback_in_the_log  # noqa: F401 - autouse: no traceback in the log
from ui.state import MODELS_KEY, RUN_KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _paths(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("AECORE_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("AECORE_STORE_DIR", str(tmp_path / "store"))
    return tmp_path


# ------------------------------------------------------------------ bad model files (items 1-2)
def not_our_submodels(path: Path) -> Path:
    """Layers named encoder/decoder that are plain Dense layers (the issue's first file)."""
    import keras

    i = keras.Input((784,))
    x = keras.layers.Dense(32, name="encoder")(i)
    keras.Model(i, keras.layers.Dense(784, activation="sigmoid", name="decoder")(x)).save(path)
    return path


def draws_14x14(path: Path) -> Path:
    """Encoder 28x28 -> 16, decoder 16 -> 14x14 (the issue's second file)."""
    import keras

    i = keras.Input((28, 28))
    enc = keras.Model(i, keras.layers.Dense(16)(keras.layers.Flatten()(i)), name="encoder")
    j = keras.Input((16,))
    dec = keras.Model(j, keras.layers.Reshape((14, 14))(keras.layers.Dense(196)(j)), name="decoder")
    a = keras.Input((28, 28))
    keras.Model(a, dec(enc(a)), name="autoencoder").save(path)
    return path


BAD_FILES = [(not_our_submodels, "its encoder is a Dense layer, not a model"),
             (draws_14x14, "it draws 14x14 images from 28x28")]


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    return {make.__name__: (make(tmp / f"{make.__name__}.keras"), msg) for make, msg in BAD_FILES}


@pytest.mark.parametrize("name", [make.__name__ for make, _ in BAD_FILES])
def test_the_ui_helper_refuses_malformed_models_naming_the_file(name, bad_files, monkeypatch):
    import ui.upload as upload
    from aecore.data import load_dataset

    monkeypatch.setattr(upload, "remember", lambda entry: pytest.fail("a refused model was kept"))
    path, message = bad_files[name]
    with pytest.raises(ValueError, match=f"{path.name}: {message}"):
        upload.load_uploaded_model(path.name, path.read_bytes(), load_dataset("mnist_sample"), "mnist_sample")


@pytest.fixture
def live_run():
    """A run that keeps training for the whole test (stopped afterwards)."""
    from aecore.data import load_dataset
    from aecore.training import RUNNING, TrainingRun

    run = TrainingRun({"variant": "dense", "epochs": 1000}, load_dataset("mnist_sample", limit=300, test_limit=100),
                      val_limit=100)
    run.start()
    yield run
    assert run.status == RUNNING, f"the upload touched the run: {run.status} {run.reason}"
    run.stop()
    run.join(60)


def train_page_with(run) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[RUN_KEY] = run
    at.switch_page("app_pages/train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_train_column_intact(at, run) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "4 · Train" in [h.value for h in at.subheader]
    for key in ("train_stop", "train_reset", "train_pause"):
        assert not at.button(key=key).disabled, key
    assert at.session_state[RUN_KEY] is run
    assert any("Status: training" in m.value for m in at.markdown)


@pytest.mark.parametrize("name", [make.__name__ for make, _ in BAD_FILES])
def test_a_malformed_upload_mid_run_is_one_message_and_never_touches_the_run(name, bad_files, live_run,
                                                                            monkeypatch, caplog):
    import ui.upload as upload

    loads = []
    real = upload.load_model_file
    monkeypatch.setattr(upload, "load_model_file", lambda p: loads.append(p) or real(p))
    path, message = bad_files[name]
    at = train_page_with(live_run)
    with caplog.at_level(logging.INFO):
        at.file_uploader(key="train_upload").set_value((path.name, path.read_bytes(), "application/octet-stream"))
        at.run()
        assert_train_column_intact(at, live_run)
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and path.name in errors[0] and message in errors[0], errors
        # reruns (a widget moved, the live view redrawn) show the outcome again without loading again
        at.run()
        at.run()
    assert_train_column_intact(at, live_run)
    assert [e.value for e in at.error] == errors
    assert len(loads) == 1
    assert "Traceback" not in caplog.text
    assert MODELS_KEY not in at.session_state or not at.session_state[MODELS_KEY]  # nothing kept


def test_an_upload_that_raises_anything_is_still_one_message(bad_files, live_run, monkeypatch, caplog):
    """Keras raises many types for odd files; none may take the page (or its controls) down."""
    import ui.upload as upload

    def explode(path):
        raise KeyError("config")

    monkeypatch.setattr(upload, "load_model_file", explode)
    path, _ = bad_files["draws_14x14"]
    at = train_page_with(live_run)
    with caplog.at_level(logging.INFO):
        at.file_uploader(key="train_upload").set_value(("odd.keras", path.read_bytes(), "application/octet-stream"))
        at.run()
    assert_train_column_intact(at, live_run)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "odd.keras cannot be loaded" in errors[0] and "KeyError" in errors[0], errors
    assert "Traceback" not in caplog.text


def test_a_good_upload_mid_run_is_loaded_and_the_run_goes_on(tmp_path, live_run):
    from aecore.store import save_model_file

    done = trained("dense", live_run.dataset)
    good = save_model_file(done.models, tmp_path / "mine.keras", {"config": done.config})
    at = train_page_with(live_run)
    at.file_uploader(key="train_upload").set_value(("mine.keras", good.read_bytes(), "application/octet-stream"))
    at.run()
    assert_train_column_intact(at, live_run)
    assert not at.error
    assert any("Loaded mine.keras" in s.value for s in at.success)
    assert "Uploaded: mine.keras" in at.session_state[MODELS_KEY]


def test_a_refused_upload_is_tried_again_on_another_dataset(tmp_path, digits_small):
    from aecore.store import save_model_file

    done = trained("dense", digits_small)
    small = save_model_file(done.models, tmp_path / "small.keras", {"config": done.config}).read_bytes()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/train.py").run()
    at.file_uploader(key="train_upload").set_value(("small.keras", small, "application/octet-stream"))
    at.run()
    assert "expects 8x8 images" in "\n".join(e.value for e in at.error)
    at.selectbox(key="train_dataset").set_value("digits").run()
    assert not at.error and any("Loaded small.keras" in m.value for m in at.success)
    at.selectbox(key="train_dataset").set_value("mnist_sample").run()  # loaded once, stays loaded
    assert not at.error and list(at.session_state[MODELS_KEY]) == ["Uploaded: small.keras"]


# ------------------------------------------------------------------ diverged models (item 3)
@pytest.fixture(scope="module")
def issue_recipe(digits_small):
    """The issue's recipe: linear activations, MSE, SGD at learning rate 10 (fails in epoch 1)."""
    from aecore.inference import is_finite_model
    from aecore.training import FAILED, TrainingRun

    run = TrainingRun({"variant": "linear", "hidden": [64, 64], "optimizer": "sgd", "learning_rate": 10,
                       "batch_size": 16, "epochs": 2}, digits_small, val_limit=100)
    run.start()
    assert run.join(60)
    assert run.status == FAILED and not is_finite_model(run.models)
    return run


@pytest.fixture(scope="module")
def diverged(digits_small):
    """A run that trained an epoch, then its weights went NaN (the engine fails it, with a reason)."""
    from aecore.training import FAILED

    run = trained("linear", digits_small)
    run.models.autoencoder.set_weights([np.full_like(w, np.nan) for w in run.models.autoencoder.get_weights()])
    run.status, run.reason = FAILED, "the weights became NaN or infinite after epoch 1: training diverged"
    return run


def test_the_issue_recipe_fails_and_no_page_offers_it(issue_recipe):
    for path in ("app_pages/denoise.py", "app_pages/latent.py"):
        at = page(issue_recipe, path)
        assert "Train a model on the Train page first" in "\n".join(i.value for i in at.info)
        assert not at.selectbox and not at.error
        assert "PSNR 100" not in everything(at)


@pytest.fixture(scope="module")
def digits_small():
    from aecore.data import load_dataset

    return load_dataset("digits", limit=300, test_limit=100)


@pytest.fixture(scope="module")
def good(digits_small):
    return trained("dense", digits_small)


def page(run, path: str, kept=()) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[RUN_KEY] = run
    at.session_state["ae_dataset"] = run.dataset.name  # Home shows the session's dataset
    if kept:
        from ui.state import ModelEntry

        at.session_state[MODELS_KEY] = {e.label: e for e in (ModelEntry(*k) for k in kept)}
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def everything(at) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.error]
    parts += [e.value for e in at.warning] + [e.value for e in at.info] + [str(e.value) for e in at.metric]
    return "\n".join(parts)


@pytest.mark.parametrize("path", ["app_pages/denoise.py", "app_pages/latent.py"])
def test_a_diverged_run_alone_is_not_offered_and_says_why(diverged, path):
    at = page(diverged, path)
    warning = "\n".join(w.value for w in at.warning)
    assert "diverged" in warning and "Current run: linear" in warning
    assert "Train a model on the Train page first" in "\n".join(i.value for i in at.info)
    assert not at.selectbox  # no picker offering it
    assert "PSNR 100" not in everything(at) and not at.error


@pytest.mark.parametrize("path,key", [("app_pages/denoise.py", "dn_model"), ("app_pages/latent.py", "lt_model")])
def test_a_diverged_run_next_to_a_good_model_is_left_out_of_the_picker(diverged, good, path, key):
    kept = [("dense · 1 ep", good.models, good.config, "digits", good.history, "trained")]
    at = page(diverged, path, kept)
    assert [o.split(" (code")[0] for o in at.selectbox(key=key).options] == ["dense · 1 ep"]
    assert "diverged" in "\n".join(w.value for w in at.warning)
    assert not at.error


def test_home_never_demonstrates_a_diverged_model(diverged):
    at = page(diverged, "app_pages/home.py")
    assert not at.error
    demo = next(c.value for c in at.caption if "passed through" in c.value)
    assert "Current run" not in demo and "tiny single-layer autoencoder" in demo


@pytest.fixture(scope="module")
def overflowing(digits_small):
    """Finite weights whose outputs overflow to infinity: no metric may invent a number."""
    from aecore.inference import is_finite_model

    run = trained("linear", digits_small)
    rng = np.random.default_rng(0)  # huge weights of both signs: inf - inf gives NaN outputs
    run.models.autoencoder.set_weights([np.where(rng.random(w.shape) < 0.5, -3e38, 3e38).astype(w.dtype)
                                        for w in run.models.autoencoder.get_weights()])
    assert is_finite_model(run.models)
    return run


def test_denoise_measures_nothing_it_cannot_measure(overflowing):
    at = page(overflowing, "app_pages/denoise.py")
    assert not at.error
    warning = "\n".join(w.value for w in at.warning)
    assert "NaN or infinite" in warning and "no error can be measured" in warning
    text = everything(at)
    assert "PSNR 100" not in text and "100.0 dB" not in text


def test_latent_says_plainly_why_an_overflowing_code_has_no_map(overflowing):
    at = page(overflowing, "app_pages/latent.py")
    errors = "\n".join(e.value for e in at.error)
    assert "codes contain NaN or infinite values" in errors and "nothing to map" in errors
    assert "x contains NaN" not in errors
    assert "lt_chart_ae" not in {c.key for c in at.get("plotly_chart")}


# ------------------------------------------------------------------ the status line (item 4)
def test_the_status_line_names_what_was_trained(digits_small):
    from ui.state import run_label

    run = trained("dense", digits_small, hidden=[64], code_dim=2)
    at = page(run, "app_pages/train.py")
    status = next(m.value for m in at.markdown if "Status:" in m.value)
    assert "dense · hidden 64 · code 2 · 1 ep" in status and run_label(run) in status
    assert "Single layer, 32-d code" not in status


# ------------------------------------------------------------------ a replaced dataset file (item 6)
def write_npz(path: Path, n: int, value: int) -> None:
    x = np.full((n, 8, 8), value, np.uint8)
    y = np.arange(n) % 2
    np.savez(path, x_train=x, y_train=y, x_test=x, y_test=y)


def test_a_replaced_file_is_read_again_by_the_cache(_paths):
    from ui import datasets

    path = _paths / "data" / "x.npz"
    write_npz(path, 20, 10)
    assert int(datasets.dataset("x.npz").x_train[0, 0, 0]) == 10
    write_npz(path, 20, 200)  # the same size: only the modification time tells them apart
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert int(datasets.dataset("x.npz").x_train[0, 0, 0]) == 200


def test_a_new_session_sees_the_new_images(_paths):
    path = _paths / "data" / "x.npz"

    def caption_after_loading() -> str:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.switch_page("app_pages/train.py").run()
        at.selectbox(key="train_dataset").set_value("__folder__").run()
        at.text_input(key="train_folder").input("x.npz").run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        return next(c.value for c in at.caption if "**x.npz**" in c.value)

    write_npz(path, 20, 10)
    assert "20 training / 20 test images" in caption_after_loading()
    write_npz(path, 30, 10)
    assert "30 training / 30 test images" in caption_after_loading()


# ------------------------------------------------------------------ tiny datasets (item 8)
TINY = [("one", 1, 1), ("five", 5, 2), ("twenty", 20, 3), ("oneclass", 60, 1)]


@pytest.mark.parametrize("name,n,classes", TINY)
def test_tiny_and_one_class_datasets_get_plain_words(_paths, name, n, classes):
    from aecore.data import load_dataset

    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (n, 8, 8), dtype=np.uint8)
    np.savez(_paths / "data" / f"{name}.npz", x_train=x, y_train=np.arange(n) % classes, x_test=x,
             y_test=np.arange(n) % classes)
    run = trained("linear", load_dataset(f"{name}.npz", root=_paths / "data"))
    run.ui_dataset_key = f"{name}.npz"
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[RUN_KEY] = run
    at.session_state["ae_dataset"] = f"{name}.npz"  # the Train page's choice, which Home shows
    at.switch_page("app_pages/latent.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]  # no "n_components must be between 1 and 1"
    text = everything(at)
    if n < 10:
        assert f"has only {n} test image" in text and "at least 10" in text
    if classes == 1:
        at.switch_page("app_pages/home.py").run()
        caption = next(c.value for c in at.caption if c.value.startswith(f"**{name}.npz** ·"))
        assert "· 1 class ·" in caption and "1 classes" not in caption
        demo = next(c.value for c in at.caption if "passed through" in c.value)
        assert demo.startswith("One test image of" if n == 1 else "Six test images of"), demo
    if name == "twenty":
        assert "t-SNE uses perplexity 19" in text


# ------------------------------------------------------------------ a huge network (item 8)
def test_a_huge_network_is_warned_about_before_start(monkeypatch):
    from ui import cache

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/train.py").run()
    at.selectbox(key="train_variant").set_value("deep").run()
    monkeypatch.setattr(cache, "architecture", lambda *a: pytest.fail("a 281M-parameter model was built"))
    at.text_input(key="train_hidden").input("8192,8192,8192").run()
    assert not at.exception and not at.error
    warning = "\n".join(w.value for w in at.warning)
    assert "281,854,768 parameters" in warning and "GB of memory" in warning and "per epoch" in warning
    assert not at.button(key="train_start").disabled  # a warning, not a refusal


def test_an_ordinary_network_shows_its_estimate_without_a_warning():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/train.py").run()
    assert not at.warning
    assert any("Estimate: training on 4,000 images needs roughly" in c.value for c in at.caption)


# ------------------------------------------------------------------ readable text (item 7)
def test_preset_buttons_have_short_names_and_the_full_label_as_tooltip():
    from aecore.variants import PRESETS

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/train.py").run()
    buttons = [at.button(key=f"train_preset_{i}") for i in range(len(PRESETS))]
    assert [b.help for b in buttons] == list(PRESETS)
    assert all(len(b.label) <= 14 for b in buttons), [b.label for b in buttons]
    assert len({b.label for b in buttons}) == len(buttons)


@pytest.mark.parametrize("value,text", [
    (65214431100927.0, "6.521e+13"), (0.0523, "0.0523"), (0.00005, "5e-5"), (1.0, "1.0000"),
    (12345.678, "12,346"), (65.2134, "65.21"), (float("nan"), "–"), (None, "–"), (float("inf"), "∞"),
    (0.0, "0")])
def test_fmt_number(value, text):
    from ui.plots import fmt_number

    assert fmt_number(value) == text


def test_a_huge_loss_reads_in_scientific_notation(digits_small):
    from ui import plots

    run = trained("dense", digits_small)
    run.history.loss[-1] = run.history.val_loss[-1] = 65214431100927.0
    at = page(run, "app_pages/train.py")
    values = {m.label: m.value for m in at.metric}
    assert values["Train loss"] == values["Validation loss"] == "6.521e+13"
    fig = plots.loss_figure(run.history, "mse")
    assert fig.layout.yaxis.exponentformat == "e"
    assert all("4~g" in (t.hovertemplate or "") for t in fig.data)
