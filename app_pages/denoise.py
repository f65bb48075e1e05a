"""Denoise: slide the noise factor and watch a trained model clean up noisy test digits.

Only the handful of digits on screen are reconstructed per rerun, so moving the slider
answers at once; the error-against-noise curve is measured once per model and noise kind
and cached. ``?noise=0.3`` in the link sets the starting noise factor.
"""

import streamlit as st

from aecore.inference import fits, image_shape_of
from aecore.noise import NOISE_KINDS
from ui import denoise as dn
from ui import exports, run_records, state, widgets
from ui import page_memory as memory

# Widget keys (stable, so tests and links can address them).
MODEL, COMPARE, KIND, NOISE, METRIC = "dn_model", "dn_compare", "dn_kind", "dn_noise", "dn_metric"
COUNT, PICK, CLASS, SHUFFLE, CURVE, GRID = "dn_count", "dn_pick", "dn_class", "dn_shuffle", "dn_curve", "dn_grid"
SEED = "dn_seed"  # which random digits are shown; "New digits" moves it on
NO_COMPARE = "(none)"
DEFAULTS = {KIND: "gaussian", NOISE: dn.DEFAULT_NOISE, METRIC: dn.METRICS[0],
            COUNT: dn.DEFAULT_COUNT, PICK: dn.PICK_MODES[0], COMPARE: NO_COMPARE}
KEPT = "dn_kept"  # widget values survive a visit to another page


def noise_from_link() -> None:
    """Apply ``?noise=`` once (when it is new); an invalid value is reported, not used."""
    raw = st.query_params.get("noise")
    value, error = dn.parse_noise_param(raw)
    if error:
        st.error(error)
    memory.apply_link_once("noise", raw, NOISE, value)


def keep_link_in_step(factor: float) -> None:
    """Write the slider's value into the link, so the address shares this noise level."""
    text = f"{factor:g}"
    if st.query_params.get("noise") != text:
        st.query_params["noise"] = text
        memory.link_written("noise", text)


