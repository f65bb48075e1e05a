"""Stages of a training run: named spans of epochs, each fitting its own model on its own data.

A plain run is one unnamed stage: the autoencoder on the run's images. Layer-wise
pretraining (:mod:`aecore.pretraining`) has several: one shallow autoencoder per encoder
layer, then the whole stack. :class:`aecore.training.TrainingRun` numbers epochs across the
stages, so pause / step / stop, the live curve and ``History`` work unchanged, and
``History.stage`` records which stage each epoch belonged to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: what a stage fits: (Keras model, training data, extra keyword arguments of ``fit``)
Fit = tuple[Any, Any, dict[str, Any]]


@dataclass(frozen=True)
class Stage:
    """``epochs`` epochs of one model.

    ``prepare(train, fit_kwargs)`` is called when the stage starts (so it sees what earlier
    stages learned) with the run's own data, and returns what to fit; ``None`` fits the
    run's autoencoder on that data. An empty ``name`` (a plain run) is not recorded.
    """

    name: str
    epochs: int
    prepare: Callable[[Any, dict[str, Any]], Fit] | None = None

    def fit_args(self, models, train, fit_kwargs: dict[str, Any]) -> Fit:
        """(model, data, fit kwargs) of this stage, given the run's models and own data."""
        return self.prepare(train, fit_kwargs) if self.prepare else (models.autoencoder, train, fit_kwargs)


def spans(stages: list[Stage], done: int, total: int) -> list[tuple[Stage, int]]:
    """``(stage, end epoch)`` for every stage with epochs left between ``done`` and ``total``.

    Epochs count across stages; the last stage runs on to ``total``, so a Step past the
    target (or a longer target) trains the last stage further.
    """
    out, start = [], 0
    for i, stage in enumerate(stages):
        end = total if i == len(stages) - 1 else min(start + stage.epochs, total)
        if end > max(done, start):
            out.append((stage, end))
        start = end
    return out

