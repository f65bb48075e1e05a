import math
import time

import numpy as np
import pytest

from aecore.inference import is_finite_model
from aecore.training import FAILED, FINISHED, IDLE, PAUSED, RUNNING, STOPPED, TrainingRun, make_train_data
from aecore.variants import VARIANTS, resolve_config


def wait_for(condition, timeout: float, interval: float = 0.02) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_variant_trains_one_epoch(name, small_mnist):
    run = TrainingRun({"variant": name, "epochs": 1, "batch_size": 64}, small_mnist)
    assert run.status == IDLE
    run.start()
    assert run.join(120)
    snap = run.snapshot()
    assert snap.status == FINISHED, snap.reason
    assert snap.history.epoch == [1]
    assert math.isfinite(snap.history.loss[0]) and math.isfinite(snap.history.val_loss[0])
    # one trace point per call into TensorFlow: steps_per_execution batches at a time
    assert len(snap.history.trace_loss) == math.ceil(math.ceil(400 / 64) / run.steps_per_execution)
    assert snap.progress.fraction == 1.0 and snap.progress.samples_per_s > 0
    inputs, recon = run.predict(small_mnist.x_test[:5])
    assert recon.shape == (5, 28, 28) and 0 <= recon.min() and recon.max() <= 1


def test_loss_falls(digits):
    run = TrainingRun({"variant": "deep2d", "epochs": 4, "batch_size": 64}, digits)
    run.start()
    run.join(120)
    assert run.history.val_loss[-1] < run.history.val_loss[0]


def test_reproducible_including_fresh_denoising_noise(digits):
    def curve():
        r = TrainingRun({"variant": "denoising", "epochs": 2, "batch_size": 128, "filters": "8,8"}, digits)
        r.start()
        r.join(120)
        return r.history.loss + r.history.val_loss
    assert curve() == curve()


def test_denoising_noise_differs_between_epochs(digits):
    cfg = resolve_config("denoising", batch_size=2000)
    ds = make_train_data(digits.x_train[:50], cfg, shuffle_seed=0)
    first = [b for b in ds][0]
    second = [b for b in ds][0]
    noisy1, clean1 = (np.asarray(t) for t in first)
    noisy2, clean2 = (np.asarray(t) for t in second)
    assert noisy1.min() >= 0 and noisy1.max() <= 1
    assert not np.allclose(np.sort(noisy1 - clean1, axis=None), np.sort(noisy2 - clean2, axis=None))


def test_pause_step_resume_stop_reset(digits):
    run = TrainingRun({"variant": "dense", "epochs": 40, "batch_size": 32}, digits)
    run.step()
    assert run.wait(60) == PAUSED and run.progress.epoch == 1
    run.step()
    assert run.wait(60) == PAUSED and run.progress.epoch == 2
    before = len(run.history.trace_loss)
    weights = run.models.autoencoder.get_weights()
    # A paused run must not train: over a window it neither traces nor changes a weight.
    assert not wait_for(lambda: len(run.history.trace_loss) > before, timeout=0.5), "a paused run trained"
    assert all(np.array_equal(a, b) for a, b in zip(weights, run.models.autoencoder.get_weights(), strict=True))
    run.resume()
    # ...and a resumed one does, within a generous deadline (fails if resume does nothing).
    assert wait_for(lambda: len(run.history.trace_loss) > before, timeout=60), "resume did not train"
    assert run.status == RUNNING
    run.pause()
    assert run.status == PAUSED
    run.stop()
    assert run.join(30) and run.status == STOPPED
    assert "stopped by the user" in run.reason
    kept = run.history.epoch
    assert kept and run.predict(digits.x_test[:2])[1].shape == (2, 8, 8)
    run.reset()
    assert run.status == IDLE and run.history.epoch == []


def test_learning_rate_change_reaches_running_model(digits):
    run = TrainingRun({"variant": "dense", "epochs": 200, "batch_size": 16}, digits)
    run.start()
    deadline = time.monotonic() + 60
    while not run.history.trace_loss and time.monotonic() < deadline:  # past the first trace
        time.sleep(0.05)
    run.set_learning_rate(0.0123)

    def lr():
        return float(np.asarray(run.models.autoencoder.optimizer.learning_rate))

    while lr() != pytest.approx(0.0123) and time.monotonic() < deadline and run.status == RUNNING:
        time.sleep(0.05)
    applied, status = lr(), run.status
    run.stop()
    run.join(30)
    assert status == RUNNING and applied == pytest.approx(0.0123)
    with pytest.raises(ValueError, match="learning_rate must be between"):
        run.set_learning_rate(-1)


