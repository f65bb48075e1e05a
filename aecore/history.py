"""A run's curves: per-epoch losses, a per-step trace, extra logged values, stage names.

Kept by :class:`aecore.training.TrainingRun` while it trains, saved with a model by
:mod:`aecore.store` (``to_dict`` / ``from_dict``), drawn by the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class History:
    """Per-epoch losses and a per-step trace (x = fractional epoch).

    ``extra`` holds any other per-epoch value the model logs, by its Keras name (a VAE's
    ``reconstruction``, ``kl``, ``val_reconstruction``, ``val_kl``), one entry per epoch.
    ``stage`` names each epoch's stage in a run of several (:mod:`aecore.stages`), else is empty.
    ``notes`` are sentences about the run's course: a learning-rate cut by the plateau
    schedule, an early stop ("stopped early at epoch 14: ...").
    """

    epoch: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    trace_x: list[float] = field(default_factory=list)
    trace_loss: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)
    stage: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def copy(self) -> History:
        return History(*(list(getattr(self, f)) for f in ("epoch", "loss", "val_loss", "trace_x", "trace_loss")),
                       extra={k: list(v) for k, v in self.extra.items()}, stage=list(self.stage),
                       notes=list(self.notes))

    def to_dict(self) -> dict[str, list]:
        """The curves by name; ``extra`` curves sit beside ``loss`` (e.g. ``"kl"``), and ``stage`` if any."""
        return {**{k: list(v) for k, v in self.extra.items()}, **({"stage": list(self.stage)} if self.stage else {}),
                **({"notes": list(self.notes)} if self.notes else {}),
                **{f: list(getattr(self, f)) for f in ("epoch", "loss", "val_loss", "trace_x", "trace_loss")}}

    @classmethod
    def from_dict(cls, d: dict[str, list]) -> History:
        known = ("epoch", "loss", "val_loss", "trace_x", "trace_loss")
        return cls(**{k: list(d.get(k, [])) for k in known}, stage=[str(s) for s in d.get("stage", [])],
                   notes=[str(s) for s in d.get("notes", [])],
                   extra={k: list(v) for k, v in d.items()
                          if k not in (*known, "stage", "notes") and isinstance(v, list)})
