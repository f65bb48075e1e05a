"""Download buttons: a run's model (.keras) and history (CSV), Latent space's 2-D maps (CSV),
and Denoise's before/after grid (PNG).

A downloaded model is the same ``.keras`` file ``python -m aecore train --out`` writes
(configuration and history inside), so the Train page's upload loads it back.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from aecore.history import History
from aecore.images import mosaic, to_png
from aecore.store import save_model_file
from aecore.training import RUNNING, TrainingRun


def model_bytes(models, config: dict[str, Any], history: History, dataset: str) -> bytes:
    """The autoencoder as a ``.keras`` file with its configuration and history embedded."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        save_model_file(models, path, {"config": config, "history": history.to_dict(), "dataset": dataset})
        return path.read_bytes()


def history_csv(history: History) -> str:
    """One row per epoch: epoch, loss, val_loss, any extra curve (a VAE's kl, …), stage."""
    extra = [k for k, v in history.extra.items() if len(v) == len(history.epoch)]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["epoch", "loss", "val_loss", *extra, *(["stage"] if history.stage else [])])
    for i, e in enumerate(history.epoch):
        w.writerow([e, _at(history.loss, i), _at(history.val_loss, i), *(history.extra[k][i] for k in extra),
                    *([_at(history.stage, i)] if history.stage else [])])
    return out.getvalue()


def _at(values: Sequence, i: int) -> Any:
    return values[i] if i < len(values) else ""


def embedding_csv(maps: Mapping[str, tuple[str, np.ndarray]], index: np.ndarray, labels: np.ndarray) -> str:
    """``x, y, label, index, method``: one row per test image per map; ``maps`` is
    method -> (its name, its ``(n, 2)`` embedding) and ``index`` the test-set indices."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["x", "y", "label", "index", "method"])
    for _, (name, emb) in maps.items():
        for (x, y), lab, i in zip(np.asarray(emb), labels, index, strict=True):
            w.writerow([f"{float(x):.6g}", f"{float(y):.6g}", int(lab), int(i), name])
    return out.getvalue()


def grid_png(rows: Sequence[np.ndarray], pad: int = 2, scale: int = 2) -> bytes:
    """Rows of images (original, noisy, reconstructed …) as one PNG, a row per row."""
    pictures = [mosaic(r, cols=len(r), pad=pad, scale=scale) for r in rows]
    gap = np.zeros((pad * scale * 2, pictures[0].shape[1]), dtype=pictures[0].dtype)
    stacked = [p for picture in pictures for p in (picture, gap)][:-1]
    return to_png(np.concatenate(stacked, axis=0))


def _file_stem(config: dict[str, Any], epochs: int) -> str:
    return f"{config.get('variant', 'model')}-{epochs}ep"


# ---------------------------------------------------------------------------- buttons
def run_downloads(run: TrainingRun | None) -> None:
    """The current run's model and history, once it has trained and is not training."""
    if run is None or not run.history.epoch or run.status == RUNNING:
        return
    epochs = len(run.history.epoch)
    cached = getattr(run, "ui_export", None)
    if cached is None or cached[0] != (epochs, run.status):
        cached = ((epochs, run.status), model_bytes(run.models, run.config, run.history, run.dataset.name))
        run.ui_export = cached
    stem = _file_stem(run.config, epochs)
    bar = st.container(horizontal=True, gap="small")
    bar.download_button("Download model (.keras)", cached[1], file_name=f"{stem}.keras",
                        mime="application/octet-stream", key="export_model", icon=":material/download:",
                        on_click="ignore", help="Load it again with “Load a saved model file” below, or "
                                                "'python -m aecore evaluate --model FILE'")
    bar.download_button("Download history (CSV)", history_csv(run.history), file_name=f"{stem}-history.csv",
                        mime="text/csv", key="export_history", icon=":material/table:", on_click="ignore")


def embedding_download(maps: Mapping[str, tuple[str, np.ndarray]], index: np.ndarray, labels: np.ndarray) -> None:
    """Latent space's maps as CSV (x, y, label, index, method)."""
    if not maps:
        return
    st.download_button("Download the maps (CSV)", embedding_csv(maps, index, labels), file_name="embedding.csv",
                       mime="text/csv", key="export_embedding", icon=":material/download:", on_click="ignore",
                       help="x, y, label, index (in the test set), method: one row per point of each map")


def grid_download(rows: Sequence[np.ndarray], name: str = "denoise-grid.png") -> None:
    """Denoise's before/after grid as a PNG."""
    st.download_button("Download the grid (PNG)", grid_png(rows), file_name=name, mime="image/png",
                       key="export_grid", icon=":material/download:", on_click="ignore")
