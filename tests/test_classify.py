"""aecore.classify: label budgets, the three arms, the classifier run, saving; sampling.per_class_indices
and projections.pca_features, which it adds."""

from __future__ import annotations

import numpy as np
import pytest

from aecore import classify
from aecore.projections import pca_features
from aecore.sampling import per_class_indices
from tests.conftest import trained

FAST = {"epochs": 3, "units": 32}


@pytest.fixture(scope="module")
def ae(digits):
    return trained("dense", digits, code_dim=16, epochs=3, learning_rate=0.01)


# ---------------------------------------------------------------------------- budgets and settings
def test_per_class_indices_take_exactly_n_of_each_class_even_when_unbalanced():
    y = np.array([0] * 50 + [1] * 7 + [2] * 20)
    idx = per_class_indices(y, 5, seed=3)
    assert np.bincount(y[idx]).tolist() == [5, 5, 5]
    assert np.array_equal(idx, np.sort(idx)) and len(set(idx.tolist())) == 15
    assert np.array_equal(idx, per_class_indices(y, 5, seed=3))
    assert not np.array_equal(idx, per_class_indices(y, 5, seed=4))
    assert len(per_class_indices(y, 7)) == 21  # the whole smallest class
    with pytest.raises(ValueError, match=r"n_per_class must be at most 7 \(the smallest class, 1, has 7"):
        per_class_indices(y, 8)
    with pytest.raises(ValueError, match="--labels-per-class must be a positive integer, got 0"):
        per_class_indices(y, 0, name="--labels-per-class")


def test_label_indices_every_label_or_n_per_class(digits):
    assert len(classify.label_indices(digits.y_train, None)) == len(digits.y_train)
    idx = classify.label_indices(digits.y_train, 3, seed=1)
    assert np.bincount(digits.y_train[idx]).tolist() == [3] * 10


def test_resolve_checks_every_setting():
    cfg = classify.resolve()
    assert cfg["arm"] == "encoder" and cfg["units"] == 128 and cfg["labels_per_class"] is None
    assert classify.resolve(arm="pca", fine_tune=True)["fine_tune"] is False  # nothing to fine-tune
    with pytest.raises(ValueError, match="units must be between 1 and 4096, got 0"):
        classify.resolve(units=0)
    with pytest.raises(ValueError, match="dropout must be between 0 and 0.9"):
        classify.resolve(dropout=0.95)
    with pytest.raises(ValueError, match="arm must be one of encoder, pca, pixels"):
        classify.resolve(arm="svm")
    with pytest.raises(ValueError, match="unknown classifier setting 'width'"):
        classify.resolve(width=3)


def test_pca_features_fit_on_one_set_and_project_the_others():
    rng = np.random.default_rng(0)
    fit, other = rng.random((60, 10)), rng.random((5, 10))
    a, b, c = pca_features(fit, fit[:4], other, n_components=3)
    assert a.shape == (60, 3) and b.shape == (4, 3) and c.shape == (5, 3) and a.dtype == np.float32
    np.testing.assert_allclose(a[:4], b, atol=1e-5)
    with pytest.raises(ValueError, match="n_components must be between 1 and 10"):
        pca_features(fit, n_components=11)
    with pytest.raises(ValueError, match=r"others\[0\] has 3 features but PCA was fitted on 10"):
        pca_features(fit, rng.random((2, 3)), n_components=2)


# ---------------------------------------------------------------------------- arms
def test_arm_inputs_have_the_right_shapes(ae, digits):
    idx = classify.label_indices(digits.y_train, 5)
    enc = classify.arm_inputs("encoder", digits, idx, models=ae.models, ae_config=ae.config)
    pca = classify.arm_inputs("pca", digits, idx, models=ae.models, ae_config=ae.config)
    pix = classify.arm_inputs("pixels", digits, idx, models=ae.models, ae_config=ae.config)
    ft = classify.arm_inputs("encoder", digits, idx, models=ae.models, ae_config=ae.config, fine_tune=True)
    assert enc.x_train.shape == (50, 16) and enc.scaling is None
    assert pca.x_train.shape == (50, 16) and pca.x_test.shape == (len(digits.x_test), 16)  # as many as the code
    assert pix.x_train.shape == (50, 64) and pix.x_train.dtype == np.uint8 and pix.scaling == "pixels"
    assert ft.x_train.shape == (50, 8, 8) and ft.scaling == "unit"
    assert pix.scaled(pix.x_train).max() <= 1.0 and enc.n_labelled == 50


