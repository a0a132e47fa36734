"""Keras 1 keyword arguments that Keras 3 and tf.keras 2 refuse, and their modern names.

Old tutorials write `Dense(output_dim=10, init="uniform")`, `Conv2D(nb_filter=32,
border_mode="same", subsample=(2, 2))`, `Dropout(p=0.5)`. Keras 2.0 translated these with a
warning; tf.keras 2 and Keras 3 never did: an unknown keyword raises "Unrecognized keyword
arguments" (Keras 3) or "Keyword argument not understood" (tf.keras 2), and a required
argument written under its old name raises "missing 1 required positional argument". Each
entry here was observed to raise on TensorFlow 2.21 with Keras 3.15 and with tf-keras 2.21
(tests/checks/test_keras_versions.py runs every one).
"""

from __future__ import annotations

from typing import NamedTuple

CONV_KINDS = frozenset({
    "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "Conv1DTranspose",
    "Conv2DTranspose", "Conv3DTranspose"})
CONV_1D_KINDS = frozenset({"Conv1D", "SeparableConv1D", "Conv1DTranspose"})
CONV_2D_KINDS = frozenset({"Conv2D", "SeparableConv2D", "Conv2DTranspose"})
POOL_KINDS = frozenset({
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D"})
POOL_1D_KINDS = frozenset({"MaxPooling1D", "AveragePooling1D"})
RNN_KINDS = frozenset({"SimpleRNN", "LSTM", "GRU"})
DROPOUT_KINDS = frozenset({"Dropout"})
WEIGHTED_KINDS = CONV_KINDS | RNN_KINDS | {"Dense"}

# Keras 1 keyword -> ((kinds it was written on, modern keyword), ...).
_RENAMES: dict[str, tuple[tuple[frozenset[str], str], ...]] = {
    "init": ((frozenset({"Embedding"}), "embeddings_initializer"),
             (WEIGHTED_KINDS, "kernel_initializer")),
    "W_regularizer": ((frozenset({"Embedding"}), "embeddings_regularizer"),
                      (WEIGHTED_KINDS, "kernel_regularizer")),
    "W_constraint": ((frozenset({"Embedding"}), "embeddings_constraint"),
                     (WEIGHTED_KINDS, "kernel_constraint")),
    "b_regularizer": ((WEIGHTED_KINDS, "bias_regularizer"),),
    "b_constraint": ((WEIGHTED_KINDS, "bias_constraint"),),
    "bias": ((CONV_KINDS | {"Dense"}, "use_bias"),),
    "output_dim": ((RNN_KINDS | {"Dense"}, "units"),),
    "nb_filter": ((CONV_KINDS, "filters"),),
    "filter_length": ((CONV_1D_KINDS, "kernel_size"),),
    "border_mode": ((CONV_KINDS | POOL_KINDS, "padding"),),
    "subsample": ((CONV_KINDS, "strides"),),
    "subsample_length": ((CONV_1D_KINDS, "strides"),),
    "pool_length": ((POOL_1D_KINDS, "pool_size"),),
    "stride": ((POOL_1D_KINDS, "strides"),),
    "inner_init": ((RNN_KINDS, "recurrent_initializer"),),
    "inner_activation": ((RNN_KINDS, "recurrent_activation"),),
    "U_regularizer": ((RNN_KINDS, "recurrent_regularizer"),),
    "dropout_W": ((RNN_KINDS, "dropout"),),
    "dropout_U": ((RNN_KINDS, "recurrent_dropout"),),
    "p": ((DROPOUT_KINDS, "rate"),),
    "dim_ordering": ((CONV_KINDS | POOL_KINDS, "data_format"),),
}
# Keras 1's dim_ordering values, as data_format values.
DIM_ORDERINGS = {"tf": "channels_last", "th": "channels_first"}
# Keras 1's two kernel sizes of a 2-D convolution, one keyword each.
KERNEL_PAIR = ("nb_row", "nb_col")


class LegacyKeyword(NamedTuple):
    """A Keras 1 keyword found on a layer call, with the argument that replaced it."""

    keyword: str
    modern: str


def legacy_keywords(kind: str | None, keywords: list[str]) -> list[LegacyKeyword]:
    """The Keras 1 keywords among `keywords` of a layer of `kind`, in the order written."""
    if kind is None:
        return []
    found = []
    for keyword in keywords:
        if keyword in KERNEL_PAIR and kind in CONV_2D_KINDS:
            found.append(LegacyKeyword(keyword, "kernel_size"))
            continue
        for kinds, modern in _RENAMES.get(keyword, ()):
            if kind in kinds:
                found.append(LegacyKeyword(keyword, modern))
                break
    return found
