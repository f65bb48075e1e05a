import json
import zipfile

import numpy as np
import pytest

from aecore.store import ModelStore, StoreError, check_image_shape, default_root, load_model_file, save_model_file
from aecore.training import TrainingRun, reconstruct


@pytest.fixture(scope="module")
def trained(digits):
    run = TrainingRun({"variant": "sparse", "epochs": 1}, digits)
    run.start()
    run.join(60)
    return run


def test_default_root_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AECORE_STORE_DIR", str(tmp_path / "s"))
    assert default_root() == tmp_path / "s"
    monkeypatch.delenv("AECORE_STORE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_root() == tmp_path / "autoencoder-lab" / "models"


def test_round_trip_same_predictions(trained, digits, tmp_path):
    store = ModelStore(tmp_path)
    key = store.save(trained.models, trained.config, trained.history, dataset="digits",
                     n_train=len(digits.x_train), image_shape=digits.image_shape)
    assert store.has(trained.config, "digits", len(digits.x_train), (8, 8))
    loaded = store.get(trained.config, "digits", len(digits.x_train), (8, 8))
    assert loaded.config == trained.config and loaded.history.loss == trained.history.loss
    a = reconstruct(trained.models, trained.config, digits.x_test[:4])[1]
    b = reconstruct(loaded.models, loaded.config, digits.x_test[:4])[1]
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert [e.key for e in store.entries()] == [key] and store.problems == []
    # the key covers the whole config, the data and its size
    assert store.key(trained.config, "digits", 100, (8, 8)) != key
    assert store.key({**trained.config, "l1": 0.5}, "digits", len(digits.x_train), (8, 8)) != key
    # saving again replaces atomically
    assert store.save(trained.models, trained.config, trained.history, dataset="digits",
                      n_train=len(digits.x_train), image_shape=(8, 8)) == key
    assert len(list(tmp_path.iterdir())) == 1


def test_partial_and_corrupt_entries_are_reported_and_skipped(trained, digits, tmp_path):
    store = ModelStore(tmp_path)
    good = store.save(trained.models, trained.config, trained.history, dataset="digits",
                      n_train=1, image_shape=(8, 8))
    (tmp_path / ".tmp-abc-123").mkdir()  # a write killed half-way
    bad = tmp_path / "0123456789abcdef0123"
    bad.mkdir()
    (bad / "meta.json").write_text("{not json")
    (bad / "model.keras").write_bytes(b"PK\x03\x04 truncated")
    keys = [e.key for e in store.entries()]
    assert keys == [good]
    assert any(".tmp-abc-123" in p for p in store.problems)
    assert any("0123456789abcdef0123" in p for p in store.problems)
    with pytest.raises(StoreError, match="unreadable meta.json"):
        store.load("0123456789abcdef0123")
    # a corrupt model file behind valid metadata
    (bad / "meta.json").write_text(json.dumps({"config": trained.config}))
    with pytest.raises(StoreError, match="not a Keras model file"):
        store.load("0123456789abcdef0123")
    assert store.clean_partial() == 1
    with pytest.raises(StoreError, match="invalid store key"):
        store.load("../../etc")


def test_model_file_carries_its_config(trained, tmp_path):
    path = save_model_file(trained.models, tmp_path / "m.keras", {"config": trained.config})
    with zipfile.ZipFile(path) as zf:
        assert "aecore.json" in zf.namelist()
    loaded = load_model_file(path)
    assert loaded.config == trained.config
    with pytest.raises(ValueError, match="must end in .keras"):
        save_model_file(trained.models, tmp_path / "m.h5", {})


def test_bad_model_files(tmp_path):
    import keras

    with pytest.raises(StoreError, match="does not exist"):
        load_model_file(tmp_path / "nope.keras")
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(StoreError, match="not a Keras model file"):
        load_model_file(tmp_path / "text.keras")
    with pytest.raises(StoreError, match="is not a .keras file"):
        load_model_file(__file__)
    inp = keras.Input((8, 8))
    keras.Model(inp, keras.layers.Lambda(lambda t: t * 2)(inp)).save(tmp_path / "lambda.keras")
    with pytest.raises(StoreError, match="Lambda layer.*safe mode"):
        load_model_file(tmp_path / "lambda.keras")
    plain = keras.Sequential([keras.Input((8, 8)), keras.layers.Flatten(), keras.layers.Dense(64)])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(StoreError, match="no layers named 'encoder' and 'decoder'"):
        load_model_file(tmp_path / "plain.keras")


def test_image_size_mismatch(trained):
    with pytest.raises(StoreError, match="expects 8x8 images but mnist has 28x28 images"):
        check_image_shape(trained.models, (28, 28), "mnist")


def _dense_named_like_ours(path):
    """Issue 8, item 1: layers named "encoder" and "decoder", but Dense layers, not models."""
    import keras

    i = keras.Input((784,))
    x = keras.layers.Dense(32, name="encoder")(i)
    keras.Model(i, keras.layers.Dense(784, activation="sigmoid", name="decoder")(x)).save(path)


def _decoder_draws_another_size(path):
    """Issue 8, item 2: an encoder 28x28 -> 16 and a decoder 16 -> 14x14, composed anyway."""
    import keras

    e_in = keras.Input((28, 28))
    encoder = keras.Model(e_in, keras.layers.Dense(16)(keras.layers.Flatten()(e_in)), name="encoder")
    d_in = keras.Input((16,))
    pixels = keras.layers.Dense(14 * 14, activation="sigmoid")(d_in)
    decoder = keras.Model(d_in, keras.layers.Reshape((14, 14))(pixels), name="decoder")
    a_in = keras.Input((28, 28))
    keras.Model(a_in, decoder(encoder(a_in)), name="autoencoder").save(path)


@pytest.mark.parametrize("make,match", [
    (_dense_named_like_ours, r"its encoder is a Dense layer, not a model"),
    (_decoder_draws_another_size, r"it draws 14x14 images from 28x28 inputs"),
])
def test_models_named_like_ours_but_malformed_are_refused_on_load(make, match, tmp_path):
    path = tmp_path / "f.keras"
    make(path)
    with pytest.raises(StoreError, match=match) as err:
        load_model_file(path)
    assert str(path) in str(err.value)  # the message names the file


def test_diverged_models_are_neither_saved_nor_loaded(trained, digits, tmp_path):
    from aecore.models import build

    broken = build(trained.config, (8, 8))
    broken.autoencoder.set_weights([np.full_like(w, np.nan) for w in broken.autoencoder.get_weights()])
    with pytest.raises(StoreError, match="NaN or infinite values.*not saved"):
        ModelStore(tmp_path / "store").save(broken, trained.config, trained.history, dataset="digits",
                                            n_train=10, image_shape=(8, 8))
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())
    path = save_model_file(broken, tmp_path / "nan.keras", {"config": trained.config})
    with pytest.raises(StoreError, match=r"nan\.keras.*weights contain NaN or infinite values"):
        load_model_file(path)


def test_image_size_check_is_the_inference_check(trained):
    from aecore.inference import check_fits

    with pytest.raises(ValueError) as plain:
        check_fits(trained.models, (28, 28), "mnist")
    with pytest.raises(StoreError) as wrapped:
        check_image_shape(trained.models, (28, 28), "mnist")
    assert str(wrapped.value) == str(plain.value)
    check_image_shape(trained.models, (8, 8))


def test_homes_demo_models_beside_the_entries_are_not_entries_or_problems(digits, tmp_path):
    from aecore.demo import load_or_train_demo

    store = ModelStore(tmp_path)
    load_or_train_demo(digits, tmp_path)  # writes <store>/demo/<key>.npz
    assert any((tmp_path / "demo").iterdir())
    assert store.entries() == [] and store.problems == []
