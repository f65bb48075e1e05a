"""Keras-layout ``.npz`` files: a zip of ``x_train, y_train, x_test, y_test`` arrays.

Arrays are read with ``allow_pickle=False`` and each member's header is checked against the
bytes it really holds before numpy allocates the declared shape.
"""

from __future__ import annotations

import codecs
import math
import zipfile
import zlib

import numpy as np

from aecore.data.arrays import MAX_ARRAY_BYTES, SPLIT_KEYS, assemble
from aecore.data.dataset import RawArrays
from aecore.data.errors import short_error
from aecore.data.filecache import cached_by_identity

__all__ = ["clear_cache", "load_npz", "read_npz"]

_HOW = "save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
# What np.load itself looks for: a local-file header, or the end record of an empty zip.
_ZIP_PREFIXES = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_PREFIX = b"\x93NUMPY"


def load_npz(path: str) -> RawArrays:
    """Read and validate a Keras-layout ``.npz`` file; class names are the labels found.

    Cached per process; a file rewritten since (other size or modification time) is read
    again.

    Raises
    ------
    ValueError
        Naming the file, the array and what is wrong with it.
    """
    return _load_npz_cached((path,))


@cached_by_identity(maxsize=4)
def _load_npz_cached(paths: tuple[str, ...]) -> RawArrays:
    (path,) = paths
    arrays = read_npz(path)
    return assemble(*arrays, {k: f"'{path}' array {k}" for k in SPLIT_KEYS})


def clear_cache() -> None:
    """Forget every npz read so far."""
    _load_npz_cached.cache_clear()


def read_npz(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four arrays of a Keras-layout ``.npz``, unvalidated (see :func:`load_npz`).

    Raises
    ------
    ValueError
        If the file is not a zip archive of ``.npy`` arrays, lacks one of the four arrays,
        holds Python objects, or declares more data than it holds.
    """
    _check_is_zip(path)
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"'{path}' is not a valid .npz file (a damaged zip archive, or unreadable: "
            f"{short_error(exc)}); {_HOW}"
        ) from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"'{path}' holds a single array, not a Keras-layout .npz; {_HOW}")
    with npz:
        missing = [k for k in SPLIT_KEYS if k not in npz.files]
        if missing:
            found = ", ".join(npz.files[:8]) or "nothing"
            raise ValueError(
                f"'{path}' is missing the array(s) {', '.join(missing)} (found: {found}); a "
                f"Keras-layout .npz needs x_train, y_train, x_test, y_test; {_HOW}"
            )
        out = []
        for key in SPLIT_KEYS:
            _check_npy_member(path, npz.zip, key)
            try:
                out.append(npz[key])
            except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
                raise ValueError(
                    f"'{path}' array {key} cannot be read ({short_error(exc)}); the file is "
                    f"corrupt or holds Python objects; {_HOW}"
                ) from exc
    return tuple(out)  # type: ignore[return-value]


def _check_is_zip(path: str) -> None:
    """Refuse, by its first bytes, a file that is neither a zip nor a single ``.npy``.

    np.load would take anything else for a pickle and answer with a hint about
    ``allow_pickle``, which misleads someone who saved a CSV or text file as ``.npz``.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise ValueError(
            f"'{path}' cannot be read ({exc}); check the file and its permissions"
        ) from exc
    if head.startswith(_ZIP_PREFIXES) or head.startswith(_NPY_PREFIX):
        return
    if not head:
        what = "it is empty"
    elif _looks_like_text(head):
        what = "it holds text"
    elif head.startswith(b"\x1f\x8b"):
        what = "it is gzip-compressed"
    else:
        what = f"it starts with {bytes(head[:8])!r}"
    raise ValueError(
        f"'{path}' is not a valid .npz file: it is not an npz (zip) archive ({what}); {_HOW}"
    )


def _looks_like_text(head: bytes) -> bool:
    try:
        # Incremental, because the first bytes may end inside a multi-byte character.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return bool(text) and all(c.isprintable() or c in "\t\r\n" for c in text)


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
        raise ValueError(
            f"'{path}' array {key} is not a valid .npy entry ({short_error(exc)})"
        ) from exc
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
