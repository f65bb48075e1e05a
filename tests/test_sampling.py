"""Tests for aecore.sampling: stratified, seeded subsets and the seed-free round robin."""

import numpy as np
import pytest

from aecore.sampling import class_quotas, round_robin_indices, stratified_indices

# Ten classes of unequal size: 8 x 50, 100, 200 (700 labels), shuffled so that indices
# and labels are not in the same order.
_COUNTS = [50] * 8 + [100, 200]
Y = np.random.default_rng(0).permutation(np.repeat(np.arange(10), _COUNTS))


# ----------------------------------------------------------------------------- quotas


def test_quotas_are_proportional_and_sum_to_n():
    for n in (1, 7, 60, 333, 699):
        classes, inverse, take = class_quotas(Y, n)
        assert classes.tolist() == list(range(10)) and int(take.sum()) == n
        share = np.asarray(_COUNTS) * n / len(Y)
        assert np.all(take >= np.floor(share)) and np.all(take <= np.ceil(share))
        np.testing.assert_array_equal(classes[inverse], Y)
    assert class_quotas(Y, 70)[2].tolist() == [5] * 8 + [10, 20]


def test_quota_remainders_go_to_largest_fraction_then_bigger_class_then_lower_label():
    # 7/5/3 of 15, n=4: exact 1.87, 1.33, 0.8 -> floors 1, 1, 0; the two left go to the
    # largest fractions (class 0: .87, class 2: .8), not to the bigger class 1.
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    assert class_quotas(y, 4)[2].tolist() == [2, 1, 1]
    # Equal fractions (.5 and .5): the bigger class wins over the lower label.
    assert class_quotas(np.array([0, 0, 1, 1, 1, 1, 1, 1]), 2)[2].tolist() == [0, 2]
    # Equal fractions and sizes: the lower label.
    assert class_quotas(np.array([0, 0, 1, 1, 2, 2, 2, 2]), 2)[2].tolist() == [1, 0, 1]


# ----------------------------------------------------------------------------- stratified


@pytest.mark.parametrize("n", [1, 9, 60, 70, 123, 699])
def test_stratified_counts_are_the_quotas_exactly(n):
    idx = stratified_indices(Y, n, seed=4)
    assert idx.dtype == np.int64 and len(idx) == n
    assert np.all(np.diff(idx) > 0)  # sorted, no repeats
    np.testing.assert_array_equal(np.bincount(Y[idx], minlength=10), class_quotas(Y, n)[2])


def test_stratified_counts_by_hand():
    assert np.bincount(Y[stratified_indices(Y, 70, seed=9)]).tolist() == [5] * 8 + [10, 20]
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    assert np.bincount(y[stratified_indices(y, 4)]).tolist() == [2, 1, 1]


def test_stratified_is_seeded():
    a = stratified_indices(Y, 70, seed=1)
    np.testing.assert_array_equal(a, stratified_indices(Y, 70, seed=1))
    np.testing.assert_array_equal(a, stratified_indices(Y, 70, seed=np.int64(1)))
    b = stratified_indices(Y, 70, seed=2)
    assert not np.array_equal(a, b)
    # Different members, same per-class counts.
    np.testing.assert_array_equal(np.bincount(Y[a]), np.bincount(Y[b]))


def test_stratified_accepts_a_generator_and_draws_from_it():
    np.testing.assert_array_equal(stratified_indices(Y, 70, seed=np.random.default_rng(1)),
                                  stratified_indices(Y, 70, seed=1))
    rng = np.random.default_rng(5)
    first, second = stratified_indices(Y, 70, seed=rng), stratified_indices(Y, 70, seed=rng)
    assert not np.array_equal(first, second)


def test_stratified_takes_everything_when_n_is_large():
    np.testing.assert_array_equal(stratified_indices(Y, len(Y)), np.arange(len(Y)))
    np.testing.assert_array_equal(stratified_indices(Y, 10_000), np.arange(len(Y)))
    assert stratified_indices(Y, 10_000).dtype == np.int64


@pytest.mark.parametrize("kwargs, match", [
    ({"y": np.zeros((3, 2)), "n": 2}, r"y must be 1-D labels, got shape \(3, 2\)"),
    ({"n": 0}, r"n must be a positive integer, got 0"),
    ({"n": True}, r"n must be a positive integer, got True"),
    ({"n": 2.5}, r"n must be a positive integer, got 2.5"),
    ({"n": 5, "seed": -1}, r"seed must be a non-negative integer, got -1"),
    ({"n": 5, "seed": True}, r"seed must be a non-negative integer, got True"),
    ({"n": 5, "seed": "a"}, r"seed must be a non-negative integer, got 'a'"),
])
def test_stratified_validation(kwargs, match):
    kwargs = {"y": Y, **kwargs}
    with pytest.raises(ValueError, match=match):
        stratified_indices(**kwargs)


# ----------------------------------------------------------------------------- round robin


def test_round_robin_order():
    y = np.array([0, 1, 0, 2, 1, 0])  # class 0 at 0, 2, 5; class 1 at 1, 4; class 2 at 3
    assert round_robin_indices(y, 6).tolist() == [0, 1, 3, 2, 4, 5]
    assert round_robin_indices(y, 4).tolist() == [0, 1, 3, 2]
    assert round_robin_indices(y, 100).tolist() == [0, 1, 3, 2, 4, 5]
    assert round_robin_indices(y, 1).dtype == np.int64
    # Classes go in label order, not in order of first appearance.
    assert round_robin_indices(np.array([2, 0, 1, 0]), 4).tolist() == [1, 2, 0, 3]


def test_round_robin_shows_every_class_first():
    idx = round_robin_indices(Y, 10)
    assert sorted(Y[idx].tolist()) == list(range(10))
    np.testing.assert_array_equal(idx, round_robin_indices(Y, 10))


@pytest.mark.parametrize("n", [0, True, 1.0])
def test_round_robin_validation(n):
    with pytest.raises(ValueError, match=rf"n must be a positive integer, got {n}"):
        round_robin_indices(Y, n)
