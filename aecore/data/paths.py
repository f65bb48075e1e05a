"""From a path the user typed to the dataset files it names, inside the data root if one is set.

A path may name a folder of IDX files, a ``.npz`` file, or a folder holding exactly one
``.npz``. With a data root (the app's ``AECORE_DATA_ROOT``), the path must resolve,
symlinks and ``..`` included, to somewhere inside it, so a student cannot read files
elsewhere on the lecturer's machine.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from aecore.data.idx import IDX_EXPECTED, IDX_FILE_NAMES, find_idx_files
from aecore.data.sources import DATASET_NAMES

__all__ = ["WHAT_TO_GIVE", "DataFiles", "resolve_data_files", "unknown_name_message"]

WHAT_TO_GIVE = (
    f"a folder with the four IDX files ({IDX_EXPECTED}) or a Keras-layout .npz file "
    "with arrays x_train, y_train, x_test, y_test"
)


class DataFiles(NamedTuple):
    """The files a user path names.

    Attributes
    ----------
    name : str
        The dataset's name: the folder or file name as given.
    kind : {"idx", "npz"}
        The format of ``paths``.
    paths : tuple of str
        Resolved paths: the four IDX files (as :func:`~aecore.data.idx.find_idx_files`
        orders them), or the one ``.npz``.
    source : str
        Where the data comes from, for the UI.
    """

    name: str
    kind: str
    paths: tuple[str, ...]
    source: str


def resolve_data_files(given: str | os.PathLike, root: str | os.PathLike | None) -> DataFiles:
    """Resolve ``given`` (``~`` expanded), check it lies inside ``root``, find its files.

    Parameters
    ----------
    given : str or os.PathLike
        A folder of IDX files, a ``.npz`` file, or a folder holding exactly one ``.npz``.
    root : str or os.PathLike or None
        When given, ``given`` must resolve to somewhere inside this folder; a relative
        ``given`` is taken relative to it.

    Returns
    -------
    DataFiles

    Raises
    ------
    ValueError
        For an empty or NUL-containing path, a path outside ``root``, a missing path, a
        single IDX file, a partial IDX folder, or a folder without exactly one dataset.
    """
    text = os.fspath(given)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    _refuse_nul("dataset path", text)
    expanded = os.path.expanduser(text.strip()) if text.strip() else ""
    if not expanded:
        raise ValueError(unknown_name_message(text))

    if root is not None:
        root_text = os.fspath(root)
        if isinstance(root_text, bytes):
            root_text = os.fsdecode(root_text)
        _refuse_nul("data root", root_text)
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
            raise ValueError(unknown_name_message(text))
        raise ValueError(
            f"dataset path '{text}' does not exist; give {WHAT_TO_GIVE}, or one of the "
            f"named datasets ({', '.join(DATASET_NAMES)})"
        )

    name = os.path.basename(os.path.normpath(os.path.abspath(candidate))) or real
    if os.path.isdir(real):
        files = find_idx_files(real)
        if files is not None:
            return DataFiles(name, "idx", files, f"IDX files in {real}")
        npz = _single_npz(real)
        return DataFiles(name, "npz", (npz,), f"npz file {npz}")
    if not os.path.isfile(real):
        raise ValueError(
            f"dataset path '{text}' is neither a folder nor a file; give {WHAT_TO_GIVE}"
        )
    if os.path.basename(real).removesuffix(".gz") in IDX_FILE_NAMES:
        raise ValueError(
            f"'{real}' is a single IDX file; give the folder that holds all four IDX files "
            f"({IDX_EXPECTED})"
        )
    return DataFiles(name, "npz", (real,), f"npz file {real}")


def unknown_name_message(text: str) -> str:
    """The error text for something that is neither a dataset name nor an existing path."""
    return (
        f"unknown dataset '{text}'; choose one of {', '.join(DATASET_NAMES)}, or give the "
        f"path of {WHAT_TO_GIVE}"
    )


def _refuse_nul(what: str, text: str) -> None:
    # The operating system cannot hold a NUL in a file name, and Python's own complaint
    # ("embedded null byte") does not tell a user what to change.
    if "\0" in text:
        shown = text.replace("\0", "\\0")
        raise ValueError(
            f"{what} '{shown}' cannot be used: the path contains a NUL character (shown "
            "as \\0), which no file name can hold; retype the path"
        )


def _single_npz(folder: str) -> str:
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        raise ValueError(
            f"folder '{folder}' cannot be read ({exc}); check its permissions"
        ) from exc
    if not entries:
        raise ValueError(f"folder '{folder}' is empty; put {WHAT_TO_GIVE} in it")
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
        f"folder '{folder}' holds no dataset files (found: {shown}); expected {WHAT_TO_GIVE}"
    )
