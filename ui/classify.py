"""The Classify page's helpers: its own live classifier run, cached baselines, the figures.

The page trains the encoder arm live (a :class:`aecore.classify.ClassifierRun` kept under
its own key, polled by a fragment, so a Train-page run carries on untouched). When it has
trained, the baselines (PCA and raw pixels, same head, labels and epochs) and the
label-efficiency sweep are trained once per choice and cached process-wide by the
encoder's weights, the test set and the settings (:func:`ui.cache.cached`).
"""

from __future__ import annotations

import math
import os
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from aecore import classify
from aecore.data import Dataset
from aecore.history import History
from aecore.training import FAILED, FINISHED, STOPPED
from ui import cache
from ui.keras_guard import protect_keras_session
from ui.latent import data_key
from ui.plots import FONT, TRAIN_COLOR, VAL_COLOR, loss_figure
from ui.state import ModelEntry

SESSION_KEY = "cl_session"
BUDGET_CHOICES = (0, 1, 10, 100, 1000)  # 0: every label (a widget value None would read as "no choice")
UNIT_CHOICES = (32, 64, 128, 256, 512)
MAX_WRONG = 24
ARM_COLORS = {"encoder": "#1f5fbf", "pca": "#2b8a3e", "pixels": "#868e96"}
ARM_NAMES = {"encoder": "Encoder (autoencoder's code)", "pca": "PCA (as many numbers)", "pixels": "Raw pixels"}


@dataclass
class ClassifySession:
    """The page's live run and what it was made from."""

    run: classify.ClassifierRun
    label: str  # the model's label in the picker
    entry: ModelEntry
    dataset: Dataset
    fingerprint: str  # the encoder's weights when the run was made
    show_efficiency: bool = False  # the student asked for the label-efficiency chart
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # names this run in cache keys

    @property
    def settings(self) -> dict[str, Any]:
        return {k: self.run.config[k] for k in ("units", "dropout", "fine_tune", "labels_per_class", "seed")}

    @property
    def trained(self) -> bool:
        return self.run.status in (FINISHED, STOPPED) and bool(self.run.history.epoch)


def budgets(ds: Dataset) -> list[int]:
    """Label budgets offered (0: every label), each N per class below the smallest class's size."""
    smallest = int(np.unique(ds.y_train, return_counts=True)[1].min())
    return [b for b in BUDGET_CHOICES if b < smallest]


def budget_label(b: int | None) -> str:
    return "every label" if not b else f"{b:,} per class"


def fingerprint(entry: ModelEntry) -> str:
    return cache.weights_fingerprint(entry.models.encoder)


def current() -> ClassifySession | None:
    return st.session_state.get(SESSION_KEY)


def new_session(label: str, entry: ModelEntry, ds: Dataset, settings: dict[str, Any]) -> ClassifySession:
    """A fresh (idle) encoder-arm run, replacing the page's previous one."""
    old = current()
    if old is not None and old.run.is_active:
        old.run.stop()
        old.run.join(timeout=30)
    protect_keras_session()
    run = classify.make_run("encoder", entry.models, entry.config, ds, **settings)
    session = ClassifySession(run, label, entry, ds, fingerprint(entry))
    st.session_state[SESSION_KEY] = session
    return session


def matches(session: ClassifySession | None, label: str, settings: dict[str, Any]) -> bool:
    """True when the session's run was made from this model with these settings."""
    if session is None or session.label != label:
        return False
    cfg = session.run.config
    return all(cfg[k] == v for k, v in settings.items() if k != "epochs")


def failed(session: ClassifySession) -> bool:
    return session.run.status == FAILED


# ---------------------------------------------------------------------------- results (cached)
def _key(session: ClassifySession, *extra) -> tuple:
    return (session.fingerprint, data_key(session.dataset), tuple(sorted(session.settings.items())), *extra)


def encoder_result(session: ClassifySession) -> classify.ArmResult:
    """The live run's test accuracy and predictions as its weights are now (cached per epoch count)."""
    run = session.run
    key = ("cl_encoder", session.token, len(run.history.epoch), run.status)
    return cache.cached(key, lambda: classify.finish(run))[0]


def baselines(session: ClassifySession) -> dict[str, classify.ArmResult]:
    """PCA and raw pixels with the run's head, labels and the epochs it trained (cached)."""
    epochs = len(session.run.history.epoch)
    entry, ds = session.entry, session.dataset

    def compute():
        protect_keras_session()
        return classify.compare(entry.models, entry.config, ds, arms=("pca", "pixels"), epochs=epochs,
                                **session.settings)

    return cache.cached(("cl_baselines",) + _key(session, epochs), compute)[0]


def efficiency(session: ClassifySession, progress=None) -> list[dict[str, Any]]:
    """Accuracy of every arm against labels per class (the run's encoder mode, head and epochs)."""
    epochs = len(session.run.history.epoch)
    entry, ds = session.entry, session.dataset
    settings = {k: v for k, v in session.settings.items() if k != "labels_per_class"}

    def compute():
        protect_keras_session()
        return classify.label_efficiency(entry.models, entry.config, ds, epochs=epochs, progress=progress,
                                         **settings)

    key = ("cl_efficiency", session.fingerprint, data_key(ds), tuple(sorted(settings.items())), epochs)
    return cache.cached(key, compute)[0]


