"""Load a saved ``.keras`` model that a user uploads, so every page can use it.

Uploads are size-limited twice: by Streamlit (``server.maxUploadSize`` in
.streamlit/config.toml) and here, so a changed server setting cannot let a huge file in.
The file is loaded with Keras' safe mode (``aecore.store.load_model_file``), which refuses
Lambda layers, and must fit the images of the dataset in use.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import streamlit as st

from aecore.data import Dataset
from aecore.inference import check_fits
from aecore.store import StoreError, load_model_file
from ui.state import ModelEntry, remember

MAX_UPLOAD_MB = 50
DONE_KEY = "train_upload_done"  # the file_id of the upload last loaded, so a rerun does not load it again


def already_loaded(file_id: str) -> bool:
    return st.session_state.get(DONE_KEY) == file_id


def mark_loaded(file_id: str) -> None:
    st.session_state[DONE_KEY] = file_id


def load_uploaded_model(name: str, data: bytes, dataset: Dataset, dataset_key: str) -> ModelEntry:
    """Validate and load an uploaded model; ``ValueError`` says what to change."""
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise ValueError(f"{name} is {len(data) / 2**20:.0f} MB; model files up to {MAX_UPLOAD_MB} MB "
                         "can be loaded")
    if not name.lower().endswith(".keras"):
        raise ValueError(f"{name} is not a .keras file; save a model with "
                         "'python -m aecore train --out FILE.keras' and load that")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.keras"
        path.write_bytes(data)
        try:
            loaded = load_model_file(path)
        except StoreError as exc:
            # the temporary path means nothing to the user: name their file instead
            raise ValueError(str(exc).replace(repr(str(path)), name).replace(str(path), name)) from None
    check_fits(loaded.models, dataset.image_shape, f"dataset {dataset.name!r}")
    config = dict(loaded.config or {})
    config.setdefault("scaling", "unit")
    config.setdefault("variant", "uploaded")
    label = f"Uploaded: {os.path.basename(name)}"
    return remember(ModelEntry(label, loaded.models, config, dataset_key, loaded.history, "upload"))
