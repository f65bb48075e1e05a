"""Latent space: the autoencoder's code next to PCA and t-SNE of the same test digits.

Each map is computed once per choice and cached (t-SNE shows its progress the first
time); selecting points in any map (click, box or lasso) shows those digits.
"""

import pandas as pd
import streamlit as st

from aecore.inference import is_conditional
from ui import exports, plots, state, widgets
from ui import latent as lt
from ui import page_memory as memory

MODEL, SIZE, PERPLEXITY, SEED = "lt_model", "lt_size", "lt_perplexity", "lt_seed"
CHART = {lt.AE: "lt_chart_ae", lt.PCA: "lt_chart_pca", lt.TSNE: "lt_chart_tsne", lt.CODE_TSNE: "lt_chart_code_tsne"}
TABLE, MANIFOLD, SELECTED = "lt_scores", "lt_manifold", "lt_selected"
KEPT = "lt_kept"  # widget values survive a visit to another page


def progress_bar(label: str):
    """A progress bar drawn on first use, and a callback that moves it."""
    holder = st.empty()
    bar = {}

    def update(fraction: float, message: str) -> None:
        if "bar" not in bar:
            bar["bar"] = holder.progress(0.0, text=label)
        bar["bar"].progress(min(1.0, max(0.0, fraction)), text=f"{label}: {message}")

    return holder, update