def main() -> None:
    st.title("Denoise")
    available = widgets.require_model("add noise to test digits and see what it recovers")

    kept = memory.restore_widgets(KEPT, DEFAULTS)
    memory.set_default(SEED, dn.DIGIT_SEED)
    noise_from_link()
    labels = list(available)
    memory.keep_valid(MODEL, labels, kept.get(MODEL) if kept.get(MODEL) in labels else labels[0])

    # The model pickers get half the width each: their labels end in the epoch count, which
    # a narrower box (a 1024-px projector) cuts off.
    c1, c2 = st.columns(2)
    with c1:
        label = st.selectbox("Model", labels, key=MODEL,
                             help="Any model trained (or loaded) in this session.")
    others = [NO_COMPARE] + [x for x in labels if x != label]
    memory.keep_valid(COMPARE, others, NO_COMPARE)
    with c2:
        other = st.selectbox("Compare with", others, key=COMPARE,
                             help="A second model, e.g. a plain autoencoder next to the denoising one.")
    c3, c4, c5 = st.columns([2, 2, 5], vertical_alignment="bottom")
    with c3:
        kind = st.selectbox("Noise type", NOISE_KINDS, key=KIND,
                            format_func=lambda k: dn.NOISE_LABELS.get(k, k))
    with c4:
        metric = st.radio("Error shown", dn.METRICS, key=METRIC, horizontal=True,
                          help="PSNR: higher is better. MSE: lower is better.")
    with c5:
        factor = st.slider("Noise factor", min_value=0.0, max_value=1.0, step=dn.NOISE_STEP, key=NOISE,
                           help="0 = clean digits, 1 = mostly noise. The noise pattern stays the same; "
                                "only its strength changes.")
    keep_link_in_step(factor)

    entry = available[label]
    ds = state.entry_dataset(entry)
    entries = [entry]
    if other != NO_COMPARE:
        second = available[other]
        if not fits(second.models, ds.image_shape):
            shape = image_shape_of(second.models)
            st.warning(f"“{other}” takes {shape[0]}x{shape[1]} images, not the "
                       f"{ds.image_shape[0]}x{ds.image_shape[1]} images of {ds.name}; it is left out.")
        else:
            entries.append(second)

    # The grid goes right under the slider; the controls choosing its digits come after it
    # (they are drawn first in the script, since the grid needs their values).
    grid_area = st.container()
    c1, c2, c3, c4 = st.columns([2, 4, 2, 2], vertical_alignment="bottom")
    with c1:
        count = st.selectbox("Digits", dn.COUNT_OPTIONS, key=COUNT)
    with c2:
        mode = st.radio("Which digits", dn.PICK_MODES, key=PICK, horizontal=True)
    cls = None
    with c3:
        if mode == "Single class":
            classes = list(range(ds.num_classes))
            memory.keep_valid(CLASS, classes, kept.get(CLASS) if kept.get(CLASS) in classes else 0)
            cls = st.selectbox("Class", classes, key=CLASS, format_func=lambda c: ds.class_names[c])
    with c4:
        if st.button("New digits", key=SHUFFLE, icon=":material/shuffle:",
                     help="Show a different set of test digits."):
            memory.advance(SEED)
    memory.remember_widgets(KEPT, (*DEFAULTS, MODEL, CLASS))

    idx = dn.pick_indices(ds.y_test, count, mode, memory.value(SEED), cls)
    comp = dn.compare(entries, ds.x_test[idx], factor, kind, labels=ds.y_test[idx])
    for e_label, why in comp.unmeasured.items():
        st.warning(f"“{e_label}”: {why}.", icon=":material/error:")
    names = ["A", "B"] if len(entries) > 1 else [""]
    noisy_errors = [dn.fmt_error(metric, m, p) for m, p in zip(comp.noisy_mse, comp.noisy_psnr, strict=True)]
    rows = [("Original", comp.clean, [ds.class_names[int(c)] for c in ds.y_test[idx]]),
            ("Noisy input", comp.noisy, noisy_errors)]
    for e, n in zip(entries, names, strict=True):
        rows.append((f"Reconstructed {n}".strip(),
                     comp.recon[e.label],
                     [dn.fmt_error(metric, m, p) for m, p in zip(comp.mse[e.label], comp.psnr[e.label], strict=True)]))
    with grid_area:
        model_colors = run_records.entry_colours(entries, dn.MODEL_COLORS)  # each run's Runs-panel colour
        colors = [None, "#555"] + model_colors
        st.plotly_chart(dn.image_rows_figure(rows, caption_colors=colors), key=GRID,
                        config={"displayModeBar": False, "staticPlot": True})
        if len(entries) > 1:
            st.markdown(" · ".join(f"**Reconstructed {n}**: {e.label}" for e, n in zip(entries, names, strict=True)))
        st.caption(f"{len(idx)} test digits of **{ds.name}**, {dn.NOISE_LABELS.get(kind, kind).lower()} noise "
                   f"at factor {factor:.2f}. Under each noisy and reconstructed image: its error against the "
                   "original.")
        exports.grid_download([r[1] for r in rows], f"denoise-noise{factor:.2f}.png")

    st.subheader("Error against noise factor")
    curves = {}
    with st.spinner("Measuring the error at 11 noise levels on 200 test digits…"):
        for e, n in zip(entries, names, strict=True):
            curve, _ = dn.error_curve(e, ds, kind)
            curves[f"{n}: {e.label}" if n else e.label] = curve
            if curve.get("unmeasured") and e.label not in comp.unmeasured:
                st.warning(f"“{e.label}”: {curve['unmeasured']}; those points are left out of the curve.",
                           icon=":material/error:")
    st.plotly_chart(dn.curve_figure(curves, metric, factor, kind, model_colors), key=CURVE,
                    config={"displayModeBar": False})
    st.caption(f"Mean over {dn.CURVE_IMAGES if len(ds.x_test) >= dn.CURVE_IMAGES else len(ds.x_test)} "
               "fixed test digits at 11 noise levels (the same noise pattern as above). "
               + ("A model that is still training gets a new curve as its weights change."
                  if any(e.source == "live" and state.is_training() for e in entries) else ""))


widgets.guard(main)
