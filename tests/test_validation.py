"""Tests for aecore.validation: one wording for every integer and seed check."""

import numpy as np
import pytest

from aecore.validation import check_int, check_optional_int, check_random_state, check_seed, is_int


@pytest.mark.parametrize("value", [0, -3, 7, np.int64(5), np.uint8(2), np.int32(-1)])
def test_is_int_accepts_python_and_numpy_integers(value):
    assert is_int(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 2.0, np.float32(1), "3", None, [1]])
def test_is_int_refuses_bools_floats_and_the_rest(value):
    assert not is_int(value)


def test_check_int_returns_a_python_int():
    out = check_int("n", np.int64(5), low=1)
    assert out == 5 and type(out) is int
    assert check_int("n", 50, low=1, high=50) == 50  # limits are inclusive
    assert check_int("n", -4) == -4


@pytest.mark.parametrize("kwargs, match", [
    # Both limits, and where the limit comes from.
    ({"value": 0, "low": 1, "high": 50, "what": " for 50 training points"},
     r"^k must be between 1 and 50 for 50 training points, got 0$"),
    ({"value": 51, "low": 1, "high": 50}, r"^k must be between 1 and 50, got 51$"),
    ({"value": 0, "low": 1}, r"^k must be a positive integer, got 0$"),
    ({"value": -1, "low": 0}, r"^k must be a non-negative integer, got -1$"),
    ({"value": 10, "low": 50}, r"^k must be an integer of at least 50, got 10$"),
    ({"value": 4, "high": 3}, r"^k must be an integer of at most 3, got 4$"),
    ({"value": "a"}, r"^k must be an integer, got 'a'$"),
    # A bool is refused even where its int value would be in range.
    ({"value": True, "low": 1}, r"^k must be a positive integer, got True$"),
    ({"value": False, "low": 0, "high": 3}, r"^k must be between 0 and 3, got False$"),
    ({"value": 2.0, "low": 1}, r"^k must be a positive integer, got 2.0$"),
])
def test_check_int_messages_name_the_parameter_limit_and_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_int("k", **kwargs)


def test_check_optional_int():
    assert check_optional_int("pca_dims", None, low=2) is None
    assert check_optional_int("pca_dims", 3, low=2) == 3
    with pytest.raises(ValueError, match=r"^pca_dims must be an integer of at least 2 or None, got 1$"):
        check_optional_int("pca_dims", 1, low=2, what=" or None")


def test_check_seed():
    assert check_seed(0) == 0 and check_seed(np.int64(7)) == 7
    for bad in (-1, True, 1.5, None):
        with pytest.raises(ValueError, match=rf"^seed must be a non-negative integer, got {bad!r}$"):
            check_seed(bad)
    with pytest.raises(ValueError, match=r"^noise_seed must be a non-negative integer, got -2$"):
        check_seed(-2, name="noise_seed")


def test_check_random_state():
    assert check_random_state(None) is None
    out = check_random_state(np.int32(3))
    assert out == 3 and type(out) is int
    for bad in (True, 1.5, "x", np.random.default_rng(0)):
        with pytest.raises(ValueError, match=r"^random_state must be an int or None, got "):
            check_random_state(bad)
    with pytest.raises(ValueError, match=r"^seed must be an int or None, got 'x'$"):
        check_random_state("x", name="seed")
