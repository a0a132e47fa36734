"""Functional models the engine must get right, each checked against real TensorFlow.

Every disagreement the graph generator finds (`test_random_graphs.py`, `deep_graphs`) comes
here as a minimal program with the line Keras refuses it at (None: Keras builds it); so do
hand-written cases for each thing the generator draws (merges, Concatenate's axis, Dot's axes,
shared layers, nested models both ways, several inputs and outputs, each deliberate break).

Three tests a case: TensorFlow's verdict is the recorded one; the engine claims nothing it
contradicts (a case whose bug is a wrong claim is left out of this one: its full agreement
test is the strict xfail that pins it); the engine agrees on everything, shapes and counts
included (for the hand-written cases a strict xfail while the engine shows no functional
model, for each disagreement found a strict xfail saying what is wrong).
"""

from __future__ import annotations

import pytest

from tests.generator.graph_runner import CLAIMS, check_program, engine_view, program_of_source
from tests.oracle import Oracle

ENGINE_LANDS = "the functional API engine lands with branch graph (issue 12)"


def _engine_models_graphs() -> bool:
    """Whether the engine shows functional models at all (branch `graph` merged)."""
    view = engine_view("import keras\ninputs = keras.Input(shape=(4,))\n"
                       "x1 = keras.layers.Dense(2)(inputs)\nmodel = keras.Model(inputs, x1)\n")
    return bool(view.rows.get(3))


GRAPHS = _engine_models_graphs()

# name -> (program, the line Keras refuses it at, or None when it builds)
CASES: dict[str, tuple[str, int | None]] = {
    "residual_add_with_projection": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(16, 16, 3))
x1 = layers.Conv2D(8, 3, padding="same")(inputs)
x2 = layers.Conv2D(8, 1)(inputs)
x3 = layers.Add()([x1, x2])
model = keras.Model(inputs, x3)
""", None),
    "add_mismatched_shapes": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(16, 16, 3))
x1 = layers.Conv2D(8, 3)(inputs)
x2 = layers.Add()([x1, inputs])
model = keras.Model(inputs, x2)
""", 5),
    "add_broadcasts_ones": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(4, 8))
x1 = layers.Dense(1)(inputs)
x2 = layers.Multiply()([inputs, x1])
model = keras.Model(inputs, x2)
""", None),
    "concatenate_wrong_axis": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(10, 4))
x1 = layers.Dense(6)(inputs)
x2 = layers.Concatenate(axis=1)([inputs, x1])
model = keras.Model(inputs, x2)
""", 5),
    "concatenate_axis_1": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(10, 4))
x1 = layers.Conv1D(4, 3)(inputs)
x2 = layers.Concatenate(axis=1)([inputs, x1])
model = keras.Model(inputs, x2)
""", None),
    "dot_vectors": ("""\
import keras
from keras import layers
left = keras.Input(shape=(5,))
right = keras.Input(shape=(5,))
x1 = layers.Dot(axes=1, normalize=True)([left, right])
model = keras.Model([left, right], x1)
""", None),
    "dot_sequences": ("""\
import keras
from keras import layers
query = keras.Input(shape=(3, 4))
value = keras.Input(shape=(5, 4))
x1 = layers.Dot(axes=(2, 2))([query, value])
model = keras.Model([query, value], x1)
""", None),
    "dot_axes_differ": ("""\
import keras
from keras import layers
query = keras.Input(shape=(3, 4))
value = keras.Input(shape=(5, 6))
x1 = layers.Dot(axes=2)([query, value])
model = keras.Model([query, value], x1)
""", 5),
    "subtract_three_inputs": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(4,))
x1 = layers.Dense(4)(inputs)
x2 = layers.Subtract()([inputs, x1, x1])
model = keras.Model(inputs, x2)
""", 5),
    "shared_layer_other_last_dim": ("""\
import keras
from keras import layers
left = keras.Input(shape=(8,))
right = keras.Input(shape=(6,))
shared0 = layers.Dense(4)
x1 = shared0(left)
x2 = shared0(right)
x3 = layers.Add()([x1, x2])
model = keras.Model([left, right], x3)
""", 7),
    "shared_layer_params_once": ("""\
import keras
from keras import layers
left = keras.Input(shape=(8,))
right = keras.Input(shape=(8,))
shared0 = layers.Dense(4)
x1 = shared0(left)
x2 = shared0(right)
x3 = layers.Concatenate()([x1, x2])
model = keras.Model([left, right], x3)
""", None),
    "nested_sequential_without_input": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
