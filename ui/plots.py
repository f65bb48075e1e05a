"""Plotly figures shared by the pages: image grids, loss curves, codes (and Home's plain-HTML demo).

Every function takes plain NumPy arrays / lists and returns a ``plotly.graph_objects.Figure``;
nothing here calls ``st.*`` or Keras, so the figures are cheap to rebuild twice a second
while a model trains.

Image grids are drawn as one PNG mosaic inside a single ``go.Image`` trace rather than one
subplot per digit: 32 subplots take ~100 ms to build and serialise, one mosaic a few ms,
and the browser draws a single picture.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from aecore.images import as_pixels, mosaic, to_png

#: colours used everywhere for train / validation / per-batch loss
TRAIN_COLOR = "#1f5fbf"
VAL_COLOR = "#d9480f"
TRACE_COLOR = "rgba(31, 95, 191, 0.35)"
STAGE_COLORS = ("rgba(240, 200, 60, 0.16)", "rgba(60, 160, 120, 0.13)")  # alternate stage bands
FONT_SIZE = 16  # readable on a projector
FONT = dict(family="'Source Sans Pro', 'Source Sans 3', 'Helvetica Neue', Arial, sans-serif", size=FONT_SIZE,
            color="#111111")

_GAP = 2  # pixels between tiles, before upscaling

#: Plotly's d3 format for a loss in hover labels: 4 significant digits, exponent when huge or tiny
HOVER_NUMBER = ".4~g"
#: axes that show losses or errors: "1e+13", never Plotly's SI prefixes ("65.2T", "100µ")
NUMBER_AXIS = dict(exponentformat="e", showexponent="all")


def fmt_number(value: float | None, digits: int = 4) -> str:
    """A loss, an error or any measured number, readable on a projector.

    Ordinary values keep ``digits`` decimals ("0.0523"); huge or tiny ones switch to
    scientific notation ("6.521e+13", "3.2e-07") so a diverging run's loss fits a metric
    box. A value that was not measured (None, NaN, infinite) is "–" (or "∞"), never a
    number. Every page that shows a loss uses this.
    """
    if value is None:
        return "–"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 10 ** -(digits - 1):
        mantissa, exponent = f"{v:.{max(digits - 1, 1)}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent):+d}"
    # about `digits` significant figures above 10 ("65.21", "12,346"), `digits` decimals below
    decimals = digits if abs(v) < 10 else max(0, digits - 1 - int(math.floor(math.log10(abs(v)))))
    return f"{v:,.{decimals}f}"


def png_data_uri(picture: np.ndarray) -> str:
    """A picture (grayscale uint8 or floats in [0, 1], or uint8 RGB) as a PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(to_png(picture)).decode("ascii")


