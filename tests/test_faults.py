"""Faults: a process killed during a store write, corrupted entries, retraining over them."""

import os
import subprocess
import sys
import textwrap

import pytest

from aecore.store import ModelStore, StoreError
from aecore.training import TrainingRun

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

KILL_DURING_WRITE = textwrap.dedent("""
    import os, signal, sys
    from aecore.data import load_dataset
    from aecore.training import TrainingRun
    import aecore.store as store_mod
    ds = load_dataset("digits", limit=200)
    store = store_mod.ModelStore({store!r})
    for i, variant in enumerate(["dense", "linear"]):
        run = TrainingRun({{"variant": variant, "epochs": 1}}, ds)
        run.start()
        run.join()
        if i == 1:
            real = store_mod.save_model_file
            def dying(models, path, meta):
                real(models, path, meta)          # the model file is half of the entry...
                os.kill(os.getpid(), signal.SIGKILL)  # ...and the process dies before the rename
            store_mod.save_model_file = dying
        print(store.save(run.models, run.config, run.history, dataset="digits", n_train=200,
                         image_shape=(8, 8)), flush=True)
""")


def test_kill_during_store_write_leaves_complete_entries_loadable(tmp_path):
    script = KILL_DURING_WRITE.format(store=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-2000:]
    saved = proc.stdout.split()
    assert len(saved) == 1  # the first entry completed, the second was killed
    store = ModelStore(tmp_path)
    entries = store.entries()
    assert [e.key for e in entries] == saved
    assert any("did not finish" in p for p in store.problems)
    loaded = store.load(saved[0])
    assert loaded.config["variant"] == "dense"


def test_corrupted_entry_is_reported_and_can_be_retrained(tmp_path, digits):
    store = ModelStore(tmp_path)
    run = TrainingRun({"variant": "dense", "epochs": 1}, digits)
    run.start()
    run.join()
    key = store.save(run.models, run.config, run.history, dataset="digits", n_train=len(digits.x_train),
                     image_shape=(8, 8))
    model = tmp_path / key / "model.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])  # truncated by a bad disk
    assert store.entries() == []
    assert any(key in p for p in store.problems)
    assert store.get(run.config, "digits", len(digits.x_train), (8, 8)) is None  # reported, not raised
    assert any("not a Keras model file" in p for p in store.problems)
    with pytest.raises(StoreError):
        store.load(key)
    # retraining writes a fresh entry over the damaged one
    store.save(run.models, run.config, run.history, dataset="digits", n_train=len(digits.x_train),
               image_shape=(8, 8))
    assert store.get(run.config, "digits", len(digits.x_train), (8, 8)) is not None
    assert [e.key for e in store.entries()] == [key] and store.problems == []


def test_meta_json_garbage_is_skipped(tmp_path, digits):
    store = ModelStore(tmp_path)
    run = TrainingRun({"variant": "linear", "epochs": 1}, digits)
    run.start()
    run.join()
    key = store.save(run.models, run.config, run.history, dataset="digits", n_train=5, image_shape=(8, 8))
    (tmp_path / key / "meta.json").write_bytes(os.urandom(64))
    assert store.entries() == [] and store.problems
