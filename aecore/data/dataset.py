"""The :class:`Dataset` every source returns, and :class:`RawArrays`, what the caches hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["Dataset", "RawArrays", "image_size_text"]


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
                f"Dataset train images are {image_size_text(self.x_train)} but test images "
                f"are {image_size_text(self.x_test)}; both splits must have the same image size"
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


class RawArrays(NamedTuple):
    """Full, validated arrays of one source, as the process-wide caches hold them.

    Readers build one from their arrays and return :meth:`frozen`;
    :func:`aecore.data.load_dataset` cuts subsets from it and wraps them in a :class:`Dataset`.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def frozen(self) -> RawArrays:
        """The same arrays, contiguous, owning their memory and read-only."""
        arrays = []
        for a in self[:4]:
            a = np.ascontiguousarray(a)
            if a.base is not None and not a.flags.owndata:
                # Own the memory so the cache holds exactly this array, not a view of a
                # larger temporary (train_test_split and frombuffer both hand out views).
                a = a.copy()
            a.flags.writeable = False
            arrays.append(a)
        return RawArrays(*arrays, tuple(self.class_names))


def image_size_text(x: np.ndarray) -> str:
    """``"28x28"`` for an ``(n, 28, 28)`` image array, as error messages say it."""
    return f"{x.shape[1]}x{x.shape[2]}"
