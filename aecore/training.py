"""Live training: one model trained in a background thread that a UI can steer and watch.

Streamlit reruns its script on every widget change and kills whatever the script was
doing, so ``fit()`` cannot run inside the script. A :class:`TrainingRun` owns a worker
thread that calls ``model.fit`` once, with a callback that the controls talk to through
flags: pause and step block the worker between batches (or at an epoch's end), stop sets
``model.stop_training``, a learning-rate change is applied before the next batch. The
worker never touches the UI; a page polls :meth:`TrainingRun.snapshot`.

Every run can also follow a learning-rate schedule (``schedule``: cosine decay over the
target epochs, or halving the rate when the validation loss stalls) and stop early
(``patience``: epochs without a better validation loss); both act from the same callback,
so they combine with pause / step / stop and with the stages of layer-wise pretraining,
and both leave a sentence in ``History.notes`` and the run's ``reason``.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from aecore import gradient_registry, inference
from aecore.data import Dataset
from aecore.gradient_registry import prune_gradient_registry
from aecore.history import History
from aecore.inference import reconstruct
from aecore.models import Models, build, compile_model
from aecore.pipeline import make_train_data, validation_arrays
from aecore.pretraining import stages_for
from aecore.stages import spans
from aecore.variants import check_param, resolve_config

# Re-exported: callers imported these from here before the pipeline, the registry pruning
# and inference got their own modules. TrainingRun looks make_train_data up here at run
# time, so the benchmarks can swap in another pipeline by assigning to this module.
__all__ = [
    "IDLE", "RUNNING", "PAUSED", "FINISHED", "STOPPED", "FAILED",
    "History", "Progress", "Snapshot", "TrainingRun",
    "make_train_data", "validation_arrays", "prune_gradient_registry", "reconstruct",
]

IDLE, RUNNING, PAUSED, FINISHED, STOPPED, FAILED = (
    "idle", "running", "paused", "finished", "stopped", "failed")

#: the plateau schedule halves the rate after this many epochs without a better validation loss
PLATEAU_PATIENCE = 2
PLATEAU_FACTOR = 0.5
#: cosine decay ends at this fraction of the rate (a Step past the target still learns a little)
COSINE_FLOOR = 0.01
#: a validation loss counts as better only when it beats the best by this fraction of it
MIN_REL_IMPROVEMENT = 1e-4


@dataclass
class Progress:
    epoch: int = 0  # completed epochs
    epochs: int = 0  # target
    batch: int = 0  # steps done in the current epoch
    steps_per_epoch: int = 0
    elapsed: float = 0.0  # seconds spent training, pauses excluded
    samples_seen: int = 0

    @property
    def fraction(self) -> float:
        if not self.epochs or not self.steps_per_epoch:
            return 0.0
        return min(1.0, (self.epoch + self.batch / self.steps_per_epoch) / self.epochs)

    @property
    def samples_per_s(self) -> float:
        return self.samples_seen / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        f = self.fraction
        if f <= 0 or self.elapsed <= 0:
            return None
        return self.elapsed * (1 - f) / f


@dataclass
class Snapshot:
    """A consistent copy of a run's state for one UI redraw."""

    status: str
    reason: str | None
    progress: Progress
    history: History
    learning_rate: float  # the rate in use now (the schedule's, when there is one)
    stage: str = ""  # the stage training now (or last), in a run of several


