"""Quick fixes for refused merges: offered, verified by the engine, and the fixed program
builds in real TensorFlow with the shapes the engine computes."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.fixes import apply_edits
from tests.graph.oracle import GraphOracle, assert_graph_agrees

HEAD = "import keras\nfrom keras import layers\n"

CASES = {
    "concatenate_axis_inserted": ("""
        a = keras.Input((4, 8))
        b = keras.Input((6, 8))
        c = layers.Concatenate()([a, b])
        """, "Concatenate along axis 1", "layers.Concatenate(axis=1)([a, b])"),
    "concatenate_axis_replaced": ("""
        a = keras.Input((5, 4, 8))
        b = keras.Input((5, 6, 8))
        c = layers.concatenate([a, b], axis=-1)
        """, "Concatenate along axis 2", "layers.concatenate([a, b], axis=2)"),
    "shortcut_projected_conv": ("""
        inputs = keras.Input(shape=(32, 32, 16))
        x = layers.Conv2D(32, 3, padding="same")(inputs)
        x = layers.Add()([x, inputs])
        """, "Project inputs to 32 channels",
        "layers.Add()([x, layers.Conv2D(32, 1)(inputs)])"),
    "shortcut_projected_dense": ("""
        inputs = keras.Input(shape=(16,))
        h = layers.Dense(8)(inputs)
        out = layers.add([inputs, h])
        """, "Project inputs to 8 channels", "layers.add([layers.Dense(8)(inputs), h])"),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CASES))
def test_merge_fix_is_offered_and_builds_in_tensorflow(name: str,
                                                       graph_oracle: GraphOracle) -> None:
    source, title, fixed_text = CASES[name]
    text = HEAD + textwrap.dedent(source)
    (finding,) = [f for f in analyze_source(text).findings if f.code == "SL110"]
    assert finding.fix is not None, finding
    assert finding.fix.title.startswith(title)
    fixed = apply_edits(text, finding.fix.edits)
    assert fixed_text in fixed
    assert_graph_agrees(fixed, graph_oracle, expect_raises=False)


def test_no_fix_when_the_branches_differ_beyond_their_channels() -> None:
    text = HEAD + textwrap.dedent("""
        inputs = keras.Input(shape=(32, 32, 16))
        x = layers.Conv2D(32, 3)(inputs)
        x = layers.Add()([x, inputs])
        """)
    (finding,) = [f for f in analyze_source(text).findings if f.code == "SL110"]
    assert finding.fixes == ()
