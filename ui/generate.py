"""The Generate page's helpers: which models it can use, what they draw, the latent map.

Everything a model draws comes from :mod:`aecore.vae` and :mod:`aecore.inference`; this
module picks the models, turns a click on the map into a code, and builds the figures.
``aecore.vae`` imports Keras, so it is imported where a model is used, never when the page
only says that no VAE exists yet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from aecore import inference
from aecore.variants import PRESETS
from ui import latent as lt
from ui.plots import FONT_SIZE
from ui.state import ModelEntry

N_SAMPLES, SAMPLE_COLS = 32, 8  # the prior grid of a plain VAE: 4 rows of 8
CLASS_ROW = 10  # samples per class in a conditional VAE's rows
PRIOR_SPAN = 2.0  # the manifold grid covers the prior's central +-2 standard deviations
MANIFOLD_GRID = 15
MAP_POINTS = 1000  # test digits drawn on the latent map
CLICK_GRID = 41  # invisible points per axis that make the whole map clickable
STEPS = (5, 15, 9)  # interpolation steps: low, high, default


def vae_presets() -> list[str]:
    """The Train page's VAE presets, by their button labels (for "how to train one")."""
    return [label for label, (variant, _) in PRESETS.items() if variant == "vae"]


def is_vae(entry: ModelEntry) -> bool:
    if entry.source == "store":  # known from its saved configuration, without loading its weights
        return entry.config.get("variant") == "vae"
    from aecore.vae import is_vae as _is  # Keras is loaded already: the entry holds a model

    return _is(entry.models)


def vae_entries(available: Mapping[str, ModelEntry]) -> dict[str, ModelEntry]:
    """The VAEs among the session's models (the shared list, filtered)."""
    return {label: e for label, e in available.items() if is_vae(e)}


def plain_entries(available: Mapping[str, ModelEntry], image_shape: tuple[int, int]) -> dict[str, ModelEntry]:
    """The plain autoencoders that take these images, 2-d codes first (the fairest comparison
    with a 2-d VAE)."""
    out = {label: e for label, e in available.items()
           if not is_vae(e) and (tuple(e.image_shape) == tuple(image_shape) if e.source == "store"
                                 else inference.fits(e.models, image_shape))}
    return dict(sorted(out.items(), key=lambda kv: kv[1].code_size != 2))


def model_caption(entry: ModelEntry) -> str:
    """"2-d code, β = 1, conditional on 10 classes"."""
    bits = [f"{entry.code_size}-d code"]
    beta = entry.config.get("beta")
    if beta is not None:
        bits.append(f"β = {float(beta):g}")
    k = inference.n_classes_of(entry.models)
    if k:
        bits.append(f"conditional on {k} classes")
    return ", ".join(bits)


# ---------------------------------------------------------------------------- drawing
def prior_samples(entry: ModelEntry, seed: int, n: int = N_SAMPLES) -> np.ndarray:
    """``n`` digits decoded from codes drawn from N(0, I) with ``seed``."""
    from aecore import vae

    return vae.sample(entry.models, entry.config, n, seed=seed)


def class_rows(entry: ModelEntry, seed: int, per_class: int = CLASS_ROW) -> np.ndarray:
    """A conditional VAE's samples, ``per_class`` of each class, class by class (one row each)."""
    from aecore import vae

    k = inference.n_classes_of(entry.models)
    labels = np.repeat(np.arange(k), per_class)
    return vae.sample(entry.models, entry.config, k * per_class, seed=seed, label=labels)


def class_samples(entry: ModelEntry, label: int, seed: int, n: int = CLASS_ROW) -> np.ndarray:
    """``n`` samples of one class from a conditional VAE."""
    from aecore import vae

    return vae.sample(entry.models, entry.config, n, seed=seed, label=int(label))


def draw_at(entry: ModelEntry, z: tuple[float, float], label: int | None = None) -> np.ndarray:
    """The digit the decoder draws at code ``z`` (as class ``label`` for a conditional VAE)."""
    codes = np.asarray([z], dtype=np.float32)
    return inference.decode(entry.models, entry.config, codes, labels=None if label is None else [int(label)])


def manifold(entry: ModelEntry, label: int | None = None, span: float = PRIOR_SPAN,
             grid: int = MANIFOLD_GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images ``(grid * grid, h, w)``, z1 left to right, z2 top to bottom) over the prior's centre."""
    from aecore import vae

    images = vae.manifold(entry.models, entry.config, grid=grid, span=span, label=label)
    axis = np.linspace(-span, span, grid, dtype=np.float32)
    return images.reshape(-1, *images.shape[2:]), axis, axis[::-1]


@dataclass
class Strip:
    """One row of the interpolation picture."""

    label: str
    images: np.ndarray


def crossfade(a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """The two pictures blended pixel by pixel (what "halfway" means without a code), in [0, 1]."""
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None, None]
    return (1 - t) * (np.asarray(a, np.float32) / 255.0) + t * (np.asarray(b, np.float32) / 255.0)


