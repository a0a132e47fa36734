"""Lookup and encoding layers: TextVectorization, StringLookup, IntegerLookup, Hashing,
CategoryEncoding, Discretization, HashedCrossing (keras/layers/preprocessing, Keras 3.15).

Their output shape is their `compute_output_shape`; they hold no weights. An encoded output
(one_hot, multi_hot, count, tf_idf) ends with the vocabulary's size: known when the
vocabulary is written in the program or `pad_to_max_tokens=True` gives `max_tokens`, and None
as Keras shows it when the vocabulary comes from `adapt()`.
"""

from __future__ import annotations

from shape_engine.layers.base import (
    LayerArgs,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
    multi_input_rule,
)
from shape_engine.layers.refusals import INVALID_ARGUMENT, UNMERGEABLE_INPUTS
from shape_engine.shapes import Dim, Shape, format_shape

LOOKUP_PARAMS = ("max_tokens", "num_oov_indices", "mask_token", "oov_token", "vocabulary",
                 "idf_weights", "invert", "output_mode", "pad_to_max_tokens", "sparse",
                 "encoding", "name", "salt")
INTEGER_LOOKUP_PARAMS = ("max_tokens", "num_oov_indices", "mask_token", "oov_token",
                         "vocabulary", "vocabulary_dtype", "idf_weights", "invert",
                         "output_mode", "sparse", "pad_to_max_tokens", "oov_method", "salt",
                         "name")
TEXT_VECTORIZATION_PARAMS = ("max_tokens", "standardize", "split", "ngrams", "output_mode",
                             "output_sequence_length", "pad_to_max_tokens", "vocabulary",
                             "idf_weights", "sparse", "ragged", "encoding", "name")


def _vocabulary_size(args: LayerArgs) -> Dim:
    """The depth of an encoded output: `max_tokens` when padded to it, else the vocabulary
    written in the program plus its OOV indices; None (as Keras) for an adapted one."""
    if args.flag("pad_to_max_tokens", False):
        return args.integer("max_tokens")
    vocabulary = args.raw("vocabulary", None)
    if vocabulary is None:
        return None
    if not isinstance(vocabulary, list | tuple):
        raise Unknowable("vocabulary")  # a file path, an array
    return len(vocabulary) + args.integer("num_oov_indices", 1)


def _lookup_shape(x: Shape, mode: str, depth: Dim) -> Shape:
    """IndexLookup.compute_output_shape."""
    if mode == "int":
        return x
    if mode == "one_hot":
        if len(x) > 1 and x[-1] == 1:
            return (*x[:-1], depth)
        return (*x, depth)
    if mode in ("multi_hot", "count", "tf_idf"):
        return (*x[:-1], depth)
    raise Unknowable("output_mode")


def _lookup(args: LayerArgs, x: Shape) -> LayerOutput:
    mode = args.string("output_mode", "int")
    if mode == "int":
        return LayerOutput(x, 0)
    if args.flag("invert", False):
        raise Unknowable("invert")
    return LayerOutput(_lookup_shape(x, mode, _vocabulary_size(args)), 0)


layer_rule("StringLookup", params=LOOKUP_PARAMS)(_lookup)
layer_rule("IntegerLookup", params=INTEGER_LOOKUP_PARAMS)(_lookup)


@layer_rule("TextVectorization", params=TEXT_VECTORIZATION_PARAMS)
def text_vectorization(args: LayerArgs, x: Shape) -> LayerOutput:
    """int: (batch, output_sequence_length), None when not given; the encodings split the
    strings into a new axis of tokens first, then encode it as a lookup does."""
    mode = args.string("output_mode", "int")
    if mode == "int":
        return LayerOutput((x[0], args.optional_int("output_sequence_length")), 0)
    if args.raw("split", "whitespace") is None:
        tokens = (*x, 1) if len(x) <= 1 else x
    else:
        tokens = (*x, None)
    if args.raw("vocabulary", None) is not None and not args.flag("pad_to_max_tokens", False):
        vocabulary = args.raw("vocabulary")
        if not isinstance(vocabulary, list | tuple):
            raise Unknowable("vocabulary")
        depth: Dim = len(vocabulary) + 1  # one OOV index; no mask in the encodings
    else:
        depth = _vocabulary_size(args)
    return LayerOutput(_lookup_shape(tokens, mode, depth), 0)


