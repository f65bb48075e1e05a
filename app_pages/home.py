"""Home: what an autoencoder does, shown with a real model; the variants; the data; links."""

import streamlit as st

from aecore.data import DEFAULT_DATASET
from aecore.variants import VARIANTS
from ui import datasets, home, plots, state, widgets


def dataset_in_use():
    """The session's dataset, or the default one (with a message) when its folder went bad."""
    try:
        return state.current_dataset(), state.dataset_name()
    except ValueError as exc:
        st.error(f"{exc} — showing {DEFAULT_DATASET} instead; choose another dataset on the Train page.")
        return datasets.dataset(DEFAULT_DATASET), DEFAULT_DATASET


def main() -> None:
    st.title("Autoencoder Lab")
    st.markdown(
        "An **autoencoder** is a neural network trained to copy its input to its output through a "
        "narrow middle layer, the **code**. The *encoder* squeezes each image into a few numbers, "
        "the *decoder* rebuilds the image from those numbers alone. To do that well it has to learn "
        "what digits look like: the code becomes a compressed description of the image."
    )
    ds, key = dataset_in_use()

    st.subheader("Input → code → reconstruction")
    models, config, where = home.home_model(ds, key)
    x, code, recon, titles = home.demo_rows(models, config, ds)
    h, w = ds.image_shape
    st.caption(f"{widgets.plural(len(x), 'test image', spell=True)} of **{ds.name}** ({h}x{w} = {h * w} pixels "
               "each) passed through "
               f"{where}: each becomes {code.shape[1]} numbers, and the decoder redraws it from them.")
    st.html(plots.autoencoder_html(x, code, recon, titles=titles))

    st.subheader("Try it")
    c1, c2, c3 = st.columns(3)
    with c1:
        st.page_link("app_pages/train.py", label="Train a model live", icon=":material/model_training:")
        st.caption("Pick a variant, change hyperparameters, watch the loss fall and the digits sharpen.")
    with c2:
        st.page_link("app_pages/denoise.py", label="Denoise noisy digits", icon=":material/auto_fix_high:")
        st.caption("Slide the noise factor and see what a trained model recovers.")
    with c3:
        st.page_link("app_pages/latent.py", label="Explore the latent space", icon=":material/scatter_plot:")
        st.caption("Compare a 2-D code with PCA and t-SNE.")

    st.subheader("The data")
    widgets.dataset_provenance(ds)

    st.subheader("The variants and where their recipes come from")
    cols = st.columns(2)
    for i, v in enumerate(VARIANTS.values()):
        with cols[i % 2], st.container(border=True):
            st.markdown(f"**{v.title}** (`{v.name}`)  \n{v.description}")
            st.caption(f"Source: {v.source}")


widgets.guard(main)
