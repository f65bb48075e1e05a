"""The Denoise page's helpers: seeded digit choice, corrupt-and-reconstruct, the error curve.

The page moves a noise slider and expects an answer within a fraction of a second, so a
rerun reconstructs only the handful of digits on screen; the error-against-noise curve
(11 noise levels on 200 test images) is computed once per model weights, dataset and
noise kind and then served from :func:`ui.cache.cached`.

The noise pattern is fixed (``NOISE_SEED``): :func:`aecore.noise.add_noise` draws the same
field at every factor, so the slider changes only how strong it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from aecore import metrics
from aecore.data import Dataset
from aecore.images import mosaic
from aecore.inference import reconstruct
from aecore.noise import NOISE_KINDS, check_factor
from ui import cache
from ui.plots import FONT_SIZE, HOVER_NUMBER, NUMBER_AXIS, fmt_number, png_data_uri
from ui.state import ModelEntry

NOISE_SEED = 1234  # one fixed corruption pattern for the grids and the curve
DIGIT_SEED = 0  # first choice of digits; "New digits" moves it on
DEFAULT_NOISE = 0.5  # the denoising recipe's training level
NOISE_STEP = 0.05
COUNT_OPTIONS = (4, 6, 8, 10, 12)
DEFAULT_COUNT = 8
PICK_MODES = ("One of each class", "Random", "Single class")
METRICS = ("PSNR (dB)", "MSE")
CURVE_FACTORS = tuple(round(f, 2) for f in np.linspace(0.0, 1.0, 11))
CURVE_IMAGES = 200
NOISE_LABELS = {"gaussian": "Gaussian", "salt_pepper": "Salt & pepper", "masking": "Masking"}
MODEL_COLORS = ("#1f5fbf", "#d9480f")

# ------------------------------------------------------------------ URL parameter


def parse_noise_param(raw: str | None) -> tuple[float | None, str | None]:
    """``(factor, error)`` for the ``?noise=`` link parameter.

    A valid value is snapped to the slider's step; an invalid one gives an error message
    and no factor, so the page falls back to the default and keeps working.
    """
    if raw is None:
        return None, None
    try:
        value = check_factor(raw)
    except ValueError:
        shown = str(raw) if len(str(raw)) <= 40 else str(raw)[:37] + "..."
        return None, (f"The noise factor in the link must be between 0 and 1; got '{shown}'. "
                      f"Showing the default, {DEFAULT_NOISE:g}, instead.")
    return snap(value), None


def snap(value: float) -> float:
    """Round to the slider's step (0.05), inside [0, 1]."""
    return float(min(1.0, max(0.0, round(round(value / NOISE_STEP) * NOISE_STEP, 2))))


# ------------------------------------------------------------------ which digits


def pick_indices(y: np.ndarray, count: int, mode: str, seed: int, cls: int | None = None) -> np.ndarray:
    """Test-set indices of the digits to show; the same arguments give the same digits.

    ``"One of each class"`` cycles through the classes in order (0, 1, 2, ...), a random
    member of each; ``"Random"`` draws from the whole test set; ``"Single class"`` draws
    from class ``cls`` only.
    """
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    count = int(count)
    if mode == "Single class":
        pool = np.flatnonzero(y == cls)
        if len(pool) == 0:
            raise ValueError(f"the test set holds no images of class {cls}")
        return rng.choice(pool, size=min(count, len(pool)), replace=False)
    if mode == "One of each class":
        classes = np.unique(y)
        members = {c: rng.permutation(np.flatnonzero(y == c)) for c in classes}
        out = []
        for i in range(count):
            c = classes[i % len(classes)]
            j = i // len(classes)
            if j < len(members[c]):
                out.append(members[c][j])
        return np.asarray(out, dtype=np.int64)
    if mode == "Random":
        return rng.choice(len(y), size=min(count, len(y)), replace=False)
    raise ValueError(f"unknown way to pick digits {mode!r}; valid: {', '.join(PICK_MODES)}")


# ------------------------------------------------------------------ reconstructions


@dataclass
class Comparison:
    """Clean, noisy and reconstructed images of the chosen digits, with per-image errors."""

    clean: np.ndarray  # (n, h, w) in [0, 1]
    noisy: np.ndarray
    noisy_mse: np.ndarray
    noisy_psnr: np.ndarray
    recon: dict[str, np.ndarray] = field(default_factory=dict)
    mse: dict[str, np.ndarray] = field(default_factory=dict)
    psnr: dict[str, np.ndarray] = field(default_factory=dict)
    #: label -> why its errors could not be measured (NaN or infinite reconstructions)
    unmeasured: dict[str, str] = field(default_factory=dict)


