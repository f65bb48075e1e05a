"""ui.exports: the CSV and PNG downloads, and a downloaded model that loads back."""

from __future__ import annotations

import csv
import io

import numpy as np

from aecore.history import History
from aecore.store import load_model_file
from tests.conftest import trained
from ui import exports


def test_history_csv_has_a_row_per_epoch_with_extra_curves():
    h = History(epoch=[1, 2], loss=[0.5, 0.4], val_loss=[0.6, 0.45], extra={"kl": [3.0, 2.5]})
    rows = list(csv.reader(io.StringIO(exports.history_csv(h))))
    assert rows[0] == ["epoch", "loss", "val_loss", "kl"]
    assert rows[1:] == [["1", "0.5", "0.6", "3.0"], ["2", "0.4", "0.45", "2.5"]]


def test_embedding_csv_names_x_y_label_index_method():
    emb = np.array([[0.0, 1.0], [2.0, 3.5]])
    text = exports.embedding_csv({"pca": ("PCA", emb), "ae": ("Autoencoder code", emb * 2)},
                                 np.array([7, 9]), np.array([1, 3]))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4 and set(rows[0]) == {"x", "y", "label", "index", "method"}
    assert rows[1] == {"x": "2", "y": "3.5", "label": "3", "index": "9", "method": "PCA"}
    assert rows[3]["method"] == "Autoencoder code" and rows[3]["y"] == "7"


def test_grid_png_is_one_picture_of_the_rows():
    from PIL import Image

    rows = [np.zeros((4, 8, 8), np.float32), np.ones((4, 8, 8), np.float32)]
    png = exports.grid_png(rows, pad=1, scale=2)
    img = Image.open(io.BytesIO(png))
    from aecore.images import mosaic

    one = mosaic(rows[0], cols=4, pad=1, scale=2)
    assert img.size == (one.shape[1], 2 * one.shape[0] + 4)  # two rows and a black gap


def test_a_downloaded_model_loads_back_with_its_config(small_mnist, tmp_path):
    run = trained("dense", small_mnist, code_dim=8)
    data = exports.model_bytes(run.models, run.config, run.history, "mnist_sample")
    path = tmp_path / "m.keras"
    path.write_bytes(data)
    loaded = load_model_file(path)
    assert loaded.config["code_dim"] == 8 and loaded.history.epoch == [1]
    assert loaded.models.code_size == 8