def image_grid(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    cols: int = 8,
    *,
    row_labels: Sequence[str] | None = None,
    height: int | None = None,
    tile_px: int = 64,
    title: str | None = None,
) -> go.Figure:
    """A grid of grayscale images as one Plotly figure.

    Parameters
    ----------
    images : numpy.ndarray
        ``(n, h, w)`` floats in [0, 1] (values outside are clipped) or uint8 pixels.
    titles : list of str, optional
        One short caption per image, drawn above it.
    cols : int, default 8
        Images per row; rows are filled left to right, top to bottom.
    row_labels : list of str, optional
        A label at the left of each row (e.g. "input", "reconstruction").
    height : int, optional
        Figure height in pixels; by default it follows from ``tile_px`` and the row count.
    tile_px : int, default 64
        Approximate on-screen size of one image, used for the default height.
    title : str, optional
        Figure title.
    """
    x = as_pixels(images)
    n, h, w = x.shape
    cols = max(1, min(int(cols), max(n, 1)))
    rows = max(1, math.ceil(n / cols))
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    # Each tile gets a band above it for its caption when titles are given. Small digits
    # (8x8) are enlarged with nearest neighbour so they stay crisp in every browser.
    band = int(round(h * 0.5)) if titles else 0
    scale = max(1, int(math.ceil(48 / max(h, w))))
    cell_h, cell_w = h + band + _GAP, w + _GAP
    picture = mosaic(x, cols, pad=_GAP * scale, scale=scale, band=band * scale)
    H, W = picture.shape

    fig = go.Figure(go.Image(source=png_data_uri(picture), x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    annotations = []
    if titles:
        for i, t in enumerate(titles):
            r, c = divmod(i, cols)
            annotations.append(dict(
                x=(c * cell_w + w / 2) * scale, y=(r * cell_h + band - 1) * scale, text=str(t),
                showarrow=False, xanchor="center", yanchor="bottom", font=dict(size=FONT_SIZE - 1),
            ))
    label_space = 0
    if row_labels:
        label_space = 12 + 9 * max(len(str(s)) for s in row_labels)
    tickvals = [(r * cell_h + band + h / 2) * scale for r in range(rows)]
    fig.update_layout(
        annotations=annotations,
        margin=dict(l=label_space + 4, r=4, t=40 if title else 4, b=4),
        height=height or int(rows * (tile_px * (h + band + _GAP) / h) + (40 if title else 8)),
        title=dict(text=title, font=dict(size=FONT_SIZE + 2)) if title else None,
        plot_bgcolor="white",
        paper_bgcolor="rgba(0,0,0,0)",
        dragmode=False,
        font=FONT,
    )
    fig.update_xaxes(visible=False, range=[-0.5, W - 0.5], fixedrange=True)
    fig.update_yaxes(
        visible=bool(row_labels), range=[H - 0.5, -0.5], fixedrange=True, scaleanchor="x",
        tickvals=tickvals[: len(row_labels)] if row_labels else None,
        ticktext=list(row_labels)[:rows] if row_labels else None,
        showgrid=False, zeroline=False, showline=False, ticks="",
        tickfont=dict(size=FONT_SIZE),
    )
    return fig


def _finite(values: Sequence[float]) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(float(v)) else None for v in values]


#: how the loss terms a model logs beside its total are titled (others keep their Keras name)
TERM_TITLES = {"reconstruction": "reconstruction (BCE summed over pixels)", "kl": "KL divergence from N(0, I)"}


def loss_terms(history) -> list[str]:
    """Names of the per-epoch loss terms logged beside the total (a VAE's ``reconstruction``
    and ``kl``): those of :data:`TERM_TITLES` in its order, then any others as logged. Their
    ``val_`` versions go with them."""
    extra = getattr(history, "extra", None) or {}
    names = [k for k, v in extra.items()
             if not k.startswith("val_") and any(x is not None for x in _finite(v))]
    known = list(TERM_TITLES)
    return sorted(names, key=lambda k: known.index(k) if k in known else len(known))


def _epoch_curves(fig: go.Figure, epochs, train, val, first: bool, cuts=(), **where) -> None:
    """A train curve and (when it has values) a dotted validation curve, in one subplot; the
    lines break at each stage boundary in ``cuts``."""
    x, y = _cut(list(epochs), _finite(train), list(cuts))
    fig.add_trace(go.Scatter(
        x=x, y=y, name="train", legendgroup="train", showlegend=first,
        mode="lines+markers", line=dict(color=TRAIN_COLOR, width=3), marker=dict(size=8),
        hovertemplate=f"%{{y:{HOVER_NUMBER}}}",
    ), **where)
    if val is not None and any(v is not None for v in _finite(val)):
        x, y = _cut(list(epochs), _finite(val), list(cuts))
        fig.add_trace(go.Scatter(
            x=x, y=y, name="validation", legendgroup="validation", showlegend=first,
            mode="lines+markers", line=dict(color=VAL_COLOR, width=3, dash="dot"), marker=dict(size=8),
            hovertemplate=f"%{{y:{HOVER_NUMBER}}}",
        ), **where)


def loss_figure(history, loss_name: str = "loss", height: int = 340, stage: str = "") -> go.Figure:
    """Train and validation loss per epoch, with the per-batch trace behind them.

    ``history`` is an :class:`aecore.training.History` (or anything with ``epoch``,
    ``loss``, ``val_loss``, ``trace_x``, ``trace_loss`` lists). When it also logs loss terms
    beside the total (``history.extra``: a VAE's reconstruction and KL), each term gets its
    own panel under the total, on its own scale (a KL of 5 nats would be a flat line at
    the bottom of a 160-nat axis), and the figure grows by ``0.65 * height``. A run of
    several stages (``history.stage``; ``stage`` is the one training now) gets a labelled
    band per stage, and its lines break between stages, whose losses are on different scales.
    """
    terms = loss_terms(history) if history.epoch else []
    if terms:
        from plotly.subplots import make_subplots

        n = len(terms)
        fig = make_subplots(
            rows=2, cols=n, specs=[[{"colspan": n}] + [None] * (n - 1), [{} for _ in terms]],
            row_heights=[0.6, 0.4], vertical_spacing=0.2, horizontal_spacing=0.14,
            subplot_titles=[""] + [TERM_TITLES.get(t, t) for t in terms],  # the total's axis title says it
        )
        main: dict = dict(row=1, col=1)
    else:
        fig = go.Figure()
        main = {}
    bands = _stage_bands(list(getattr(history, "stage", [])), stage, history.trace_x)
    cuts = [end for _, _, end in bands[:-1]]
    if history.trace_x:
        tx, ty = _cut(list(history.trace_x), _finite(history.trace_loss), cuts)
        fig.add_trace(go.Scatter(
            x=tx, y=ty, name="per batch",
            mode="lines" if len(history.trace_x) > 30 else "lines+markers", marker=dict(size=5),
            line=dict(color=TRACE_COLOR, width=2), hovertemplate=f"%{{y:{HOVER_NUMBER}}}<extra>batch</extra>",
        ), **main)
    if history.epoch:
        _epoch_curves(fig, history.epoch, history.loss, history.val_loss, True, cuts, **main)
    for j, term in enumerate(terms):
        _epoch_curves(fig, history.epoch, history.extra[term], history.extra.get("val_" + term), False, cuts,
                      row=2, col=j + 1)
    label = {"bce": "binary cross-entropy", "mse": "mean squared error"}.get(loss_name, loss_name)
    if terms:
        label = "reconstruction + β × KL" if set(terms) == {"reconstruction", "kl"} else "total"
    fig.update_layout(
        height=int(height * 1.65) if terms else height,
        margin=dict(l=80, r=16, t=36, b=64),
        font=FONT,
        xaxis_title="epoch",
        yaxis_title=f"loss ({label})",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        hovermode="x unified",
        uirevision="loss",  # keep the user's zoom while the curve is redrawn
        plot_bgcolor="white",
    )
    if terms:
        fig.update_xaxes(title_text="epoch", row=2)
        fig.update_annotations(font=dict(size=FONT_SIZE, color="#111111"))
    fig.update_xaxes(rangemode="tozero", gridcolor="#e5e5e5", automargin=True, zeroline=False)
    fig.update_yaxes(gridcolor="#e5e5e5", automargin=True, zeroline=False, **NUMBER_AXIS)
    for i, (name, start, end) in enumerate(bands):
        # Vertical text fits a long name ("pretrain layer 2 (128-64)") into a band one epoch wide.
        fig.add_vrect(x0=start, x1=end, fillcolor=STAGE_COLORS[i % 2], line_width=0, layer="below",
                      annotation=dict(text=name, textangle=-90 if end - start < 4 else 0, yanchor="top",
                                      font=dict(size=FONT_SIZE - 3, color="#444")),
                      annotation_position="top left", **main)
    if not history.trace_x and not history.epoch:
        fig.add_annotation(text="the loss curve appears here once training starts", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5, font=dict(size=FONT_SIZE, color="#666"))
        fig.update_xaxes(visible=False, range=[0, 1])
        fig.update_yaxes(visible=False, range=[0, 1])
        fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), height=min(height, 200),
                          plot_bgcolor="#f6f8fb")
    return fig


