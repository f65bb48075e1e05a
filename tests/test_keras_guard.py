"""ui.keras_guard.protect_after_page: no TensorFlow import in the page's thread, one warm-up."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CODE = """
import sys, threading, time
from ui.keras_guard import protect_after_page
protect_after_page(warm_delay_s=0.2)
print('keras' in sys.modules)               # the caller did not wait for the import
protect_after_page(warm_delay_s=0.2)        # a second page run starts no second warm-up
print(sum(t.name == 'aecore-keras-warmup' for t in threading.enumerate()))
for t in threading.enumerate():
    if t.name == 'aecore-keras-warmup':
        t.join(300)
import keras
print(getattr(keras.backend.clear_session, '_autoencoder_lab', False))
protect_after_page()                        # Keras loaded: patched at once, idempotent
print(getattr(keras.backend.clear_session, '_autoencoder_lab', False))
"""


@pytest.mark.slow  # a fresh interpreter imports TensorFlow
def test_keras_is_warmed_up_in_the_background_and_patched():
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "1", "True", "True"], out.stdout
