"""The Anomalies page's helpers: cached scores of test images and outliers, and the figures.

Scores (each image's reconstruction error, :mod:`aecore.anomaly`) are computed once per
model weights, dataset and outlier choice through :func:`ui.cache.cached`, so moving the
threshold slider only redraws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from aecore import anomaly
from aecore.data import Dataset
from aecore.sampling import stratified_indices
from ui import cache
from ui.latent import class_colors, data_key
from ui.plots import FONT, image_grid
from ui.state import ModelEntry

MAX_TEST = 5000  # test images scored at most (a class-balanced subset beyond)
OUTLIER_COUNTS = (100, 250, 500, 1000)
GRID_COUNTS = (8, 16, 24)
OUTLIER_SEED = 0
INLIER_COLOR, OUTLIER_COLOR = "#1f5fbf", "#d9480f"


@dataclass
class TestScores:
    idx: np.ndarray  # test-set indices scored
    scores: np.ndarray  # their reconstruction errors


def _fingerprint(entry: ModelEntry) -> str:
    return cache.weights_fingerprint(entry.models.autoencoder)


def test_scores(entry: ModelEntry, ds: Dataset) -> TestScores:
    """Reconstruction errors of the test images (at most :data:`MAX_TEST`, class-balanced)."""
    def compute() -> TestScores:
        n = len(ds.x_test)
        idx = np.arange(n) if n <= MAX_TEST else np.sort(stratified_indices(ds.y_test, MAX_TEST, 0))
        return TestScores(idx, anomaly.reconstruction_scores(entry.models, entry.config, ds.x_test[idx]))

    return cache.cached(("an_test", _fingerprint(entry), data_key(ds)), compute)[0]


def source_options(ds: Dataset) -> list[str]:
    """Outlier sources for a model of this dataset: the other datasets, and noise."""
    own = {"mnist": "mnist_sample"}.get(ds.name, ds.name)
    return [s for s in anomaly.OUTLIER_SOURCES if s != own]


def source_label(source: str) -> str:
    return anomaly.OUTLIER_SOURCES.get(source, source)


def outliers(entry: ModelEntry, source: str, n: int, image_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``n`` outlier images from ``source`` and their scores under the model (cached).

    Raises ``ValueError`` when the source's images are not the model's size.
    """
    def compute():
        x = anomaly.outlier_images(source, n, image_shape, seed=OUTLIER_SEED)
        return x, anomaly.reconstruction_scores(entry.models, entry.config, x)

    return cache.cached(("an_out", _fingerprint(entry), source, int(n), tuple(image_shape)), compute)[0]


def default_threshold(inlier_scores: np.ndarray) -> float:
    """The inliers' 95th percentile: about one test image in twenty is flagged."""
    return float(np.quantile(inlier_scores, 0.95))


def slider_range(scores: np.ndarray) -> tuple[float, float, float]:
    """(low, high, step) of the threshold slider: the scores' range in about 200 steps,
    rounded so the numbers read well."""
    lo, hi = float(np.min(scores)), float(np.max(scores))
    span = max(hi - lo, 1e-6)
    step = float(f"{span / 200:.1g}")
    lo = np.floor(lo / step) * step
    hi = (np.floor(hi / step) + 1) * step  # above every score: the top setting flags nothing
    return round(float(lo), 10), round(float(hi), 10), step


# ---------------------------------------------------------------------------- figures
def scored_grid(images: np.ndarray, scores: np.ndarray, cols: int = 4) -> go.Figure:
    """Images with their error above each (three significant digits, short enough for a
    narrow tile; the class is what the picture shows)."""
    return image_grid(images, [f"{s:.3g}" for s in scores], cols=min(cols, max(len(images), 1)), tile_px=80)