def _stage_bands(stages: list[str], current: str, trace_x) -> list[tuple[str, float, float]]:
    """(name, first x, last x) of each run of epochs of one stage; epoch e spans (e - 1, e]."""
    if current and trace_x and max(trace_x) > len(stages):  # the epoch under way
        stages = stages + [current] * (math.ceil(max(trace_x)) - len(stages))
    bands: list[tuple[str, float, float]] = []
    for e, name in enumerate(stages, start=1):
        if bands and bands[-1][0] == name:
            bands[-1] = (name, bands[-1][1], e)
        else:
            bands.append((name, e - 1, e))
    return bands


def _cut(xs: list[float], ys: list, cuts: list[float]) -> tuple[list, list]:
    """Insert a gap (None) wherever consecutive x values straddle a stage boundary."""
    out_x, out_y = [], []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if i and any(xs[i - 1] <= c < x for c in cuts):
            out_x.append(None)
            out_y.append(None)
        out_x.append(x)
        out_y.append(y)
    return out_x, out_y


def _code_grid_shape(n: int) -> tuple[int, int]:
    rows = int(math.floor(math.sqrt(n)))
    while rows > 1 and n % rows:
        rows -= 1
    return rows, n // rows


#: Home's demo draws a code of up to this many numbers as cells with their values on hover,
#: a longer one as a single PNG
HOVER_CELLS = 256


def _viridis_pixels(values: np.ndarray, lo: float, span: float) -> np.ndarray:
    """uint8 RGB ``(n, 3)`` of ``values`` on Plotly's Viridis scale from ``lo`` to ``lo + span``
    (not-a-number values grey)."""
    from plotly import colors

    stops = np.array([colors.hex_to_rgb(c) for c in colors.sequential.Viridis], dtype=np.float64)
    t = np.nan_to_num((values - lo) / span, nan=0.0, posinf=1.0, neginf=0.0).clip(0, 1)
    grid = np.linspace(0, 1, len(stops))
    rgb = np.stack([np.interp(t, grid, stops[:, c]) for c in range(3)], axis=-1)
    rgb[~np.isfinite(values)] = 204
    return np.rint(rgb).astype(np.uint8)


