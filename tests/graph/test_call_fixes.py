"""Quick fixes for a layer call Keras refuses for its input in a functional graph (a tensor of
the wrong rank SL101, a Reshape's target SL104, a Flatten of axes of unknown size SL102): each
one edits exactly what it says (the whole fixed text is compared), is verified by the engine
(its finding is gone, nothing new appears), and the fixed program builds in real TensorFlow
with the shapes the engine computes. A fix that would change what another call or a model's
output receives is not offered."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.findings import Finding
from shape_engine.fixes import apply_edits
from tests.graph.oracle import GraphOracle, assert_graph_agrees

HEAD = "import keras\nfrom keras import layers\n"

# name: (program, the preferred fix's title, the program after it)
CASES = {
    "reshape_line_before_a_rebinding_call": ("""
        inputs = keras.Input(shape=(784,))
        x = layers.Dense(64)(inputs)
        x = layers.Conv2D(8, 3)(x)
        model = keras.Model(inputs, layers.Dense(10)(x))
        """, "Insert Reshape((8, 8, 1)) before Conv2D(8, 3): 64 elements", """
        inputs = keras.Input(shape=(784,))
        x = layers.Dense(64)(inputs)
        x = layers.Reshape((8, 8, 1))(x)
        x = layers.Conv2D(8, 3)(x)
        model = keras.Model(inputs, layers.Dense(10)(x))
        """),
    "reshape_around_an_argument_used_elsewhere": ("""
        inputs = keras.Input(shape=(784,))
        h = layers.Dense(64)(inputs)
        y = layers.Conv2D(8, 3)(h)
        model = keras.Model(inputs, [y, h])
        """, "Insert Reshape((8, 8, 1)) before Conv2D(8, 3)", """
        inputs = keras.Input(shape=(784,))
        h = layers.Dense(64)(inputs)
        y = layers.Conv2D(8, 3)(layers.Reshape((8, 8, 1))(h))
        model = keras.Model(inputs, [y, h])
        """),
    "reshape_inside_a_larger_expression": ("""
        inputs = keras.Input(shape=(30,))
        model = keras.Model(inputs, layers.Conv1D(4, 3)(layers.Dense(32)(inputs)))
        """, "Insert Reshape((32, 1)) before Conv1D(4, 3)", """
        inputs = keras.Input(shape=(30,))
        model = keras.Model(inputs, layers.Conv1D(4, 3)(layers.Reshape((32, 1))(layers.Dense(32)(inputs))))
        """),  # noqa: E501
    "reshape_line_keeps_the_indentation": ("""
        def block(x):
            x = layers.Dense(30)(x)
            x = layers.Conv1D(4, 3)(x)  # the block's convolution
            return x

        inputs = keras.Input(shape=(12,))
        model = keras.Model(inputs, block(inputs))
        """, "Insert Reshape((30, 1)) before Conv1D(4, 3)", """
        def block(x):
            x = layers.Dense(30)(x)
            x = layers.Reshape((30, 1))(x)
            x = layers.Conv1D(4, 3)(x)  # the block's convolution
            return x

        inputs = keras.Input(shape=(12,))
        model = keras.Model(inputs, block(inputs))
        """),
    "return_sequences_through_dropout": ("""
        inputs = keras.Input(shape=(20, 8))
        x = layers.LSTM(32)(inputs)
        x = layers.Dropout(0.2)(x)
        x = layers.LSTM(64)(x)
        model = keras.Model(inputs, layers.Dense(10)(x))
        """, "Set return_sequences=True on LSTM(32)", """
        inputs = keras.Input(shape=(20, 8))
        x = layers.LSTM(32, return_sequences=True)(inputs)
        x = layers.Dropout(0.2)(x)
        x = layers.LSTM(64)(x)
        model = keras.Model(inputs, layers.Dense(10)(x))
        """),
    "return_sequences_inside_bidirectional_made_apart": ("""
        inputs = keras.Input(shape=(20, 8))
        encoder = layers.Bidirectional(layers.GRU(16))
        x = encoder(inputs)
        outputs = layers.GRU(4)(x)
        model = keras.Model(inputs, outputs)
        """, "Set return_sequences=True on GRU(16)", """
        inputs = keras.Input(shape=(20, 8))
        encoder = layers.Bidirectional(layers.GRU(16, return_sequences=True))
        x = encoder(inputs)
        outputs = layers.GRU(4)(x)
        model = keras.Model(inputs, outputs)
        """),
    "channel_axis_added_to_the_input": ("""
        inputs = keras.Input(shape=(28, 28))
        x = layers.Conv2D(8, 3)(inputs)
        model = keras.Model(inputs, x)
        """, "Add a channel axis to the input: (28, 28, 1)", """
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(8, 3)(inputs)
        model = keras.Model(inputs, x)
        """),
    "batch_dimension_dropped_from_the_input": ("""
        inputs = keras.Input((None, 28, 28, 1))
        x = layers.Conv2D(8, 3)(inputs)
        model = keras.Model(inputs, x)
        """, "Drop the batch dimension from the input shape: (28, 28, 1)", """
        inputs = keras.Input((28, 28, 1))
        x = layers.Conv2D(8, 3)(inputs)
        model = keras.Model(inputs, x)
        """),
    "flatten_line_removed": ("""
        inputs = keras.Input(shape=(100, 4))
        x = layers.Conv1D(8, 3)(inputs)
        x = layers.Flatten()(x)
        x = layers.LSTM(16)(x)
        model = keras.Model(inputs, x)
        """, "Remove Flatten(): LSTM(16) needs the axes it flattens", """
        inputs = keras.Input(shape=(100, 4))
        x = layers.Conv1D(8, 3)(inputs)
        x = layers.LSTM(16)(x)
        model = keras.Model(inputs, x)
        """),
    "inline_flatten_removed": ("""
        inputs = keras.Input(shape=(16, 16, 3))
        c = layers.Conv2D(8, 3)(inputs)
        y = layers.Conv2D(4, 3)(layers.Flatten()(c))
        model = keras.Model(inputs, y)
        """, "Remove Flatten(): Conv2D(4, 3) needs the axes it flattens", """
        inputs = keras.Input(shape=(16, 16, 3))
        c = layers.Conv2D(8, 3)(inputs)
        y = layers.Conv2D(4, 3)(c)
        model = keras.Model(inputs, y)
        """),
    "dense_resized_for_the_reshape": ("""
        inputs = keras.Input(shape=(20,))
        x = layers.Dense(128)(inputs)
        x = layers.Reshape((28, 28, 1))(x)
        model = keras.Model(inputs, x)
        """, "Make Dense(128) output 784 units for the Reshape", """
        inputs = keras.Input(shape=(20,))
        x = layers.Dense(784)(inputs)
        x = layers.Reshape((28, 28, 1))(x)
        model = keras.Model(inputs, x)
        """),
    "reshape_target_refit_when_the_dense_feeds_another_call": ("""
        inputs = keras.Input(shape=(20,))
        h = layers.Dense(128)(inputs)
        x = layers.Reshape((28, 28, 1))(h)
        model = keras.Model(inputs, [x, layers.Dense(2)(h)])
        """, "Reshape to (8, 16, 1): 128 elements", """
        inputs = keras.Input(shape=(20,))
        h = layers.Dense(128)(inputs)
        x = layers.Reshape((8, 16, 1))(h)
        model = keras.Model(inputs, [x, layers.Dense(2)(h)])
        """),
    "flatten_of_unknown_sizes_replaced_by_global_pooling": ("""
        inputs = keras.Input(shape=(None, None, 3))
        x = layers.Conv2D(8, 3)(inputs)
        x = layers.Flatten()(x)
        x = layers.Dense(10)(x)
        model = keras.Model(inputs, x)
        """, "Replace Flatten() with GlobalAveragePooling2D()", """
        inputs = keras.Input(shape=(None, None, 3))
        x = layers.Conv2D(8, 3)(inputs)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(10)(x)
        model = keras.Model(inputs, x)
        """),
}


def build_error(text: str) -> Finding:
    """The program's one build refusal."""
    (finding,) = [f for f in analyze_source(text).findings if f.code.startswith("SL1")]
    return finding