def class_histogram(scores: np.ndarray, y: np.ndarray, class_names: Sequence[str], height: int = 360) -> go.Figure:
    """Stacked histogram of the test images' errors, one colour per class."""
    colors = class_colors(class_names)
    fig = go.Figure()
    bins = dict(start=0.0, end=float(np.max(scores)) * 1.001 + 1e-9, size=float(np.max(scores)) / 40 + 1e-9)
    for c, name in enumerate(class_names):
        m = y == c
        if m.any():
            fig.add_trace(go.Histogram(x=scores[m], name=name, marker_color=colors[name], xbins=bins,
                                       hovertemplate=f"{name}: %{{y}} images<extra></extra>"))
    fig.update_layout(barmode="stack", height=height, margin=dict(l=60, r=10, t=30, b=56), font=FONT,
                      xaxis_title="reconstruction error (MSE)", yaxis_title="test images", plot_bgcolor="white",
                      legend=dict(title="class (click to hide)"))
    fig.update_xaxes(gridcolor="#e5e5e5")
    fig.update_yaxes(gridcolor="#e5e5e5")
    return fig


def mix_histogram(m: anomaly.Mix, threshold: float, outlier_name: str, height: int = 340) -> go.Figure:
    """Inlier and outlier errors overlaid, with the threshold as a line."""
    hi = float(np.max(m.scores))
    bins = dict(start=0.0, end=hi * 1.001 + 1e-9, size=hi / 60 + 1e-9)
    fig = go.Figure()
    for name, s, color in (("test images", m.inlier_scores, INLIER_COLOR),
                           (outlier_name, m.outlier_scores, OUTLIER_COLOR)):
        fig.add_trace(go.Histogram(x=s, name=name, marker_color=color, opacity=0.6, xbins=bins,
                                   hovertemplate=f"{name}: %{{y}}<extra></extra>"))
    line = dict(color="#111", width=2, dash="dash")
    fig.add_vline(x=threshold, line=line)
    # named in the legend rather than written over the bars
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name="threshold"))
    fig.update_layout(barmode="overlay", height=height, margin=dict(l=60, r=10, t=30, b=56), font=FONT,
                      xaxis_title="reconstruction error (MSE)", yaxis_title="images", plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1.0))
    fig.update_xaxes(gridcolor="#e5e5e5")
    fig.update_yaxes(gridcolor="#e5e5e5")
    return fig


def roc_figure(r: dict, counts: dict[str, int], height: int = 340) -> go.Figure:
    """The ROC curve, the chance diagonal, and the threshold's point on the curve."""
    n_out = counts["caught"] + counts["missed"]
    n_in = counts["false_alarms"] + counts["passed"]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.5)",
                             line=dict(color="#999", dash="dot")))
    fig.add_trace(go.Scatter(x=r["fpr"], y=r["tpr"], mode="lines", name=f"AUC {r['auc']:.3f}",
                             line=dict(color=OUTLIER_COLOR, width=3),
                             hovertemplate="flags %{x:.1%} of test images, catches %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[counts["false_alarms"] / max(n_in, 1)], y=[counts["caught"] / max(n_out, 1)],
                             mode="markers", name="the threshold", marker=dict(size=14, color="#111", symbol="x")))
    fig.update_layout(height=height, margin=dict(l=60, r=10, t=30, b=56), font=FONT, plot_bgcolor="white",
                      xaxis_title="test images flagged (false alarms)", yaxis_title="outliers caught",
                      legend=dict(yanchor="bottom", y=0.02, xanchor="right", x=0.98))
    fig.update_xaxes(range=[-0.01, 1.01], tickformat=".0%", gridcolor="#e5e5e5", constrain="domain")
    fig.update_yaxes(range=[-0.01, 1.01], tickformat=".0%", gridcolor="#e5e5e5", scaleanchor="x")
    return fig


def examples(scores: np.ndarray, mask: np.ndarray, n: int, highest: bool) -> np.ndarray:
    """Indices of up to ``n`` images where ``mask`` holds, by score (highest or lowest first)."""
    idx = np.flatnonzero(mask)
    order = anomaly.rank(scores[idx])
    return idx[order[::-1] if highest else order][:n]
