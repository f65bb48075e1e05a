"""Generate: a VAE draws new digits from its prior, along its latent plane and between two
test digits, next to a plain autoencoder; a conditional VAE draws the class asked for.
"""

import numpy as np
import streamlit as st

from aecore.inference import is_finite_model, n_classes_of
from ui import generate as gen
from ui import latent as lt
from ui import page_memory as memory
from ui import plots, state, widgets

MODEL, PLAIN, SEED, CLASS = "gn_model", "gn_plain", "gn_seed", "gn_class"
NEW, Z1, Z2, MAP = "gn_new", "gn_z1", "gn_z2", "gn_map"
FROM_CLASS, FROM_N, TO_CLASS, TO_N, STEPS = "gn_from_class", "gn_from_n", "gn_to_class", "gn_to_n", "gn_steps"
CHARTS = {"samples": "gn_samples", "class": "gn_class_row", "classes": "gn_class_rows", "digit": "gn_digit",
          "manifold": "gn_manifold", "strip": "gn_strip"}
KEPT = "gn_kept"  # widget values survive a visit to another page
KEYS = (MODEL, PLAIN, SEED, CLASS, Z1, Z2, FROM_CLASS, FROM_N, TO_CLASS, TO_N, STEPS)
STATIC = {"displayModeBar": False, "staticPlot": True}


def intro() -> None:
    st.title("Generate new digits")
    st.markdown(
        "A variational autoencoder learns codes that follow a standard normal distribution, so decoding "
        "random normal codes draws digits nobody wrote, and every point between two codes is a digit too. "
        "The lesson follows the keras-io *Variational AutoEncoder* example (F. Chollet) and Kingma & "
        "Welling's *Auto-Encoding Variational Bayes* (2014); the conditional VAE is Sohn et al. (2015).")


def pick_vae():
    """The VAE chosen among the session's models, or a message saying how to train one."""
    available = state.models_available()
    vaes = gen.vae_entries(available)
    if not vaes:
        presets = gen.vae_presets()
        st.info(f"No VAE in this session yet. On the Train page press the preset **{presets[0]}**, then "
                f"**Start** (about half a minute on the offline sample); the preset **{presets[-1]}** trains "
                "one you can ask for a given digit. Then come back here.")
        st.page_link("app_pages/train.py", label="Go to the Train page", icon=":material/model_training:")
        st.stop()
    labels = list(vaes)
    kept = memory.kept_values(KEPT)
    memory.keep_valid(MODEL, labels, kept.get(MODEL) if kept.get(MODEL) in labels else labels[-1])
    c1, _ = st.columns([3, 2])
    label = c1.selectbox("VAE", labels, key=MODEL, format_func=lambda x: f"{x} ({gen.model_caption(vaes[x])})")
    return vaes[label], available


def samples_section(entry, ds, seed: int, k: int) -> None:
    st.subheader("New digits from the prior")
    st.caption(f"Each digit is decoded from a code drawn at random from N(0, I), the distribution the KL "
               f"term pulled the codes towards. Seed {seed}: the same seed always draws the same digits.")
    if not k:
        st.plotly_chart(plots.image_grid(gen.prior_samples(entry, seed), cols=gen.SAMPLE_COLS, tile_px=72),
                        key=CHARTS["samples"], config=STATIC)
        st.caption("Train the preset **Conditional VAE: ask for a digit** to ask for a given digit.")
        return
    names = ds.class_names
    c1, c2 = st.columns([1, 4])
    with c1:
        label = st.selectbox("Draw a…", list(range(k)), key=CLASS, format_func=lambda i: names[i],
                             help="The class the conditional VAE's decoder is told to draw")
    with c2:
        st.plotly_chart(plots.image_grid(gen.class_samples(entry, label, seed), cols=gen.CLASS_ROW, tile_px=60,
                                         title=f"{gen.CLASS_ROW} new {names[label]}s"),
                        key=CHARTS["class"], config=STATIC)
    st.markdown("**Every class**, one row each: the same random codes in every column, so a column keeps "
                "its style (slant, thickness) while the label changes the digit.")
    st.plotly_chart(plots.image_grid(gen.class_rows(entry, seed, per_class=gen.CLASS_ROW), cols=gen.CLASS_ROW,
                                     row_labels=list(names[:k]), tile_px=44),
                    key=CHARTS["classes"], config=STATIC)


