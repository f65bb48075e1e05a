"""The Latent-space page's helpers: the sample, cached projections and scores, figures.

Maps of the same test digits: the autoencoder's code (drawn directly when it is 2-D, else
PCA of the code), PCA and t-SNE of the pixels, and for a code of more than 2 numbers a
fourth, t-SNE of the code ("encode to 32 numbers, then t-SNE": the best 2-D recipe the
classification article names). Each projection is computed once per (dataset, sample, seed, method, parameters
and, for the code, the encoder's weights) through :func:`ui.cache.cached`, with its
compute time kept next to it, so a second view of the same choice is instant and the
table still says what the first one cost.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from aecore import metrics, projections
from aecore.data import Dataset
from aecore.images import mosaic
from aecore.inference import decode, encode
from aecore.sampling import stratified_indices
from ui import cache
from ui.plots import FONT_SIZE, png_data_uri
from ui.state import ModelEntry

SAMPLE_SIZES = (200, 500, 1000, 2000, 5000, 10000)  # 200: quick demos on a slow laptop
DEFAULT_SAMPLE = 1000
DEFAULT_PERPLEXITY = 30
PERPLEXITY_RANGE = (5, 50)
K = 5  # neighbours for kNN accuracy and trustworthiness
MANIFOLD_SIZE = 15
MANIFOLD_PERCENTILES = (5.0, 95.0)
MAX_SHOWN = 48  # selected digits drawn at most
#: fewest test images the page maps and scores: kNN-5 holds 30% out and needs 5 neighbours left
MIN_POINTS = 10

AE, PCA, TSNE, CODE_TSNE = "ae", "pca", "tsne", "code_tsne"
NB_HYPHEN = "\u2011"  # a hyphen a line never breaks at

ProgressFn = Callable[[float, str], None]


# ------------------------------------------------------------------ the sample


def sample_options(n_test: int) -> list[int]:
    """Sample sizes offered for a test set of ``n_test`` images (never more than it holds)."""
    sizes = [s for s in SAMPLE_SIZES if s < n_test]
    if n_test <= SAMPLE_SIZES[-1]:
        sizes.append(n_test)
    return sizes or [n_test]


def too_few_points(ds: Dataset) -> str | None:
    """A plain sentence when the test set is too small to map and score, else None."""
    n = len(ds.x_test)
    if n >= MIN_POINTS:
        return None
    have = f"{n} test image" + ("" if n == 1 else "s")
    return (f"**{ds.name}** has only {have}. The maps and their scores need at least {MIN_POINTS} "
            "(t-SNE and the neighbour scores compare each image with several others). Choose a larger "
            "dataset on the Train page and train a model on it.")


def usable_perplexity(perplexity: float, n_points: int) -> float:
    """The t-SNE perplexity used for ``n_points``: the chosen one, lowered below the number of
    points when the sample is small (t-SNE needs perplexity < n)."""
    return float(min(float(perplexity), max(1, n_points - 1)))


def default_sample(options: Sequence[int]) -> int:
    return DEFAULT_SAMPLE if DEFAULT_SAMPLE in options else min(options, key=lambda s: abs(s - DEFAULT_SAMPLE))


@dataclass
class Sample:
    idx: np.ndarray  # test-set indices, sorted
    x: np.ndarray  # uint8 images
    y: np.ndarray
    total: int  # test images available
    seed: int
    data_key: tuple

    @property
    def subsampled(self) -> bool:
        return len(self.idx) < self.total


def data_key(ds: Dataset) -> tuple:
    """What identifies a test set in cache keys: the name alone is not enough (a run's
    limited copy and the full dataset share it)."""
    h = hashlib.blake2b(np.ascontiguousarray(ds.y_test).tobytes(), digest_size=8).hexdigest()
    return (ds.name, tuple(ds.x_test.shape), h)


def sample(ds: Dataset, n: int, seed: int = 0) -> Sample:
    """A stratified, seeded sample of ``n`` test images (all of them when ``n`` covers it)."""
    idx = stratified_indices(ds.y_test, int(n), int(seed))
    return Sample(idx, ds.x_test[idx], ds.y_test[idx], len(ds.x_test), int(seed), data_key(ds))


# ------------------------------------------------------------------ projections


@dataclass
class Projection:
    method: str
    title: str
    emb: np.ndarray  # (n, 2)
    seconds: float  # how long the computation took when it ran
    cached: bool  # served from the cache this time
    code: np.ndarray | None = None  # the model's code (autoencoder panel only)


def uses_model(method: str) -> bool:
    """True for the maps of the model's code (the code itself, and t-SNE of it)."""
    return method in (AE, CODE_TSNE)


