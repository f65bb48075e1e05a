"""Load a saved ``.keras`` model that a user uploads, so every page can use it.

Uploads are size-limited twice: by Streamlit (``server.maxUploadSize`` in
.streamlit/config.toml) and here, so a changed server setting cannot let a huge file in.
The file is loaded with Keras' safe mode (``aecore.store.load_model_file``), which refuses
Lambda layers and checks the whole structure, and must fit the images of the dataset in use.

Whatever a file holds, an upload ends in one outcome, decided once per uploaded file and
remembered: a loaded model, or one message naming the file and what is wrong with it.
A rerun shows that outcome again without loading the file again, and nothing here touches
the live training run.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import streamlit as st

from aecore.data import Dataset
from aecore.inference import check_fits
from aecore.store import StoreError, load_model_file
from ui.state import ModelEntry, remember

MAX_UPLOAD_MB = 50
OUTCOME_KEY = "train_upload_outcome"  # ((file_id, dataset), kind, message) of the upload last handled

log = logging.getLogger("autoencoder_lab")


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


def upload_outcome(file_id: str, name: str, data: bytes, dataset: Dataset, dataset_key: str) -> tuple[str, str]:
    """``("success" | "error", message)`` for an uploaded file, decided once per file and dataset.

    The first call loads the file; later calls for the same ``file_id`` and dataset (every
    rerun while the file sits in the uploader) return the same outcome without loading it
    again. A file refused for one dataset is tried again when another is chosen (it may fit
    that one's images); a file loaded once is not loaded twice. Any
    failure, expected or not, becomes one message naming the file: an upload must never
    break the page around it (the Train page's controls live next to it).
    """
    kept = st.session_state.get(OUTCOME_KEY)
    if kept is not None and kept[0][0] == file_id and (kept[1] == "success" or kept[0][1] == dataset_key):
        return kept[1], kept[2]  # a loaded model stays loaded; a refusal is retried on other images
    shown = os.path.basename(name) or "the uploaded file"
    try:
        entry = load_uploaded_model(shown, data, dataset, dataset_key)
    except ValueError as exc:
        outcome = ("error", f"{shown} cannot be used: {exc}" if shown not in str(exc) else str(exc))
    except Exception as exc:  # Keras raises many types for odd files; one line, no traceback in the log
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        log.warning("upload %s refused: %s: %s", shown, type(exc).__name__, first)
        outcome = ("error", f"{shown} cannot be loaded as an Autoencoder Lab model "
                            f"({type(exc).__name__}: {first or 'no details'}).")
    else:
        outcome = ("success", f"Loaded {shown} (code {entry.code_size}-d) as “{entry.label}”: choose it "
                              "on the Denoise and Latent space pages.")
    st.session_state[OUTCOME_KEY] = ((file_id, dataset_key), *outcome)
    return outcome