def latent_section(entry, ds, k: int) -> None:
    st.subheader("Walk the latent plane")
    if entry.code_size != 2:
        st.caption(f"This VAE's code has {entry.code_size} numbers; the map and the manifold need a 2-d code, "
                   "like the VAE presets'.")
        return
    s = lt.sample(ds, min(gen.MAP_POINTS, len(ds.x_test)), 0)
    p = lt.projection(s, lt.AE, entry=entry)
    limit = gen.map_limit(p.code)
    gen.keep_in_range((Z1, Z2), limit)
    label = int(memory.value(CLASS, 0)) if k else None
    what = f" as a {ds.class_names[label]}" if k else ""
    c1, c2, c3 = st.columns([5, 3, 5])
    with c2:  # the sliders first: the map draws the chosen code
        z1 = st.slider("z1", -limit, limit, step=0.05, key=Z1, help="The first number of the code")
        z2 = st.slider("z2", -limit, limit, step=0.05, key=Z2, help="The second number of the code")
        st.plotly_chart(plots.image_grid(gen.draw_at(entry, (z1, z2), label), cols=1, tile_px=150),
                        key=CHARTS["digit"], config=STATIC)
        st.caption(f"The decoder's drawing at z = ({z1:.2f}, {z2:.2f}){what}.")
    with c1:
        colors = lt.class_colors(ds.class_names)
        st.plotly_chart(gen.latent_map(p, s, ds.class_names, colors, (z1, z2), limit), key=MAP,
                        on_select=gen.map_callback(MAP, (Z1, Z2), limit), selection_mode=("points", "box"),
                        config={"displaylogo": False, "modeBarButtonsToRemove": ["toImage", "autoScale2d"]})
        st.caption(f"The code means of {len(s.idx):,} test digits, coloured by class. Click anywhere to move "
                   "the circle (or pick box select in the chart's toolbar and drag a box: its centre counts), "
                   "or use the sliders.")
    with c3:
        images, a1, a2 = gen.manifold(entry, label)
        st.plotly_chart(lt.manifold_figure(images, a1, a2, height=420), key=CHARTS["manifold"], config=STATIC)
        st.caption(f"What the decoder draws on a {gen.MANIFOLD_GRID}x{gen.MANIFOLD_GRID} grid over the dashed "
                   f"square (±{gen.PRIOR_SPAN:g} standard deviations of the prior){what}."
                   + (" With the label fixed, the plane holds only the style." if k else ""))
    st.markdown(lt.legend_html(colors), unsafe_allow_html=True)


def interpolation_section(entry, ds, available) -> None:
    st.subheader("From one test digit to another")
    names = ds.class_names
    options = list(range(len(names)))
    cols = st.columns([2, 1, 2, 1, 2])
    a = cols[0].selectbox("From a", options, key=FROM_CLASS, format_func=lambda i: names[i])
    na = cols[1].number_input("example", 0, 99, step=1, key=FROM_N, help="Which test digit of that class")
    b = cols[2].selectbox("to a", options, key=TO_CLASS, format_func=lambda i: names[i])
    nb = cols[3].number_input("example", 0, 99, step=1, key=TO_N, help="Which test digit of that class")
    steps = cols[4].slider("Steps", *gen.STEPS[:2], key=STEPS)
    ia, ib = (_nth(ds.y_test, c, n) for c, n in ((a, na), (b, nb)))
    if ia is None or ib is None:
        st.warning("The test set has no digit of that class; choose another.")
        return
    plains = gen.plain_entries(available, ds.image_shape)
    plain = None
    if plains:
        labels = list(plains)
        memory.keep_valid(PLAIN, labels, labels[0])
        plain = plains[st.selectbox("Plain autoencoder to compare with", labels, key=PLAIN,
                                    format_func=lambda x: f"{x} (code {plains[x].code_size}-d)")]
    strips = gen.interpolation(entry, plain, ds.x_test[ia], ds.x_test[ib], int(ds.y_test[ia]), int(ds.y_test[ib]),
                               steps)
    st.plotly_chart(plots.image_grid(np.concatenate([r.images for r in strips]), cols=steps, tile_px=80,
                                     row_labels=[r.label for r in strips]),
                    key=CHARTS["strip"], config=STATIC)
    st.caption(f"Test digit #{ia} (a {names[int(ds.y_test[ia])]}) to #{ib} (a {names[int(ds.y_test[ib])]}). "
               "**pixels**: the two pictures cross-faded, two ghosts on top of each other. **VAE**: decoded "
               "from evenly spaced points on the straight line between the two code means; the KL term packed "
               "the codes together, so every point on the way is a digit."
               + (" **plain AE**: the same walk through a plain autoencoder's code, which leaves gaps between "
                  "classes where its decoder draws smudges." if plain is not None else ""))
    if plain is None:
        st.info("No plain autoencoder in this session to compare with: train one on the Train page (the preset "
                "**2-D autoencoder, tuned for the offline sample** has a 2-d code like the VAE's).")


def _nth(y: np.ndarray, label: int, n: int) -> int | None:
    members = np.flatnonzero(np.asarray(y) == label)
    return int(members[int(n) % len(members)]) if len(members) else None


def main() -> None:
    intro()
    entry, available = pick_vae()
    if not is_finite_model(entry.models):
        st.error("This VAE's weights became NaN during training, so it would draw blank images. Train it "
                 "again with a lower learning rate.")
        st.stop()
    ds = state.entry_dataset(entry)
    k = n_classes_of(entry.models)
    memory.restore_widgets(KEPT, {SEED: 0, Z1: 0.0, Z2: 0.0, CLASS: 7 if k > 7 else 0,
                                  # a 1 and a 0 sit on opposite sides of a 2-d VAE's map: the walk crosses it
                                  FROM_CLASS: 1 % ds.num_classes, FROM_N: 0, TO_CLASS: 0, TO_N: 0,
                                  STEPS: gen.STEPS[2]})
    memory.keep_valid(CLASS, list(range(k)) or [0], 7 if k > 7 else 0)
    c1, c2, _ = st.columns([2, 2, 5], vertical_alignment="bottom")
    c1.button("New samples", key=NEW, icon=":material/casino:", on_click=memory.advance, args=(SEED,),
              type="primary", width="stretch", help="Draw new codes from the prior (the seed moves on by one)")
    seed = c2.number_input("Seed", 0, 1_000_000, step=1, key=SEED, help="The seed of the codes drawn below")
    samples_section(entry, ds, int(seed), k)
    latent_section(entry, ds, k)
    interpolation_section(entry, ds, available)
    memory.remember_widgets(KEPT, KEYS)


widgets.guard(main)