def methods_for(entry: ModelEntry) -> tuple[str, ...]:
    """The maps shown for a model: t-SNE of the code too when the code has more than 2 numbers."""
    return (AE, PCA, TSNE, CODE_TSNE) if entry.code_size > 2 else (AE, PCA, TSNE)


def projection_key(s: Sample, method: str, perplexity: float | None, entry: ModelEntry | None) -> tuple:
    key = (s.data_key, len(s.idx), s.seed, method)
    if needs_tsne(method, entry):
        key += (float(perplexity),)
    if uses_model(method) and entry is not None:
        key += (cache.weights_fingerprint(entry.models.encoder),)
    return key


def needs_tsne(method: str, entry: ModelEntry | None) -> bool:
    return method in (TSNE, CODE_TSNE)


def projection(s: Sample, method: str, *, perplexity: float = DEFAULT_PERPLEXITY,
               entry: ModelEntry | None = None, progress: ProgressFn | None = None) -> Projection:
    """The 2-D map of the sample by ``method`` ("ae", "pca" or "tsne"), cached.

    ``progress(fraction, message)`` is called only when t-SNE actually runs.
    """
    if uses_model(method) and entry is None:
        raise ValueError("the autoencoder panels need a model")
    key = projection_key(s, method, perplexity, entry)

    def compute() -> tuple[np.ndarray, float, np.ndarray | None]:
        t0 = time.perf_counter()
        code = None
        if method == PCA:
            emb = projections.pca(s.x, random_state=s.seed)
        elif method == TSNE:
            emb = projections.tsne(s.x, perplexity=perplexity, random_state=s.seed, progress=progress)
        elif uses_model(method):
            code = encode(entry.models, entry.config, s.x, labels=s.y)  # a conditional VAE needs them
            if not np.all(np.isfinite(code)):
                raise ValueError("this model's codes contain NaN or infinite values (its training diverged or "
                                 "its weights overflow), so there is nothing to map; train it again with a "
                                 "lower learning rate")
            if method == AE:  # a wider code is seen linearly here; t-SNE of it is its own map
                emb = projections.code_to_2d(code, "pca", random_state=s.seed, progress=progress)
            else:
                emb = projections.code_to_2d(code, "tsne", random_state=s.seed, progress=progress,
                                             perplexity=perplexity)
        else:
            raise ValueError(f"unknown projection {method!r}; valid: {AE}, {PCA}, {TSNE}, {CODE_TSNE}")
        return np.asarray(emb, dtype=np.float32), time.perf_counter() - t0, code

    (emb, seconds, code), was_cached = cache.cached(("latent-projection",) + key, compute)
    return Projection(method, panel_title(method, entry, s), emb, seconds, was_cached, code)


def is_vae_entry(entry: ModelEntry | None) -> bool:
    """True for a VAE, whose map is the fourth kind: its code means (the encoder's first output)."""
    if entry is None:
        return False
    from aecore.vae import is_vae  # imports Keras, which a model in the session has loaded already

    return is_vae(entry.models)


def panel_title(method: str, entry: ModelEntry | None, s: Sample) -> str:
    """A map's heading. "2-d" is written with a non-breaking hyphen: a narrow column (1024 px)
    would otherwise break the heading as "2-" / "d)"."""
    d = int(np.prod(s.x.shape[1:]))
    if method == PCA:
        title = f"PCA of the pixels ({d}-d → 2-d)"
    elif method == TSNE:
        title = f"t-SNE of the pixels ({d}-d → 2-d)"
    elif method == CODE_TSNE:
        k = entry.code_size if entry is not None else 0
        title = f"t-SNE of the {'VAE code means' if is_vae_entry(entry) else 'code'} ({k}-d → 2-d)"
    else:
        k = entry.code_size if entry is not None else 0
        if is_vae_entry(entry):
            title = "VAE code (means, 2-d)" if k <= 2 else f"VAE code (means, {k}-d) → PCA"
        else:
            title = "Autoencoder code (2-d)" if k <= 2 else f"Autoencoder code ({k}-d) → PCA"
    return title.replace("-d", NB_HYPHEN + "d")