def compare(entries: Sequence[ModelEntry], x_uint8: np.ndarray, factor: float, kind: str,
            noise_seed: int = NOISE_SEED, labels: np.ndarray | None = None) -> Comparison:
    """Corrupt ``x_uint8`` once and reconstruct it with every model in ``entries``.

    Every model sees the same noisy pixels: the noise is drawn from the same seed and
    scaled to each model's input range, so a [0, 1] model and a [-0.5, 0.5] one get the
    same picture.
    """
    factor = check_factor(factor)
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise kind {kind!r}; valid kinds: {', '.join(NOISE_KINDS)}")
    clean = np.asarray(x_uint8, dtype=np.float32) / np.float32(255.0)
    out: Comparison | None = None
    for entry in entries:
        noisy, recon = reconstruct(entry.models, entry.config, x_uint8, factor, kind, noise_seed,
                                   labels=labels)  # a conditional VAE needs the classes; others ignore them
        if out is None:
            out = Comparison(clean, noisy, _mse(clean, noisy), _psnr(clean, noisy))
        out.recon[entry.label] = recon
        out.mse[entry.label] = _mse(clean, recon)
        try:
            out.psnr[entry.label] = _psnr(clean, recon)
        except ValueError as exc:  # NaN or infinite outputs: show no number rather than a made-up one
            out.psnr[entry.label] = np.full(len(clean), np.nan)
            out.mse[entry.label] = np.full(len(clean), np.nan)
            out.unmeasured[entry.label] = unmeasured_reason(exc)
    if out is None:
        raise ValueError("choose at least one model")
    return out


def unmeasured_reason(exc: ValueError) -> str:
    """Why a model's error is not shown, in words a student can act on."""
    return (f"its reconstructions contain NaN or infinite values ({exc}), so no error can be measured: "
            "the model's training diverged or its weights overflow. Train it again with a lower learning rate")


def _mse(clean: np.ndarray, other: np.ndarray) -> np.ndarray:
    return np.asarray(metrics.reconstruction_errors(clean, other), dtype=np.float64)


def _psnr(clean: np.ndarray, other: np.ndarray) -> np.ndarray:
    return np.asarray(metrics.psnr(clean, other), dtype=np.float64)


def curve_images(ds: Dataset, n: int = CURVE_IMAGES) -> np.ndarray:
    """Indices of the fixed test images the error curve is measured on."""
    rng = np.random.default_rng(DIGIT_SEED)
    return np.sort(rng.choice(len(ds.x_test), size=min(n, len(ds.x_test)), replace=False))


def error_curve(entry: ModelEntry, ds: Dataset, kind: str, n: int = CURVE_IMAGES) -> tuple[dict, bool]:
    """Mean MSE and PSNR of ``entry``'s reconstructions at each of ``CURVE_FACTORS``.

    Returns ``({"factor": [...], "mse": [...], "psnr": [...]}, was_cached)``. Cached per
    weights fingerprint, dataset, noise kind and image count, so a model that is still
    training gets a fresh curve and a finished one never recomputes.
    """
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise kind {kind!r}; valid kinds: {', '.join(NOISE_KINDS)}")
    idx = curve_images(ds, n)
    key = ("denoise-curve", cache.weights_fingerprint(entry.models.autoencoder), ds.name,
           len(ds.x_test), kind, len(idx), NOISE_SEED, CURVE_FACTORS)

    def compute() -> dict:
        x = ds.x_test[idx]
        clean = x.astype(np.float32) / np.float32(255.0)
        mse, psnr, why = [], [], None
        for f in CURVE_FACTORS:
            _, recon = reconstruct(entry.models, entry.config, x, f, kind, NOISE_SEED, labels=ds.y_test[idx])
            try:
                psnr.append(float(metrics.mean_psnr(clean, recon)))
                mse.append(float(np.mean(_mse(clean, recon))))
            except ValueError as exc:  # a point not measured is left out of the curve, never drawn as 100 dB
                psnr.append(float("nan"))
                mse.append(float("nan"))
                why = unmeasured_reason(exc)
        return {"factor": list(CURVE_FACTORS), "mse": mse, "psnr": psnr, "unmeasured": why}

    return cache.cached(key, compute)


# ------------------------------------------------------------------ figures


def fmt_error(metric: str, mse: float, psnr: float) -> str:
    """An image's caption: "MSE 0.0123" or "PSNR 21.4 dB"; "–" when it was not measured."""
    if metric == "MSE":
        return f"MSE {fmt_number(mse)}"
    return f"PSNR {psnr:.1f} dB" if math.isfinite(psnr) else "PSNR –"