block0 = keras.Sequential([
    layers.Conv2D(4, 3),
    layers.Flatten(),
])
x1 = block0(inputs)
x2 = layers.Dense(10)(x1)
model = keras.Model(inputs, x2)
""", None),
    "nested_sequential_of_an_input_on_its_shape": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(2,))
block0 = keras.Sequential([
    keras.Input(shape=(2,)),
])
x1 = block0(inputs)
x2 = layers.Dense(3)(x1)
model = keras.Model(inputs, x2)
""", None),
    "shared_prelu_with_shared_axes_on_another_shared_dim": ("""\
import keras
from keras import layers
left = keras.Input(shape=(7, 15))
right = keras.Input(shape=(9, 15))
shared0 = layers.PReLU(shared_axes=[1])
x1 = shared0(left)
x2 = shared0(right)
model = keras.Model([left, right], [x1, x2])
""", None),
    "nested_sequential_refuses_its_input": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(12,))
block0 = keras.Sequential([
    layers.Conv1D(4, 3),
])
x1 = block0(inputs)
model = keras.Model(inputs, x1)
""", 7),
    "nested_functional_model": ("""\
import keras
from keras import layers
inner_input0 = keras.Input(shape=(8,))
x1 = layers.Dense(4)(inner_input0)
encoder0 = keras.Model(inner_input0, x1, name="encoder0")
inputs = keras.Input(shape=(8,))
x2 = encoder0(inputs)
x3 = layers.Dense(2)(x2)
model = keras.Model(inputs, x3)
""", None),
    "nested_functional_model_wrong_input": ("""\
import keras
from keras import layers
inner_input0 = keras.Input(shape=(8,))
x1 = layers.Dense(4)(inner_input0)
encoder0 = keras.Model(inner_input0, x1, name="encoder0")
inputs = keras.Input(shape=(9,))
x2 = encoder0(inputs)
model = keras.Model(inputs, x2)
""", 7),
    "functional_model_inside_sequential": ("""\
import keras
from keras import layers
inner_input0 = keras.Input(shape=(6,))
x1 = layers.Dense(3)(inner_input0)
encoder0 = keras.Model(inner_input0, x1)
inputs = keras.Input(shape=(6,))
block0 = keras.Sequential([
    encoder0,
    layers.Dense(2),
])
x2 = block0(inputs)
model = keras.Model(inputs, x2)
""", None),
    "rank_error_into_a_layer": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x1 = layers.Conv2D(32, 3, activation="relu")(inputs)
x2 = layers.Dense(64)(x1)
x3 = layers.Conv1D(8, 3)(x2)
model = keras.Model(inputs, layers.Dense(10)(x3))
""", 6),
    "multi_input_multi_output": ("""\
import keras
from keras import layers
image = keras.Input(shape=(32, 32, 3), name="image")
meta = keras.Input(shape=(5,), name="meta")
x1 = layers.Conv2D(8, 3, strides=2)(image)
x2 = layers.GlobalAveragePooling2D()(x1)
x3 = layers.Concatenate()([x2, meta])
x4 = layers.Dense(1, name="score")(x3)
x5 = layers.Dense(3, activation="softmax", name="kind")(x3)
model = keras.Model(inputs=[image, meta], outputs=[x4, x5])
""", None),
    "model_missing_an_input": ("""\
import keras
from keras import layers
left = keras.Input(shape=(4,))
right = keras.Input(shape=(4,))
x1 = layers.Add()([left, right])
model = keras.Model(left, x1)
""", 6),
    "merge_of_one_tensor": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(4,))
x1 = layers.Add()(inputs)
model = keras.Model(inputs, x1)
""", 4),
    # Correct neighbours of the cases above that must stay silent.
    "shared_einsum_dense_on_other_sizes_of_its_rank": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(4, 3))
input_1 = keras.Input(shape=(7, 3))
shared0 = layers.EinsumDense("...b,bc->...c", output_shape=5)
x1 = shared0(input_0)
x2 = shared0(input_1)
model = keras.Model([input_0, input_1], [x1, x2])
""", None),
    "shared_prelu_on_other_sizes_of_its_rank": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(5, 3))
