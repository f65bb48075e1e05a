"""Layer-wise pretraining: stages of one TrainingRun, greedy, recorded, steerable, saved."""

from __future__ import annotations

import numpy as np
import pytest
from test_cli import fails, ok
from test_training import wait_for

from aecore.history import History
from aecore.pretraining import FINE_TUNE, split_epochs
from aecore.stages import Stage, spans
from aecore.store import ModelStore
from aecore.training import FINISHED, PAUSED, RUNNING, STOPPED, TrainingRun
from aecore.variants import resolve_config

DEEP_STAGES = ["pretrain layer 1 (64-128)", "pretrain layer 2 (128-64)", "pretrain layer 3 (64-32)", FINE_TUNE]


def _kernels(run):
    return {name: run.models.encoder.get_layer(name).kernel.numpy().copy() for name in ("enc_1", "enc_2", "code")}


@pytest.mark.parametrize(("epochs", "layers", "split"), [
    (15, 3, [2, 2, 2, 9]),  # deep's recipe
    (20, 4, [2, 2, 2, 2, 12]),  # deep2d's recipe
    (4, 3, [1, 1, 1, 1]),  # the fewest epochs allowed
    (100, 3, [16, 16, 16, 52]),
])
def test_about_half_the_epochs_pretrain_and_the_total_is_kept(epochs, layers, split):
    assert split_epochs(epochs, layers) == split
    assert sum(split) == epochs and split[-1] >= 1


def test_spans_count_epochs_across_stages_and_the_last_runs_on():
    stages = [Stage("a", 2), Stage("b", 2), Stage("c", 3)]
    assert [(s.name, end) for s, end in spans(stages, 0, 7)] == [("a", 2), ("b", 4), ("c", 7)]
    assert [(s.name, end) for s, end in spans(stages, 3, 7)] == [("b", 4), ("c", 7)]
    assert [(s.name, end) for s, end in spans(stages, 7, 8)] == [("c", 8)]  # a Step past the target
    assert [(s.name, end) for s, end in spans(stages, 0, 3)] == [("a", 2), ("b", 3)]


def test_refusals_say_why():
    for variant in ("dense", "sparse", "linear", "conv", "denoising"):
        with pytest.raises(ValueError, match=f"pretraining is not a parameter of the {variant} variant; layer-wise "
                                             "pretraining applies to the deep dense variants deep and deep2d"):
            resolve_config(variant, pretraining="layerwise")
    with pytest.raises(ValueError, match="needs at least one hidden layer"):
        resolve_config("deep", pretraining="layerwise", hidden="")
    with pytest.raises(ValueError, match=r"needs epochs of at least 4 \(one per encoder layer, 3 here, and one to "
                                         r"fine-tune\), got 3"):
        resolve_config("deep", pretraining="layerwise", epochs=3)
    with pytest.raises(ValueError, match="pretraining must be one of none, layerwise; got 'greedy'"):
        resolve_config("deep", pretraining="greedy")
    assert resolve_config("deep", hidden="", pretraining="none")["pretraining"] == "none"


def test_each_stage_trains_only_its_layer_then_fine_tuning_trains_all(digits):
    run = TrainingRun({"variant": "deep", "pretraining": "layerwise", "epochs": 4, "batch_size": 64}, digits,
                      val_limit=100)
    k0 = _kernels(run)
    for k, (stage, layer) in enumerate(zip(DEEP_STAGES[:3], ("enc_1", "enc_2", "code"), strict=True)):
        run.step()
        assert run.wait(60) == PAUSED, run.reason
        snap = run.snapshot()
        assert snap.stage == stage and snap.history.stage == DEEP_STAGES[: k + 1]
        k1 = _kernels(run)
        assert [n for n in k1 if not np.array_equal(k0[n], k1[n])] == [layer]  # greedy: one layer at a time
        k0 = k1
    run.step()  # the last epoch: fine-tuning, then finished
    assert run.join(60) and run.status == FINISHED, run.reason
    k1 = _kernels(run)
    assert all(not np.array_equal(k0[n], k1[n]) for n in k1)
    h = run.history
    assert h.stage == DEEP_STAGES and h.epoch == [1, 2, 3, 4] and len(h.val_loss) == 4
    assert run.snapshot().stage == FINE_TUNE


def test_pause_and_stop_inside_a_stage(digits):
    run = TrainingRun({"variant": "deep", "pretraining": "layerwise", "epochs": 200, "batch_size": 8}, digits,
                      val_limit=50)
    run.start()
    assert wait_for(lambda: len(run.snapshot().history.trace_x) >= 3, 60)
    run.step()  # pause at the end of this epoch (deterministic, unlike a pause mid-chunk)
    assert run.wait(60) == PAUSED and run.snapshot().stage == DEEP_STAGES[0]
    seen = len(run.snapshot().history.trace_x)
    assert not wait_for(lambda: len(run.snapshot().history.trace_x) > seen, 0.5)  # paused really pauses
    run.resume()
    assert run.status == RUNNING
    assert wait_for(lambda: len(run.snapshot().history.trace_x) > seen, 60)
    run.pause()
    assert run.status == PAUSED
    run.stop()
    assert run.join(60) and run.status == STOPPED
    assert set(run.history.stage) == {DEEP_STAGES[0]}  # it did not go on to the next stage