def method_name(method: str, entry: ModelEntry | None) -> str:
    if uses_model(method):
        k = entry.code_size if entry is not None else 0
        then = " + t-SNE" if method == CODE_TSNE else " + PCA"
        if is_vae_entry(entry):
            return "VAE code (means)" if k <= 2 else f"VAE code (means, {k}-d){then}"
        return "Autoencoder code" if k <= 2 else f"Autoencoder code ({k}-d){then}"
    return {PCA: "PCA", TSNE: "t-SNE"}[method]


def scores(s: Sample, p: Projection, key_extra: tuple) -> dict[str, float]:
    """kNN-5 accuracy, trustworthiness (against the pixels) and silhouette, cached."""
    key = ("latent-scores", s.data_key, len(s.idx), s.seed, p.method) + key_extra
    value, _ = cache.cached(key, lambda: metrics.embedding_scores(s.x, p.emb, s.y, k=K, seed=s.seed))
    return value


def score_rows(rows: Sequence[tuple[str, Projection, dict[str, float]]]) -> list[dict[str, str]]:
    """Table rows (strings, so the table reads the same on any screen)."""
    def f(v: float, digits: int = 3) -> str:
        return "–" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"

    out = []
    for name, p, sc in rows:
        t = f"{p.seconds:.2f} s" if p.seconds < 10 else f"{p.seconds:.1f} s"
        out.append({
            "method": name,
            f"kNN-{K} accuracy": f(sc.get(f"knn{K}", float("nan"))),
            "trustworthiness": f(sc.get("trustworthiness", float("nan"))),
            "silhouette": f(sc.get("silhouette", float("nan"))),
            "compute time": t + (" (cached)" if p.cached else ""),
        })
    return out


# ------------------------------------------------------------------ the decoder's manifold


