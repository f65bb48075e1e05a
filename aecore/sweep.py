"""One-hyperparameter sweeps: train the same setup with several values of one setting.

Used by the CLI (``python -m aecore sweep``) and the Train page's "Try several values".
:func:`parse_values` checks each value with :func:`aecore.variants.check_param` (so a bad
one is named with its limit), :func:`sweep_configs` makes one resolved configuration per
value, and :class:`Sweep` trains them one after another in a background thread, each
through its own :class:`aecore.training.TrainingRun` (so pause / resume / stop act on the
run training now, and a stop ends the sweep).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aecore.data import Dataset
from aecore.history import History
from aecore.training import FAILED, FINISHED, PAUSED, RUNNING, STOPPED, TrainingRun
from aecore.variants import check_param, get_variant, resolve_config

#: the settings a sweep can vary, with a starting list of values for each
SWEEPABLE: dict[str, str] = {
    "code_dim": "2,4,8,16,32",
    "learning_rate": "0.0003,0.001,0.003,0.01",
    "batch_size": "32,64,128,256",
    "l1": "0,0.00001,0.0001,0.001",
    "noise_factor": "0,0.25,0.5,0.75",
    "hidden": "64;128,64;256,128,64",
}
MAX_VALUES = 12


def separator(param: str) -> str:
    """Values are separated by commas, except layer lists ("128,64"), which take semicolons."""
    return ";" if param == "hidden" else ","


def parse_values(param: str, text: str | list, variant: str | None = None) -> list[Any]:
    """The values to try, checked: ``ValueError`` names the parameter, the value and the limit.

    ``text`` is "2,4,8" (or "64;128,64" for ``hidden``) or a list of values. With
    ``variant``, the parameter must be one of that variant's settings.
    """
    if param not in SWEEPABLE:
        raise ValueError(f"param must be one of {', '.join(SWEEPABLE)}, got {param!r}")
    if variant is not None and param not in get_variant(variant).params:
        valid = [p for p in SWEEPABLE if p in get_variant(variant).params]
        raise ValueError(f"param {param!r} is not a setting of the {variant} variant; it can sweep "
                         f"{', '.join(valid)}")
    if isinstance(text, str):
        items = [s.strip() for s in text.split(separator(param))]
        if param != "hidden" and any(not s for s in items):
            raise ValueError(f"values for {param} must be separated by '{separator(param)}' with no empty "
                             f"entries, got {text!r}")
    else:
        items = list(text)
    if not items:
        raise ValueError(f"values for {param}: give at least one value")
    if len(items) > MAX_VALUES:
        raise ValueError(f"values: at most {MAX_VALUES} values in one sweep, got {len(items)}")
    values = [check_param(param, item) for item in items]
    seen = set()
    for v in values:
        k = repr(v)
        if k in seen:
            raise ValueError(f"values for {param} must be different, got {v!r} twice")
        seen.add(k)
    return values


def sweep_configs(variant: str, param: str, values: list[Any], /, **overrides: Any) -> list[dict[str, Any]]:
    """One resolved configuration per value (``overrides`` are the other settings)."""
    base = {k: v for k, v in overrides.items() if k not in ("variant", param)}
    return [resolve_config(variant, **{**base, param: v}) for v in values]


def _final(values: list) -> float | None:
    if not values:
        return None
    v = float(values[-1])
    return v if math.isfinite(v) else None


@dataclass
class SweepResult:
    """One value's run, once it has ended (no weights)."""

    value: Any
    status: str = "queued"
    history: History = field(default_factory=History)
    seconds: float = 0.0
    reason: str | None = None

    def row(self, param: str) -> dict[str, Any]:
        return {param: self.value, "status": self.status, "epochs": len(self.history.epoch),
                "loss": _final(self.history.loss), "val_loss": _final(self.history.val_loss),
                "seconds": round(self.seconds, 2), **({"reason": self.reason} if self.reason else {})}


class Sweep:
    """Train ``configs`` one after another in a background thread.

    ``runs[i]`` is value i's :class:`TrainingRun` once it has started (the caller may
    :meth:`release` it after saving, so the sweep does not hold every model's weights);
    ``results[i]`` its outcome. A run stopped with :meth:`stop` (or ``runs[i].stop()``)
    ends the sweep: the remaining values are cancelled. A run that fails (e.g. its loss
    became NaN) is recorded and the sweep goes on with the next value.
    """

    def __init__(self, param: str, values: list[Any], configs: list[dict[str, Any]], dataset: Dataset, *,
                 val_limit: int = 2000, make_run: Callable[..., TrainingRun] | None = None):
        if len(values) != len(configs):
            raise ValueError("values and configs must have the same length")
        self.param, self.values, self.configs, self.dataset = param, list(values), list(configs), dataset
        self.val_limit = val_limit
        self._make_run = make_run or (lambda cfg, ds: TrainingRun(cfg, ds, val_limit=val_limit))
        self.runs: list[TrainingRun | None] = [None] * len(configs)
        self.results = [SweepResult(v) for v in values]
        self.index = -1  # the value training now
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ controls
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="aecore-sweep", daemon=True)
            self._thread.start()

    def run_all(self) -> list[SweepResult]:
        """Train every value in this thread (the CLI's way) and return the results."""
        self._work()
        return self.results

    def pause(self) -> None:
        run = self.current
        if run is not None:
            run.pause()

    def resume(self) -> None:
        run = self.current
        if run is not None:
            run.resume()

    def stop(self) -> None:
        """Stop the run training now and cancel the values after it."""
        self._cancel.set()
        run = self.current
        if run is not None:
            run.stop()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def release(self, i: int) -> None:
        """Forget value i's run (its weights) once it has ended and been saved."""
        with self._lock:
            if self.results[i].status in (FINISHED, STOPPED, FAILED):
                self.runs[i] = None

    # ------------------------------------------------------------------ views
    @property
    def current(self) -> TrainingRun | None:
        with self._lock:
            return self.runs[self.index] if 0 <= self.index < len(self.runs) else None

    @property
    def is_active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def status(self) -> str:
        run = self.current
        if self.is_active:
            return PAUSED if run is not None and run.status == PAUSED else RUNNING
        return STOPPED if self._cancel.is_set() else FINISHED if self._thread is not None else "idle"

    def rows(self) -> list[dict[str, Any]]:
        """One row per value: status, epochs, final train and validation loss, seconds."""
        out = []
        for i, r in enumerate(self.results):
            run = self.runs[i]
            if run is not None and r.status in (RUNNING, PAUSED):
                snap = run.snapshot()
                r = SweepResult(r.value, snap.status, snap.history, snap.progress.elapsed)
            out.append(r.row(self.param))
        return out

    # ------------------------------------------------------------------ worker
    def _work(self) -> None:
        for i, cfg in enumerate(self.configs):
            if self._cancel.is_set():
                self.results[i].status = "cancelled"
                continue
            try:
                run = self._make_run(cfg, self.dataset)
            except ValueError as exc:  # e.g. a code wider than these images
                self.results[i].status, self.results[i].reason = FAILED, str(exc)
                continue
            with self._lock:
                self.runs[i], self.index = run, i
            self.results[i].status = RUNNING
            run.start()
            run.join()
            snap = run.snapshot()
            self.results[i] = SweepResult(self.values[i], snap.status, snap.history, snap.progress.elapsed,
                                          snap.reason if snap.status == FAILED else None)
            if snap.status == STOPPED:
                self._cancel.set()