class _Control:
    """Keras callback through which the controls reach the worker thread."""

    def __new__(cls, run: TrainingRun):
        import keras

        class Control(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                run._on_epoch_begin(epoch)

            def on_train_batch_end(self, batch, logs=None):
                run._on_batch_end(self.model, batch, logs or {})

            def on_epoch_end(self, epoch, logs=None):
                run._on_epoch_end(self.model, epoch, logs or {})

        return Control()


class TrainingRun:
    """Train one autoencoder in a background thread with pause/resume/step/stop/reset.

    Parameters
    ----------
    config : dict
        A configuration; it is resolved and validated here (``resolve_config``).
    dataset : Dataset
        uint8 images; the whole ``x_train`` is trained on (limit it when loading).
    val_limit : int
        At most this many test images are used for the per-epoch validation loss.
    steps_per_execution : int
        Batches run per call into TensorFlow; larger cuts per-step overhead for small models
        (see BENCHMARKS.md). Callbacks, pausing and the trace then act every that many steps.
    models : Models, optional
        Already-trained models (e.g. from the store); the run starts as ``finished``.
    """

    def __init__(self, config: dict[str, Any], dataset: Dataset, *, val_limit: int = 2000,
                 steps_per_execution: int = 8, models: Models | None = None,
                 history: History | None = None):
        self.config = self._resolve(config)
        self.dataset = dataset
        if len(dataset.x_train) < 1:
            raise ValueError("the training set is empty; choose a larger training-set size")
        self.val_limit = val_limit
        self.steps_per_execution = max(1, int(steps_per_execution))
        self._lock = threading.RLock()
        self._predict_lock = threading.Lock()
        self._go = threading.Event()
        self._thread: threading.Thread | None = None
        self.models = models if models is not None else self._build()
        self._compile()
        self.history = history.copy() if history is not None else History()
        self.status = FINISHED if models is not None else IDLE
        self.reason: str | None = None
        epochs_done = len(self.history.epoch)
        self.progress = Progress(epoch=epochs_done, epochs=max(self.config["epochs"], epochs_done))
        self._stop_requested = False
        self._pause_at_epoch_end = False
        self._pending_lr: float | None = None
        self._learning_rate = float(self.config["learning_rate"])
        self._reset_schedule()
        self._active_since: float | None = None
        self._seen_before_epoch = 0
        self._prev_mean = (0, 0.0)  # (samples, running mean) at the previous callback
        # Called by the worker after each epoch with (epochs done, models), e.g. to measure
        # the weights (aecore.linear.AngleTracker); must be quick and must not raise.
        self.epoch_hooks: list = []
        self._stage = ""

    # ------------------------------------------------------------------ controls
    def start(self) -> None:
        """Start training (or resume a paused run). Finished runs stay finished."""
        with self._lock:
            if self.status == PAUSED:
                self.resume()
                return
            if self.status != IDLE:
                return
            self._launch()

    def pause(self) -> None:
        with self._lock:
            if self.status == RUNNING:
                self._go.clear()
                self.status = PAUSED
                self._account_time()

    def resume(self) -> None:
        with self._lock:
            if self.status == PAUSED:
                self._pause_at_epoch_end = False
                self.status = RUNNING
                self._active_since = time.perf_counter()
                self._go.set()

    def step(self) -> None:
        """Train exactly one more epoch, then pause (from idle, paused or finished)."""
        with self._lock:
            self._pause_at_epoch_end = True
            if self.status == PAUSED:
                self.status = RUNNING
                self._active_since = time.perf_counter()
                self._go.set()
            elif self.status == IDLE:
                self._launch()
            elif self.status in (FINISHED, STOPPED) and self._thread_done():
                # one more epoch beyond the target
                self.progress.epochs = self.progress.epoch + 1
                self._launch()

    def stop(self) -> None:
        """Stop after the current batch; the model keeps what it has learned."""
        with self._lock:
            if self.status in (RUNNING, PAUSED):
                self._stop_requested = True
                self.trained_model.stop_training = True
                self._go.set()

    def reset(self) -> None:
        """Stop, wait for the worker, and start again from fresh weights."""
        self.stop()
        self.join(timeout=60)
        with self._lock:
            self.models = self._build()
            self._compile()
            self.history = History()
            self.status, self.reason = IDLE, None
            self.progress = Progress(epochs=self.config["epochs"])
            self._learning_rate = float(self.config["learning_rate"])
            self._reset_schedule()
            self._stop_requested = self._pause_at_epoch_end = False
            self._pending_lr = None

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate; a running model picks it up before its next batch.

        With a schedule this is the base rate the schedule scales.
        """
        lr = check_param("learning_rate", lr)
        with self._lock:
            self.config["learning_rate"] = lr
            self._learning_rate = lr
            if self.status in (RUNNING, PAUSED):
                self._pending_lr = lr
            else:
                self._applied_lr = self._scheduled_lr()
                self.trained_model.optimizer.learning_rate.assign(self._applied_lr)

    def set_schedule(self, schedule: str) -> None:
        """Change the learning-rate schedule; a running model follows it from its next batch."""
        schedule = check_param("schedule", schedule)
        with self._lock:
            self.config["schedule"] = schedule
            self._lr_scale = 1.0
            self._plateau_bad = 0
            if self.status in (RUNNING, PAUSED):
                self._pending_lr = self._learning_rate

    def set_patience(self, patience: int) -> None:
        """Change early stopping's patience (0 turns it off); checked at every epoch's end."""
        patience = check_param("patience", patience)
        with self._lock:
            self.config["patience"] = patience

    def set_epochs(self, epochs: int) -> None:
        """Change the target epoch count; takes effect for the next start."""
        epochs = check_param("epochs", epochs)
        with self._lock:
            self.config["epochs"] = epochs
            if self.status in (IDLE,):
                self.progress.epochs = epochs

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker; True when it has ended (or never started)."""
        t = self._thread
        if t is not None:
            t.join(timeout)
            return not t.is_alive()
        return True

    def wait(self, timeout: float = 600.0) -> str:
        """Block until the run is no longer running (finished, stopped, failed or paused)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.status not in (RUNNING,) and self._thread_done() or self.status == PAUSED:
                return self.status
            time.sleep(0.02)
        return self.status

    # ------------------------------------------------------------------ views
    @property
    def is_active(self) -> bool:
        return self.status in (RUNNING, PAUSED)

    def snapshot(self) -> Snapshot:
        with self._lock:
            progress = Progress(**vars(self.progress))
            if self.status == RUNNING and self._active_since is not None:
                progress.elapsed += time.perf_counter() - self._active_since
            return Snapshot(self.status, self.reason, progress, self.history.copy(), self._applied_lr, self._stage)

    def predict(self, x_uint8: np.ndarray, noise_factor: float = 0.0, noise_kind: str = "gaussian",
                noise_seed: int = 0, *, labels=None) -> tuple[np.ndarray, np.ndarray]:
        """Reconstruct uint8 images (optionally corrupted first) with the current weights.

        Safe to call while the worker trains: a forward pass reads the weights as they are;
        the predict lock keeps two pages' calls from interleaving on one model. Returns
        ``(inputs, reconstructions)`` in pixel space [0, 1] (see :func:`aecore.inference.reconstruct`).
        ``labels`` (the images' classes) are needed by a conditional VAE, ignored by others.
        """
        with self._predict_lock:
            return inference.reconstruct(self.models, self.config, x_uint8, noise_factor, noise_kind,
                                         noise_seed, labels=labels)

    def encode(self, x_uint8: np.ndarray, *, labels=None) -> np.ndarray:
        """The code of uint8 images, flattened to float32 (n, code_size) (:func:`aecore.inference.encode`)."""
        with self._predict_lock:
            return inference.encode(self.models, self.config, x_uint8, labels=labels)

    # ------------------------------------------------------------------ what is trained
    # A subclass trains another model on other data with the same controls (the classifier
    # of aecore.classify): it overrides these five and nothing else.
    def _resolve(self, config: dict[str, Any]) -> dict[str, Any]:
        """The run's configuration, validated."""
        return resolve_config(**config)

    def _build(self) -> Any:
        """Fresh models for the configuration (at start and on reset)."""
        return build(self.config, self.dataset.image_shape, len(self.dataset.class_names))

    def _compile(self) -> None:
        compile_model(self.models, self.config, self.steps_per_execution)

    @property
    def trained_model(self):
        """The Keras model ``fit`` trains: stop flags and learning-rate changes act on it."""
        return self.models.autoencoder

    def _fit_plan(self) -> tuple[list, Any, dict[str, Any]]:
        """(stages, training data, ``fit`` keyword arguments) of a start from the current epoch."""
        cfg = self.config
        seed = int(cfg["seed"])
        bs = cfg["batch_size"]
        train = make_train_data(self.dataset.x_train, cfg, shuffle_seed=seed)
        val_x = self.dataset.x_test[: self.val_limit]
        fit_kwargs: dict[str, Any] = {}
        if len(val_x):
            fit_kwargs["validation_data"] = validation_arrays(val_x, cfg, seed)
            fit_kwargs["validation_batch_size"] = max(bs, 256)
        if cfg.get("conditional"):  # a conditional VAE also takes each image's label
            from aecore.vae import labelled_data

            train, val = labelled_data(self.models, cfg, self.dataset, seed, self.val_limit)
            if val is not None:
                fit_kwargs["validation_data"] = val
        stages = stages_for(cfg, self.models, self.dataset, val_limit=self.val_limit,
                            steps_per_execution=self.steps_per_execution)
        return stages, train, fit_kwargs

    def _is_finite(self) -> bool:
        return inference.is_finite_model(self.models)

    # ------------------------------------------------------------------ worker
    def _thread_done(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def _account_time(self) -> None:
        if self._active_since is not None:
            self.progress.elapsed += time.perf_counter() - self._active_since
            self._active_since = None

    def _launch(self) -> None:
        self.status, self.reason = RUNNING, None
        self._stop_requested = False
        self._stopped_early = None
        self.trained_model.stop_training = False
        if not self.progress.epochs or self.progress.epochs <= self.progress.epoch:
            self.progress.epochs = max(self.config["epochs"], self.progress.epoch + 1)
        self._go.set()
        self._active_since = time.perf_counter()
        self._thread = threading.Thread(target=self._work, name="aecore-training", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        gradient_registry.trace_started(id(self))
        try:
            self._fit()
        finally:
            gradient_registry.trace_ended(id(self))

    def _fit(self) -> None:
        try:
            x = self.dataset.x_train
            self.progress.steps_per_epoch = math.ceil(len(x) / self.config["batch_size"])
            stages, train, fit_kwargs = self._fit_plan()
            for stage, end in spans(stages, self.progress.epoch, self.progress.epochs):
                model, data, kwargs = stage.fit_args(self.models, train, fit_kwargs)
                with self._lock:
                    # early stopping ends the run, so it watches the last stage (the fine-tuning) only
                    self._may_stop_early = stage is stages[-1]
                    if stage.name != self._stage:  # a new stage's loss is on another scale
                        self._best = (math.inf, 0)
                        self._bad_epochs = self._plateau_bad = 0
                    self._stage = stage.name  # read by snapshot(); a new stage's optimizer gets the live rate
                    self._applied_lr = self._scheduled_lr()
                model.optimizer.learning_rate.assign(self._applied_lr)
                model.fit(data, epochs=end, initial_epoch=self.progress.epoch, callbacks=[_Control(self)],
                          verbose=0, shuffle=False, **kwargs)
                if self._stop_requested or self.status == FAILED or self._stopped_early:
                    break
            # The loss checks see the loss before the last update; the weights after it. A
            # diverged model must never end as "finished" and be offered as a good one.
            finite = self._is_finite()
            with self._lock:
                self._account_time()
                if self.status != FAILED and not finite:
                    self.status = FAILED
                    self.reason = (f"the weights became NaN or infinite after epoch {self.progress.epoch}: "
                                   f"training diverged. Lower the learning rate (now {self._learning_rate:g}) "
                                   "and press Reset")
                if self.status != FAILED:
                    self.status = STOPPED if self._stop_requested else FINISHED
                    if self._stop_requested:
                        self.reason = f"stopped by the user after {self.progress.epoch} epochs"
                    elif self._stopped_early:
                        self.reason = self._stopped_early
        except Exception as exc:  # the worker must never die silently: the UI shows the reason
            with self._lock:
                self._account_time()
                self.status = FAILED
                self.reason = f"training failed: {type(exc).__name__}: {exc}"

    def _on_epoch_begin(self, epoch: int) -> None:
        with self._lock:
            self.progress.batch = 0
            self._prev_mean = (0, 0.0)
            self._seen_before_epoch = self.progress.samples_seen

    def _on_batch_end(self, model, batch: int, logs: dict) -> None:
        loss = float(logs.get("loss", float("nan")))
        bs = self.config["batch_size"]
        n = len(self.dataset.x_train)
        with self._lock:
            # With steps_per_execution > 1 Keras reports the last step of the chunk it
            # planned (begin + spe - 1), which overshoots a short epoch's real step count.
            steps = min(batch + 1, self.progress.steps_per_epoch or batch + 1)
            seen = min(steps * bs, n)
            # Keras reports the epoch's running mean; recover the mean over the steps since
            # the last callback so the trace shows the loss as it is now.
            prev_seen, prev_mean = self._prev_mean
            step_loss = (loss * seen - prev_mean * prev_seen) / max(seen - prev_seen, 1)
            self._prev_mean = (seen, loss)
            self.progress.batch = steps
            self.progress.samples_seen = self._seen_before_epoch + seen
            if not math.isfinite(loss):
                self.status = FAILED
                self.reason = (
                    f"the loss became {'NaN' if math.isnan(loss) else 'infinite'} in epoch "
                    f"{self.progress.epoch + 1}, step {steps}: training diverged. Lower the learning "
                    f"rate (now {self._learning_rate:g}) and press Reset"
                )
                model.stop_training = True
                return
            self.history.trace_x.append(self.progress.epoch + steps / max(self.progress.steps_per_epoch, 1))
            self.history.trace_loss.append(step_loss)
            lr = self._scheduled_lr(self.history.trace_x[-1])
            if self._pending_lr is not None or lr != self._applied_lr:
                model.optimizer.learning_rate.assign(lr)
                self._applied_lr = lr
                self._pending_lr = None
        self._wait_if_paused(model)

    def _on_epoch_end(self, model, epoch: int, logs: dict) -> None:
        with self._lock:
            if self.status == FAILED:
                return
            self.history.epoch.append(epoch + 1)
            self.history.loss.append(float(logs.get("loss", float("nan"))))
            self.history.val_loss.append(float(logs.get("val_loss", float("nan"))))
            if self._stage:
                self.history.stage.append(self._stage)
            for name, value in logs.items():  # extra loss terms (a VAE's kl) as their own curves
                if name not in ("loss", "val_loss"):
                    curve = self.history.extra.setdefault(name, [float("nan")] * (len(self.history.epoch) - 1))
                    curve.append(float(value))
            self.progress.epoch = epoch + 1
            self.progress.batch = 0
            val = logs.get("val_loss")
            if val is not None and not math.isfinite(float(val)):
                self.status = FAILED
                self.reason = (f"the validation loss became NaN in epoch {epoch + 1}: lower the learning "
                               f"rate (now {self._learning_rate:g}) and press Reset")
                model.stop_training = True
                return
            self._after_epoch(model, epoch + 1, val if val is not None else logs.get("loss"))
            if (self._pause_at_epoch_end and not self._stop_requested and not self._stopped_early
                    and epoch + 1 < self.progress.epochs):
                self._pause_at_epoch_end = False
                self._go.clear()
                self.status = PAUSED
                self._account_time()
        for hook in list(self.epoch_hooks):
            hook(epoch + 1, self.models)
        self._wait_if_paused(model)

    # ------------------------------------------------------------------ schedule, early stopping
    def _reset_schedule(self) -> None:
        self._lr_scale = 1.0  # the plateau schedule's cuts so far
        self._best = (math.inf, 0)  # (best monitored loss, its epoch) in the current stage
        self._bad_epochs = 0  # epochs since the best, for early stopping
        self._plateau_bad = 0  # epochs since the best or the last cut, for the plateau schedule
        self._stopped_early: str | None = None
        self._may_stop_early = True
        self._applied_lr = self._scheduled_lr(0.0)

    def _scheduled_lr(self, at_epoch: float | None = None) -> float:
        """The rate the schedule asks for at a (fractional) epoch; the current one by default."""
        if at_epoch is None:
            at_epoch = self.progress.epoch + (self.progress.batch / self.progress.steps_per_epoch
                                              if self.progress.steps_per_epoch else 0.0)
        base = self._learning_rate
        schedule = self.config.get("schedule", "none")
        if schedule == "cosine":
            t = min(1.0, max(0.0, at_epoch / max(int(self.config["epochs"]), 1)))
            return base * (COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * t)))
        if schedule == "plateau":
            return base * self._lr_scale
        return base

    def _after_epoch(self, model, epochs_done: int, monitored) -> None:
        """Plateau cuts and early stopping, on the validation loss (the training loss without one).

        Called with the lock held.
        """
        value = float(monitored) if monitored is not None else math.nan
        if not math.isfinite(value):
            return
        what = "validation loss" if self.history.val_loss and math.isfinite(self.history.val_loss[-1]) \
            else "training loss"
        best, best_epoch = self._best
        if not math.isfinite(best) or value < best - MIN_REL_IMPROVEMENT * abs(best):
            self._best = (value, epochs_done)
            self._bad_epochs = self._plateau_bad = 0
            return
        self._bad_epochs += 1
        self._plateau_bad += 1
        if self.config.get("schedule") == "plateau" and self._plateau_bad >= PLATEAU_PATIENCE:
            self._lr_scale *= PLATEAU_FACTOR
            self._plateau_bad = 0
            self.history.notes.append(
                f"epoch {epochs_done}: learning rate halved to {self._scheduled_lr():.3g} ({what} did not improve "
                f"for {PLATEAU_PATIENCE} epochs)")
        patience = int(self.config.get("patience", 0))
        if (patience and self._may_stop_early and self._bad_epochs >= patience
                and epochs_done < self.progress.epochs):
            n = self._bad_epochs
            self._stopped_early = (f"stopped early at epoch {epochs_done}: {what} did not improve for {n} "
                                   f"epoch{'s' if n != 1 else ''} (best {best:.4g} at epoch {best_epoch})")
            self.history.notes.append(self._stopped_early)
            self.progress.epochs = epochs_done
            model.stop_training = True

    def _wait_if_paused(self, model) -> None:
        if not self._go.is_set():
            self._go.wait()
        if self._stop_requested:
            model.stop_training = True