def decode_grid(entry: ModelEntry, codes: np.ndarray, n: int = MANIFOLD_SIZE,
                percentiles: tuple[float, float] = MANIFOLD_PERCENTILES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode an ``n x n`` grid of 2-D codes spanning the codes' central range.

    Returns ``(images, z1, z2)``: images ``(n * n, h, w)`` in pixel space [0, 1], row-major
    with the top row at the largest ``z2`` (so the picture has the scatter's orientation),
    and the grid's coordinates along each axis (``z2`` from top to bottom).
    """
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"the decoder's manifold needs a 2-d code, got codes of shape {codes.shape}")
    if not np.all(np.isfinite(codes)):
        raise ValueError("the model's codes contain NaN or infinite values; the model has diverged")
    lo = np.percentile(codes, percentiles[0], axis=0)
    hi = np.percentile(codes, percentiles[1], axis=0)
    hi = np.where(hi > lo, hi, lo + 1e-3)
    z1 = np.linspace(lo[0], hi[0], n, dtype=np.float32)
    z2 = np.linspace(hi[1], lo[1], n, dtype=np.float32)
    grid = np.stack(np.meshgrid(z1, z2), axis=-1).reshape(-1, 2)
    return decode(entry.models, entry.config, grid), z1, z2


def manifold_figure(images: np.ndarray, z1: np.ndarray, z2: np.ndarray, height: int = 480) -> go.Figure:
    """The decoded grid as one picture, with the code's coordinates on the axes."""
    n = len(z1)
    h, w = images.shape[1:3]
    scale = max(1, int(math.ceil(28 / max(h, w))))
    picture = mosaic(images, n, scale=scale)
    th, tw = h * scale, w * scale
    ticks = sorted({0, n // 2, n - 1})
    fig = go.Figure(go.Image(source=png_data_uri(picture), x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    fig.update_layout(height=height, margin=dict(l=60, r=10, t=10, b=50), font=dict(size=FONT_SIZE - 2),
                      plot_bgcolor="white", paper_bgcolor="rgba(0,0,0,0)", dragmode=False)
    fig.update_xaxes(title="code z1", tickvals=[(i + 0.5) * tw for i in ticks],
                     ticktext=[f"{z1[i]:.2g}" for i in ticks], range=[-0.5, n * tw - 0.5],
                     showgrid=False, zeroline=False, fixedrange=True)
    fig.update_yaxes(title="code z2", tickvals=[(i + 0.5) * th for i in ticks],
                     ticktext=[f"{z2[i]:.2g}" for i in ticks], range=[n * th - 0.5, -0.5],
                     scaleanchor="x", showgrid=False, zeroline=False, fixedrange=True)
    return fig


# ------------------------------------------------------------------ scatter plots


def class_colors(class_names: Sequence[str]) -> dict[str, str]:
    """One colour per class, the same on every chart."""
    palette = qualitative.D3 if len(class_names) <= 10 else qualitative.Dark24 + qualitative.Light24
    return {name: palette[i % len(palette)] for i, name in enumerate(class_names)}


def scatter_figure(p: Projection, s: Sample, class_names: Sequence[str], colors: dict[str, str],
                   height: int = 460) -> go.Figure:
    """One WebGL trace per class; ``customdata`` = (test index, class name) for hover and selection."""
    fig = go.Figure()
    marker_size = 7 if len(s.idx) <= 1000 else 5 if len(s.idx) <= 2000 else 4
    for c, name in enumerate(class_names):
        m = s.y == c
        if not m.any():
            continue
        fig.add_trace(go.Scattergl(
            x=p.emb[m, 0], y=p.emb[m, 1], mode="markers", name=name, legendgroup=name,
            marker=dict(size=marker_size, color=colors[name], opacity=0.8),
            customdata=np.column_stack([s.idx[m], np.full(int(m.sum()), name, dtype=object)]),
            hovertemplate="class %{customdata[1]}<br>test index %{customdata[0]}<extra></extra>",
        ))
    axis = {AE: ("z1", "z2") if p.code is None or p.code.shape[1] <= 2 else ("code PC 1", "code PC 2"),
            PCA: ("PC 1", "PC 2"), TSNE: ("t-SNE 1", "t-SNE 2"), CODE_TSNE: ("t-SNE 1", "t-SNE 2")}[p.method]
    fig.update_layout(
        height=height, showlegend=False, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=FONT_SIZE - 3),
        plot_bgcolor="white",
        dragmode="lasso", hoverlabel=dict(font=dict(size=FONT_SIZE)),
        xaxis_title=axis[0], yaxis_title=axis[1],
    )
    ticks = not axis[0].startswith("t-SNE")  # t-SNE coordinates mean nothing by themselves
    fig.update_xaxes(gridcolor="#eee", zeroline=False, showticklabels=ticks)
    fig.update_yaxes(gridcolor="#eee", zeroline=False, showticklabels=ticks)
    return fig


def legend_html(colors: dict[str, str]) -> str:
    return "&nbsp;&nbsp;".join(
        f"<span style='color:{c};font-size:1.4em'>●</span>&nbsp;{name}" for name, c in colors.items())


def spread(indices: Sequence[int], limit: int) -> list[int]:
    """At most ``limit`` of ``indices``, evenly spaced, so a big selection is represented."""
    indices = list(indices)
    if len(indices) <= limit:
        return indices
    pick = np.linspace(0, len(indices) - 1, limit).round().astype(int)
    return [indices[i] for i in pick]


def class_counts(y: np.ndarray, class_names: Sequence[str]) -> list[tuple[str, int]]:
    """(class name, count) for the classes present, most frequent first."""
    values, counts = np.unique(np.asarray(y), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return [(class_names[int(values[i])], int(counts[i])) for i in order]


def selected_indices(event: Any) -> list[int]:
    """Test-set indices of the points selected in a chart (click, box or lasso), in order."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError, AttributeError):
        return []
    out: list[int] = []
    for pt in points or []:
        cd = pt.get("customdata") if isinstance(pt, dict) else None
        if cd is None:
            continue
        first = cd[0] if isinstance(cd, (list, tuple)) else cd
        try:
            i = int(float(first))
        except (TypeError, ValueError):
            continue
        if i not in out:
            out.append(i)
    return out
