"""Anomalies: each image's reconstruction error as an outlier score.

The test images ranked from typical to atypical, their errors by class, then outliers
mixed in (another dataset or noise): the ROC curve, its AUC, and a threshold that shows
what it catches and what it misses.
"""

import streamlit as st

from aecore import anomaly
from ui import anomalies as an
from ui import page_memory as memory
from ui import state, widgets

MODEL, COUNT, SOURCE, N_OUT, THRESHOLD = "an_model", "an_count", "an_source", "an_n_out", "an_threshold"
TYPICAL, ATYPICAL, HIST, ROC, MIX = "an_typical", "an_atypical", "an_hist", "an_roc", "an_mix"
CAUGHT, MISSED, ALARMS = "an_caught", "an_missed", "an_alarms"
KEPT = "an_kept"
STATIC = {"displayModeBar": False, "staticPlot": True}


def ranking_section(entry, ds, scored):
    st.subheader("Typical and atypical test images")
    n = st.radio("Images per grid", an.GRID_COUNTS, key=COUNT, horizontal=True)
    order = anomaly.rank(scored.scores)
    a, b = st.columns(2)
    for col, picked, title, key in ((a, order[:n], "Most typical: the lowest errors", TYPICAL),
                                    (b, order[::-1][:n], "Most atypical: the highest errors", ATYPICAL)):
        col.markdown(f"**{title}**")
        col.plotly_chart(an.scored_grid(ds.x_test[scored.idx[picked]], scored.scores[picked]), key=key,
                         config=STATIC)
    st.caption(f"Above each image: its reconstruction error (mean squared error over the pixels), out of "
               f"{len(scored.idx):,} test images of **{ds.name}**.")
    st.plotly_chart(an.class_histogram(scored.scores, ds.y_test[scored.idx], ds.class_names), key=HIST,
                    config={"displayModeBar": False})
    st.caption("Errors by class, stacked: some classes are simply harder to reconstruct than others.")


def outlier_section(entry, ds, scored):
    st.subheader("Mix in outliers")
    options = an.source_options(ds)
    kept = memory.kept_values(KEPT).get(SOURCE)
    memory.keep_valid(SOURCE, options, kept if kept in options else options[0])
    c1, c2 = st.columns(2)
    source = c1.selectbox("Outliers", options, key=SOURCE, format_func=an.source_label,
                          help="Images the model never saw, mixed in with its own test images")
    n_out = c2.select_slider("How many outliers", an.OUTLIER_COUNTS, key=N_OUT)
    with widgets.user_errors():
        with st.spinner("Scoring the outliers…"):
            x_out, s_out = an.outliers(entry, source, n_out, ds.image_shape)
        mix = anomaly.Mix(scored.scores, s_out)
        r = anomaly.roc(mix)
        name = an.source_label(source)
        st.markdown(f"### AUC {r['auc']:.3f}")
        st.caption(f"The chance that a random outlier ({name}) has a higher error than a random test image of "
                   f"{ds.name}: 1 separates them perfectly, 0.5 is a coin toss, below 0.5 the outliers "
                   "reconstruct *better*.")
        threshold_section(ds, scored, mix, x_out, name, r)


def threshold_section(ds, scored, mix, x_out, name, r):
    lo, hi, step = an.slider_range(mix.scores)
    default = min(max(an.default_threshold(mix.inlier_scores), lo), hi)
    if not lo <= memory.value(THRESHOLD, default) <= hi:
        memory.forget(THRESHOLD)
    t = st.slider("Threshold: an image with a higher error than this is flagged as an outlier", lo, hi,
                  value=default, step=step, key=THRESHOLD, format="%.4f")
    counts = anomaly.threshold_counts(mix, t)
    m = st.columns(4)
    m[0].metric(f"Outliers caught (of {len(x_out):,})", f"{counts['caught']:,}")
    m[1].metric("Outliers missed", f"{counts['missed']:,}")
    m[2].metric(f"False alarms (of {len(scored.idx):,})", f"{counts['false_alarms']:,}",
                help="Test images of the model's own dataset flagged as outliers")
    m[3].metric("Test images passed", f"{counts['passed']:,}")
    a, b = st.columns(2)
    a.plotly_chart(an.roc_figure(r, counts), key=ROC, config={"displayModeBar": False})
    b.plotly_chart(an.mix_histogram(mix, t, name), key=MIX, config={"displayModeBar": False})
    cols = st.columns(3)
    caught = an.examples(mix.outlier_scores, mix.outlier_scores >= t, 8, highest=False)
    missed = an.examples(mix.outlier_scores, mix.outlier_scores < t, 8, highest=False)
    alarms = an.examples(mix.inlier_scores, mix.inlier_scores >= t, 8, highest=True)
    for col, title, images, scores, key in (
            (cols[0], "Caught (closest to the threshold)", x_out[caught], mix.outlier_scores[caught], CAUGHT),
            (cols[1], "Missed (they look typical to the model)", x_out[missed], mix.outlier_scores[missed], MISSED),
            (cols[2], "False alarms (own test images flagged)", ds.x_test[scored.idx[alarms]],
             mix.inlier_scores[alarms], ALARMS)):
        col.markdown(f"**{title}**")
        if len(images):
            col.plotly_chart(an.scored_grid(images, scores), key=key, config=STATIC)
        else:
            col.caption("None at this threshold.")


def main():
    st.title("Anomalies")
    st.markdown("**The lesson:** an autoencoder reconstructs what looks like its training images well and "
                "anything else badly, so each image's reconstruction error is an outlier score — low is typical, "
                "high is atypical. It comes from the autoencoder survey this app follows, which lists anomaly "
                "detection by reconstruction error among the uses of autoencoders.")
    available = widgets.require_model("rank test images from typical to atypical and find outliers")
    labels = list(available)
    kept = memory.restore_widgets(KEPT, {COUNT: an.GRID_COUNTS[0], N_OUT: an.OUTLIER_COUNTS[-1]})
    memory.keep_valid(MODEL, labels, kept.get(MODEL) if kept.get(MODEL) in labels else labels[0])
    label = st.selectbox("Model", labels, key=MODEL, help="Any model trained (or loaded) in this session.")
    entry = available[label]
    ds = state.entry_dataset(entry)
    with st.spinner("Reconstructing the test images…"):
        scored = an.test_scores(entry, ds)
    ranking_section(entry, ds, scored)
    outlier_section(entry, ds, scored)
    memory.remember_widgets(KEPT, (MODEL, COUNT, SOURCE, N_OUT))


widgets.guard(main)
