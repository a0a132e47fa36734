"""Attention layers called on several tensors: keras/layers/attention.

Rank-3 inputs (batch, steps, features) only; other ranks are left unknown.
"""

from __future__ import annotations

from shape_engine.layers.base import (
    LayerArgs,
    LayerOutput,
    Refusal,
    Unknowable,
    known,
    multi_input_rule,
)
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, UNMERGEABLE_INPUTS
from shape_engine.shapes import Shape, format_shape

MHA_PARAMS = ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape")


@multi_input_rule("MultiHeadAttention", params=MHA_PARAMS, tensor_keywords=("query", "value",
                                                                              "key"),
                  takes_list=False)
def multi_head_attention(args: LayerArgs, tensors: tuple[Shape, ...],
                         keywords: dict[str, Shape]) -> LayerOutput:
    """`MultiHeadAttention(num_heads, key_dim)(query, value, key=None)`: the query's shape
    with its last axis the output size; key and value must agree on every axis but the last
    (`compute_output_shape`). Parameters: four EinsumDense projections."""
    named = dict(zip(("query", "value", "key"), tensors, strict=False)) | keywords
    if "query" not in named or "value" not in named:
        raise Unknowable("query/value")
    query, value = named["query"], named["value"]
    key = named.get("key", value)
    if any(len(shape) != 3 for shape in (query, value, key)):
        raise Unknowable("rank")
    if value[1:-1] != key[1:-1] and None not in (*value[1:-1], *key[1:-1]):
        raise Refusal(UNMERGEABLE_INPUTS,
                      f"{args.written_name} needs `value` and `key` of the same shape apart "
                      f"from their last axis, but value is {format_shape(value)} and key "
                      f"{format_shape(key)}")
    heads = args.integer("num_heads")
    key_dim = args.integer("key_dim")
    value_dim = args.optional_int("value_dim") or key_dim
    bias = args.flag("use_bias", True)
    output_shape = args.raw("output_shape", None)
    if output_shape is None:
        out = known(query[-1])
    elif isinstance(output_shape, int) and not isinstance(output_shape, bool):
        out = output_shape
    else:
        raise Unknowable("output_shape")
    q, k, v = known(query[-1]), known(key[-1]), known(value[-1])
    params = (q * heads * key_dim + k * heads * key_dim + v * heads * value_dim
              + heads * value_dim * out)
    if bias:
        params += 2 * heads * key_dim + heads * value_dim + out
    result: Shape = (*query[:-1], out)
    if args.flag("return_attention_scores", False):
        # Keras 3.15's compute_output_spec takes the query's length for both axes.
        scores: Shape = (query[0], heads, query[1], query[1])
        return LayerOutput(None, params, multiple_outputs=True,
                           multiple_outputs_why="returns its output and attention scores",
                           outputs=(result, scores))
    return LayerOutput(result, params)


def _dot_attention(args: LayerArgs, tensors: tuple[Shape, ...], weights: int) -> LayerOutput:
    """`Attention()([query, value])` / `[query, value, key]`: (batch, Tq, value features).
    Mismatched widths fail only when data flows (not modelled)."""
    if len(tensors) not in (2, 3):
        raise Refusal(UNMERGEABLE_INPUTS,
                      f"{args.written_name} takes a list of 2 or 3 tensors [query, value, key],"
                      f" but it receives {len(tensors)}")
    query, value = tensors[0], tensors[1]
    if len(query) != 3 or len(value) != 3:
        raise Refusal(INCOMPATIBLE_RANK, needs="3-D query and value (batch, steps, features)")
    result: Shape = (*query[:-1], value[-1])
    if args.flag("return_attention_scores", False):
        return LayerOutput(None, weights, multiple_outputs=True,
                           multiple_outputs_why="returns its output and attention scores",
                           outputs=(result, (query[0], query[1], value[1])))
    return LayerOutput(result, weights)


@multi_input_rule("Attention", params=("use_scale", "score_mode", "dropout"))
def attention(args: LayerArgs, tensors: tuple[Shape, ...], keywords: dict[str, Shape]
              ) -> LayerOutput:
    if args.string("score_mode", "dot") != "dot":
        raise Unknowable("score_mode")
    return _dot_attention(args, tensors, 1 if args.flag("use_scale", False) else 0)


@multi_input_rule("AdditiveAttention", params=("use_scale", "dropout"))
def additive_attention(args: LayerArgs, tensors: tuple[Shape, ...],
                       keywords: dict[str, Shape]) -> LayerOutput:
    scale = known(tensors[0][-1]) if tensors and args.flag("use_scale", True) else 0
    return _dot_attention(args, tensors, scale)


GQA_PARAMS = ("head_dim", "num_query_heads", "num_key_value_heads", "dropout", "use_bias",
              "sliding_window", "flash_attention")


@multi_input_rule("GroupQueryAttention", params=GQA_PARAMS,
                  tensor_keywords=("query", "value", "key"), takes_list=False)
def group_query_attention(args: LayerArgs, tensors: tuple[Shape, ...],
                          keywords: dict[str, Shape]) -> LayerOutput:
    """`GroupQueryAttention(head_dim, num_query_heads, num_key_value_heads)(query, value,
    key=None)`: the query's shape. Query and value must have the same width, key and value
    the same shape but for the last axis. Parameters: EinsumDense projections of the query
    (and its gate with use_gate) to num_query_heads heads, of key and value to
    num_key_value_heads heads, and back to the query's width."""
    heads = args.integer("num_query_heads")
    groups = args.integer("num_key_value_heads")
    if groups != 0 and heads % groups != 0:
        raise Refusal(UNMERGEABLE_INPUTS,
                      f"{args.written_name} needs num_query_heads ({heads}) divisible by "
                      f"num_key_value_heads ({groups})")
    named = dict(zip(("query", "value", "key"), tensors, strict=False)) | keywords
    if "query" not in named or "value" not in named:
        raise Unknowable("query/value")
    query, value = named["query"], named["value"]
    key = named.get("key", value)
    if any(len(shape) != 3 for shape in (query, value, key)):
        raise Unknowable("rank")
    if None not in (query[-1], value[-1]) and query[-1] != value[-1]:
        raise Refusal(UNMERGEABLE_INPUTS,
                      f"{args.written_name} needs `query` and `value` of the same last axis, "
                      f"but query is {format_shape(query)} and value {format_shape(value)}")
    if value[1:-1] != key[1:-1] and None not in (*value[1:-1], *key[1:-1]):
        raise Refusal(UNMERGEABLE_INPUTS,
                      f"{args.written_name} needs `value` and `key` of the same shape apart "
                      f"from their last axis, but value is {format_shape(value)} and key "
                      f"{format_shape(key)}")
    head_dim = args.integer("head_dim")
    bias = args.flag("use_bias", True)
    width, k, v = known(query[-1]), known(key[-1]), known(value[-1])
    projections = 2 if args.flag("use_gate", False) else 1
    params = (projections * width * heads * head_dim + (k + v) * groups * head_dim
              + heads * head_dim * width)
    if bias:
        params += projections * heads * head_dim + 2 * groups * head_dim + width
    if args.flag("return_attention_scores", False):
        raise Unknowable("return_attention_scores")
    return LayerOutput(query, params)