def rank_finding(text: str) -> Finding:
    (finding,) = [f for f in analyze_source(text).findings if f.code == "SL101"]
    return finding


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_edits_the_call_and_the_program_builds_in_tensorflow(
        name: str, graph_oracle: GraphOracle) -> None:
    source, title, expected = CASES[name]
    text = HEAD + textwrap.dedent(source)
    assert_graph_agrees(text, graph_oracle, expect_raises=True)
    finding = build_error(text)
    assert finding.fix is not None, finding
    assert finding.fix.title.startswith(title), finding.fix.title
    fixed = apply_edits(text, finding.fix.edits)
    assert fixed == HEAD + textwrap.dedent(expected)
    assert [f for f in analyze_source(fixed).findings if f.code.startswith("SL1")] == []
    assert_graph_agrees(fixed, graph_oracle, expect_raises=False)


@pytest.mark.parametrize(("imports", "fixed_imports", "reshape"), [
    ("import keras\nfrom keras.layers import Conv2D, Dense, Input\n",
     "import keras\nfrom keras.layers import Conv2D, Dense, Input\n", "keras.layers.Reshape"),
    ("from keras.layers import Conv2D, Dense, Input\n",
     "from keras.layers import Conv2D, Dense, Input, Reshape\n", "Reshape"),
])
def test_the_reshape_is_written_the_way_the_file_imports_layers(
        imports: str, fixed_imports: str, reshape: str) -> None:
    body = "inputs = Input(shape=(784,))\nx = Dense(64)(inputs)\n"
    text = imports + body + "x = Conv2D(8, 3)(x)\n"
    finding = rank_finding(text)
    assert finding.fix is not None
    fixed = apply_edits(text, finding.fix.edits)
    assert fixed == fixed_imports + body + f"x = {reshape}((8, 8, 1))(x)\nx = Conv2D(8, 3)(x)\n"
    assert analyze_source(fixed).findings == []


