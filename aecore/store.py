"""Trained models on disk: single ``.keras`` files and a store keyed by configuration hash.

A ``.keras`` file written here carries its Autoencoder Lab configuration and history in an
extra ``aecore.json`` member of the zip (Keras ignores members it does not know), so a
file alone says how to scale its inputs. Loading always uses Keras' safe mode, which
refuses Lambda layers (they can run arbitrary code).

The store keeps one directory per entry, ``<root>/<key>/{model.keras, meta.json}``. An
entry is written into a temporary directory and renamed into place, so a crash or a kill
leaves either the whole entry or a ``.tmp-*`` directory that loads skip and report.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aecore import inference
from aecore.atomic import atomic_path
from aecore.models import Models, split_models
from aecore.training import History
from aecore.variants import NEUTRAL_OPTIONS

META_MEMBER = "aecore.json"
FORMAT_VERSION = 1
STORE_ENV = "AECORE_STORE_DIR"

#: the store's subfolder for Home's NumPy demo models (aecore.demo); not a model entry
DEMO_DIR = "demo"


class StoreError(ValueError):
    """A model file or store entry that cannot be used; the message says why."""


@dataclass
class Loaded:
    """A model loaded from disk with what is known about it."""

    models: Models
    config: dict[str, Any] | None
    history: History
    meta: dict[str, Any] = field(default_factory=dict)


def default_root() -> Path:
    """``$AECORE_STORE_DIR``, else ``$XDG_CACHE_HOME/autoencoder-lab/models``, else ~/.cache/…"""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "autoencoder-lab" / "models"


def config_key(config: dict[str, Any], dataset: str, n_train: int, image_shape: tuple[int, int]) -> str:
    """Stable hash of everything that determines a trained model.

    Training options at their neutral value (no schedule, no early stopping) are left out,
    so a model stored before those options existed keeps its key.
    """
    payload = {
        "config": {k: v for k, v in config.items() if k not in NEUTRAL_OPTIONS or v != NEUTRAL_OPTIONS[k]},
        "dataset": dataset,
        "n_train": int(n_train),
        "image_shape": [int(s) for s in image_shape],
        "format": FORMAT_VERSION,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _keras():
    import keras

    return keras


def save_model_file(models: Models, path: str | os.PathLike, meta: dict[str, Any]) -> Path:
    """Write the autoencoder to ``path`` (.keras) atomically, with ``meta`` embedded."""
    return save_keras_file(models.autoencoder, path, meta)


def save_keras_file(model, path: str | os.PathLike, meta: dict[str, Any]) -> Path:
    """Write any Keras model (an encoder, a classifier) to ``path`` (.keras) atomically,
    with ``meta`` embedded as :data:`META_MEMBER`."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"model files must end in .keras, got {str(path)!r}")
    with atomic_path(path, ".keras") as tmp:
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as zf:
            zf.writestr(META_MEMBER, json.dumps(meta, default=str))
    return path


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as zf:
            if META_MEMBER in zf.namelist():
                return json.loads(zf.read(META_MEMBER))
    except (zipfile.BadZipFile, json.JSONDecodeError, OSError, KeyError):
        pass
    return {}


def infer_config(models: Models) -> dict[str, Any]:
    """Best guess at scaling and loss for a foreign model, from its output activation."""
    last = models.decoder.layers[-1]
    if last.__class__.__name__ == "Reshape":
        last = models.decoder.layers[-2]
    act = getattr(getattr(last, "activation", None), "__name__", "sigmoid")
    if act == "tanh":
        return {"scaling": "centered", "loss": "mse", "output_activation": "tanh"}
    if act == "sigmoid":
        return {"scaling": "unit", "loss": "bce", "output_activation": "sigmoid"}
    return {"scaling": "unit", "loss": "mse", "output_activation": act}


def load_model_file(path: str | os.PathLike) -> Loaded:
    """Load a ``.keras`` autoencoder in safe mode; ``StoreError`` says what is wrong."""
    path = Path(path).expanduser()
    if not path.exists():
        raise StoreError(f"model file {str(path)!r} does not exist")
    if path.is_dir():
        raise StoreError(f"{str(path)!r} is a folder, not a .keras model file")
    if path.suffix != ".keras":
        raise StoreError(f"{str(path)!r} is not a .keras file; give a model saved by "
                         "'python -m aecore train --out FILE.keras'")
    if not zipfile.is_zipfile(path):
        raise StoreError(f"{str(path)!r} is not a Keras model file (not a .keras zip archive); "
                         "it may be truncated or corrupt")
    keras = _keras()
    import aecore.tied  # noqa: F401  (registers DenseTranspose so tied models load)
    import aecore.vae  # noqa: F401  (registers the VAE's layers so its files load)

    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file; the user needs one message
        text = str(exc)
        if "Lambda" in text or "lambda" in text:
            raise StoreError(
                f"{str(path)!r} holds a Lambda layer, which can run arbitrary code; Keras safe mode "
                "refuses to load it. Use a model built by Autoencoder Lab"
            ) from None
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise StoreError(f"cannot load model file {str(path)!r}: {first[:300]}") from None
    models = split_models_or_error(model, path)
    if not inference.is_finite_model(models):
        raise StoreError(f"{str(path)!r}: its weights contain NaN or infinite values (its training diverged), "
                         "so it would draw blank images; train it again with a lower learning rate")
    meta = _read_meta(path)
    config = meta.get("config")
    if config is None:
        config = infer_config(models)
    return Loaded(models, config, History.from_dict(meta.get("history", {})), meta)


