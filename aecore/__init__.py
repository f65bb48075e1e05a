"""Autoencoder Lab engine: datasets, variants, live training, projections, metrics, store.

Plain Python; never imports streamlit, so it runs in a notebook, the CLI or a test.
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probes, CPU feature notes) is noise for a
# lecturer's terminal; an explicit setting by the user wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# First, before anything here can load an OpenMP runtime: make its idle threads sleep
# unless the user chose otherwise or one is loaded already (aecore.projections.openmp
# decides and records which, so the projections know whether threads spin).
from aecore.projections.openmp import configure_openmp  # noqa: E402

configure_openmp()

__all__ = ["__version__"]
__version__ = "0.1.0"
