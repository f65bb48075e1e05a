"""The "Linear AE vs PCA" page's helpers: its own live run, PCA fits, and the figures.

The page trains a linear autoencoder with the Train page's machinery (a
:class:`~aecore.training.TrainingRun` in session state, polled by a fragment) but keeps it
under its own key, so a model training on the Train page carries on untouched. An
:class:`~aecore.linear.AngleTracker` on the run's epoch hook measures the principal angles
at each epoch's end; PCA of the same training images is computed once per process.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from aecore import linear
from aecore.data import Dataset
from aecore.models import to_model_space
from aecore.store import StoreError
from aecore.training import FAILED, FINISHED, STOPPED, TrainingRun
from aecore.variants import resolve_config
from ui import cache, saving, state
from ui.datasets import training_data
from ui.keras_guard import protect_keras_session
from ui.plots import FONT, TRAIN_COLOR, VAL_COLOR, image_grid

SESSION_KEY = "lp_session"
MAX_TRAIN = 10_000  # a larger training set is subsampled: PCA and the run stay quick
MAX_K = 32
MAX_SHOWN = 16  # basis images shown side by side
GOAL_DEG = 10.0
PCA_COLOR = "#2b8a3e"


@dataclass
class LinearSession:
    """The page's run, its angle tracker and the PCA it is compared with."""

    run: TrainingRun
    tracker: linear.AngleTracker
    fit: linear.PCAFit
    pca_mse: float  # PCA-k on the run's validation images
    dataset_key: str
    kept_epochs: int = 0  # epochs of the model last kept for the other pages

    @property
    def k(self) -> int:
        return int(self.run.config["code_dim"])


def training_set(full: Dataset) -> Dataset:
    """The images the page trains on and fits PCA to (at most :data:`MAX_TRAIN`)."""
    return training_data(full, MAX_TRAIN, 0)


def pca_fit(data: Dataset, dataset_key: str, scaling: str = "unit") -> linear.PCAFit:
    """PCA (every component) of the training images, once per dataset and size."""
    key = ("lp_pca", dataset_key, len(data.x_train), data.image_shape, scaling)
    return cache.cached(key, lambda: linear.pca_from_scratch(to_model_space(data.x_train, scaling)))[0]


def pca_test_mse(data: Dataset, dataset_key: str, k: int, val_limit: int = 2000) -> float:
    """PCA-k's MSE on the test images a run validates on (the first ``val_limit``)."""
    return pca_fit(data, dataset_key).mse(to_model_space(data.x_test[:val_limit], "unit"), k)


def sklearn_check(data: Dataset, dataset_key: str, k: int) -> dict[str, float]:
    """Largest differences between the page's PCA and scikit-learn's (cached)."""
    key = ("lp_sklearn", dataset_key, len(data.x_train), data.image_shape, int(k))
    fit = pca_fit(data, dataset_key)
    return cache.cached(key, lambda: linear.sklearn_agreement(to_model_space(data.x_train, "unit"), k, fit))[0]


def pca_source() -> str:
    """The body of :func:`aecore.linear.pca_from_scratch` (its docstring left out), shown as
    the "from scratch" code."""
    source = inspect.getsource(linear.pca_from_scratch)
    doc = linear.pca_from_scratch.__doc__ or ""
    start = source.find('"""')
    end = source.find('"""', start + 3) + 3 if start >= 0 else -1
    if start < 0 or not doc or end < 3:
        return source
    head, tail = source[:start].rstrip(" "), source[end:].lstrip("\n")
    return head + tail


def current() -> LinearSession | None:
    return st.session_state.get(SESSION_KEY)


def new_session(k: int, epochs: int, full: Dataset, dataset_key: str) -> LinearSession:
    """A fresh (idle) linear run with code size ``k``, replacing the page's previous one."""
    old = current()
    if old is not None and old.run.is_active:
        old.run.stop()
        old.run.join(timeout=30)
    protect_keras_session()
    data = training_set(full)
    config = resolve_config("linear", code_dim=k, epochs=epochs)
    run = TrainingRun(config, data)
    state.tag_dataset(run, dataset_key)
    fit = pca_fit(data, dataset_key, config["scaling"])
    tracker = linear.AngleTracker(fit.top(k))
    tracker.record(0, run.models)
    run.epoch_hooks.append(tracker)
    val = data.x_test[: run.val_limit]
    session = LinearSession(run, tracker, fit, fit.mse(to_model_space(val, config["scaling"]), k), dataset_key)
    st.session_state[SESSION_KEY] = session
    return session


def keep_finished(session: LinearSession) -> str | None:
    """Once a run has finished or stopped: list its model on the other pages and save it to
    the store. Returns a message when the store refused it."""
    run = session.run
    epochs = len(run.history.epoch)
    if run.status not in (FINISHED, STOPPED) or not epochs or session.kept_epochs == epochs:
        return None
    session.kept_epochs = epochs
    state.remember(state.ModelEntry(state.run_label(run), run.models, dict(run.config), session.dataset_key,
                                    run.history.copy(), "trained"))
    try:
        saving.store().save(run.models, saving.store_config(run), run.history, dataset=run.dataset.name,
                            n_train=len(run.dataset.x_train), image_shape=run.dataset.image_shape)
    except (OSError, StoreError, ValueError) as exc:
        return f"The model is kept for this session but could not be saved to the model store: {exc}"
    return None


def failed(session: LinearSession) -> bool:
    return session.run.status == FAILED


# ---------------------------------------------------------------------------- figures
def _layout(fig: go.Figure, height: int, ytitle: str) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=70, r=16, t=36, b=56), font=FONT, xaxis_title="epoch",
                      yaxis_title=ytitle, plot_bgcolor="white", hovermode="x unified",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0))
    fig.update_xaxes(rangemode="tozero", gridcolor="#e5e5e5", zeroline=False)
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False)
    return fig


