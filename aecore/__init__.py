"""Autoencoder Lab engine: datasets, variants, live training, projections, metrics, store.

Plain Python; never imports streamlit, so it runs in a notebook, the CLI or a test.
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probes, CPU feature notes) is noise for a
# lecturer's terminal; an explicit setting by the user wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__all__ = ["__version__"]
__version__ = "0.1.0"