input_1 = keras.Input(shape=(5, 3))
x1 = layers.Dense(3)(input_1)
shared0 = layers.PReLU()
x2 = shared0(input_0)
x3 = shared0(x1)
model = keras.Model([input_0, input_1], [x2, x3])
""", None),
    "dot_of_two_undefined_axes": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(None, 4))
input_1 = keras.Input(shape=(None, 4))
x1 = layers.Dot(axes=1)([input_0, input_1])
model = keras.Model([input_0, input_1], x1)
""", None),
    "stft_spectrogram_of_undefined_samples": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(None, 2))
x1 = layers.STFTSpectrogram(frame_length=4, padding="same")(inputs)
model = keras.Model(inputs, x1)
""", None),
    "nested_declared_sequential_replayed_on_an_undefined_axis": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(None, 13))
x1 = layers.Flatten()(inputs)
inner_input0 = keras.Input(shape=(2,))
block0 = keras.Sequential([
    keras.Input(shape=(2,)),
    layers.Dense(10),
    layers.BatchNormalization(),
])
x2 = block0(inner_input0)
x3 = layers.Concatenate()([x2, inner_input0])
encoder0 = keras.Model(inner_input0, x3)
x4 = encoder0(x1)
model = keras.Model(inputs=inputs, outputs=x4)
""", None),
    "normalization_tuple_axis": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(6, 3))
x1 = layers.Normalization(axis=(1, 2))(inputs)
model = keras.Model(inputs, x1)
""", None),
    "concatenate_stops_at_an_undefined_axis_before_a_shorter_tensor": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(5,))
input_1 = keras.Input(shape=(5, None))
x1 = layers.Concatenate(axis=2)([input_1, input_0])
model = keras.Model(inputs=[input_0, input_1], outputs=x1)
""", None),
    "concatenate_of_one_tensor_on_an_axis_beyond_its_rank": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(3,))
x1 = layers.Concatenate(axis=2)([inputs])
model = keras.Model(inputs, x1)
""", None),
    "concatenate_negative_axis_beyond_a_later_tensor": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(5, 4))
input_1 = keras.Input(shape=(5,))
x1 = layers.Concatenate(axis=-3)([input_0, input_1])
model = keras.Model(inputs=[input_0, input_1], outputs=x1)
""", 5),
    "shared_rnn_with_return_sequences_on_a_rank_2_tensor": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(29, 7))
input_1 = keras.Input(shape=(8,))
shared0 = layers.RNN(layers.SimpleRNNCell(3), return_sequences=True)
x1 = shared0(input_0)
x2 = shared0(input_1)
model = keras.Model([input_0, input_1], [x2, x1])
""", None),
    "shared_rnn_on_a_rank_1_tensor": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(29, 7))
input_1 = keras.Input(shape=())
shared0 = layers.RNN(layers.GRUCell(3))
x1 = shared0(input_0)
x2 = shared0(input_1)
model = keras.Model([input_0, input_1], [x2, x1])
""", 7),
    "shared_lstm_on_a_rank_2_tensor": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(29, 7))
input_1 = keras.Input(shape=(8,))
shared0 = layers.LSTM(3)
x1 = shared0(input_0)
x2 = shared0(input_1)
model = keras.Model([input_0, input_1], [x2, x1])
""", 7),
    "rnn_first_called_on_a_rank_2_tensor": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(8,))
x1 = layers.RNN([layers.SimpleRNNCell(2), layers.GRUCell(5)])(inputs)
model = keras.Model(inputs, x1)
""", 4),
    "nested_model_replay_through_a_reshape_that_fits": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(4, 3))
inner_input0 = keras.Input(shape=(None, 3))
x1 = layers.Reshape((-1, 6))(inner_input0)
encoder0 = keras.Model(inner_input0, x1)
x2 = encoder0(inputs)
model = keras.Model(inputs, x2)
""", None),
    "nested_model_replay_through_a_reshape_that_does_not_divide": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(5, 3))
inner_input0 = keras.Input(shape=(None, 3))
x1 = layers.Reshape((-1, 6))(inner_input0)
encoder0 = keras.Model(inner_input0, x1)
x2 = encoder0(inputs)
model = keras.Model(inputs, x2)
""", 7),
    "nested_model_replay_through_a_sequential_reshape": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(5, 3))
