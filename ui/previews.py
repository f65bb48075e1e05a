"""The Train page's live previews: fixed test digits and the run's reconstructions of them."""

from __future__ import annotations

import numpy as np

from aecore.sampling import round_robin_indices
from aecore.training import TrainingRun

PREVIEW_COUNT = 16
PREVIEW_NOISE_SEED = 1  # one fixed corruption for a denoiser's inputs, so only the model changes


def previews(run: TrainingRun, n: int = PREVIEW_COUNT) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, reconstructions) of fixed test digits (the first of each class, then the
    second, ...) with the run's current weights; noisy inputs for a run trained on noise,
    so a denoiser is shown doing its job. Safe while the run trains."""
    idx = round_robin_indices(run.dataset.y_test, n)
    cfg = run.config
    return run.predict(run.dataset.x_test[idx], noise_factor=float(cfg.get("noise_factor", 0.0)),
                       noise_kind=cfg.get("noise_kind", "gaussian"), noise_seed=PREVIEW_NOISE_SEED,
                       labels=run.dataset.y_test[idx])  # a conditional VAE needs them; others ignore them