def main() -> None:
    st.title("Latent space")
    available = widgets.require_model("see its code next to PCA and t-SNE of the same digits")

    labels = list(available)
    kept = memory.kept_values(KEPT)
    # Prefer a 2-D model: its code is the map this page is about.
    two_d = [x for x in labels if available[x].code_size == 2]
    memory.keep_valid(MODEL, labels, kept.get(MODEL) if kept.get(MODEL) in labels else (two_d or labels)[0])

    # The model picker gets a wide box: its label ends in the epoch count and code size,
    # which a narrower one (a 1024-px projector) cuts off. The t-SNE settings go below.
    c1, c2 = st.columns([3, 1])
    c3, c4 = st.columns([3, 1])
    with c1:
        label = st.selectbox("Model", labels, key=MODEL, format_func=lambda x: f"{x} (code {available[x].code_size}-d)")
    entry = available[label]
    ds = state.entry_dataset(entry)
    few = lt.too_few_points(ds)
    if few:
        memory.remember_widgets(KEPT, (MODEL,))
        st.info(few, icon=":material/info:")
        st.stop()
    sizes = lt.sample_options(len(ds.x_test))
    if memory.value(SIZE, kept.get(SIZE)) not in sizes:
        memory.forget(SIZE, KEPT)
    memory.restore_widgets(KEPT, {SIZE: lt.default_sample(sizes), PERPLEXITY: lt.DEFAULT_PERPLEXITY, SEED: 0})
    with c2:
        n = st.selectbox("Test digits", sizes, key=SIZE, format_func=lambda v: f"{v:,}",
                         help="How many test images are projected. t-SNE takes longer for more.")
    with c3:
        perplexity = st.slider("t-SNE perplexity", *lt.PERPLEXITY_RANGE, step=5, key=PERPLEXITY,
                               help="Roughly how many neighbours each point pays attention to.")
    with c4:
        seed = st.number_input("Seed", min_value=0, max_value=9999, step=1, key=SEED,
                               help="Which sample is drawn, and t-SNE's random start.")
    memory.remember_widgets(KEPT, (MODEL, SIZE, PERPLEXITY, SEED))

    s = lt.sample(ds, n, seed)
    used = lt.usable_perplexity(perplexity, len(s.idx))
    if used < perplexity:
        st.caption(f"t-SNE uses perplexity {used:g}: it must stay below the number of points ({len(s.idx)}).")
    perplexity = used
    if len(set(s.y.tolist())) < 2:
        st.caption("Every image shown is of one class, so the maps cannot keep classes apart: the kNN "
                   "accuracy is trivially 1 and the silhouette is undefined (–).")
    if s.subsampled:
        st.info(f"Showing a class-balanced sample of {len(s.idx):,} of the {s.total:,} test images of "
                f"**{ds.name}** (seed {s.seed}); choose more test digits above to see more.")
    else:
        st.caption(f"All {s.total:,} test images of **{ds.name}**.")

    colors = lt.class_colors(ds.class_names)
    st.markdown(lt.legend_html(colors), unsafe_allow_html=True)
    st.caption("Hover a point for its class and index. Click a point, or drag a lasso around some "
               "(box select is in the chart's toolbar), to show those digits below the maps.")

    order = lt.methods_for(entry)
    if len(order) == 4:  # two rows of two: t-SNE of the code beside t-SNE of the pixels
        top, bottom = st.columns(2), st.columns(2)
        cols = dict(zip(order, [*top, *bottom], strict=True))
    else:
        cols = dict(zip(order, st.columns(len(order)), strict=True))
    done: dict[str, lt.Projection] = {}
    keys: dict[str, tuple] = {}
    # Fast ones first, so two maps are on screen while t-SNE runs.
    for method in sorted(order, key=lambda m: lt.needs_tsne(m, entry)):
        model = entry if lt.uses_model(method) else None
        with cols[method]:
            st.markdown(f"#### {lt.panel_title(method, model, s)}")
            with widgets.user_errors():
                what = "t-SNE of the code" if method == lt.CODE_TSNE else "t-SNE of the pixels"
                holder, update = progress_bar(what)
                try:
                    p = lt.projection(s, method, perplexity=perplexity, entry=model,
                                      progress=update if lt.needs_tsne(method, entry) else None)
                finally:
                    holder.empty()
                done[method] = p
                keys[method] = lt.projection_key(s, method, perplexity, model)
                st.plotly_chart(lt.scatter_figure(p, s, ds.class_names, colors), key=CHART[method],
                                on_select="rerun", selection_mode=("points", "box", "lasso"),
                                config={"displaylogo": False,
                                        "modeBarButtonsToRemove": ["toImage", "autoScale2d"]})

    exports.embedding_download({m: (lt.method_name(m, entry), p.emb) for m, p in done.items()}, s.idx, s.y)
    c1, c2 = st.columns([3, 2])
    with c1:
        st.subheader("How well does each map keep the digits apart?")
        rows = []
        for method in order:
            if method in done:
                with widgets.user_errors():
                    rows.append((lt.method_name(method, entry), done[method],
                                 lt.scores(s, done[method], keys[method])))
        if rows:
            st.table(pd.DataFrame(lt.score_rows(rows)), hide_index=True)
            st.caption(f"**kNN-{lt.K} accuracy**: share of held-out points whose {lt.K} nearest neighbours on the "
                       "map mostly share their class. **Trustworthiness**: how far the map's neighbours are "
                       "real neighbours in pixel space (1 = all). **Silhouette**: how compact and separate the "
                       "classes are (−1…1). **Compute time**: how long the projection took when it ran.")
    with c2:
        st.subheader("The decoder's manifold")
        ae = done.get(lt.AE)
        if is_conditional(entry.models):  # its decoder also needs a class: one manifold per class
            st.caption("A conditional VAE draws the class it is told to draw, so it has one manifold per "
                       "class: see them on the Generate page.")
            st.page_link("app_pages/generate.py", label="Generate", icon=":material/draw:")
        elif entry.code_size == 2 and ae is not None and ae.code is not None:
            with widgets.user_errors():
                images, z1, z2 = lt.decode_grid(entry, ae.code)
                st.plotly_chart(lt.manifold_figure(images, z1, z2), key=MANIFOLD,
                                config={"displayModeBar": False, "staticPlot": True})
                st.caption(f"Digits decoded from a {lt.MANIFOLD_SIZE}x{lt.MANIFOLD_SIZE} grid of codes between "
                           f"the {lt.MANIFOLD_PERCENTILES[0]:g}th and {lt.MANIFOLD_PERCENTILES[1]:g}th "
                           "percentile of the codes above: what the decoder draws at each point of the map.")
        else:
            st.caption(f"This model's code has {entry.code_size} numbers, so it cannot be walked as a flat "
                       "grid. Train a 2-D autoencoder (variant deep2d or linear) to see the images its "
                       "decoder draws across the code plane.")

    picked: list[int] = []
    for method in order:
        if method in done:
            picked += lt.selected_indices(memory.value(CHART[method]))
    order = sorted({i for i in picked if 0 <= i < len(ds.x_test)})
    if order:
        st.subheader(f"Selected digits ({len(order)})")
        counts = lt.class_counts(ds.y_test[order], ds.class_names)
        st.markdown("By class: " + " · ".join(f"**{name}** ×{c}" for name, c in counts))
        shown = lt.spread(order, lt.MAX_SHOWN)
        if len(shown) < len(order):
            st.caption(f"Showing {len(shown)} of them, spread over the selection. Double-click a chart "
                       "to clear its selection.")
        titles = [f"{ds.class_names[int(ds.y_test[i])]} · #{i}" for i in shown]
        st.plotly_chart(plots.image_grid(ds.x_test[shown], titles, 12), key=SELECTED,
                        config={"displayModeBar": False, "staticPlot": True})

widgets.guard(main)