def test_a_learning_rate_change_during_pretraining_reaches_the_fine_tuning(digits):
    run = TrainingRun({"variant": "deep", "pretraining": "layerwise", "epochs": 4}, digits, val_limit=50)
    run.step()
    assert run.wait(60) == PAUSED
    run.set_learning_rate(0.0005)
    run.start()  # resume to the end
    assert run.join(60) and run.status == FINISHED, run.reason
    assert float(run.models.autoencoder.optimizer.learning_rate.numpy()) == pytest.approx(0.0005)


@pytest.mark.parametrize("overrides", [{"variant": "deep2d", "epochs": 5},
                                       {"variant": "deep2d", "epochs": 5, "tied_weights": True},
                                       {"variant": "deep", "epochs": 4, "noise_factor": 0.3}])
def test_deep2d_tied_and_noisy_runs_pretrain_and_save(overrides, digits):
    run = TrainingRun({**overrides, "pretraining": "layerwise"}, digits, val_limit=100)
    run.start()
    assert run.join(90) and run.status == FINISHED, run.reason
    n_layers = len(run.config["hidden"]) + 1
    assert [s.split(" (")[0] for s in run.history.stage[:n_layers]] == [f"pretrain layer {i + 1}"
                                                                        for i in range(n_layers)]
    assert run.history.stage[n_layers:] == [FINE_TUNE] * (run.config["epochs"] - n_layers)
    store = ModelStore()
    key = store.save(run.models, run.config, run.history, dataset="digits", n_train=len(digits.x_train),
                     image_shape=digits.image_shape)
    loaded = store.load(key)
    assert loaded.history.stage == run.history.stage and loaded.config["pretraining"] == "layerwise"
    np.testing.assert_allclose(loaded.models.autoencoder(digits.x_test[:4] / 255.0),
                               run.models.autoencoder(digits.x_test[:4] / 255.0), atol=1e-6)


def test_history_keeps_stages_through_dict_and_copy():
    h = History(epoch=[1, 2], loss=[0.3, 0.2], val_loss=[0.3, 0.25], stage=["pretrain layer 1 (784-128)", FINE_TUNE],
                extra={"kl": [1.0, 2.0]})
    d = h.to_dict()
    assert d["stage"] == h.stage and "stage" not in History.from_dict(d).extra
    assert History.from_dict(d) == h and h.copy() == h
    assert "stage" not in History(epoch=[1], loss=[0.1], val_loss=[0.1]).to_dict()  # a plain run: as before


def test_loss_figure_bands_and_breaks_each_stage():
    from ui.plots import loss_figure

    h = History(epoch=[1, 2, 3, 4], loss=[0.3, 0.05, 0.2, 0.15], val_loss=[0.3, 0.05, 0.2, 0.15],
                trace_x=[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5], trace_loss=[0.3] * 9,
                stage=["pretrain layer 1 (64-128)", "pretrain layer 2 (128-64)", FINE_TUNE, FINE_TUNE])
    fig = loss_figure(h, "bce", stage=FINE_TUNE)
    shapes = [(s.x0, s.x1) for s in fig.layout.shapes]
    assert shapes == [(0, 1), (1, 2), (2, 5)]  # the fine-tuning band reaches the epoch under way
    assert [a.text for a in fig.layout.annotations] == h.stage[:3]
    train = next(t for t in fig.data if t.name == "train")
    assert list(train.x) == [1, None, 2, None, 3, 4]  # no line across a change of loss
    assert list(next(t for t in fig.data if t.name == "per batch").x)[:4] == [0.5, 1.0, None, 1.5]
    plain = loss_figure(History(epoch=[1, 2], loss=[0.3, 0.2], val_loss=[0.3, 0.2]), "bce")
    assert not plain.layout.shapes and list(plain.data[0].x) == [1, 2]


def test_cli_train_with_layerwise_pretraining():
    out = ok("train", "--variant", "deep", "--dataset", "digits", "--epochs", "4", "--set", "pretraining=layerwise")
    assert out["config"]["pretraining"] == "layerwise" and out["epochs"] == 4
    assert out["stages"] == {name: 1 for name in DEEP_STAGES}
    assert "stages" not in ok("train", "--variant", "deep", "--dataset", "digits", "--epochs", "1")
    fails("train", "--variant", "dense", "--dataset", "digits", "--set", "pretraining=layerwise",
          match="layer-wise pretraining applies to the deep dense variants deep and deep2d")
    fails("train", "--variant", "deep", "--dataset", "digits", "--epochs", "2", "--set", "pretraining=layerwise",
          match="needs epochs of at least 4")
