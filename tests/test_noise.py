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


def test_noise_kinds_have_one_home():
    import aecore.noise
    import aecore.variants

    assert aecore.variants.NOISE_KINDS is aecore.noise.NOISE_KINDS
    assert aecore.variants.PARAMS["noise_kind"].choices == NOISE_KINDS


def _tf_noise(x, factor, kind, seed=3, value_range=(0.0, 1.0)):
    import tensorflow as tf

    from aecore.noise import add_noise_tf

    return np.asarray(add_noise_tf(tf.constant(x), factor, kind, tf.constant(seed, tf.int64), value_range))


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_tensorflow_noise_has_the_numpy_semantics(kind):
    """The pipeline's noise and the pages' noise: same kinds, range, level and fractions."""
    big = np.full((50, 28, 28), 0.5, np.float32)
    for lo, hi in ((0.0, 1.0), (-0.5, 0.5)):
        x = big + np.float32(lo)
        tf_out, np_out = _tf_noise(x, 0.4, kind, value_range=(lo, hi)), add_noise(x, 0.4, kind, 3, (lo, hi))
        assert tf_out.dtype == np.float32 and tf_out.shape == x.shape
        assert tf_out.min() >= lo and tf_out.max() <= hi
        np.testing.assert_array_equal(tf_out, _tf_noise(x, 0.4, kind, value_range=(lo, hi)))  # seeded
        for value in (lo, hi):  # the same share of pixels pushed to each end of the range
            assert abs((tf_out == value).mean() - (np_out == value).mean()) < 0.01, (kind, value)
        assert abs(np.abs(tf_out - x).mean() - np.abs(np_out - x).mean()) < 0.01
    np.testing.assert_array_equal(_tf_noise(big, 0.0, kind), big)


def test_tensorflow_noise_refuses_what_numpy_refuses():
    x = np.zeros((1, 4, 4), np.float32)
    with pytest.raises(ValueError, match="unknown noise kind 'speckle'"):
        _tf_noise(x, 0.1, "speckle")
    with pytest.raises(ValueError, match="noise factor must be between 0 and 1"):
        _tf_noise(x, 1.5, "gaussian")
