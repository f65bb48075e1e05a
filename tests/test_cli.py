"""The CLI as a lecturer uses it: one JSON object on stdout, one-line errors, no tracebacks."""

import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def subprocess_cli(*args, env=None):
    """The real thing: a fresh interpreter, as a lecturer's shell runs it."""
    return subprocess.run([sys.executable, "-m", "aecore", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **(env or {})})


def cli(*args, env=None):
    """In-process main() with captured streams: the same contract, without a TensorFlow start-up each."""
    import contextlib
    import io
    from types import SimpleNamespace

    from aecore.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def ok(*args):
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def fails(*args, match):
    proc = cli(*args)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert match in lines[0], lines[0]
    return lines[0]


def test_real_subprocess_json_and_one_line_error():
    proc = subprocess_cli("variants")
    assert proc.returncode == 0 and json.loads(proc.stdout)["variants"]
    bad = subprocess_cli("train", "--variant", "dense", "--dataset", "digits", "--set", "hidden=12,,x")
    assert bad.returncode == 1 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert [line for line in bad.stderr.splitlines() if line.strip()] == [
        "error: hidden must be a comma-separated list of whole numbers like '128,64', got '12,,x' "
        "('' is not a whole number)"]


def test_variants_lists_registry_with_defaults():
    out = ok("variants")
    assert set(out["variants"]) == {"dense", "deep", "deep2d", "sparse", "conv", "denoising", "linear", "vae"}
    assert out["variants"]["deep2d"]["defaults"]["code_dim"] == 2
    assert "Keras blog" in out["variants"]["dense"]["source"]
    assert out["presets"]["2-D autoencoder, tanh output, 20 epochs"]["variant"] == "deep2d"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "d2.keras"
    res = ok("train", "--variant", "deep2d", "--dataset", "mnist_sample", "--limit", "300", "--epochs", "2",
             "--seed", "1", "--set", "batch_size=64", "--out", str(out))
    assert res["epochs"] == 2 and res["n_train"] == 300 and res["model"] == str(out)
    assert res["val_loss"] is not None and res["config"]["batch_size"] == 64
    return out


def test_evaluate_prints_every_metric(model_file):
    res = ok("evaluate", "--model", str(model_file), "--dataset", "mnist_sample")
    for key in ("test_loss", "mse", "psnr", "knn5_accuracy", "trustworthiness"):
        assert isinstance(res[key], float), key
    assert res["code_size"] == 2 and 0 <= res["knn5_accuracy"] <= 1
    noisy = ok("evaluate", "--model", str(model_file), "--dataset", "mnist_sample", "--noise", "0.8")
    assert noisy["noise"] == 0.8 and noisy["mse"] >= res["mse"]


def test_pretrain_fills_store_then_reuses(tmp_path):
    env = {"AECORE_STORE_DIR": str(tmp_path)}
    first = json.loads(cli("pretrain", "--variants", "linear", "--dataset", "digits", env=env).stdout)
    assert [e["status"] for e in first["entries"]] == ["trained"]
    second = json.loads(cli("pretrain", "--variants", "linear", "--dataset", "digits", env=env).stdout)
    assert [e["status"] for e in second["entries"]] == ["cached"]


def write_idx(path, arr, magic):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in arr.shape) + arr.tobytes())


@pytest.mark.parametrize("args,match", [
    (["train", "--variant", "gan"], "unknown variant 'gan'; valid variants: dense"),
    (["train"], "one of the arguments --variant --preset is required"),
    (["train", "--variant", "dense", "--preset", "map2d"], "not allowed with argument"),
    (["train", "--preset", "nope"], "unknown preset 'nope'; valid presets: dense, deep"),
    (["train", "--variant", "dense", "--schedule", "steps"], "schedule must be one of none, cosine, plateau"),
    (["train", "--variant", "dense", "--patience", "-1"], "patience must be between 0 and 1000, got -1"),
    (["pretrain", "--presets", "nope"], "unknown preset nope; valid presets: dense"),
    (["train", "--variant", "deep", "--set", "hidden=12,,x", "--dataset", "digits"],
     "hidden must be a comma-separated list"),
    (["train", "--variant", "dense", "--set", "code_dim=100", "--dataset", "digits"],
     "code_dim must be between 1 and 64 for 8x8 images, got 100"),
    (["train", "--variant", "dense", "--epochs", "0"], "epochs must be between 1 and 1000, got 0"),
    (["train", "--variant", "dense", "--epochs", "-5"], "epochs must be between 1 and 1000, got -5"),
    (["train", "--variant", "dense", "--set", "batch_size=0"], "batch_size must be between 1 and 8192, got 0"),
    (["train", "--variant", "dense", "--set", "code_dim"], "--set takes key=value"),
    (["train", "--variant", "dense", "--set", "filters=8"], "filters is not a parameter of the dense variant"),
    (["train", "--variant", "conv", "--dataset", "digits", "--set", "filters=4,4,4,4"], "filters has 4 conv stages"),
    (["train", "--variant", "dense", "--dataset", "/no/such/folder"], "/no/such/folder"),
    (["train", "--variant", "dense", "--limit", "0"], "--limit must be a positive integer, got 0"),
    (["train", "--variant", "linear", "--dataset", "digits", "--set", "optimizer=sgd", "--set", "learning_rate=10",
      "--set", "batch_size=16"], "Lower the learning rate"),
    (["evaluate", "--model", "/no/such.keras"], "does not exist"),
    (["evaluate", "--model", __file__], "is not a .keras file"),
    (["variants", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_arguments_give_one_line(args, match):
    fails(*args, match=match)


def test_bad_data_and_model_files(tmp_path, model_file):
    folder = tmp_path / "idx"
    folder.mkdir()
    fails("train", "--variant", "dense", "--dataset", str(folder), match=str(folder))
    x = np.zeros((10, 8, 8), np.uint8)
    y = np.zeros(10, np.uint8)
    write_idx(folder / "train-images-idx3-ubyte.gz", x, 0x803)
    write_idx(folder / "train-labels-idx1-ubyte.gz", y, 0x803)  # wrong magic
    write_idx(folder / "t10k-images-idx3-ubyte.gz", x, 0x803)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", y, 0x801)
    fails("train", "--variant", "dense", "--dataset", str(folder), match="train-labels-idx1-ubyte.gz")
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"not a zip")
    fails("evaluate", "--model", str(junk), match="not a Keras model file")
    fails("evaluate", "--model", str(model_file), "--dataset", "digits",
          match="expects 28x28 images but dataset 'digits' has 8x8 images")
    fails("evaluate", "--model", str(model_file), "--noise", "1.5", match="--noise must be between 0 and 1")
