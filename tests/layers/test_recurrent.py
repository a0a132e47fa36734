"""SimpleRNN, LSTM, GRU, ConvLSTM, Bidirectional and TimeDistributed against real TensorFlow."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from tests.compare import assert_agrees, build_errors

pytestmark = pytest.mark.tensorflow

HEADER = "import keras\nfrom keras import layers\n"


def model(*stack: str) -> str:
    """A program building `m = keras.Sequential([...])` from layer expressions."""
    return HEADER + "m = keras.Sequential([\n" + "".join(f"    {s},\n" for s in stack) + "])\n"


SEQ = "keras.Input((5, 10))"

RNN_CASES = {
    "lstm_last_step": (model(SEQ, "layers.LSTM(7)"), None),
    "lstm_stack": (model(SEQ, "layers.LSTM(8, return_sequences=True)", "layers.LSTM(4)",
                         "layers.Dense(1)"), None),
    "lstm_positional_use_bias": (model(SEQ, "layers.LSTM(4, 'tanh', 'sigmoid', False)"), None),
    "lstm_go_backwards_unroll": (model(SEQ, "layers.LSTM(4, go_backwards=True, unroll=True)"),
                                 None),
    "lstm_unknown_timesteps_input_shape": ("""
        from tensorflow import keras
        model = keras.Sequential([keras.layers.LSTM(64, input_shape=(None, 10))])
        """, None),
    "simple_rnn_no_bias": (model(SEQ, "layers.SimpleRNN(6, use_bias=False, "
                                      "return_sequences=True)"), None),
    "gru_default_reset_after": (model(SEQ, "layers.GRU(4)"), None),
    "gru_reset_after_false": (model(SEQ, "layers.GRU(4, reset_after=False)"), None),
    "gru_no_bias": (model(SEQ, "layers.GRU(4, use_bias=False, return_sequences=True)"), None),
    "embedding_lstm_head": (model("keras.Input((20,))", "layers.Embedding(1000, 16)",
                                  "layers.LSTM(32)", "layers.Dense(1, activation='sigmoid')"),
                            None),
    "stateful_with_batch_size": (model("keras.Input((5, 10), batch_size=2)",
                                       "layers.LSTM(4, stateful=True)"), None),
    "lstm_after_flatten": (model(SEQ, "layers.LSTM(8, return_sequences=True)",
                                 "layers.Flatten()", "layers.LSTM(4)"), "SL101"),
    "lstm_after_dense": (model("keras.Input((10,))", "layers.Dense(8)", "layers.LSTM(4)"),
                         "SL101"),
    "lstm_rank4": (model("keras.Input((3, 5, 10))", "layers.LSTM(4)"), "SL101"),
    "gru_unknown_features": (model("keras.Input((5, None))", "layers.GRU(4)"), "SL102"),
    "simple_rnn_unknown_features": (model("keras.Input((None, None))", "layers.SimpleRNN(4)"),
                                    "SL102"),
    "lstm_zero_units": (model(SEQ, "layers.LSTM(0)"), "SL105"),
    "gru_negative_units": (model(SEQ, "layers.GRU(units=-3)"), "SL105"),
    "return_state_last": (model(SEQ, "layers.LSTM(7, return_state=True)"), None),
    "return_state_into_dense": (model(SEQ, "layers.LSTM(7, return_state=True)",
                                      "layers.Dense(3)"), "SL108"),
    "gru_return_state_into_lstm": (model(SEQ, "layers.GRU(7, return_sequences=True, "
                                              "return_state=True)", "layers.LSTM(3)"),
                                   "SL108"),
    "return_state_through_dropout": (model(SEQ, "layers.LSTM(7, return_state=True)",
                                           "layers.Dropout(0.5)", "layers.Activation('relu')"),
                                     None),
    "return_state_through_dropout_into_dense": (
        model(SEQ, "layers.LSTM(7, return_state=True)", "layers.Dropout(0.5)",
              "layers.Dense(3)"), "SL108"),
    "return_state_into_nested_model": (
        model(SEQ, "layers.LSTM(7, return_state=True)",
              "keras.Sequential([layers.Dense(2)])"), "SL108"),
}

BIDIRECTIONAL_CASES = {
    "bidi_concat": (model(SEQ, "layers.Bidirectional(layers.LSTM(3))"), None),
    "bidi_stack_then_dense": (model(SEQ, "layers.Bidirectional(layers.LSTM(4, "
                                         "return_sequences=True))",
                                    "layers.Bidirectional(layers.GRU(4))", "layers.Dense(2)"),
                              None),
    "bidi_sum": (model(SEQ, "layers.Bidirectional(layers.GRU(3, return_sequences=True), "
                            "merge_mode='sum')"), None),
    "bidi_ave_positional": (model(SEQ, "layers.Bidirectional(layers.SimpleRNN(3), 'ave')"),
                            None),
    "bidi_mul": (model(SEQ, "layers.Bidirectional(layers.LSTM(5), merge_mode='mul')"), None),
    "bidi_keyword_layer": (model(SEQ, "layers.Bidirectional(layer=layers.LSTM(3), "
                                      "merge_mode='concat')"), None),
    "bidi_input_shape_kwarg": (HEADER + "m = keras.Sequential([layers.Bidirectional("
                               "layers.LSTM(3), input_shape=(5, 10))])\n", None),
    "bidi_backward_layer_other_size": (
        model(SEQ, "layers.Bidirectional(layers.LSTM(4, return_sequences=True), "
                   "backward_layer=layers.LSTM(6, return_sequences=True, go_backwards=True))"),
        None),
    "bidi_backward_layer_other_kind": (
        model(SEQ, "layers.Bidirectional(layers.SimpleRNN(3), "
                   "backward_layer=layers.GRU(3, go_backwards=True))"), None),
    "bidi_forward_goes_backwards": (
        model(SEQ, "layers.Bidirectional(layers.LSTM(3, go_backwards=True), "
                   "backward_layer=layers.LSTM(3))"), None),
    "bidi_layers_from_variables": (HEADER + """
