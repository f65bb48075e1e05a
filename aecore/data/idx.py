"""IDX files (the original MNIST format): the four files of a folder, and their parser.

Sizes declared in a header are checked against what the file really holds before anything
of that size is allocated, so a lying header or a gzip bomb fails with a message.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from aecore.data.arrays import MAX_ARRAY_BYTES, MIN_IMAGE_SIDE, assemble, too_small_message
from aecore.data.dataset import RawArrays
from aecore.data.filecache import cached_by_identity

__all__ = [
    "IDX_EXPECTED",
    "IDX_FILES",
    "IDX_FILE_NAMES",
    "clear_cache",
    "find_idx_files",
    "has_idx_files",
    "load_idx",
    "read_idx",
]

_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801
_READ_CHUNK = 1 << 20

# role -> accepted file names without ".gz" (dash spelling first: it is the canonical one)
IDX_FILES: dict[str, tuple[str, str]] = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
# Every accepted name, without ".gz".
IDX_FILE_NAMES = frozenset(name for names in IDX_FILES.values() for name in names)
# The four canonical names, as messages list them.
IDX_EXPECTED = ", ".join(f"{names[0]}[.gz]" for names in IDX_FILES.values())


def find_idx_files(folder: str) -> tuple[str, str, str, str] | None:
    """Paths of the four IDX files in ``folder``, uncompressed preferred over ``.gz``.

    Returns
    -------
    tuple of str or None
        Train images, train labels, test images, test labels; None when ``folder`` is not
        a folder or holds none of them.

    Raises
    ------
    ValueError
        When some but not all are present, since that is almost certainly an incomplete
        copy rather than some other kind of dataset.
    """
    if not os.path.isdir(folder):
        return None
    found: dict[str, str] = {}
    for role, names in IDX_FILES.items():
        # Uncompressed first: it is faster to read when both are there.
        for fname in (*names, *(n + ".gz" for n in names)):
            path = os.path.join(folder, fname)
            if os.path.isfile(path):
                found[role] = path
                break
    if not found:
        return None
    if len(found) < len(IDX_FILES):
        missing = [f"{IDX_FILES[r][0]}[.gz]" for r in IDX_FILES if r not in found]
        raise ValueError(
            f"folder '{folder}' has only part of an IDX dataset: missing "
            f"{', '.join(missing)}; an IDX dataset needs all four files ({IDX_EXPECTED})"
        )
    return (
        found["train_images"],
        found["train_labels"],
        found["test_images"],
        found["test_labels"],
    )


def has_idx_files(folder: str) -> bool:
    """True when ``folder`` holds all four IDX files (without reading them)."""
    try:
        return find_idx_files(folder) is not None
    except ValueError:
        return False


@cached_by_identity(maxsize=4)
def load_idx(files: tuple[str, ...]) -> RawArrays:
    """Read and validate four IDX files (as :func:`find_idx_files` returns them).

    Cached per process; a file rewritten since (other size or modification time) is read
    again. Class names are the label values found.

    Raises
    ------
    ValueError
        Naming the file and what is wrong with it.
    """
    tr_img, tr_lab, te_img, te_lab = files
    return assemble(
        read_idx(tr_img, "images"),
        read_idx(tr_lab, "labels"),
        read_idx(te_img, "images"),
        read_idx(te_lab, "labels"),
        {
            "x_train": f"'{tr_img}'",
            "y_train": f"'{tr_lab}'",
            "x_test": f"'{te_img}'",
            "y_test": f"'{te_lab}'",
        },
    )


def clear_cache() -> None:
    """Forget every IDX folder read so far."""
    load_idx.cache_clear()


def read_idx(path: str, kind: str) -> np.ndarray:
    """Read an IDX images (3-D uint8) or labels (1-D uint8) file, raw or gzipped.

    Parameters
    ----------
    path : str
        The file; a ``.gz`` suffix means gzip-compressed.
    kind : {"images", "labels"}
        What the file must hold.

    Returns
    -------
    numpy.ndarray
        uint8 ``(n, rows, cols)`` for images, ``(n,)`` for labels.

    Raises
    ------
    ValueError
        For a wrong magic number, a truncated or over-long file, a header declaring zero
        items, images smaller than the minimum or more bytes than the lab loads, a corrupt
        gzip stream, or a file that cannot be read.
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
                    raise ValueError(too_small_message(f"'{path}'", rows, cols))
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
        msg += f"; check that it is the right file ({IDX_EXPECTED})"
    return msg
