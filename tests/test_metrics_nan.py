"""A metric never prints a number it did not measure: a diverged model's NaN output has no PSNR."""

import numpy as np
import pytest

from aecore.metrics import PSNR_CAP_DB, mean_psnr, psnr


@pytest.fixture
def x():
    return np.random.default_rng(0).random((4, 8, 8))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_reconstruction_has_no_psnr(x, bad):
    x_hat = x.copy()
    x_hat[1, 2, 3] = bad  # one bad pixel in one image is enough
    with pytest.raises(ValueError, match="x_hat contains NaN or infinite values"):
        psnr(x, x_hat)
    with pytest.raises(ValueError, match="x_hat contains NaN or infinite values"):
        mean_psnr(x, x_hat)


def test_all_nan_black_reconstruction_is_not_a_perfect_score(x):
    """Issue 8, item 3: a NaN run's reconstructions scored the 100 dB cap."""
    x_hat = np.full_like(x, np.nan)
    with pytest.raises(ValueError, match="NaN or infinite"):
        mean_psnr(x, x_hat)


def test_non_finite_original_is_named(x):
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^x contains NaN or infinite values"):
        psnr(bad, x)


def test_finite_inputs_still_score_as_before(x):
    assert np.all(psnr(x, x) == PSNR_CAP_DB)
    assert mean_psnr(x, np.clip(x + 0.1, 0, 1)) < PSNR_CAP_DB