def image_rows_figure(rows: Sequence[tuple[str, np.ndarray, Sequence[str]]], tile_px: int = 104,
                      max_width: int = 1050,
                      caption_colors: Sequence[str | None] | None = None) -> go.Figure:
    """Rows of grayscale images with a caption under each and a label left of each row.

    One PNG mosaic in one ``go.Image`` trace (fast to build and to redraw on every slider
    move), upscaled with nearest neighbour so small digits stay crisp on a projector.
    """
    if not rows:
        raise ValueError("nothing to draw")
    n = max(len(r[1]) for r in rows)
    h, w = rows[0][1].shape[1:3]
    scale = max(1, int(math.ceil(tile_px / max(h, w))))
    th, tw = h * scale, w * scale
    # Screen pixels per mosaic pixel: tiles about `tile_px` wide, unless the row would not
    # fit a wide page. Gaps and the caption band are sized in screen pixels through it.
    k = min(tile_px / tw, max_width / (n * tw * 1.05))
    gap, band = int(math.ceil(5 / k)), int(math.ceil(28 / k))
    cell_h, cell_w = th + band + gap, tw + gap
    caption_size = FONT_SIZE - 1 if tw * k >= 110 else FONT_SIZE - 3
    # One cell per image, row by row; a row with fewer images ends in white (empty) cells.
    cells = np.ones((len(rows) * n, h, w), dtype=np.float32)
    annotations = []
    for r, (_, images, captions) in enumerate(rows):
        imgs = np.asarray(images, dtype=np.float32)
        cells[r * n:r * n + len(imgs)] = imgs
        color = (caption_colors[r] if caption_colors else None) or "#222"
        for i in range(len(imgs)):
            if captions is not None and i < len(captions):
                top, left = r * cell_h, i * cell_w
                annotations.append(dict(
                    x=left + tw / 2, y=top + th + band / 2, text=str(captions[i]), showarrow=False,
                    xanchor="center", yanchor="middle", font=dict(size=caption_size, color=color)))
    picture = mosaic(cells, n, pad=gap, scale=scale, band=band, band_below=True)
    H, W = picture.shape
    labels = [r[0] for r in rows]
    fig = go.Figure(go.Image(source=png_data_uri(picture), x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    label_px = 16 + 9 * max(len(s) for s in labels)
    fig.update_layout(
        annotations=annotations,
        height=int(H * k) + 8,
        margin=dict(l=label_px, r=4, t=4, b=4),
        plot_bgcolor="white", paper_bgcolor="rgba(0,0,0,0)", dragmode=False,
        font=dict(size=FONT_SIZE),
    )
    fig.update_xaxes(visible=False, range=[-0.5, W - 0.5], fixedrange=True)
    fig.update_yaxes(
        range=[H - 0.5, -0.5], fixedrange=True, scaleanchor="x", showgrid=False, zeroline=False,
        showline=False, ticks="", tickvals=[r * cell_h + th / 2 for r in range(len(rows))],
        ticktext=[f"<b>{s}</b>" for s in labels], tickfont=dict(size=FONT_SIZE),
    )
    return fig


def curve_figure(curves: dict[str, dict], metric: str, factor: float, kind: str,
                 colors: list[str] | None = None) -> go.Figure:
    """Error (or PSNR) against noise factor, one line per model (in ``colors``, else the
    default pair), a marker at ``factor``."""
    col = "mse" if metric == "MSE" else "psnr"
    fig = go.Figure()
    for i, (label, c) in enumerate(curves.items()):
        color = colors[i] if colors and i < len(colors) else MODEL_COLORS[i % len(MODEL_COLORS)]
        ys = [v if math.isfinite(v) else None for v in c[col]]
        fig.add_trace(go.Scatter(
            x=c["factor"], y=ys, mode="lines+markers", name=label,
            line=dict(color=color, width=3), marker=dict(size=8),
            hovertemplate=f"noise %{{x:.2f}}<br>{metric} %{{y:{HOVER_NUMBER}}}<extra></extra>"))
        finite = [(x, v) for x, v in zip(c["factor"], c[col], strict=True) if math.isfinite(v)]
        if finite:
            here = float(np.interp(factor, [p[0] for p in finite], [p[1] for p in finite]))
            fig.add_trace(go.Scatter(
                x=[factor], y=[here], mode="markers", showlegend=False,
                marker=dict(size=16, color=color, line=dict(color="white", width=2), symbol="diamond"),
                hovertemplate=f"slider: noise %{{x:.2f}}<br>{metric} ≈ %{{y:{HOVER_NUMBER}}}<extra></extra>"))
    fig.add_vline(x=factor, line=dict(color="#555", width=2, dash="dash"),
                  annotation=dict(text=f"noise {factor:.2f}", font=dict(size=FONT_SIZE - 2)),
                  annotation_position="top")
    fig.update_layout(
        height=400, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=FONT_SIZE - 1),
        xaxis_title=f"noise factor ({NOISE_LABELS.get(kind, kind)})",
        yaxis_title=("mean squared error (lower is better)" if col == "mse"
                     else "PSNR in dB (higher is better)"),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="left", x=0.0),
        plot_bgcolor="white", hovermode="closest",
    )
    fig.update_xaxes(range=[-0.02, 1.02], gridcolor="#e5e5e5", dtick=0.1)
    fig.update_yaxes(gridcolor="#e5e5e5", rangemode="tozero" if col == "mse" else "normal", **NUMBER_AXIS)
    return fig