def autoencoder_html(originals: np.ndarray, codes: np.ndarray, reconstructions: np.ndarray,
                     titles: Sequence[str] | None = None, tile_px: int = 110) -> str:
    """Input -> code -> reconstruction for a few images as plain HTML (for ``st.html``).

    One column per image. Digits are PNG data URIs drawn with crisp, enlarged pixels; codes of
    up to 12 numbers are bars (a 2-number code also printed under its bars), longer codes a
    near-square heat map (a 32-number code as 4x8, Viridis), all plain styled <div>s. Hovering
    a bar or cell shows its value; a code of more than ``HOVER_CELLS`` numbers is one PNG. No
    Plotly: the browser draws it the moment the page arrives, which is what Home's first screen
    needs (loading Plotly's bundle alone took ~2 s there).
    """
    from html import escape

    from plotly.colors import sample_colorscale

    a, b = as_pixels(originals), as_pixels(reconstructions)
    codes = np.asarray(codes, dtype=np.float64).reshape(len(a), -1)
    n, k = codes.shape
    h, w = a.shape[1:]
    finite = codes[np.isfinite(codes)]
    lo = min(float(finite.min()), 0.0) if finite.size else 0.0
    hi = max(float(finite.max()), 0.0) if finite.size else 1.0
    span = (hi - lo) or 1.0
    pixel = f"width:100%;aspect-ratio:{w}/{h};image-rendering:pixelated;display:block;background:#000"

    def img(picture: np.ndarray, alt: str) -> str:
        return f'<img src="{png_data_uri(picture)}" alt="{escape(alt)}" style="{pixel}">'

    def tip(i: int, v: float) -> str:
        return f'title="unit {i + 1}: {escape(fmt_number(v))}"'

    # Plain styled <div>s: Streamlit's sanitiser keeps those (and their titles, shown on
    # hover) but drops inline SVG.
    def code_html(v: np.ndarray) -> str:
        if k <= 12:  # bars from a zero line, one per unit
            zero, slot = 100 * hi / span, 100 / k
            parts = [f'<div style="position:absolute;left:0;right:0;top:{zero:.2f}%;border-top:1px solid #888"></div>']
            for i, x in enumerate(v):
                top, height = (0.0, 100.0) if not math.isfinite(x) else (zero - 100 * max(x, 0) / span,
                                                                         max(100 * abs(x) / span, 0.5))
                colour = TRAIN_COLOR if math.isfinite(x) else "#ccc"
                parts.append(f'<div {tip(i, x)} style="position:absolute;left:{i * slot + slot * 0.1:.2f}%;'
                             f'width:{slot * 0.8:.2f}%;top:{top:.2f}%;height:{height:.2f}%;background:{colour}"></div>')
            box = "position:relative;width:100%;aspect-ratio:1/1;background:#f4f4f4"
            html = f'<div style="{box}">{"".join(parts)}</div>'
        elif k <= HOVER_CELLS:  # a heat map, reshaped near-square, one <div> per number
            rr, cc = _code_grid_shape(k)
            t = np.nan_to_num((v - lo) / span, nan=0.0, posinf=1.0, neginf=0.0).clip(0, 1)
            colours = sample_colorscale("Viridis", list(t))
            parts = [f'<div {tip(i, x)} style="background:{c if math.isfinite(x) else "#ccc"}"></div>'
                     for i, (x, c) in enumerate(zip(v, colours, strict=True))]
            html = (f'<div style="display:grid;grid-template-columns:repeat({cc}, 1fr);width:100%;'
                    f'aspect-ratio:{cc}/{rr}">{"".join(parts)}</div>')
        else:  # thousands of numbers: one PNG (a <div> each would make the page megabytes)
            rr, cc = _code_grid_shape(k)
            html = (f'<img src="{png_data_uri(_viridis_pixels(v, lo, span).reshape(rr, cc, 3))}" '
                    f'alt="code of {k} numbers" title="{k} numbers from {escape(fmt_number(lo))} to '
                    f'{escape(fmt_number(hi))}" style="width:100%;aspect-ratio:{cc}/{rr};image-rendering:pixelated;'
                    'display:block">')
        if k <= 2:
            html += f'<div style="text-align:center;font-size:0.85em">{", ".join(fmt_number(x, 2) for x in v)}</div>'
        return html

    label = "font-weight:600;text-align:right;padding-right:4px;white-space:nowrap"
    cells = ['<div></div>']
    cells += [f'<div style="text-align:center;font-weight:600">{escape(str(t))}</div>' for t in (titles or [""] * n)]
    names = [("input", [img(a[j], f"input {j + 1}") for j in range(n)]),
             (f"code ({k} number{'s' if k != 1 else ''})", [code_html(codes[j]) for j in range(n)]),
             ("reconstruction", [img(b[j], f"reconstruction {j + 1}") for j in range(n)])]
    for name, row in names:
        cells.append(f'<div style="{label}">{escape(name)}</div>')
        cells += [f"<div>{c}</div>" for c in row]
    grid = (f"display:grid;grid-template-columns:max-content repeat({n}, minmax(0, {tile_px}px));"
            "gap:8px 10px;align-items:center;font-size:16px;color:#111")
    key = ""
    if k > 12:  # what the heat map's colours mean
        hover = "a cell for its value" if k <= HOVER_CELLS else "a code for its range"
        key = (f'<div style="font-size:0.85em;color:#555;margin-top:4px">code colours: dark purple = '
               f'{escape(fmt_number(lo, 2))} … yellow = {escape(fmt_number(hi, 2))}; hover {hover}</div>')
    return f'<div class="ae-demo" style="{grid}">{"".join(cells)}</div>{key}'