inner_input0 = keras.Input(shape=(None, 3))
block0 = keras.Sequential([layers.Dense(3), layers.Reshape((-1, 6))])
x1 = block0(inner_input0)
encoder0 = keras.Model(inner_input0, x1)
x2 = encoder0(inputs)
model = keras.Model(inputs, x2)
""", 8),
}

# Disagreements the generator found with the engine of branch `graph` (deep_graphs, seeds 1,
# 2 and 3, 2026-12-07), as minimal programs:
# name -> (program, the line Keras refuses it at or None, kind of disagreement, what is wrong).
FOUND: dict[str, tuple[str, int | None, str, str]] = {
    "padding_refused_at_the_call_of_a_layer_defined_apart": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(30, 6))
shared0 = layers.MaxPooling1D((8,), padding="SAME")
x1 = shared0(inputs)
model = keras.Model(inputs, x1)
""", 5, "wrong-location", "Keras takes padding='SAME' at construction and refuses it when "
         "the layer is called (line 5); the engine reports SL105 at the constructor (line 4)"),
    "concatenate_axis_beyond_the_rank": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(32,))
x1 = layers.Concatenate(axis=2)([inputs, inputs])
model = keras.Model(inputs, x1)
""", 4, "missed-error", "Concatenate(axis=2) on rank-2 tensors (Keras: IndexError at the "
         "call); the engine leaves the shape unknown and says nothing"),
    "model_outputs_holding_a_list_of_states": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(17, 12))
x1 = layers.Cropping1D()(inputs)
x2 = layers.LSTM(14, return_state=True)(x1)
model = keras.Model(inputs, [x2, inputs])
""", None, "missing-row", "outputs nesting a return_state list ([[out, h, c], inputs]) "
            "build in Keras; the engine shows no model (no rows, no total)"),
    "bidirectional_without_merge_mode_as_an_output": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(27, 5))
x1 = layers.Bidirectional(layers.GRU(10), merge_mode=None)(inputs)
model = keras.Model(inputs, [x1, inputs])
""", None, "unknown-total", "Bidirectional(merge_mode=None) gives a list; as an output "
            "Keras counts 1,020 params, the engine leaves the total unknown"),
    "nested_model_called_on_unknown_dims": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(None, 13))
x1 = layers.Dot(axes=-1)([inputs, inputs])
inner_input0 = keras.Input(shape=(2, 2))
x2 = layers.Concatenate()([inner_input0, inner_input0])
encoder0 = keras.Model(inner_input0, x2)
x3 = encoder0(x1)
model = keras.Model(inputs, x3)
""", None, "unknown-shape", "a functional model declaring (2, 2) called on (None, None, "
            "None) runs its graph on that tensor: Keras gives (None, None, None), the engine "
            "unknown"),
    "shared_layer_normalization_on_another_last_dim": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(17,))
input_1 = keras.Input(shape=(11, 31, 1))
x1 = layers.Minimum()([input_0, input_1])
shared0 = layers.LayerNormalization()
x2 = shared0(input_1)
x3 = shared0(x1)
model = keras.Model([input_0, input_1], [x3, x2])
""", None, "false-alarm", "LayerNormalization built on a last axis of 1 and called on 17: "
            "Keras builds it (its (1,) weights broadcast); the engine reports SL109"),
    "shared_lstm_on_another_feature_size": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(22, 15))
input_1 = keras.Input(shape=(31, 4))
shared0 = layers.LSTM(16)
x1 = shared0(input_1)
x2 = shared0(input_0)
model = keras.Model([input_0, input_1], [x2, x1])
""", None, "false-alarm", "an LSTM built on 4 features called on 15: Keras builds the model "
            "(RNNs check no input spec; it would fail when run); the engine reports SL109"),
    "shared_prelu_on_another_last_dim": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(5, 8, 5, 8, 2))
x1 = layers.Dense(29)(inputs)
shared0 = layers.PReLU()
x2 = shared0(x1)
x3 = shared0(inputs)
model = keras.Model(inputs, [x3, x2])
""", None, "false-alarm", "a PReLU built on a last axis of 29 called on 2: Keras builds the "
            "model (no input spec); the engine reports SL109"),
    "nested_sequential_declaring_another_input": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(1,))
block0 = keras.Sequential([
    keras.Input(shape=(2,)),
])
x1 = block0(inputs)
model = keras.Model(inputs, x1)
""", 7, "missed-error", "a Sequential holding only Input((2,)) called on (None, 1): Keras "
         "refuses the call (already configured for (None, 2)); the engine says nothing"),
    "nested_model_whose_output_lost_the_batch_dim": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(None, 1))
