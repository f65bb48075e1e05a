"""Autoencoder Lab engine: datasets, variants, live training, projections, metrics, store.

Plain Python; never imports streamlit, so it runs in a notebook, the CLI or a test.
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probes, CPU feature notes) is noise for a
# lecturer's terminal; an explicit setting by the user wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# OpenMP (scikit-learn, openTSNE) spins idle threads by default; beside a model training in
# the background that made t-SNE 1.6-2.8x slower (bench/results/tsne.md). The runtime reads
# this once, when it loads, so it is set before anything can import scikit-learn.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__all__ = ["__version__"]
__version__ = "0.1.0"