def interpolation(vae_entry: ModelEntry, plain: ModelEntry | None, x_a: np.ndarray, x_b: np.ndarray,
                  y_a: int, y_b: int, steps: int) -> list[Strip]:
    """The strips between two test digits: pixels, the VAE's code line, the plain autoencoder's."""
    labels = (int(y_a), int(y_b))
    rows = [Strip("pixels", crossfade(x_a, x_b, steps)),
            Strip("VAE", inference.interpolate(vae_entry.models, vae_entry.config, x_a, x_b, steps,
                                               labels=labels))]
    if plain is not None:
        rows.append(Strip("plain AE", inference.interpolate(plain.models, plain.config, x_a, x_b, steps,
                                                            labels=labels)))
    return rows


# ---------------------------------------------------------------------------- the latent map
def map_limit(codes: np.ndarray) -> float:
    """Half the width of the map and the sliders: the prior's +-3, or wider when the codes
    spread further (a VAE trained with a small beta), to a half-unit."""
    codes = np.asarray(codes, dtype=np.float32)
    finite = codes[np.isfinite(codes).all(axis=1)] if codes.size else codes
    reach = float(np.percentile(np.abs(finite), 99)) if len(finite) else 0.0
    return float(min(50.0, max(3.0, math.ceil(reach * 2) / 2)))


def clamp(value: float, limit: float) -> float:
    return float(min(limit, max(-limit, round(float(value), 2))))


def point_from_selection(event: Any) -> tuple[float, float] | None:
    """The code a map selection points at: the centre of the last box dragged, else the
    last point clicked; None when nothing is selected."""
    try:
        selection = event["selection"]
    except (KeyError, TypeError, AttributeError):
        return None
    try:
        box = (selection.get("box") or [])[-1]
        xs, ys = box["x"], box["y"]
        return float(np.mean(xs)), float(np.mean(ys))
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        pass
    for pt in reversed(selection.get("points") or []):
        try:
            return float(pt["x"]), float(pt["y"])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def latent_map(p: lt.Projection, s: lt.Sample, class_names, colors: dict[str, str], z: tuple[float, float],
               limit: float, span: float = PRIOR_SPAN, height: int = 460) -> go.Figure:
    """The test digits' code means coloured by class, with the chosen code as a cross.

    An invisible grid of points covers the map, so a click anywhere selects the code
    under the pointer; a box dragged with the toolbar's box select picks its centre. The
    dashed square is the area the manifold grid is drawn from.
    """
    fig = lt.scatter_figure(p, s, class_names, colors, height=height)
    fig.update_traces(selected=dict(marker=dict(opacity=0.8)), unselected=dict(marker=dict(opacity=0.8)))
    axis = np.linspace(-limit, limit, CLICK_GRID)
    gx, gy = (a.ravel() for a in np.meshgrid(axis, axis))
    fig.add_trace(go.Scatter(
        x=gx, y=gy, mode="markers", name="code", showlegend=False,
        marker=dict(size=12, color="rgba(0,0,0,0)"), selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)), hovertemplate="z = (%{x:.2f}, %{y:.2f})<extra></extra>",
    ))
    fig.add_shape(type="rect", x0=-span, y0=-span, x1=span, y1=span, line=dict(color="#888", dash="dash"))
    # WebGL points are drawn over SVG ones, so the chosen code is a WebGL trace added last,
    # and its cross-hair lines are shapes (drawn above every trace)
    for line in (dict(x0=z[0], x1=z[0], y0=-limit, y1=limit), dict(x0=-limit, x1=limit, y0=z[1], y1=z[1])):
        fig.add_shape(type="line", line=dict(color="#111", width=1.5), opacity=0.7, layer="above", **line)
    fig.add_trace(go.Scattergl(
        x=[z[0]], y=[z[1]], mode="markers", name="chosen code", showlegend=False, hoverinfo="skip",
        marker=dict(symbol="circle-open", size=20, line=dict(width=3, color="#111"), color="#111"),
    ))
    # No drag mode: Streamlit makes a click select a point only outside box/lasso mode (box
    # select stays one click away in the chart's toolbar)
    fig.update_layout(dragmode=False, hovermode="closest", margin=dict(l=10, r=10, t=10, b=10),
                      font=dict(size=FONT_SIZE - 3))
    fig.update_xaxes(range=[-limit, limit], title="z1", constrain="domain")
    fig.update_yaxes(range=[-limit, limit], title="z2", scaleanchor="x", constrain="domain")
    return fig


# ---------------------------------------------------------------------------- widget state
def keep_in_range(keys: tuple[str, ...], limit: float) -> None:
    """Pull slider values back inside +-``limit`` (another model's map may be narrower)."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = clamp(st.session_state[key], limit)


def map_callback(map_key: str, z_keys: tuple[str, str], limit: float):
    """The map's on_select callback: move the z1, z2 sliders to the code the user picked."""
    def picked() -> None:
        point = point_from_selection(st.session_state.get(map_key))
        if point is not None:
            for key, value in zip(z_keys, point, strict=True):
                st.session_state[key] = clamp(value, limit)

    return picked