def titles(text: str) -> list[str]:
    return [fix.title for fix in build_error(HEAD + textwrap.dedent(text)).fixes]


def test_no_input_fix_when_the_input_feeds_another_call() -> None:
    """A channel axis on the Input would change what the Flatten receives too."""
    assert titles("""
        inputs = keras.Input(shape=(28, 28))
        a = layers.Conv2D(8, 3)(inputs)
        b = layers.Flatten()(inputs)
        model = keras.Model(inputs, [a, b])
        """) == []


@pytest.mark.parametrize("other_use", [
    "c = layers.Dense(2)(a)\nmodel = keras.Model(inputs, [b, c])",  # a second consumer
    "model = keras.Model(inputs, [a, b])",  # a model's output
])
def test_no_return_sequences_when_the_rnn_output_is_used_elsewhere(other_use: str) -> None:
    """Its steps would reach the other use too: the Reshape of the call's own input is
    offered instead, around the argument."""
    text = HEAD + textwrap.dedent("""
        inputs = keras.Input(shape=(20, 8))
        a = layers.LSTM(8)(inputs)
        b = layers.LSTM(4)(a)
        """) + other_use + "\n"
    finding = rank_finding(text)
    assert [fix.title for fix in finding.fixes] == [
        "Insert Reshape((8, 1)) before LSTM(4): 8 elements"]
    assert "b = layers.LSTM(4)(layers.Reshape((8, 1))(a))" in apply_edits(
        text, finding.fixes[0].edits)


def test_no_return_sequences_on_a_layer_object_called_twice() -> None:
    """Setting it on the shared LSTM would change its other call's output."""
    assert "Set return_sequences=True on LSTM(8)" not in titles("""
        inputs = keras.Input(shape=(20, 8))
        other = keras.Input(shape=(20, 8))
        shared = layers.LSTM(8)
        a = shared(inputs)
        b = layers.LSTM(4)(a)
        c = shared(other)
        model = keras.Model([inputs, other], [b, c])
        """)


