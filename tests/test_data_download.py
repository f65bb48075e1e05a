"""Tests for aecore.data.download: Keras downloads, the network probe, the socket timeout,
remembered failures and the offline fallback they lead to."""

from __future__ import annotations

import socket
import urllib.error
from types import SimpleNamespace

import numpy as np
import pytest
from test_data import isolated, tiny_arrays  # noqa: F401 - isolated is autouse

from aecore import data
from aecore.data import download, load_dataset


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError("[Errno -2] Name or service not known"),
        OSError("Network is unreachable"),
        Exception("URL fetch failure on https://storage.googleapis.com/...: None"),
        TimeoutError("timed out"),
    ],
)
def test_mnist_falls_back_to_sample_when_download_fails(monkeypatch, error):
    calls = []

    def broken(name):
        calls.append(name)
        raise error

    monkeypatch.setattr(download, "keras_load_data", broken)
    ds = load_dataset("mnist")
    assert ds.name == "mnist_sample" and ds.is_sample
    assert ds.source == data.SAMPLE_SOURCE
    assert "Full MNIST could not be downloaded" in ds.notice
    assert "offline 5,000-digit MNIST sample" in ds.notice
    assert (len(ds.x_train), len(ds.x_test)) == (4000, 1000)
    # The failure is remembered: a second load does not try the network again.
    load_dataset("mnist")
    assert calls == ["mnist"]


def test_mnist_offline_probe_skips_keras(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("no network: [Errno -2] Name or service not known")

    monkeypatch.setattr(download, "probe_network", offline)
    ds = load_dataset("mnist", limit=50)
    assert ds.name == "mnist_sample"
    assert "no network" in ds.notice


def test_mnist_download_restores_socket_timeout(monkeypatch):
    seen = []

    def broken(name):
        seen.append(socket.getdefaulttimeout())
        raise OSError("down")

    monkeypatch.setattr(download, "keras_load_data", broken)
    before = socket.getdefaulttimeout()
    load_dataset("mnist")
    assert seen and seen[0] is not None and seen[0] <= 30  # bounded while downloading
    assert socket.getdefaulttimeout() == before


def test_mnist_uses_keras_loader_when_it_works(monkeypatch):
    x_tr, y_tr, x_te, y_te = tiny_arrays(n_train=30, n_test=10, h=28, w=28, classes=10)
    monkeypatch.setattr(download, "keras_load_data", lambda name: ((x_tr, y_tr), (x_te, y_te)))
    ds = load_dataset("mnist")
    assert ds.name == "mnist" and ds.notice is None and not ds.is_sample
    assert ds.class_names == tuple("0123456789")
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    np.testing.assert_array_equal(ds.x_train, x_tr)
    np.testing.assert_array_equal(ds.y_test, y_te)


def test_mnist_reads_keras_cache_without_keras(tmp_path):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    x_tr, y_tr, x_te, y_te = tiny_arrays(h=28, w=28, classes=10)
    np.savez(cache / "mnist.npz", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    ds = load_dataset("mnist")  # fail_loader would raise if Keras were asked
    assert ds.name == "mnist" and ds.notice is None
    assert "mnist.npz" in ds.source
    np.testing.assert_array_equal(ds.x_test, x_te)


def test_fashion_mnist_unavailable_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AECORE_FASHION_DIR", str(tmp_path / "nowhere"))

    calls = []

    def broken(name):
        calls.append(name)
        raise Exception("URL fetch failure")

    monkeypatch.setattr(download, "keras_load_data", broken)
    for _ in range(2):  # the second attempt is answered from the remembered failure
        with pytest.raises(
            ValueError,
            match="apt-get install dataset-fashion-mnist.*URL fetch failure"
            "|URL fetch failure.*apt-get install dataset-fashion-mnist",
        ):
            load_dataset("fashion_mnist")
    assert calls == ["fashion_mnist"]


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_remembered_failure_expires_and_is_remembered_again(monkeypatch, tmp_path, name):
    monkeypatch.setenv("AECORE_FASHION_DIR", str(tmp_path / "nowhere"))
    clock = [1000.0]
    monkeypatch.setattr(download, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    calls = []

    def broken(n):
        calls.append(n)
        raise OSError("down")

    monkeypatch.setattr(download, "keras_load_data", broken)

    def attempt():
        try:
            load_dataset(name)
        except ValueError:
            pass  # fashion_mnist has no offline fallback

    attempt()
    attempt()
    assert calls == [name]
    clock[0] += download.FAILURE_TTL_S + 1
    attempt()
    attempt()
    assert calls == [name, name]  # retried once after the TTL, then remembered again