inner_input0 = keras.Input(shape=(None, 1))
x1 = layers.CenterCrop(3, 1)(inner_input0)
encoder0 = keras.Model(inner_input0, x1)
x2 = encoder0(inputs)
model = keras.Model(inputs, x2)
""", None, "wrong-shape", "CenterCrop on a rank-3 tensor crops it as one unbatched image: "
            "(3, 1, 1), as the engine says for x1; called as a nested model the engine gives "
            "(None, 1, 1) where Keras gives (3, 1, 1)"),
    "concatenate_of_another_rank_on_a_later_axis": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(32,))
x1 = layers.RepeatVector(5)(inputs)
x2 = layers.Concatenate(axis=2)([x1, inputs])
model = keras.Model(inputs, x2)
""", 5, "missed-error", "Concatenate(axis=2) of (None, 5, 32) and (None, 32): Keras drops "
         "axis 2 only from the tensors that have it and refuses (None, 5) against (None, 32); "
         "the engine left the shape unknown (deep_graphs seed 1, graph 943)"),
    "shared_prelu_with_shared_axes_on_another_last_dim": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(7, 8))
x1 = layers.Dense(15)(inputs)
shared0 = layers.PReLU(shared_axes=[1])
x2 = shared0(x1)
x3 = shared0(inputs)
model = keras.Model(inputs, [x3, x2])
""", 7, "missed-error", "a PReLU with shared_axes built on (None, 7, 15) called on (None, 7, "
         "8): its input spec pins the unshared axis 2 to 15 and Keras refuses the call; the "
         "engine said nothing (test_random_graphs seed 20261207, graph 518)"),
    "shared_einsum_dense_on_another_rank": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(56,))
input_1 = keras.Input(shape=(28, 4))
shared0 = layers.EinsumDense("...b,bc->...c", output_shape=5)
x1 = shared0(input_1)
x2 = shared0(input_0)
model = keras.Model(inputs=[input_0, input_1], outputs=[x1, x2])
""", 7, "missed-error", "EinsumDense's build pins the rank it is built on (InputSpec(ndim=3) "
         "here): called again on (None, 56) Keras refuses; the engine said nothing "
         "(deep_graphs seed 12, graphs 3638 and 6560)"),
    "shared_prelu_on_another_rank": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(8, 23, 5))
input_1 = keras.Input(shape=(29, 5))
shared0 = layers.PReLU()
x1 = shared0(input_1)
x2 = shared0(input_0)
model = keras.Model([input_0, input_1], x2)
""", 7, "missed-error", "PReLU's build pins the rank, shared_axes or not: built on (None, 29, "
         "5), called on (None, 8, 23, 5) Keras refuses (expected ndim=3); the engine said "
         "nothing (deep_graphs seed 12, graph 12215)"),
    "shared_batch_normalization_on_another_rank": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(4, 8))
input_1 = keras.Input(shape=(8,))
shared0 = layers.BatchNormalization()
x1 = shared0(input_0)
x2 = shared0(input_1)
model = keras.Model([input_0, input_1], [x1, x2])
""", 7, "missed-error", "BatchNormalization's build pins the rank as well as its axis: the "
         "same 8 channels at rank 2 are refused; the engine compared only the weights "
         "(found reading Keras' build, next to seed 12's shared EinsumDense)"),
    "shared_spectral_normalization_on_another_last_dim": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(4,))
input_1 = keras.Input(shape=(5,))
shared0 = layers.SpectralNormalization(layers.Dense(3))
x1 = shared0(input_0)
x2 = shared0(input_1)
model = keras.Model([input_0, input_1], [x1, x2])
""", 7, "missed-error", "SpectralNormalization's build pins the last axis (InputSpec(axes={-1: "
         "4})); the engine did not pin it (found reading Keras' build)"),
    "shared_dense_past_an_undefined_last_axis": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(4,))
input_1 = keras.Input(shape=(None, 13))
x1 = layers.Flatten()(input_1)
shared0 = layers.Dense(3)
x2 = shared0(input_0)
x3 = shared0(x1)
model = keras.Model([input_0, input_1], [x2, x3])
""", None, "false-alarm", "a Dense built on (None, 4) and called again on (None, None): its "
            "spec lets None through and it is not built again, so nothing needs the "
            "undefined axis (Keras: (None, 3)); the engine reported SL102"),
    "dot_of_an_undefined_axis_against_a_defined_one": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(32, 2, 2))