def overlay_figure(curves: Sequence[tuple[str, str, object, float]], x: str = "epoch", log: bool = False,
                   height: int = 400) -> go.Figure:
    """Several runs' loss curves on one chart: each run's colour, validation solid, train dashed.

    ``curves`` holds ``(name, colour, history, seconds trained)``. ``x="seconds"`` spaces a
    run's epochs evenly over its training time (a History keeps no clock), so a slow run's
    curve stretches to the right; ``log`` puts the loss on a log axis.
    """
    fig = go.Figure()
    for name, colour, h, seconds in curves:
        n = len(h.epoch)
        if not n:
            continue
        xs = list(h.epoch) if x == "epoch" else [seconds * (i + 1) / n for i in range(n)]
        has_val = any(v is not None for v in _finite(h.val_loss))
        if has_val:
            fig.add_trace(go.Scatter(x=xs, y=_finite(h.val_loss), name=name, legendgroup=name, mode="lines+markers",
                                     line=dict(color=colour, width=3), marker=dict(size=7),
                                     hovertemplate=f"validation %{{y:{HOVER_NUMBER}}}"))
        fig.add_trace(go.Scatter(x=xs, y=_finite(h.loss), name=name, legendgroup=name, showlegend=not has_val,
                                 mode="lines", line=dict(color=colour, width=2, dash="dash"),
                                 hovertemplate=f"train %{{y:{HOVER_NUMBER}}}"))
    fig.update_layout(height=height, margin=dict(l=80, r=16, t=24, b=64), font=FONT, plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=13)))
    fig.update_xaxes(title="epoch" if x == "epoch" else "seconds trained", gridcolor="#e5e5e5", automargin=True,
                     **(dict(dtick=1) if x == "epoch" else {}))
    fig.update_yaxes(title="loss", type="log" if log else "linear", gridcolor="#e5e5e5", automargin=True,
                     **NUMBER_AXIS)
    return fig


def sweep_figure(param: str, points: Sequence[tuple[object, float | None, str]], log_x: bool = False,
                 height: int = 340) -> go.Figure:
    """Final validation loss against one hyperparameter's value; ``points`` are ``(value, loss,
    colour)``; values that are not numbers (layer lists) are shown as categories in order."""
    fig = go.Figure()
    xs = [v if isinstance(v, (int, float)) else ("-".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
          for v, _, _ in points]
    ys = _finite([float("nan") if y is None else y for _, y, _ in points])
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", line=dict(color="#888888", width=2),
                             marker=dict(size=12, color=[c for _, _, c in points]), name="final validation loss",
                             hovertemplate=f"{param} %{{x}}: %{{y:{HOVER_NUMBER}}}<extra></extra>"))
    numeric = all(isinstance(v, (int, float)) for v in xs)
    fig.update_layout(height=height, margin=dict(l=80, r=16, t=24, b=64), font=FONT, plot_bgcolor="white",
                      showlegend=False)
    fig.update_xaxes(title=param, type=("log" if log_x else "linear") if numeric else "category",
                     gridcolor="#e5e5e5", automargin=True)
    fig.update_yaxes(title="final validation loss", gridcolor="#e5e5e5", automargin=True, **NUMBER_AXIS)
    return fig
