"""Learning-rate schedules and early stopping on TrainingRun (with pause/step and stages)."""

import pytest

from aecore.history import History
from aecore.training import FINISHED, PAUSED, TrainingRun

# Plain SGD at 1e-6 barely moves the weights: the validation loss stalls from the first epoch,
# so early stopping and the plateau schedule must act, deterministically.
STALL = {"variant": "deep2d", "hidden": "16", "optimizer": "sgd", "learning_rate": 1e-6, "batch_size": 128}


def lr_per_epoch(run):
    lrs = []
    run.epoch_hooks.append(lambda epoch, models: lrs.append(float(models.autoencoder.optimizer.learning_rate.numpy())))
    return lrs


def test_cosine_decays_the_rate_every_epoch(digits):
    run = TrainingRun({"variant": "deep2d", "hidden": "16", "epochs": 4, "batch_size": 128,
                       "learning_rate": 0.01, "schedule": "cosine"}, digits)
    lrs = lr_per_epoch(run)
    run.start()
    assert run.join(120) and run.status == FINISHED, run.reason
    assert len(lrs) == 4 and all(a > b for a, b in zip(lrs, lrs[1:], strict=False))
    assert lrs[0] < 0.01 and lrs[-1] < 0.001
    assert run.snapshot().learning_rate == pytest.approx(lrs[-1])
    assert run.config["learning_rate"] == 0.01  # the base rate the schedule scales


def test_early_stopping_ends_the_run_with_a_reason_and_a_note(digits):
    run = TrainingRun({**STALL, "epochs": 20, "patience": 2}, digits)
    run.start()
    assert run.join(120)
    snap = run.snapshot()
    assert snap.status == FINISHED
    assert snap.reason.startswith("stopped early at epoch ") and "did not improve for 2 epochs" in snap.reason
    assert len(snap.history.epoch) < 20 and snap.progress.fraction == 1.0
    assert snap.history.notes == [snap.reason]
    back = History.from_dict(snap.history.to_dict())
    assert back.notes == snap.history.notes and "notes" not in back.extra


def test_plateau_halves_the_rate(digits):
    run = TrainingRun({**STALL, "epochs": 5, "schedule": "plateau"}, digits)
    run.start()
    assert run.join(120) and run.status == FINISHED
    assert any("learning rate halved" in n for n in run.history.notes)
    assert run.snapshot().learning_rate < 1e-6


def test_step_and_resume_with_patience(digits):
    run = TrainingRun({**STALL, "epochs": 20, "patience": 2}, digits)
    run.step()
    assert run.wait(120) == PAUSED and run.history.epoch == [1]
    run.resume()
    assert run.join(120) and run.status == FINISHED and run.reason.startswith("stopped early")
    done = len(run.history.epoch)
    run.step()  # one more epoch past an early stop still trains exactly one
    assert run.join(120) and len(run.history.epoch) == done + 1


def test_early_stopping_waits_for_the_last_stage(digits):
    run = TrainingRun({**STALL, "hidden": "32,16", "epochs": 12, "patience": 1, "pretraining": "layerwise"}, digits)
    run.start()
    assert run.join(180) and run.status == FINISHED, run.reason
    stages = run.history.stage
    assert stages[-1] == "fine-tune" or stages[-1].startswith("fine")
    assert len(set(stages)) == 4  # every pretraining stage ran although each one stalled
    assert run.reason and run.reason.startswith("stopped early")


def test_live_setters_validate(digits):
    run = TrainingRun({**STALL, "epochs": 1}, digits)
    with pytest.raises(ValueError, match="schedule must be one of none, cosine, plateau"):
        run.set_schedule("steps")
    with pytest.raises(ValueError, match="patience must be between 0 and 1000, got -1"):
        run.set_patience(-1)
    run.set_schedule("cosine")
    run.set_patience(3)
    assert run.config["schedule"] == "cosine" and run.config["patience"] == 3
