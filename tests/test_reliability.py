"""Reliability: bad input through the pages gives a message naming what to change, the app
keeps serving, no traceback reaches the user, and nothing in the model store is damaged.

(The CLI's share of the bad-input cases is in tests/test_cli.py; faults in test_faults.py.)
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui.datasets import FOLDER_CHOICE
from ui.denoise import DEFAULT_NOISE

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A data root full of broken datasets, a store holding one good entry, and a file outside."""
    tmp = tmp_path_factory.mktemp("rel")
    root, store = tmp / "data", tmp / "store"
    root.mkdir()
    (tmp / "secret").mkdir()
    write_idx_set(tmp / "secret", n=20)  # valid data, but outside the data root
    os.symlink(tmp / "secret", root / "escape")  # a link pointing out of the root

    def idx_folder(name, **damage):
        d = root / name
        d.mkdir()
        write_idx_set(d, n=20, **damage)

    idx_folder("wrong_magic", magic=0x0000ABCD)
    idx_folder("billion", declared=1_000_000_000)
    idx_folder("truncated", truncate=True)
    idx_folder("count_mismatch", labels_n=7)
    (root / "empty").mkdir()
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("no data here")
    x = np.zeros((5, 8, 8), np.uint8)
    np.savez(root / "missing_key.npz", x_train=x, y_train=np.zeros(5), x_test=x)
    np.savez(root / "bad_shape.npz", x_train=np.zeros((5, 64), np.uint8), y_train=np.zeros(5),
             x_test=x, y_test=np.zeros(5))
    (root / "not_a_zip.npz").write_bytes(b"garbage")
    return {"tmp": tmp, "root": root, "store": store}