input_1 = keras.Input(shape=(None, 13))
x1 = layers.Flatten()(input_1)
x2 = layers.Dot(axes=-1)([input_0, x1])
model = keras.Model([input_0, input_1], x2)
""", 6, "missed-error", "Dot's build compares the two sizes with `!=`: 2 against None is "
         "refused; the engine took None as a match (deep_graphs seed 12, graph 18914)"),
    "stft_spectrogram_of_undefined_channels": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(None, 1))
x1 = layers.Flatten()(input_0)
x2 = layers.RepeatVector(4)(x1)
shared0 = layers.STFTSpectrogram(padding="same")
x3 = shared0(x2)
model = keras.Model(inputs=input_0, outputs=x3)
""", 7, "missed-error", "STFTSpectrogram's call multiplies the channels' count, None on "
         "(None, 4, None): TypeError; the engine gave (None, 4, None) (deep_graphs seed 12, "
         "graph 230)"),
    "normalization_float_axis_refused_at_its_constructor": ("""\
from tensorflow.keras import layers, models
input_0 = layers.Input(shape=(24, 9, 7))
shared0 = layers.Normalization(axis=1.0)
x1 = shared0(input_0)
model = models.Model(input_0, x1)
""", 3, "wrong-location", "Normalization's constructor calls tuple(axis): a float axis is a "
         "TypeError where the layer is made; the engine reported it at the call (deep_graphs "
         "seed 12, graph 19622)"),
    "normalization_float_axis_in_a_nested_sequential": ("""\
from tensorflow.keras import layers, models
inputs = layers.Input(shape=(6,))
block0 = models.Sequential([
    layers.Normalization(axis=-1.0),
])
x1 = block0(inputs)
model = models.Model(inputs=inputs, outputs=x1)
""", 4, "wrong-location", "the same in a Sequential's list: Keras raises at the constructor "
         "(line 4), the engine reported the call (deep_graphs seed 12, graph 14936)"),
    "nested_model_replayed_past_its_build_checks": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(1, 1, 3, 1))
inner_input0 = keras.Input(shape=(1, 1, 3, 4))
x1 = layers.Dense(4)(inner_input0)
x2 = layers.Concatenate(axis=2)([inner_input0, x1, x1])
encoder0 = keras.Model(inner_input0, x2, name="encoder0")
x3 = encoder0(inputs)
model = keras.Model(inputs, x3)
""", None, "unknown-shape", "a nested model called on another shape replays each layer's "
            "compute_output_spec, not its build: Concatenate adds up axis 2 without "
            "comparing the others, (None, 1, 3, 3, 1); the engine left it unknown "
            "(deep_graphs seed 12, graph 14382)"),
    "nested_sequential_replayed_on_an_undefined_axis": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(None, 13))
x1 = layers.Flatten()(inputs)
inner_input0 = keras.Input(shape=(2,))
x2 = layers.BatchNormalization()(inner_input0)
block0 = keras.Sequential([
    layers.Dense(10),
])
x3 = block0(x2)
encoder0 = keras.Model(inner_input0, x3)
x4 = encoder0(x1)
model = keras.Model(inputs=inputs, outputs=x4)
""", None, "unknown-shape", "a nested model (holding a Sequential) called on (None, None): "
            "the replay builds nothing, so BatchNormalization and Dense need no defined "
            "axis: Keras (None, 10), the engine unknown (deep_graphs seed 12, graph 17742)"),
    "concatenate_axis_beyond_the_rank_of_a_later_tensor": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(14,))
input_1 = keras.Input(shape=(None, 12))
x1 = layers.Concatenate(axis=2)([input_1, input_0])
model = keras.Model(inputs=[input_0, input_1], outputs=x1)
""", 5, "missed-error", "Concatenate(axis=2) of (None, None, 12) and (None, 14): build "
         "compares (None, None) with (None, 14) and lets it through, then "
         "compute_output_shape reads axis 2 of (None, 14): IndexError; the engine left it "
         "unknown (deep_graphs seed 13, graph 17427)"),
    "shared_rnn_of_stacked_cells_on_a_rank_2_tensor": ("""\
