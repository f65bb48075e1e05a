import numpy as np
import pytest

from aecore.noise import NOISE_KINDS, add_noise


@pytest.fixture
def x():
    return np.random.default_rng(0).random((4, 8, 8), dtype=np.float32)


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_seeded_and_in_range(x, kind):
    a = add_noise(x, 0.4, kind, seed=1)
    assert a.dtype == np.float32 and a.shape == x.shape
    assert a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, add_noise(x, 0.4, kind, seed=1))
    assert not np.array_equal(a, add_noise(x, 0.4, kind, seed=2))
    np.testing.assert_array_equal(add_noise(x, 0.0, kind), x)


def test_gaussian_is_the_blog_recipe_and_the_slider_only_changes_level(x):
    z = np.random.default_rng(5).standard_normal(x.shape, dtype=np.float32)
    np.testing.assert_allclose(add_noise(x, 0.5, seed=5), np.clip(x + 0.5 * z, 0, 1), atol=1e-6)
    # same pattern at another level: differences keep their sign where nothing clipped
    lo, hi = add_noise(x, 0.1, seed=5) - x, add_noise(x, 0.2, seed=5) - x
    free = (np.abs(hi) > 0) & (x + 0.2 * z > 0) & (x + 0.2 * z < 1)
    np.testing.assert_allclose(hi[free], 2 * lo[free], atol=1e-5)


def test_centered_range(x):
    a = add_noise(x - 0.5, 1.0, seed=0, value_range=(-0.5, 0.5))
    assert a.min() >= -0.5 and a.max() <= 0.5


def test_masking_fraction_grows_with_factor(x):
    big = np.ones((100, 28, 28), np.float32)
    for f in (0.1, 0.5, 0.9):
        assert abs((add_noise(big, f, "masking") == 0).mean() - f) < 0.01


@pytest.mark.parametrize("factor", [-0.1, 1.5, float("nan"), "lots"])
def test_bad_factor(x, factor):
    with pytest.raises(ValueError, match="noise factor must be"):
        add_noise(x, factor)


def test_bad_kind(x):
    with pytest.raises(ValueError, match="unknown noise kind 'speckle'; valid kinds: gaussian"):
        add_noise(x, 0.1, "speckle")