def test_no_fix_inside_a_subclassed_call() -> None:
    """A layer made inside `call` would be a new layer at every call: not proposed there."""
    text = HEAD + textwrap.dedent("""
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = layers.Dense(64)
                self.conv = layers.Conv2D(8, 3)

            def call(self, x):
                x = self.dense(x)
                x = self.conv(x)
                return x

        inputs = keras.Input(shape=(784,))
        outputs = Net()(inputs)
        """)
    assert rank_finding(text).fixes == ()


# The same model written both ways gets the same fixes (those that Keras' refusal of a 4-D
# tensor at an LSTM or a Conv1D does not have: neither way proposes one).
PAIRS = {
    "dense_then_conv2d": ("[keras.Input((784,)), layers.Dense(64), layers.Conv2D(8, 3)]",
                          """
        inputs = keras.Input((784,))
        x = layers.Dense(64)(inputs)
        x = layers.Conv2D(8, 3)(x)
        """),
    "lstm_then_lstm": ("[keras.Input((20, 8)), layers.LSTM(32), layers.LSTM(64)]", """
        inputs = keras.Input((20, 8))
        x = layers.LSTM(32)(inputs)
        x = layers.LSTM(64)(x)
        """),
    "flat_input_to_conv1d": ("[keras.Input((30,)), layers.Conv1D(4, 3)]", """
        inputs = keras.Input((30,))
        x = layers.Conv1D(4, 3)(inputs)
        """),
    "conv2d_then_lstm": ("[keras.Input((28, 28, 1)), layers.Conv2D(8, 3), layers.LSTM(64)]",
                         """
        inputs = keras.Input((28, 28, 1))
        x = layers.Conv2D(8, 3)(inputs)
        x = layers.LSTM(64)(x)
        """),
    "conv2d_dense_conv1d": ("[keras.Input((28, 28, 1)), layers.Conv2D(8, 3), layers.Dense(64),"
                            " layers.Conv1D(8, 3)]", """
        inputs = keras.Input((28, 28, 1))
        x = layers.Conv2D(8, 3)(inputs)
        x = layers.Dense(64)(x)
        x = layers.Conv1D(8, 3)(x)
        """),
    "dense_into_reshape": ("[keras.Input((20,)), layers.Dense(128), layers.Reshape((28, 28, 1))]",
                           """
        inputs = keras.Input((20,))
        x = layers.Dense(128)(inputs)
        x = layers.Reshape((28, 28, 1))(x)
        """),
    "flatten_of_unknown_sizes": ("[keras.Input((None, 3)), layers.Conv1D(8, 3), layers.Flatten(),"
                                 " layers.Dense(10)]", """
        inputs = keras.Input((None, 3))
        x = layers.Conv1D(8, 3)(inputs)
        x = layers.Flatten()(x)
        x = layers.Dense(10)(x)
        """),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_functional_call_gets_the_fixes_of_the_sequential_layer(name: str) -> None:
    entries, functional = PAIRS[name]
    sequential = titles(f"model = keras.Sequential({entries})\n")
    assert titles(functional + "model = keras.Model(inputs, x)\n") == sequential


def test_a_call_sharing_its_line_with_another_statement_is_fixed() -> None:
    """`a = f(x); b = g(a)`: the second statement's call is found on that line too."""
    text = HEAD + textwrap.dedent("""
        inputs = keras.Input((20, 8))
        seq = layers.LSTM(4, return_sequences=False)(inputs); out = layers.LSTM(2)(seq)
        model = keras.Model(inputs, out)
        """)
    finding = rank_finding(text)
    assert finding.fix is not None
    assert finding.fix.title == "Set return_sequences=True on LSTM(4, return_sequences=False)"
    fixed = apply_edits(text, finding.fix.edits)
    assert "seq = layers.LSTM(4, return_sequences=True)(inputs); out = layers.LSTM(2)(seq)\n" in (
        fixed)
    assert analyze_source(fixed).findings == []