def result_rows(results: dict[str, classify.ArmResult], n_test: int, code_size: int,
                n_pixels: int) -> list[dict[str, str]]:
    best = max(r.accuracy for r in results.values())
    return [{"features": ARM_NAMES[arm], "numbers per image": f"{n_pixels if arm == 'pixels' else code_size:,}",
             "test accuracy": f"{r.accuracy:.4f}" + ("  (best)" if r.accuracy == best else ""),
             "errors": f"{int(round((1 - r.accuracy) * n_test)):,} of {n_test:,}",
             "time": f"{r.seconds:.1f} s"} for arm, r in results.items()]


def download_bytes(session: ClassifySession, what: str) -> bytes:
    """The classifier (``what="classifier"``) or its encoder as ``.keras`` bytes (cached per epoch)."""
    run = session.run

    def compute() -> bytes:
        fd, path = tempfile.mkstemp(suffix=".keras")
        os.close(fd)
        try:
            meta = {"dataset": session.dataset.name, "model": session.label}
            if what == "classifier":
                classify.save_classifier(run, path, meta)
            else:
                classify.save_encoder(run, path, meta)
            with open(path, "rb") as f:
                return f.read()
        finally:
            os.unlink(path)

    return cache.cached(("cl_download", what, session.token, len(run.history.epoch)), compute)[0]


# ---------------------------------------------------------------------------- figures
def _style(fig: go.Figure, height: int, xtitle: str, ytitle: str) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=70, r=16, t=36, b=56), font=FONT, xaxis_title=xtitle,
                      yaxis_title=ytitle, plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0))
    fig.update_xaxes(gridcolor="#e5e5e5", zeroline=False)
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False)
    return fig


def loss_curves(history: History, height: int = 320) -> go.Figure:
    """Train and validation cross-entropy per epoch (the Train page's loss figure)."""
    plain = History(list(history.epoch), list(history.loss), list(history.val_loss), list(history.trace_x),
                    list(history.trace_loss))
    return loss_figure(plain, "cross-entropy", height=height)


def accuracy_figure(history: History, height: int = 320) -> go.Figure:
    """Train and validation accuracy per epoch."""
    fig = go.Figure()
    epochs = list(history.epoch)
    for name, values, color, dash in (("train", history.extra.get("accuracy", []), TRAIN_COLOR, None),
                                      ("validation", history.extra.get("val_accuracy", []), VAL_COLOR, "dot")):
        ys = [float(v) if v is not None and math.isfinite(v) else None for v in values]
        if epochs and ys:
            fig.add_trace(go.Scatter(x=epochs, y=ys, name=name, mode="lines+markers", marker=dict(size=8),
                                     line=dict(color=color, width=3, dash=dash), hovertemplate="%{y:.3f}"))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    if not epochs:
        fig.update_xaxes(range=[0, 1])
    elif len(epochs) <= 12:
        fig.update_xaxes(dtick=1)  # whole epochs
    fig.update_layout(uirevision="accuracy", hovermode="x unified")
    return _style(fig, height, "epoch", "accuracy")


def arms_figure(results: dict[str, classify.ArmResult], height: int = 300) -> go.Figure:
    """Test accuracy of each arm as horizontal bars."""
    arms = list(results)
    acc = [results[a].accuracy for a in arms]
    fig = go.Figure(go.Bar(x=acc, y=[ARM_NAMES[a] for a in arms], orientation="h",
                           marker_color=[ARM_COLORS[a] for a in arms], text=[f"{a:.1%}" for a in acc],
                           textposition="outside", hovertemplate="%{x:.2%}<extra></extra>"))
    fig.update_xaxes(range=[0, 1.1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    _style(fig, height, "test accuracy", "")
    fig.update_layout(showlegend=False, margin=dict(l=10, r=16, t=10, b=56))
    return fig


def efficiency_figure(rows: list[dict[str, Any]], height: int = 360) -> go.Figure:
    """Test accuracy against labelled images per class (log axis), one line per arm."""
    fig = go.Figure()
    for arm in classify.ARMS:
        pts = sorted((r for r in rows if r["arm"] == arm), key=lambda r: r["labels_per_class"])
        if not pts:
            continue
        fig.add_trace(go.Scatter(
            x=[r["labels_per_class"] for r in pts], y=[r["accuracy"] for r in pts], name=ARM_NAMES[arm],
            mode="lines+markers", line=dict(color=ARM_COLORS[arm], width=3), marker=dict(size=9),
            text=[("every label, " if r["every_label"] else "") + f"{r['n_labelled']:,} labelled images"
                  for r in pts],
            hovertemplate="%{y:.2%} (%{text})<extra></extra>"))
    xs = sorted({r["labels_per_class"] for r in rows})
    every = {r["labels_per_class"] for r in rows if r["every_label"]}
    fig.update_xaxes(type="log", tickvals=xs, ticktext=[f"every ({x:,})" if x in every else f"{x:,}" for x in xs])
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return _style(fig, height, "labelled images per class (log scale; the last point: every label)",
                  "test accuracy")


def confusion_figure(cm: np.ndarray, class_names: Sequence[str], height: int = 460) -> go.Figure:
    """The confusion matrix as a heatmap: rows the true class, columns the predicted one."""
    names = [str(c) for c in class_names]
    fig = go.Figure(go.Heatmap(z=cm, x=names, y=names, colorscale="Blues", text=cm, texttemplate="%{text}",
                               hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
                               colorbar=dict(title="images")))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="bottom")
    _style(fig, height, "predicted class", "true class")
    return fig


def wrong_titles(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]) -> list[str]:
    """"3 → 5": the true class, then what the classifier said."""
    return [f"{class_names[int(t)]} → {class_names[int(p)]}" for t, p in zip(y_true, y_pred, strict=True)]