import keras
from keras import layers
input_0 = keras.Input(shape=(29, 7))
input_1 = keras.Input(shape=(8,))
shared0 = layers.RNN([layers.SimpleRNNCell(2), layers.LSTMCell(2), layers.GRUCell(5)])
x1 = shared0(input_0)
x2 = shared0(input_1)
model = keras.Model([input_0, input_1], [x2, x1])
""", None, "unknown-shape", "an RNN built on (None, 29, 7) called again on (None, 8): the "
            "generic RNN has no input spec and is not built again, its compute_output_shape "
            "gives (None, 5); the engine left it unknown (deep_graphs seed 13, graph 10406)"),
    "nested_model_replay_refused_by_a_reshape": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(1,))
inner_input0 = keras.Input(shape=(2,))
x1 = layers.Reshape(target_shape=(1, 2, 1))(inner_input0)
encoder0 = keras.Model(inner_input0, x1, name="encoder0")
x2 = encoder0(inputs)
model = keras.Model(inputs, x2)
""", 7, "missed-error", "a nested model declaring (2,) called on (None, 1) replays its "
         "graph: Reshape((1, 2, 1))'s compute_output_shape refuses 1 element; the engine's "
         "replay gave only shapes, never findings (deep_graphs seed 13, graph 15874)"),
}


# The disagreements above that the engine has since been mended for: plain regression cases.
FIXED = frozenset({
    "nested_model_replay_refused_by_a_reshape",
    "shared_rnn_of_stacked_cells_on_a_rank_2_tensor",
    "concatenate_axis_beyond_the_rank_of_a_later_tensor",
    "bidirectional_without_merge_mode_as_an_output",
    "concatenate_axis_beyond_the_rank",
    "concatenate_of_another_rank_on_a_later_axis",
    "model_outputs_holding_a_list_of_states",
    "nested_model_called_on_unknown_dims",
    "nested_model_whose_output_lost_the_batch_dim",
    "nested_sequential_declaring_another_input",
    "padding_refused_at_the_call_of_a_layer_defined_apart",
    "shared_layer_normalization_on_another_last_dim",
    "shared_lstm_on_another_feature_size",
    "shared_prelu_on_another_last_dim",
    "shared_prelu_with_shared_axes_on_another_last_dim",
    "shared_einsum_dense_on_another_rank",
    "shared_prelu_on_another_rank",
    "shared_batch_normalization_on_another_rank",
    "shared_spectral_normalization_on_another_last_dim",
    "shared_dense_past_an_undefined_last_axis",
    "dot_of_an_undefined_axis_against_a_defined_one",
    "stft_spectrogram_of_undefined_channels",
    "normalization_float_axis_refused_at_its_constructor",
    "normalization_float_axis_in_a_nested_sequential",
    "nested_model_replayed_past_its_build_checks",
    "nested_sequential_replayed_on_an_undefined_axis",
})


def _agreement_cases() -> list[object]:
    cases: list[object] = [
        pytest.param(name, marks=pytest.mark.xfail(not GRAPHS, strict=True,
                                                   reason=ENGINE_LANDS))
        for name in sorted(CASES)]
    cases += [pytest.param(name, marks=() if name in FIXED else pytest.mark.xfail(
        strict=True, reason=f"{FOUND[name][2]}: {FOUND[name][3]}")) for name in sorted(FOUND)]
    return cases


def _program(name: str) -> tuple[str, int | None]:
    if name in CASES:
        return CASES[name]
    source, refused_at, _, _ = FOUND[name]
    return source, refused_at


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted([*CASES, *FOUND]))
def test_tensorflow_verdict(name: str, oracle: Oracle) -> None:
    source, refused_at = _program(name)
    outcome = check_program(program_of_source(source), oracle)
    assert outcome.keras_raised == (refused_at is not None), outcome.keras_error
    if refused_at is not None:
        assert oracle.run(source).error_line_top == refused_at


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted([*CASES, *(name for name, found in FOUND.items()
                                                    if found[2] not in CLAIMS or name in FIXED)]))
def test_engine_claims_nothing_tensorflow_contradicts(name: str, oracle: Oracle) -> None:
    source, _ = _program(name)
    outcome = check_program(program_of_source(source), oracle)
    assert not outcome.claims, outcome.report()


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", _agreement_cases())
def test_engine_agrees_fully(name: str, oracle: Oracle) -> None:
    source, _ = _program(name)
    outcome = check_program(program_of_source(source), oracle)
    assert outcome.agrees, outcome.report()