def test_predict_while_training(digits):
    run = TrainingRun({"variant": "conv", "epochs": 3, "batch_size": 16, "filters": "8,8"}, digits)
    run.start()
    outs = []
    while run.status == RUNNING and len(outs) < 20:
        outs.append(run.predict(digits.x_test[:8])[1])
        time.sleep(0.02)
    run.join(60)
    assert run.status == FINISHED and outs and outs[0].shape == (8, 8, 8)


def test_nan_loss_stops_with_reason(digits):
    run = TrainingRun({"variant": "linear", "epochs": 5, "optimizer": "sgd", "learning_rate": 10.0,
                       "batch_size": 16}, digits)
    run.start()
    run.join(60)
    assert run.status == FAILED
    assert "loss became" in run.reason and "Lower the learning rate (now 10)" in run.reason
    # what pickers check before offering a model: this one must not pass for a good one
    assert not is_finite_model(run.models)


def test_non_finite_weights_fail_a_run_whose_loss_looked_fine(digits, monkeypatch):
    """The loss callbacks see the loss before the last update; the weights are checked after it."""
    import aecore.training as training

    monkeypatch.setattr(training.inference, "is_finite_model", lambda models: False)
    run = TrainingRun({"variant": "dense", "epochs": 1}, digits)
    run.start()
    run.join(60)
    assert run.status == FAILED
    assert "weights became NaN or infinite after epoch 1" in run.reason and "Lower the learning rate" in run.reason


def test_step_after_finish_trains_one_more_epoch(digits):
    run = TrainingRun({"variant": "dense", "epochs": 1}, digits)
    run.start()
    run.join(60)
    run.step()
    run.join(60)
    assert run.status == FINISHED and run.history.epoch == [1, 2]


def test_two_runs_in_parallel_do_not_mix(digits, small_mnist):
    a = TrainingRun({"variant": "dense", "epochs": 2}, digits)
    b = TrainingRun({"variant": "deep2d", "epochs": 3}, small_mnist)
    a.start()
    b.start()
    a.join(120)
    b.join(120)
    assert (a.history.epoch, b.history.epoch) == ([1, 2], [1, 2, 3])
    assert a.models.autoencoder.input_shape[1:] == (8, 8) and b.models.code_size == 2


def test_empty_training_set_is_refused(digits):
    from aecore.data import Dataset
    empty = Dataset("empty", digits.x_train[:0], digits.y_train[:0], digits.x_test, digits.y_test,
                    digits.class_names, "test")
    with pytest.raises(ValueError, match="training set is empty"):
        TrainingRun({"variant": "dense"}, empty)


def test_finished_runs_leave_no_gradient_registry_entries(digits):
    """Each traced training step registers a custom gradient that TensorFlow never removes
    (~16 MiB per model); finished workers prune them so train/reset cycles do not grow."""
    from tensorflow.python.framework import ops

    def entries():
        return sum(1 for k in ops._gradient_registry._registry if str(k).startswith("CustomGradient-"))

    run = TrainingRun({"variant": "dense", "epochs": 1}, digits)
    for _ in range(3):
        run.start()
        run.join(60)
        assert run.status == FINISHED
        run.reset()
    assert entries() == 0


def test_old_import_paths_and_inference_are_one(digits):
    """The pipeline, the registry pruning and inference moved out; their old names still work."""
    import aecore.inference as inference
    import aecore.pipeline as pipeline
    from aecore.training import prune_gradient_registry, reconstruct, validation_arrays

    assert reconstruct is inference.reconstruct
    assert (make_train_data, validation_arrays) == (pipeline.make_train_data, pipeline.validation_arrays)
    assert prune_gradient_registry() >= 0
    run = TrainingRun({"variant": "deep2d", "epochs": 1}, digits)
    x = digits.x_test[:6]
    np.testing.assert_array_equal(run.encode(x), inference.encode(run.models, run.config, x))
    np.testing.assert_array_equal(run.predict(x, 0.3)[1], inference.reconstruct(run.models, run.config, x, 0.3)[1])