def split_models_or_error(model, path: Path) -> Models:
    """The encoder, decoder and autoencoder of a loaded model, or ``StoreError`` naming the file.

    Names are not enough (a plain Dense layer can be called "encoder"): the whole structure
    is checked here, once, so no page finds out later from a shape error mid-run.
    """
    try:
        models = split_models(model)
        inference.check_structure(models)
    except ValueError as exc:
        raise StoreError(f"{str(path)!r}: {exc}") from None
    return models


def check_image_shape(models: Models, image_shape: tuple[int, int], dataset: str = "the dataset") -> None:
    """:func:`aecore.inference.check_fits`, raising ``StoreError`` (a ``ValueError``)."""
    try:
        inference.check_fits(models, image_shape, dataset)
    except ValueError as exc:
        raise StoreError(str(exc)) from None


@dataclass
class EntryInfo:
    key: str
    meta: dict[str, Any]


class ModelStore:
    """Trained models keyed by a hash of their full configuration, in a cache directory."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root).expanduser() if root is not None else default_root()
        #: entries skipped by the last scan or load, as human-readable reasons
        self.problems: list[str] = []

    def key(self, config, dataset: str, n_train: int, image_shape) -> str:
        return config_key(config, dataset, n_train, image_shape)

    def _dir(self, key: str) -> Path:
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise StoreError(f"invalid store key {key!r}")
        return self.root / key

    def save(self, models: Models, config: dict[str, Any], history: History, *, dataset: str,
             n_train: int, image_shape, extra: dict[str, Any] | None = None) -> str:
        """Write one entry atomically and return its key."""
        key = self.key(config, dataset, n_train, image_shape)
        if not inference.is_finite_model(models):
            raise StoreError("this model's weights contain NaN or infinite values (its training diverged); "
                             "it is not saved")
        self.root.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "key": key,
            "config": config,
            "dataset": dataset,
            "n_train": int(n_train),
            "image_shape": [int(s) for s in image_shape],
            "history": history.to_dict(),
            "saved_at": time.time(),
            **(extra or {}),
        }
        tmp = self.root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            save_model_file(models, tmp / "model.keras", meta)
            meta_path = tmp / "meta.json"
            meta_path.write_text(json.dumps(meta, default=str))
            with open(meta_path, "rb") as f:
                os.fsync(f.fileno())
            final = self._dir(key)
            if final.exists():
                # Move the old entry aside first: a rename onto a non-empty dir fails.
                old = self.root / f".old-{key}-{uuid.uuid4().hex[:8]}"
                os.rename(final, old)
                os.rename(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return key

    def has(self, config, dataset: str, n_train: int, image_shape) -> bool:
        d = self._dir(self.key(config, dataset, n_train, image_shape))
        return (d / "meta.json").is_file() and (d / "model.keras").is_file()

    def load(self, key: str) -> Loaded:
        """Load one entry; ``StoreError`` (and a line in ``problems``) if it is damaged."""
        d = self._dir(key)
        try:
            meta_path = d / "meta.json"
            if not meta_path.is_file():
                raise StoreError(f"store entry {key} is incomplete (no meta.json); retrain to replace it")
            try:
                meta = json.loads(meta_path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
                raise StoreError(f"store entry {key} has an unreadable meta.json ({exc}); "
                                 "retrain to replace it") from None
            loaded = load_model_file(d / "model.keras")
            loaded.meta = meta
            loaded.config = meta.get("config", loaded.config)
            loaded.history = History.from_dict(meta.get("history", {}))
            return loaded
        except StoreError as exc:
            self.problems.append(str(exc))
            raise

    def get(self, config, dataset: str, n_train: int, image_shape) -> Loaded | None:
        """The stored model for this configuration, or None (damaged entries are reported, not raised)."""
        key = self.key(config, dataset, n_train, image_shape)
        if not self._dir(key).exists():
            return None
        try:
            return self.load(key)
        except StoreError:
            return None

    def entries(self) -> list[EntryInfo]:
        """Every complete entry; partial and corrupt ones go to ``problems`` instead."""
        self.problems = []
        out: list[EntryInfo] = []
        if not self.root.is_dir():
            return out
        for d in sorted(self.root.iterdir()):
            if d.name.startswith((".tmp-", ".old-")):
                self.problems.append(f"skipped {d.name}: a write that did not finish (safe to delete)")
                continue
            if not d.is_dir() or d.name == DEMO_DIR:  # Home's NumPy demo models live there, not entries
                continue
            try:
                meta = json.loads((d / "meta.json").read_text())
                if not (d / "model.keras").is_file() or not zipfile.is_zipfile(d / "model.keras"):
                    raise ValueError("model.keras is missing or not a zip archive")
                out.append(EntryInfo(d.name, meta))
            except (OSError, ValueError) as exc:
                self.problems.append(f"skipped store entry {d.name}: {exc}")
        return out

    def delete(self, key: str) -> None:
        shutil.rmtree(self._dir(key), ignore_errors=True)

    def clean_partial(self) -> int:
        """Remove leftover temporary directories from interrupted writes."""
        n = 0
        if self.root.is_dir():
            for d in self.root.iterdir():
                if d.name.startswith((".tmp-", ".old-")):
                    shutil.rmtree(d, ignore_errors=True)
                    n += 1
        return n