def angles_figure(epochs: list[int], angles: np.ndarray | None, height: int = 320) -> go.Figure:
    """Principal angles per epoch: every one for k <= 6, else the largest, median and smallest."""
    fig = go.Figure()
    k = angles.shape[1] if angles is not None and angles.ndim == 2 else 0
    if k <= 6:
        lines = [(f"angle {i + 1}" + (" (largest)" if i == k - 1 and k > 1 else ""), angles[:, i])
                 for i in range(k)]
    else:
        lines = [("smallest", angles[:, 0]), ("median", np.median(angles, axis=1)), ("largest", angles[:, -1])]
    for i, (name, y) in enumerate(lines):
        last = i == len(lines) - 1
        fig.add_trace(go.Scatter(
            x=list(epochs), y=[float(v) if math.isfinite(v) else None for v in y], name=name,
            mode="lines+markers", line=dict(width=3 if last else 2, color=VAL_COLOR if last else None),
            hovertemplate="%{y:.1f}°"))
    fig.add_hline(y=GOAL_DEG, line=dict(color="#888", dash="dot"),
                  annotation_text=f"{GOAL_DEG:g}°", annotation_position="top right")
    fig.update_yaxes(range=[0, 92], dtick=15)
    if not epochs:
        fig.update_xaxes(range=[0, 1])
    fig.update_layout(uirevision="angles")
    return _layout(fig, height, "principal angle to PCA (degrees)")


def mse_figure(epochs: list[int], ae_val: list[float], ae_train: list[float], pca_mse: float,
               k: int, height: int = 320) -> go.Figure:
    """The autoencoder's test (and training) MSE per epoch next to PCA-k's."""
    fig = go.Figure()
    if epochs:
        fig.add_trace(go.Scatter(x=list(epochs), y=list(ae_train), name="autoencoder, train", mode="lines+markers",
                                 line=dict(color=TRAIN_COLOR, width=2, dash="dot"), hovertemplate="%{y:.5f}"))
        fig.add_trace(go.Scatter(x=list(epochs), y=list(ae_val), name="autoencoder, test", mode="lines+markers",
                                 line=dict(color=TRAIN_COLOR, width=3), hovertemplate="%{y:.5f}"))
    # a line trace rather than add_hline, so it is named in the legend instead of over the curves
    right = max(epochs) if epochs else 1
    fig.add_trace(go.Scatter(x=[0, right], y=[pca_mse, pca_mse], name=f"PCA-{k}, test ({pca_mse:.5f})",
                             mode="lines", line=dict(color=PCA_COLOR, width=3, dash="dash"), hoverinfo="skip"))
    if not epochs:
        fig.update_xaxes(range=[0, 1])
        fig.update_yaxes(range=[0, 2 * pca_mse])
    _layout(fig, height, "mean squared error")
    # inside the plot, top right: the curves come down to the PCA line, leaving that corner empty
    fig.update_layout(uirevision="mse", legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="right",
                                                    x=0.99, bgcolor="rgba(255,255,255,0.8)"))
    return fig


def signed_images(rows: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    """Basis vectors (signed, any scale) as [0, 1] images: mid-grey is 0, each image
    stretched to its own largest magnitude."""
    rows = np.asarray(rows, np.float64)
    peak = np.max(np.abs(rows), axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    return (0.5 + 0.5 * rows / peak).reshape(len(rows), *image_shape)


def basis_figure(pca_rows: np.ndarray, ae_rows: np.ndarray | None, image_shape: tuple[int, int]) -> go.Figure:
    """PCA's eigen-images above the decoder's aligned basis images (one column each)."""
    n = min(len(pca_rows), MAX_SHOWN)
    images = [signed_images(pca_rows[:n], image_shape)]
    labels = ["PCA"]
    if ae_rows is not None:
        images.append(signed_images(ae_rows[:n], image_shape))
        labels.append("autoencoder")
    titles = [f"#{i + 1}" for i in range(n)] + [""] * n * (len(images) - 1)
    return image_grid(np.concatenate(images), titles, cols=n, row_labels=labels, tile_px=min(90, 900 // n))


def aligned_basis(session: LinearSession) -> tuple[np.ndarray, float]:
    """The run's decoder basis aligned to PCA's (now), and its largest principal angle."""
    a, _ = linear.decoder_affine(session.run.models)
    top = session.fit.top(session.k)
    return linear.align_to_pca(a, top), float(linear.principal_angles(a, top)[-1])


def scratch_rows(fit: linear.PCAFit, k: int, diff: dict[str, float], d: int) -> list[dict[str, Any]]:
    """The "PCA from scratch" panel's table: each step's result and the check against scikit-learn."""
    return [
        {"step": "1. mean image", "result": f"{d} numbers (one per pixel)"},
        {"step": "2. centre", "result": f"{fit.n_samples:,} x {d} matrix, every column mean 0"},
        {"step": "3. covariance", "result": f"{d} x {d} symmetric matrix"},
        {"step": "4. eigh", "result": f"{d} eigenvalues; the top {k}: "
                                      + ", ".join(f"{v:.3f}" for v in fit.variances[:min(k, 6)])
                                      + (" …" if k > 6 else "")},
        {"step": f"5. keep the top {k}", "result": f"{fit.explained_ratio(k):.1%} of the variance"},
        {"step": "vs scikit-learn PCA", "result": f"largest difference: components {diff['components']:.1e}, "
                                                  f"variances {diff['variances']:.1e}, "
                                                  f"reconstructions {diff['reconstruction']:.1e}"},
    ]
