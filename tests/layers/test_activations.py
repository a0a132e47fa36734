"""Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax against real TensorFlow."""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees

pytestmark = pytest.mark.tensorflow


def seq(input_args: str, *layers: str) -> str:
    """A Sequential program: keras.Input(input_args) then the given layers."""
    stack = ", ".join(("keras.Input(" + input_args + ")", *layers))
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([{stack}])\n"


CASES: dict[str, tuple[str, str | None]] = {
    "activation_names": (seq("(6, 3)", "layers.Activation('swish')", "layers.Activation(None)",
                             "layers.Activation('hard_swish')"), None),
    "activation_function": (seq("(4,)", "layers.Activation(keras.activations.relu)"), None),
    "activation_wrong_case": (seq("(6, 3)", "layers.Activation('ReLU')"), "SL105"),
    "activation_int": (seq("(4,)", "layers.Activation(3)"), "SL105"),
    "dense_activation_typo": (seq("(6, 3)", "layers.Dense(3, activation='softmaxx')"), "SL105"),
    "relu_arguments": (seq("(6, 3)", "layers.ReLU(6.0, 0.1, 0.5)"), None),
    "relu_negative_max_value": (seq("(6, 3)", "layers.ReLU(max_value=-1)"), "SL105"),
    "relu_negative_slope": (seq("(6, 3)", "layers.ReLU(negative_slope=-0.1)"), "SL105"),
    "relu_none_slope": (seq("(6, 3)", "layers.ReLU(negative_slope=None)"), "SL105"),
    "relu_negative_threshold": (seq("(6, 3)", "layers.ReLU(threshold=-0.1)"), "SL105"),
    "leaky_relu_alpha_spelling": (seq("(6, 3)", "layers.LeakyReLU(alpha=0.2)"), None),
    "leaky_relu_negative": (seq("(6, 3)", "layers.LeakyReLU(-0.2)"), "SL105"),
    "leaky_relu_negative_alpha": (seq("(6, 3)", "layers.LeakyReLU(alpha=-0.2)"), "SL105"),
    "leaky_relu_none": (seq("(4,)", "layers.LeakyReLU(None)"), "SL105"),
    "elu_any_alpha": (seq("(6, 3)", "layers.ELU(-3.0)"), None),
    "softmax_axis_not_checked": (seq("(6, 3)", "layers.Softmax(axis=5)",
                                     "layers.Softmax(axis=[1, 2])"), None),
    # PReLU: one alpha per non-batch element, 1 along shared axes (Python indexing at i - 1).
    "prelu": (seq("(6, 3)", "layers.PReLU()"), None),
    "prelu_shared_spatial": (seq("(4, 6, 3)", "layers.PReLU(shared_axes=[1, 2])"), None),
    "prelu_shared_int": (seq("(4, 6, 3)", "layers.PReLU(shared_axes=2)"), None),
    "prelu_shared_zero_wraps": (seq("(4, 6, 3)", "layers.PReLU(shared_axes=0)"), None),
    "prelu_shared_minus_one_wraps": (seq("(4, 6, 3)", "layers.PReLU(shared_axes=-1)"), None),
    "prelu_shared_repeated": (seq("(4, 6, 3)", "layers.PReLU(shared_axes=[1, 1])"), None),
    "prelu_rank1": (seq("batch_shape=(None,)", "layers.PReLU()"), None),
    "prelu_shared_unknown_axis": (seq("(None, 3)", "layers.PReLU(shared_axes=[1])"), None),
    "prelu_unknown_axis": (seq("(None, 3)", "layers.PReLU()"), "SL102"),
    "prelu_shared_axis_out_of_range": (seq("(4, 6, 3)", "layers.PReLU(shared_axes=4)"),
                                       "SL101"),
    "prelu_shared_negative_out_of_range": (seq("(4, 6, 3)", "layers.PReLU(shared_axes=[-3])"),
                                           "SL101"),
}


def unbuilt(*layers: str) -> str:
    """A Sequential without an input: only what the constructors refuse can fail."""
    return ("import keras\nfrom keras import layers\nmodel = keras.Sequential(["
            + ", ".join(layers) + "])\n")


CASES.update({
    "unbuilt_activation_wrong_case": (unbuilt("layers.Dense(4)", "layers.Activation('ReLU')"),
                                      "SL105"),
    "unbuilt_dense_activation_typo": (unbuilt("layers.Dense(4, activation='rleu')"), "SL105"),
    "unbuilt_leaky_relu_negative": (unbuilt("layers.LeakyReLU(-1.0)"), "SL105"),
    "unbuilt_prelu_shared_axes_not_checked": (unbuilt("layers.PReLU(shared_axes='a')"), None),
})

@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
