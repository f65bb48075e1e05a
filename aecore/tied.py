"""Tied weights: a decoder layer whose kernel is the transpose of its mirror encoder layer's.

The survey's regulariser: a dense autoencoder whose decoder reuses the encoder's kernels
(transposed) has about half the parameters, and its decoder cannot drift away from what
the encoder computes. :class:`DenseTranspose` holds a reference to the mirror ``Dense``
layer and owns only its bias; training updates the one shared kernel from both sides.

The reference is deliberately not tracked by Keras (it sits in a plain holder object): the
kernel is the encoder's weight and is counted, saved and loaded once, with the encoder.
A saved ``DenseTranspose`` records its mirror's layer name; :func:`retie` reconnects the
layers of a loaded model (``aecore.models.split_models`` calls it), so a file written here
reloads in Keras' safe mode with no Lambda layer and the decoder shares the encoder's
kernels again.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

__all__ = ["DenseTranspose", "retie"]


class _Ref:
    """A reference Keras neither tracks nor walks when saving (the mirror is saved once)."""

    __slots__ = ("layer",)

    def __init__(self, layer):
        self.layer = layer


@keras.saving.register_keras_serializable(package="aecore")
class DenseTranspose(keras.layers.Layer):
    """``activation(x @ mirror.kernel.T + bias)``: a Dense layer borrowing a transposed kernel.

    Parameters
    ----------
    mirror : keras.layers.Dense, optional
        The built encoder layer whose kernel ``(units, n_in)`` this layer uses transposed.
        Left out when Keras rebuilds a saved model; :func:`retie` supplies it after loading.
    units : int, optional
        Output width; taken from ``mirror`` when given (its input width).
    activation : str, optional
        Keras activation name.
    mirror_name : str, optional
        The mirror's layer name, saved so a loaded model can be retied.
    """

    def __init__(self, mirror=None, units: int | None = None, activation: Any = None,
                 mirror_name: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if mirror is not None:
            if not getattr(mirror, "built", False) or getattr(mirror, "kernel", None) is None:
                raise ValueError(f"the mirror layer {getattr(mirror, 'name', mirror)!r} must be a built Dense layer")
            units = int(mirror.kernel.shape[0])
            mirror_name = mirror.name
        if units is None or int(units) < 1:
            raise ValueError(f"DenseTranspose needs a mirror layer or units >= 1, got units={units!r}")
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.mirror_name = mirror_name
        self._ref = _Ref(mirror)

    @property
    def mirror(self):
        """The encoder layer whose kernel is shared, or None before :func:`retie`."""
        return self._ref.layer

    def tie(self, mirror) -> None:
        """Use ``mirror``'s kernel; ``ValueError`` when its shape does not fit this layer."""
        kernel = getattr(mirror, "kernel", None)
        if kernel is None:
            raise ValueError(f"decoder layer {self.name!r} is tied to {self.mirror_name!r}, which has no kernel")
        want = (self.units, getattr(self, "input_dim", None) or int(kernel.shape[-1]))
        if tuple(int(d) for d in kernel.shape) != want:
            raise ValueError(f"decoder layer {self.name!r} maps {want[1]} values to {want[0]} but the kernel of "
                             f"{mirror.name!r} has shape {tuple(kernel.shape)}")
        self._ref.layer = mirror

    def build(self, input_shape):
        self.input_dim = int(input_shape[-1])
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        if self.mirror is None:
            raise ValueError(f"decoder layer {self.name!r} is not tied to its encoder layer "
                             f"{self.mirror_name!r} yet; load models with aecore.store.load_model_file")
        return self.activation(ops.matmul(inputs, ops.transpose(self.mirror.kernel)) + self.bias)

    def compute_output_shape(self, input_shape):
        # Lets Keras rebuild a saved model before retie() has given this layer its kernel.
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "mirror_name": self.mirror_name,
                "activation": keras.activations.serialize(self.activation)}


def retie(encoder, decoder) -> None:
    """Give every untied :class:`DenseTranspose` of ``decoder`` its mirror from ``encoder``.

    Raises ``ValueError`` naming the layer when the encoder lacks the mirror or its kernel
    does not fit.
    """
    for layer in decoder.layers:
        if isinstance(layer, DenseTranspose) and layer.mirror is None:
            try:
                mirror = encoder.get_layer(layer.mirror_name)
            except ValueError:
                raise ValueError(f"its decoder layer {layer.name!r} is tied to an encoder layer "
                                 f"{layer.mirror_name!r}, which the encoder does not have") from None
            layer.tie(mirror)