@layer_rule("CategoryEncoding", params=("num_tokens", "output_mode", "sparse"))
def category_encoding(args: LayerArgs, x: Shape) -> LayerOutput:
    tokens = args.integer("num_tokens")
    mode = args.string("output_mode", "multi_hot")
    if len(x) < 2:
        raise Unknowable("rank")  # compute_output_shape would drop the batch axis
    if mode == "one_hot":
        return LayerOutput((*x, tokens) if x[-1] != 1 else (*x[:-1], tokens), 0)
    if mode in ("multi_hot", "count"):
        return LayerOutput((*x[:-1], tokens), 0)
    raise Unknowable("output_mode")


@layer_rule("Hashing", params=("num_bins", "mask_value", "salt", "output_mode", "sparse"))
def hashing(args: LayerArgs, x: Shape) -> LayerOutput:
    """int keeps the shape; the encodings turn the last axis into `num_bins`."""
    mode = args.string("output_mode", "int")
    if mode == "int":
        return LayerOutput(x, 0)
    if mode in ("one_hot", "multi_hot", "count") and len(x) >= 2:
        return LayerOutput((*x[:-1], args.integer("num_bins")), 0)
    raise Unknowable("output_mode")


DISCRETIZATION_PARAMS = ("bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse",
                         "dtype", "name")


def _discretization_args(args: LayerArgs) -> None:
    """Its constructor has no **kwargs (input_shape= is a TypeError) and needs the bins."""
    unexpected = sorted(set(args.call.kwargs) - set(DISCRETIZATION_PARAMS))
    if unexpected:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} does not take the argument `{unexpected[0]}`",
                      argument=unexpected[0])
    if args.raw("bin_boundaries", None) is None and args.raw("num_bins", None) is None:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `num_bins` or `bin_boundaries`")


@layer_rule("Discretization", params=DISCRETIZATION_PARAMS, check_args=_discretization_args)
def discretization(args: LayerArgs, x: Shape) -> LayerOutput:
    _discretization_args(args)
    mode = args.string("output_mode", "int")
    if mode == "int":
        return LayerOutput(x, 0)
    boundaries = args.raw("bin_boundaries", None)
    if boundaries is not None:
        if not isinstance(boundaries, list | tuple):
            raise Unknowable("bin_boundaries")
        depth = len(boundaries) + 1
    else:
        depth = args.integer("num_bins")
    if mode == "one_hot":
        return LayerOutput((*x[:-1], depth) if len(x) > 1 and x[-1] == 1 else (*x, depth), 0)
    if mode in ("multi_hot", "count") and len(x) >= 2:
        # Keras 3.15 drops the second axis and appends the bins (its eager output's shape).
        return LayerOutput((x[0], *x[2:], depth), 0)
    raise Unknowable("output_mode")


@multi_input_rule("HashedCrossing", params=("num_bins", "output_mode", "sparse"))
def hashed_crossing(args: LayerArgs, tensors: tuple[Shape, ...], keywords: dict[str, Shape]
                    ) -> LayerOutput:
    """`HashedCrossing(num_bins)([a, b])`: two tensors of the same last axis; int keeps the
    first one's shape, one_hot appends the bins (or replaces a last axis of 1)."""
    if len(tensors) != 2:
        raise Refusal(UNMERGEABLE_INPUTS,
                      f"{args.written_name} takes a list of 2 tensors, but it receives "
                      f"{len(tensors)}")
    first, second = tensors
    if first[-1] != second[-1] and None not in (first[-1], second[-1]):
        raise Refusal(UNMERGEABLE_INPUTS,
                      f"{args.written_name} needs two tensors of the same shape, but they are "
                      f"{format_shape(first)} and {format_shape(second)}")
    mode = args.string("output_mode", "int")
    if mode == "int":
        return LayerOutput(first, 0)
    bins = args.integer("num_bins")
    if mode == "one_hot" and first[-1] != 1:
        return LayerOutput((*first, bins), 0)
    return LayerOutput((*first[:-1], bins), 0)
