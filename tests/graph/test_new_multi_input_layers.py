"""GroupQueryAttention and HashedCrossing called on symbolic tensors, against real
TensorFlow: output shapes, parameters, and what Keras refuses at the call."""

from __future__ import annotations

import pytest

from tests.graph.oracle import GraphOracle, assert_graph_agrees

pytestmark = pytest.mark.tensorflow

HEAD = "import keras\nfrom keras import layers\n"

CASES: dict[str, tuple[str, str | None]] = {
    "gqa_self_attention": ("""
q = keras.Input((10, 16))
out = layers.GroupQueryAttention(head_dim=8, num_query_heads=4, num_key_value_heads=2)(q, q)
model = keras.Model(q, out)
""", None),
    "gqa_key_value_and_no_bias": ("""
q = keras.Input((10, 16))
v = keras.Input((7, 16))
k = keras.Input((7, 12))
out = layers.GroupQueryAttention(4, 6, 3, use_bias=False)(q, v, key=k)
model = keras.Model([q, v, k], out)
""", None),
    "gqa_gate": ("""
q = keras.Input((10, 16))
out = layers.GroupQueryAttention(8, 4, 4, use_gate=True)(q, q)
model = keras.Model(q, layers.Dense(3)(out))
""", None),
    "gqa_value_width_differs": ("""
q = keras.Input((10, 16))
v = keras.Input((7, 8))
out = layers.GroupQueryAttention(8, 4, 2)(q, v)
""", "SL110"),
    "gqa_heads_not_divisible": ("""
q = keras.Input((10, 16))
out = layers.GroupQueryAttention(8, 4, 3)(q, q)
""", "SL110"),
    "hashed_crossing_int": ("""
a = keras.Input((1,), dtype="int64")
b = keras.Input((1,), dtype="string")
out = layers.HashedCrossing(num_bins=16)([a, b])
model = keras.Model([a, b], out)
""", None),
    "hashed_crossing_one_hot": ("""
a = keras.Input((1,), dtype="int64")
b = keras.Input((1,), dtype="int64")
out = layers.HashedCrossing(num_bins=16, output_mode="one_hot")([a, b])
model = keras.Model([a, b], layers.Dense(2)(out))
""", None),
    "hashed_crossing_one_hot_wide": ("""
a = keras.Input((3,), dtype="int64")
b = keras.Input((3,), dtype="int64")
out = layers.HashedCrossing(num_bins=16, output_mode="one_hot")([a, b])
model = keras.Model([a, b], out)
""", None),
    "hashed_crossing_different_widths": ("""
a = keras.Input((2,), dtype="int64")
b = keras.Input((3,), dtype="int64")
out = layers.HashedCrossing(num_bins=16)([a, b])
""", "SL110"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, graph_oracle: GraphOracle) -> None:
    source, code = CASES[name]
    assert_graph_agrees(HEAD + source, graph_oracle, expect_error=code,
                        expect_raises=code is not None)
