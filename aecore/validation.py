"""Checks for user-given integers and seeds: one wording for every caller.

Messages name the parameter, the limit and the value received, as scikit-learn and Keras
do ("k must be between 1 and 50 for 50 training points, got 0"). Never ``assert`` for
user input.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bools (which are ints to Python)."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer))


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None,
              what: str = "") -> int:
    """Return ``value`` as an int, or raise ``ValueError`` naming ``name`` and the limits.

    ``what`` is appended to the limit ("for 50 points") to say where a bound comes from.
    """
    ok = is_int(value) and (low is None or value >= low) and (high is None or value <= high)
    if ok:
        return int(value)
    if low is not None and high is not None:
        raise ValueError(f"{name} must be between {low} and {high}{what}, got {value!r}")
    if low == 1:
        raise ValueError(f"{name} must be a positive integer{what}, got {value!r}")
    if low == 0:
        raise ValueError(f"{name} must be a non-negative integer{what}, got {value!r}")
    if low is not None:
        raise ValueError(f"{name} must be an integer of at least {low}{what}, got {value!r}")
    if high is not None:
        raise ValueError(f"{name} must be an integer of at most {high}{what}, got {value!r}")
    raise ValueError(f"{name} must be an integer{what}, got {value!r}")


def check_optional_int(name: str, value: Any, low: int | None = None,
                       high: int | None = None, what: str = "") -> int | None:
    """:func:`check_int`, letting ``None`` through ("no limit")."""
    return None if value is None else check_int(name, value, low, high, what)


def check_seed(value: Any, name: str = "seed") -> int:
    """A seed is a non-negative integer (NumPy's generators refuse negative ones)."""
    return check_int(name, value, low=0)


def check_random_state(value: Any, name: str = "random_state") -> int | None:
    """scikit-learn's habit: an int seed, or None for a fresh random draw."""
    if value is None:
        return None
    if not is_int(value):
        raise ValueError(f"{name} must be an int or None, got {value!r}")
    return int(value)