forward = layers.GRU(4, return_sequences=True)
backward = layers.GRU(2, return_sequences=True, go_backwards=True)
m = keras.Sequential([keras.Input((6, 3)), layers.Bidirectional(forward, 'sum', None, backward)])
""", None),
    "bidi_merge_none_last": (model(SEQ, "layers.Bidirectional(layers.LSTM(4), merge_mode=None)"),
                             None),
    "bidi_return_state_last": (model(SEQ, "layers.Bidirectional(layers.LSTM(4, "
                                          "return_state=True))"), None),
    "bidi_conv_lstm": (model("keras.Input((4, 6, 6, 3))",
                             "layers.Bidirectional(layers.ConvLSTM2D(2, 3))"), None),
    "bidi_merge_none_into_dense": (
        model(SEQ, "layers.Bidirectional(layers.LSTM(3), merge_mode=None)", "layers.Dense(2)"),
        "SL108"),
    "bidi_dense": (model(SEQ, "layers.Bidirectional(layers.Dense(4))"), "SL105"),
    "bidi_dense_with_backward": (
        model(SEQ, "layers.Bidirectional(layers.Dense(4), backward_layer=layers.Dense(4))"),
        "SL105"),
    "bidi_conv1d": (model(SEQ, "layers.Bidirectional(layers.Conv1D(3, 2))"), "SL105"),
    "bidi_of_bidi": (model(SEQ, "layers.Bidirectional(layers.Bidirectional(layers.LSTM(3)))"),
                     "SL105"),
    "bidi_nested_model": (model(SEQ, "layers.Bidirectional(keras.Sequential([layers.LSTM(3)]))"),
                          "SL105"),
    "bidi_bad_merge_mode": (model(SEQ, "layers.Bidirectional(layers.LSTM(4), "
                                       "merge_mode='max')"), "SL105"),
    "bidi_backward_same_direction": (
        model(SEQ, "layers.Bidirectional(layers.LSTM(4), backward_layer=layers.LSTM(4))"),
        "SL105"),
    "bidi_forward_already_backwards": (
        model(SEQ, "layers.Bidirectional(layers.LSTM(3, go_backwards=True))"), "SL105"),
    "bidi_return_sequences_differ": (
        model(SEQ, "layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), "
                   "backward_layer=layers.SimpleRNN(3, go_backwards=True))"), "SL105"),
    "bidi_rank4": (model("keras.Input((3, 5, 10))", "layers.Bidirectional(layers.LSTM(4))"),
                   "SL101"),
    "bidi_unknown_features": (model("keras.Input((5, None))",
                                    "layers.Bidirectional(layers.LSTM(3))"), "SL102"),
}

TIME_DISTRIBUTED_CASES = {
    "td_dense": (model(SEQ, "layers.TimeDistributed(layers.Dense(3))"), None),
    "td_dense_input_shape_kwarg": (
        HEADER + "m = keras.Sequential([layers.TimeDistributed(layers.Dense(3), "
                 "input_shape=(5, 10))])\n", None),
    "td_dense_unknown_time": (model("keras.Input((None, 4, 7))",
                                    "layers.TimeDistributed(layers.Dense(3))"), None),
    "td_conv_video": (model("keras.Input((5, 8, 8, 3))",
                            "layers.TimeDistributed(layers.Conv2D(4, 3))",
                            "layers.TimeDistributed(layers.MaxPooling2D())",
                            "layers.TimeDistributed(layers.Flatten())",
                            "layers.LSTM(8)", "layers.Dense(2)"), None),
    "td_embedding": (model("keras.Input((5, 4))", "layers.TimeDistributed("
                                                  "layers.Embedding(10, 3))"), None),
    "td_lstm_over_sequences": (model("keras.Input((5, 4, 7))",
                                     "layers.TimeDistributed(layers.LSTM(3))"), None),
    "td_bidirectional": (model("keras.Input((5, 4, 3))", "layers.TimeDistributed("
                                                         "layers.Bidirectional(layers.GRU(2)))"),
                         None),
    # Keras skips the RNN's rank check inside TimeDistributed: the middle axes drop out.
    "td_lstm_on_rank4_steps": (model("keras.Input((6, 3, 5, 4))",
                                     "layers.TimeDistributed(layers.GRU(3, "
                                     "return_sequences=True))"), None),
    "td_bidirectional_on_rank4_steps": (
        model("keras.Input((6, 3, 5, 4))", "layers.TimeDistributed(layers.Bidirectional("
              "layers.LSTM(2), backward_layer=layers.GRU(3, go_backwards=True)))"), None),
    "td_bidirectional_unknown_features": (
        model("keras.Input((3, 6, 3, None))",
              "layers.TimeDistributed(layers.Bidirectional(layers.GRU(2)))"), "SL102"),
    "td_bidirectional_merge_none": (
        model("keras.Input((5, 4, 3))", "layers.TimeDistributed(layers.Bidirectional("
              "layers.LSTM(2), merge_mode=None))"), "SL105"),
    "td_of_td": (model("keras.Input((5, 4, 7))",
                       "layers.TimeDistributed(layers.TimeDistributed(layers.Dense(2)))"), None),
    "td_dropout": (model(SEQ, "layers.TimeDistributed(layers.Dropout(0.5))"), None),
    "td_reshape": (model("keras.Input((5, 4, 7))",
                         "layers.TimeDistributed(layers.Reshape((7, 4)))"), None),
    "td_rank2": (model("keras.Input((10,))", "layers.TimeDistributed(layers.Dense(3))"),
                 "SL101"),
    "td_of_td_rank3": (model(SEQ, "layers.TimeDistributed(layers.TimeDistributed("
                                  "layers.Dense(2)))"), "SL101"),
    "td_conv2d_steps_too_low_rank": (model("keras.Input((5, 8, 8))",
                                           "layers.TimeDistributed(layers.Conv2D(4, 3))"),
                                     "SL101"),
    "td_lstm_steps_too_low_rank": (model(SEQ, "layers.TimeDistributed(layers.LSTM(3))"),
                                   "SL101"),
    "td_dense_unknown_features": (model("keras.Input((5, None))",
                                        "layers.TimeDistributed(layers.Dense(3))"), "SL102"),
    "td_conv_too_small": (model("keras.Input((5, 2, 2, 3))",
                                "layers.TimeDistributed(layers.Conv2D(4, 3))"), "SL103"),
    "td_reshape_mismatch": (model("keras.Input((5, 4, 7))",
                                  "layers.TimeDistributed(layers.Reshape((5, 4)))"), "SL104"),
    "td_dense_zero_units": (model(SEQ, "layers.TimeDistributed(layers.Dense(0))"), "SL105"),
    "td_lstm_return_state": (model("keras.Input((5, 4, 7))", "layers.TimeDistributed("
                                   "layers.LSTM(3, return_state=True))"), "SL105"),
    # Without the input spec, global pooling and spatial dropout take steps of any rank.
    "td_global_pooling_higher_rank_steps": (
        model("keras.Input((7, 2, 2, 6, 6))",
              "layers.TimeDistributed(layers.GlobalAveragePooling2D(keepdims=True))"), None),
    "td_global_pooling_lower_rank_steps_channels_first": (
        model("keras.Input((7, 2, 6))", "layers.TimeDistributed(layers.GlobalMaxPooling3D("
              "data_format='channels_first'))", "layers.Dense(3)"), None),
    "td_spatial_dropout_other_rank_steps": (
        model("keras.Input((7, 2, 6))", "layers.TimeDistributed(layers.SpatialDropout2D(0.1))"),
        None),
}

CONV_LSTM_CASES = {
    "conv_lstm1d": (model("keras.Input((4, 10, 3))", "layers.ConvLSTM1D(5, 3)"), None),
    "conv_lstm1d_same_strided_sequences": (
        model("keras.Input((4, 10, 3))", "layers.ConvLSTM1D(5, 3, strides=2, padding='same', "
                                         "return_sequences=True)"), None),
    "conv_lstm1d_dilated": (model("keras.Input((4, 10, 3))",
                                  "layers.ConvLSTM1D(5, 3, dilation_rate=4)"), None),
    "conv_lstm2d_tuple_kernel_strides": (
        model("keras.Input((4, 6, 6, 3))", "layers.ConvLSTM2D(5, (3, 2), strides=(2, 1))"),
        None),
    "conv_lstm2d_channels_first_sequences": (
        model("keras.Input((4, 3, 6, 6))", "layers.ConvLSTM2D(5, 3, "
              "data_format='channels_first', return_sequences=True)"), None),
    "conv_lstm2d_unknown_time_then_head": (
        model("keras.Input((None, 8, 8, 1))", "layers.ConvLSTM2D(4, 3, padding='same')",
              "layers.Flatten()", "layers.Dense(2)"), None),
    "conv_lstm2d_no_filters": (model("keras.Input((4, 6, 6, 3))", "layers.ConvLSTM2D(0, 3)"),
                               None),
    "conv_lstm3d_dilated": (model("keras.Input((4, 6, 6, 6, 2))",
                                  "layers.ConvLSTM3D(3, 3, dilation_rate=2)"), None),
    "conv_lstm3d_upper_case_padding_no_bias": (
        model("keras.Input((4, 6, 6, 6, 2))", "layers.ConvLSTM3D(3, 3, padding='SAME', "
                                              "use_bias=False)"), None),
    "conv_lstm_return_state_last": (model("keras.Input((4, 6, 6, 3))",
                                          "layers.ConvLSTM2D(5, 3, return_state=True)"), None),
    "conv_lstm_rank4": (model("keras.Input((6, 6, 3))", "layers.ConvLSTM2D(5, 3)"), "SL101"),
    "conv_lstm_unknown_spatial": (model("keras.Input((4, None, 6, 3))",
                                        "layers.ConvLSTM2D(5, 3)"), "SL102"),
    "conv_lstm_unknown_channels": (model("keras.Input((4, 6, 6, None))",
                                         "layers.ConvLSTM2D(5, 3)"), "SL102"),
    "conv_lstm_too_small": (model("keras.Input((4, 2, 6, 3))", "layers.ConvLSTM2D(5, 3)"),
                            "SL103"),
    "conv_lstm1d_dilation_too_large": (model("keras.Input((4, 10, 3))",
                                             "layers.ConvLSTM1D(5, 3, dilation_rate=5)"),
                                       "SL103"),
    "conv_lstm_causal": (model("keras.Input((4, 6, 6, 6, 2))",
                               "layers.ConvLSTM3D(3, 3, padding='causal')"), "SL105"),
    "conv_lstm_strides_and_dilation": (
        model("keras.Input((4, 6, 6, 3))", "layers.ConvLSTM2D(5, 3, strides=2, "
                                           "dilation_rate=2)"), "SL105"),
    "conv_lstm_zero_kernel": (model("keras.Input((4, 6, 6, 3))", "layers.ConvLSTM2D(5, 0)"),
                              "SL105"),
    "conv_lstm_negative_filters": (model("keras.Input((4, 6, 6, 3))",
                                         "layers.ConvLSTM2D(-2, 3)"), "SL105"),
    "conv_lstm_return_state_into_flatten": (
        model("keras.Input((4, 6, 6, 3))", "layers.ConvLSTM2D(5, 3, return_state=True)",
              "layers.Flatten()"), "SL108"),
}

CASES = {**RNN_CASES, **BIDIRECTIONAL_CASES, **TIME_DISTRIBUTED_CASES, **CONV_LSTM_CASES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)


def test_flatten_between_lstms_names_flatten_output(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = assert_agrees(RNN_CASES["lstm_after_flatten"][0], oracle,
                                expect_error="SL101", expect_raises=True)
    message = build_errors(analysis)[0]
    assert "LSTM expects a 3-D input (batch, timesteps, features)" in message
    assert "Flatten() outputs (None, 40)" in message


def test_bidirectional_dense_points_at_the_wrapped_layer(oracle) -> None:  # type: ignore[no-untyped-def]
    source = RNN_CASES["lstm_last_step"][0].replace("layers.LSTM(7)",
                                                    "layers.Bidirectional(layers.Dense(4))")
    analysis, result = assert_agrees(source, oracle, expect_error="SL105", expect_raises=True)
    assert result.error is not None and result.error.startswith("TypeError")
    finding = next(f for f in analysis.findings if f.code == "SL105")
    line = source.splitlines()[finding.range.start.line]
    assert line[finding.range.start.character:finding.range.end.character] == (
        "layers.Dense(4)")


# Keras builds these, or refuses them, for reasons a static tool cannot see: the engine
# leaves the outcome unknown and stays silent.
SILENT_CASES = {
    # TimeDistributed skips the wrapped layer's input checks: MaxPooling2D runs on
    # (batch, 8, 8) steps and Keras reports a 5-D output.
    "td_pooling_on_low_rank_steps": (model("keras.Input((5, 8, 8))",
                                           "layers.TimeDistributed(layers.MaxPooling2D())"),
                                     False),
    # A stateful layer needs a fixed batch size; the model built from its first batch of data
    # gets one from the data, a declared input without batch_size does not.
    "stateful_built_from_data": (HEADER + textwrap.dedent("""
        import numpy as np
        m = keras.Sequential([layers.LSTM(4, stateful=True)])
        m.compile(loss="mse")
        m.fit(np.zeros((8, 5, 10)), np.zeros((8, 4)), batch_size=4, verbose=0)
        """), False),
    "stateful_declared_without_batch": (model(SEQ, "layers.LSTM(4, stateful=True)"), True),
}


@pytest.mark.parametrize("name", sorted(SILENT_CASES))
def test_silent_where_the_outcome_is_not_static(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, keras_raises = SILENT_CASES[name]
    assert oracle.run(source).raised == keras_raises
    assert not build_errors(analyze_source(source))


def test_recurrent_output_keeps_its_rank_when_units_are_not_constant() -> None:
    source = HEADER + "import random\nunits = random.randint(1, 9)\n" + model(
        SEQ, "layers.LSTM(units)", "layers.Dense(2)").removeprefix(HEADER)
    analysis = analyze_source(source)
    assert not build_errors(analysis)
    lstm, dense = analysis.models[0].layers[-2:]
    # Its size is not known, its rank is (partial_shapes); the weights are not known.
    assert lstm.output_shape == (None, None) and dense.output_shape == (None, 2)
    assert lstm.params is None and dense.params is None