def write_idx_set(folder: Path, n: int, magic: int = 0x803, declared: int | None = None,
                  truncate: bool = False, labels_n: int | None = None) -> None:
    rng = np.random.default_rng(0)
    for split in ("train", "t10k"):
        x = rng.integers(0, 255, (n, 8, 8), dtype=np.uint8)
        y = rng.integers(0, 3, labels_n or n, dtype=np.uint8)
        head = struct.pack(">IIII", magic, declared or n, 8, 8)
        body = x.tobytes()[: len(x.tobytes()) // 2] if truncate else x.tobytes()
        (folder / f"{split}-images-idx3-ubyte").write_bytes(head + body)
        with gzip.open(folder / f"{split}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 0x801, len(y)) + y.tobytes())


@pytest.fixture(autouse=True)
def no_traceback_in_the_log(caplog):
    """What the server log would get: no record carries a traceback (AppTest runs the pages
    in this process, so their log records land here)."""
    import logging

    caplog.set_level(logging.INFO)
    yield
    bad = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


@pytest.fixture(autouse=True)
def _paths(env, monkeypatch):
    monkeypatch.setenv("AECORE_DATA_ROOT", str(env["root"]))
    monkeypatch.setenv("AECORE_STORE_DIR", str(env["store"]))


def store_snapshot(store: Path) -> dict[str, bytes]:
    if not store.exists():
        return {}
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def seeded_store(env):
    """One complete entry that no bad input may touch."""
    from aecore.data import load_dataset
    from aecore.store import ModelStore
    from aecore.training import TrainingRun

    os.environ["AECORE_STORE_DIR"] = str(env["store"])
    ds = load_dataset("digits", limit=200)
    run = TrainingRun({"variant": "linear", "epochs": 1}, ds)
    run.start()
    run.join(60)
    ModelStore(env["store"]).save(run.models, run.config, run.history, dataset="digits", n_train=200,
                                  image_shape=(8, 8))
    return store_snapshot(env["store"])


def assert_store_intact(env, seeded_store) -> None:
    """Every file that was in the store is byte-identical and every entry still loads.
    (The app may add entries: a finished run is saved for "use pretrained".)"""
    from aecore.store import ModelStore

    now = store_snapshot(env["store"])
    for name, data in seeded_store.items():
        assert now.get(name) == data, f"a bad input changed {name} in the model store"
    store = ModelStore(env["store"])
    assert store.entries() and store.problems == []


def train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("app_pages/train.py").run()
    assert not at.exception
    return at


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def check(at: AppTest, expected: str, seeded_store, env) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = errors(at)
    assert expected in text, text
    assert "Traceback" not in text
    assert_store_intact(env, seeded_store)


HYPERPARAMETER_CASES = [
    # (variant, widget, value, message)
    ("deep", "hidden", "12,,x", "hidden must be a comma-separated list of whole numbers"),
    ("deep", "hidden", "0", "every hidden entry must be between 1 and 8192, got 0"),
    ("deep", "hidden", "-5,3", "every hidden entry must be between 1 and 8192, got -5"),
    ("deep", "hidden", "1e3", "hidden must be a comma-separated list of whole numbers"),
    ("deep", "hidden", "99999", "every hidden entry must be between 1 and 8192, got 99999"),
    ("conv", "filters", "", "filters must list at least one conv stage"),
    ("conv", "filters", "8,8,8,8,8", "filters has 5 conv stages"),
    ("conv", "filters", "16;8", "filters must be a comma-separated list of whole numbers"),
    ("dense", "learning_rate", "fast", "learning_rate must be a number, got 'fast'"),
    ("dense", "learning_rate", "0", "learning_rate must be between 1e-06 and 10, got 0"),
    ("dense", "learning_rate", "-1", "learning_rate must be between 1e-06 and 10, got -1"),
    ("dense", "learning_rate", "1e9", "learning_rate must be between 1e-06 and 10"),
    ("dense", "learning_rate", "nan", "learning_rate must be between 1e-06 and 10"),
    ("sparse", "l1", "-0.1", "l1 must be between 0 and 1, got -0.1"),
    ("sparse", "l1", "lots", "l1 must be a number, got 'lots'"),
]


@pytest.mark.parametrize("variant,name,value,message", HYPERPARAMETER_CASES)
def test_bad_hyperparameters(variant, name, value, message, seeded_store, env):
    at = train_page()
    at.selectbox(key="train_variant").set_value(variant).run()
    at.text_input(key=f"train_{name}").input(value).run()
    check(at, message, seeded_store, env)
    assert at.button(key="train_start").disabled, "a broken configuration must not start training"


def test_code_size_larger_than_the_image(seeded_store, env):
    at = train_page()
    at.number_input(key="train_code_dim").set_value(5000).run()
    check(at, "code_dim must be between 1 and 784 for 28x28 images, got 5000", seeded_store, env)


OUT_OF_RANGE = [
    # (widget, value typed, the field's label, the limit) -- issue 8, item 5
    ("code_dim", 0, "Code size", "code_dim must be between 1 and 8192, got 0"),
    ("batch_size", 0, "Batch size", "batch_size must be between 1 and 8192, got 0"),
    ("epochs", 0, "Epochs", "epochs must be between 1 and 1000, got 0"),
    ("epochs", 5000, "Epochs", "epochs must be between 1 and 1000, got 5000"),
    ("seed", -1, "Seed", "seed must be between 0 and 2147483647, got -1"),
    ("n_train", 0, "Training-set size", "must be between 1 and 4,000, got 0"),
    ("n_train", -250, "Training-set size", "must be between 1 and 4,000, got -250"),
]


@pytest.mark.parametrize("name,value,label,limit", OUT_OF_RANGE)
def test_out_of_range_numbers_are_kept_and_start_says_why(name, value, label, limit, seeded_store, env):
    """A browser silently keeps the old value of a number outside a widget's min/max (and the
    run then used it without a word). The field takes the value; Start is off, and the
    reason names the field and the limit."""
    at = train_page()
    assert at.number_input(key=f"train_{name}").min is None  # nothing is clamped in the browser
    at.number_input(key=f"train_{name}").set_value(value).run()
    check(at, limit, seeded_store, env)
    assert at.number_input(key=f"train_{name}").value == value  # not replaced
    assert at.button(key="train_start").disabled
    reason = "\n".join(w.value for w in at.warning)
    assert "Start is off" in reason and f"**{label}**" in reason and limit in reason, reason


def test_a_training_set_size_beyond_the_data_says_which_size_is_used(seeded_store, env):
    at = train_page()
    at.number_input(key="train_n_train").set_value(10**12).run()
    assert not at.exception and not at.error
    assert at.number_input(key="train_n_train").value == 10**12
    assert any(c.value == "Training on all 4,000 training images (you asked for 1,000,000,000,000; the "
                          "dataset has no more)." for c in at.caption)
    assert not at.button(key="train_start").disabled
    at.number_input(key="train_n_train").set_value(1).run()
    assert any(c.value.startswith("Training on 1 of the 4,000 training images") for c in at.caption)


DATA_CASES = [
    ("wrong_magic", "magic"),
    ("billion", "1,000,000,000"),
    ("truncated", "train-images-idx3-ubyte"),
    ("count_mismatch", "label"),
    ("empty", "empty"),
    ("notes", "train-images-idx3-ubyte"),
    ("missing_key.npz", "y_test"),
    ("bad_shape.npz", "x_train"),
    ("not_a_zip.npz", "not_a_zip.npz"),
    ("no_such_folder", "no_such_folder"),
    ("../secret", "outside the data root"),
    ("escape", "outside the data root"),
    ("/etc", "outside the data root"),
]


@pytest.mark.parametrize("folder,message", DATA_CASES)
def test_bad_dataset_folders(folder, message, seeded_store, env):
    at = train_page()
    at.selectbox(key="train_dataset").set_value(FOLDER_CHOICE).run()
    at.text_input(key="train_folder").input(folder).run()
    check(at, message, seeded_store, env)
    # the app keeps working: back to the offline sample, no error
    at.selectbox(key="train_dataset").set_value("mnist_sample").run()
    assert not at.exception and not at.error


@pytest.mark.parametrize("value", ["7", "-0.5", "abc", "nan", "1e400"])
def test_noise_factor_from_the_url(value, seeded_store, env):
    from aecore.data import load_dataset
    from aecore.training import TrainingRun

    run = TrainingRun({"variant": "dense", "epochs": 1}, load_dataset("mnist_sample", limit=200))
    run.start()
    run.join(60)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["ae_run"] = run
    at.query_params["noise"] = value
    at.switch_page("app_pages/denoise.py").run()
    check(at, "noise factor", seeded_store, env)
    assert "between 0 and 1" in errors(at)
    # the bad value is not used: the slider shows the default and the link is put right
    assert at.slider(key="dn_noise").value == pytest.approx(DEFAULT_NOISE)
    assert at.query_params["noise"] == f"{DEFAULT_NOISE:g}"


@pytest.fixture
def load_upload(monkeypatch):
    """Load an upload as the Train page does, keeping the model in a list instead of a
    Streamlit session (only for this test: monkeypatch puts ``remember`` back)."""
    import ui.upload as upload
    from aecore.data import load_dataset

    kept = []

    def remember(entry):
        kept.append(entry)
        return entry

    monkeypatch.setattr(upload, "remember", remember)

    def load(name: str, data: bytes, dataset_name="mnist_sample"):
        entry = upload.load_uploaded_model(name, data, load_dataset(dataset_name), dataset_name)
        return entry, kept

    return load


def test_uploads_not_a_model_lambda_wrong_size_too_big(tmp_path, digits, seeded_store, env, load_upload):
    import keras

    from aecore.store import save_model_file
    from aecore.training import TrainingRun
    from ui.upload import MAX_UPLOAD_MB

    with pytest.raises(ValueError, match="notes.keras is not a Keras model file"):
        load_upload("notes.keras", b"just some text")
    with pytest.raises(ValueError, match="model.h5 is not a .keras file"):
        load_upload("model.h5", b"PK..")
    inp = keras.Input((28, 28))
    keras.Model(inp, keras.layers.Lambda(lambda t: t)(inp)).save(tmp_path / "lam.keras")
    with pytest.raises(ValueError, match="Lambda layer.*safe mode"):
        load_upload("lam.keras", (tmp_path / "lam.keras").read_bytes())
    run = TrainingRun({"variant": "dense", "epochs": 1}, digits)
    run.start()
    run.join(60)
    small = save_model_file(run.models, tmp_path / "digits.keras", {"config": run.config})
    with pytest.raises(ValueError, match="expects 8x8 images but dataset 'mnist_sample' has 28x28"):
        load_upload("digits.keras", small.read_bytes())
    with pytest.raises(ValueError, match=f"up to {MAX_UPLOAD_MB} MB"):
        load_upload("huge.keras", b"\0" * (MAX_UPLOAD_MB * 1024 * 1024 + 1))
    entry, kept = load_upload("digits.keras", small.read_bytes(), "digits")
    assert kept == [entry] and entry.config["scaling"] == "unit" and entry.code_size == 32
    assert_store_intact(env, seeded_store)


def test_upload_limit_is_configured_for_the_server():
    import tomllib

    cfg = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    from ui.upload import MAX_UPLOAD_MB

    assert cfg["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert cfg["client"]["showErrorDetails"] == "none"