def test_every_arm_trains_and_reports_accuracy_per_epoch(ae, digits):
    results = classify.compare(ae.models, ae.config, digits, **FAST)
    assert list(results) == ["encoder", "pca", "pixels"]
    for r in results.values():
        assert 0.25 < r.accuracy <= 1.0  # ten classes: chance is 0.1
        assert r.history.epoch == [1, 2, 3]
        assert len(r.history.extra["accuracy"]) == 3 and len(r.history.extra["val_accuracy"]) == 3
        assert r.y_pred.shape == digits.y_test.shape and r.n_labelled == len(digits.y_train)


def test_a_small_budget_is_repeated_to_a_full_epoch(ae, digits):
    run = classify.make_run("pixels", ae.models, ae.config, digits, labels_per_class=1, **FAST)
    assert run.inputs.n_labelled == 10
    assert len(run.train_order) >= classify.MIN_EPOCH_EXAMPLES
    assert np.bincount(run.train_order).tolist() == [len(run.train_order) // 10] * 10  # whole copies


def test_the_run_steps_pauses_and_stops_like_the_train_page(ae, digits):
    run = classify.make_run("encoder", ae.models, ae.config, digits, epochs=5, units=16)
    run.step()
    assert run.wait(120) == "paused" and run.progress.epoch == 1
    run.stop()
    assert run.join(60) and run.status == "stopped" and run.history.epoch == [1]
    r = classify.finish(run)
    assert 0 <= r.accuracy <= 1 and "accuracy" in r.history.extra


def test_fine_tuning_trains_a_copy_and_leaves_the_autoencoder_alone(ae, digits):
    before = [w.copy() for w in ae.models.encoder.get_weights()]
    r, run = classify.train_arm("encoder", ae.models, ae.config, digits, fine_tune=True, labels_per_class=10,
                                **FAST)
    assert run.models.encoder is not ae.models.encoder
    after = ae.models.encoder.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    changed = run.models.encoder.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(before, changed, strict=True))
    assert 0 < r.accuracy <= 1


@pytest.mark.parametrize("fine_tune", [False, True])
def test_saved_classifier_loads_in_safe_mode_and_predicts_the_same(ae, digits, tmp_path, fine_tune):
    r, run = classify.train_arm("encoder", ae.models, ae.config, digits, fine_tune=fine_tune, **FAST)
    path = classify.save_classifier(run, tmp_path / "cls.keras", {"dataset": "digits"})
    model, meta = classify.load_classifier(path)
    assert meta["kind"] == "classifier" and meta["dataset"] == "digits" and len(meta["class_names"]) == 10
    pred = classify.predict_classes(model, digits.x_test, meta["scaling"])
    assert np.mean(pred == r.y_pred) > 0.99
    enc_path = classify.save_encoder(run, tmp_path / "enc.keras")
    import keras

    enc = keras.models.load_model(enc_path, safe_mode=True, compile=False)
    assert enc.outputs[0].shape[-1] == 16


def test_only_the_encoder_arm_has_a_classifier_on_images(ae, digits, tmp_path):
    _, run = classify.train_arm("pca", ae.models, ae.config, digits, **FAST)
    with pytest.raises(ValueError, match="only the encoder arm's classifier takes images"):
        classify.save_classifier(run, tmp_path / "x.keras")
    with pytest.raises(ValueError, match="has no encoder"):
        classify.save_encoder(run, tmp_path / "y.keras")


def test_a_conditional_vae_and_a_model_of_other_images_are_refused(ae, small_mnist):
    from aecore.models import build
    from aecore.variants import resolve_config

    with pytest.raises(ValueError, match="expects 8x8 images but the dataset mnist_sample has 28x28"):
        classify.make_run("encoder", ae.models, ae.config, small_mnist)
    cvae = build(resolve_config("vae", conditional=True, code_dim=2), (28, 28))
    with pytest.raises(ValueError, match="conditional VAE's encoder takes each image's class"):
        classify.arm_inputs("encoder", small_mnist, np.arange(10), models=cvae, ae_config={})


def test_confusion_and_misclassified():
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 1, 1, 1, 0, 2])
    cm = classify.confusion(y, p, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    wrong = classify.misclassified(y, p, n=10)
    assert wrong.tolist() == [1, 4]
    assert len(classify.misclassified(y, p, n=1)) == 1
