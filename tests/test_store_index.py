"""ui.store_index: the store as the pickers list it — newest first, labelled, loaded lazily."""

from __future__ import annotations

import pytest

from aecore.store import ModelStore
from tests.conftest import trained


@pytest.fixture(scope="module")
def two_runs(small_mnist):
    return trained("dense", small_mnist, learning_rate=0.01), trained("dense", small_mnist, code_dim=8)


def _save(run, n_train=400, **extra):
    return ModelStore().save(run.models, dict(run.config, epochs=1), run.history, dataset="mnist_sample",
                             n_train=n_train, image_shape=(28, 28), extra=extra)


def test_entries_newest_first_with_labels_and_lazy_weights(two_runs):
    from ui import store_index

    a = _save(two_runs[0], colour=3)
    b = _save(two_runs[1])
    models = store_index.stored_models()
    assert [m.key for m in models] == [b, a]  # newest first
    assert models[0].label.startswith("dense · code 8 · 1 ep · loss ") and models[0].label.endswith("mnist_sample")
    assert "lr 0.01" in models[1].label and models[1].colour == 3
    entry = store_index.stored_entries()[0]
    assert entry.source == "store" and entry.is_finite() and entry.code_size == 8
    assert entry.models.code_size == 8  # loaded on first use
    assert store_index.stored_entries({b})[0].store_key == a
    store_index.forget(b)
    assert [m.key for m in store_index.stored_models()] == [a]


def test_labels_that_would_collide_name_their_key(two_runs):
    from ui import store_index

    _save(two_runs[1], n_train=400)
    _save(two_runs[1], n_train=300)  # the same settings on fewer images: another entry, the same words
    labels = [m.label for m in store_index.stored_models()]
    assert len(set(labels)) == 2 and all(" · #" in x for x in labels)


def test_a_damaged_entry_is_skipped(two_runs, tmp_path):
    from ui import store_index

    key = _save(two_runs[0])
    (ModelStore().root / key / "meta.json").write_text("{not json")
    (ModelStore().root / "extra").mkdir()  # touch the folder: the listing is read again
    assert store_index.stored_models() == []
