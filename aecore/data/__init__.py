"""Datasets for the Autoencoder Lab: named sources, IDX folders and Keras-layout .npz files.

Every source ends up as the same :class:`Dataset`: uint8 ``(n, h, w)`` images, int64 labels
that index ``class_names``, and a human-readable provenance string. Images stay uint8 here
(a float32 copy of MNIST is ~220 MB); each variant scales them itself.

Named datasets (``mnist_sample``, the offline default; ``mnist``; ``fashion_mnist``;
``digits``) are described in :mod:`aecore.data.sources`. Anything else is taken as a path: a
folder of IDX files, a ``.npz`` file, or a folder holding exactly one ``.npz``. Every
problem with user data raises ``ValueError`` naming the file, what is wrong and what to do
about it.

Modules
-------
dataset
    The :class:`Dataset` record, and :class:`~aecore.data.dataset.RawArrays` the caches hold.
sources
    The named datasets, the registry of names, :func:`describe_datasets`.
download
    Keras downloads with a network probe, a bounded socket timeout and remembered failures.
paths
    Data-root containment; from a user path to its IDX files or npz.
idx, npz
    The two file formats' readers.
arrays
    Any reader's arrays -> validated uint8 ``(n, h, w)`` images and int64 labels.
filecache
    Caches of file-based datasets, keyed by the files' size and modification time.
errors
    How a caught exception reads inside these modules' messages.
load
    :func:`load_dataset` and :func:`clear_cache`.
"""

from aecore.data.arrays import MAX_ARRAY_BYTES, MIN_IMAGE_SIDE
from aecore.data.dataset import Dataset
from aecore.data.load import clear_cache, load_dataset
from aecore.data.sources import (
    DATASET_NAMES,
    DEFAULT_DATASET,
    FASHION_CLASS_NAMES,
    FASHION_DIR,
    MNIST_CLASS_NAMES,
    SAMPLE_NOTICE,
    SAMPLE_SOURCE,
    describe_datasets,
)

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_DATASET",
    "FASHION_DIR",
    "MNIST_CLASS_NAMES",
    "FASHION_CLASS_NAMES",
    "MAX_ARRAY_BYTES",
    "MIN_IMAGE_SIDE",
    "SAMPLE_NOTICE",
    "SAMPLE_SOURCE",
    "Dataset",
    "load_dataset",
    "describe_datasets",
    "clear_cache",
]
