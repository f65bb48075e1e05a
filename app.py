"""Autoencoder Lab: ``streamlit run app.py``.

Navigation only, plus two hooks every page needs: Keras' session is protected from
Streamlit's after-run reset (which stalls a model training in the background; see
``ui.keras_guard``), and a training run that finished while its student
was on another page is saved, so the model store and the other pages get it without a
visit to Train.
"""

import streamlit as st

st.set_page_config(layout="wide", page_title="Autoencoder Lab", page_icon=":material/neurology:")

from ui.keras_guard import protect_after_page  # noqa: E402 - set_page_config comes first
from ui.saving import finalize  # noqa: E402

# Streamlit leaves ~140 px empty under the top navigation; on a projector that is a tenth of
# the screen. A style-only st.html takes no room on the page.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem}</style>")
# Two groups: the classic variants (Learn), then the lessons the articles go on to teach
# (Beyond). Learn's pages have no section header, so the top bar shows them as plain links
# (a named section in the top bar is a drop-down: on a projector, Train one click away, not
# two); Beyond is one drop-down. Each Beyond page opens with two sentences: what the lesson
# is, and its source.
LEARN = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("app_pages/denoise.py", title="Denoise", icon=":material/auto_fix_high:"),
    st.Page("app_pages/latent.py", title="Latent space", icon=":material/scatter_plot:"),
]
BEYOND: list = [
    st.Page("app_pages/classify.py", title="Classify", icon=":material/category:"),
    st.Page("app_pages/linear_pca.py", title="Linear AE vs PCA", icon=":material/stacked_line_chart:"),
    st.Page("app_pages/anomalies.py", title="Anomalies", icon=":material/troubleshoot:"),
    st.Page("app_pages/generate.py", title="Generate", icon=":material/draw:"),
]
# The top bar leaves the full width to the page on a projector.
pages = st.navigation({"": LEARN, **({"Beyond": BEYOND} if BEYOND else {})}, position="top")
try:
    finalize()
except Exception:  # saving is a convenience; never let it break a page
    pass
try:
    pages.run()
finally:
    # After the page, not before: importing Keras takes seconds on a cold start and the
    # guard is only needed by Streamlit's clean-up after this run (and only once Keras is
    # loaded), so the page reaches the browser before TensorFlow has loaded; a page that
    # did not need Keras gets it imported in the background a moment later (see
    # ui.keras_guard.protect_after_page). `finally` covers st.stop() and reruns too.
    protect_after_page()
