"""Input, Dense, Embedding, Lambda, Identity, Masking: keras/layers/core (Keras 3.15).

Keras validates constructor arguments first, then the input's rank (input_spec), then what
`build` needs; the rules below check in the same order.
"""

from __future__ import annotations

import math

from shape_engine.ir import LayerCall
from shape_engine.keras_version import is_keras_2
from shape_engine.layers.activations import check_activation
from shape_engine.layers.applications_table import APPLICATIONS
from shape_engine.layers.base import (
    RULES,
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
    list_rule,
    pins_last_axis,
    same_list,
)
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, INVALID_ARGUMENT, UNKNOWN_REQUIRED_DIM
from shape_engine.shapes import Dim, Shape

# Positional parameters in Keras' order (keras/src/layers/core/input_layer.py).
INPUT_PARAMS = ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape", "name",
                "tensor", "optional")
INPUT_LAYER_PARAMS = ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape",
                      "input_tensor", "optional", "name")
_INPUT_PARAM_NAMES = frozenset(INPUT_PARAMS)  # what Input(...) takes by keyword


def standard_shape(args: LayerArgs, name: str, value: object) -> tuple[Dim, ...]:
    """Keras' `standardize_shape`: an iterable of non-negative ints or None.

    True counts as 1 (Keras calls int() on it); strings and floats are refused.
    """
    if not isinstance(value, tuple | list):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `{name}` to be a tuple of dims, got {value!r}"
                      + (f"; write ({value},) for one dim" if isinstance(value, int) else ""),
                      argument=name)
    dims: list[Dim] = []
    for dim in value:
        if dim is None:
            dims.append(None)
        elif isinstance(dim, int) and dim >= 0:
            dims.append(int(dim))
        else:
            reason = "negative" if isinstance(dim, int) else "not an int"
            raise Refusal(INVALID_ARGUMENT,
                          f"{args.written_name} needs `{name}` to hold ints >= 0 or None, but "
                          f"{dim!r} is {reason}", argument=name)
    return tuple(dims)


def _refuse_input(args: LayerArgs, message: str, argument: str | None = None) -> Refusal:
    return Refusal(INVALID_ARGUMENT, f"{args.written_name} {message}", argument=argument)


def _input_batch_shape(args: LayerArgs, *, layer_class: bool) -> Shape:
    """The batch shape of Input(...) / InputLayer(...), refused as InputLayer.__init__ does."""
    tensor_name = "input_tensor" if layer_class else "tensor"
    if args.raw(tensor_name, None) is not None:
        raise Unknowable(tensor_name)
    shape_name, batch_name = "shape", "batch_shape"
    if layer_class:
        # InputLayer renames the Keras 2 spellings; they win over shape/batch_shape.
        if "input_shape" in args.call.kwargs:
            shape_name = "input_shape"
        if "batch_input_shape" in args.call.kwargs:
            batch_name = "batch_input_shape"
    else:
        unexpected = sorted(args.call.kwargs.keys() - _INPUT_PARAM_NAMES)
        if unexpected:
            hint = "; use shape=" if unexpected[0] == "input_shape" else ""
            raise _refuse_input(args, f"does not take the argument `{unexpected[0]}`{hint}",
                                unexpected[0])
    shape = args.raw(shape_name, None)
    if is_keras_2() and isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)  # tf.keras 2's InputLayer takes Input(5) as Input((5,))
    batch_shape = args.raw(batch_name, None)
    batch_size = args.raw("batch_size", None)
    if shape is not None and batch_shape is not None:
        raise _refuse_input(args, f"takes `{shape_name}` or `{batch_name}`, not both",
                            batch_name)
    if batch_size is not None and batch_shape is not None:
        raise _refuse_input(args, f"takes `batch_size` or `{batch_name}`, not both",
                            "batch_size")
    if shape is None and batch_shape is None:
        raise _refuse_input(args, "needs a `shape` argument")
    if shape is not None:
        dims = standard_shape(args, shape_name, shape)
        return standard_shape(args, "batch_size", (batch_size, *dims))
    return standard_shape(args, batch_name, batch_shape)


@layer_rule("Input", params=INPUT_PARAMS, needs_input=False)
def input_(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(_input_batch_shape(args, layer_class=False), 0)


@layer_rule("InputLayer", params=INPUT_LAYER_PARAMS, needs_input=False)
def input_layer(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(_input_batch_shape(args, layer_class=True), 0)


def declared_input_shape(call: LayerCall) -> Shape | None:
    """The batch input shape declared on a first layer (`input_shape=` and friends), if any.

    Keras' Layer takes `input_dim` (then `input_shape` is an unknown keyword) or
    `input_shape`, and the Sequential wraps it in InputLayer(shape=...), which validates it.
    `batch_input_shape` is refused by the interpreter (`keras.layer_call.constructor_refusal`).
    Raises Unknowable when one is declared but its value is not known, Refusal when invalid.
    """
    if call.kind in APPLICATIONS:
        # A whole model, with an input of its own (its family is imported when one is used).
        from shape_engine.layers.applications import application_input

        return application_input(call)
    args = LayerArgs(call, ())
    if "batch_input_shape" in call.kwargs:
        return args.shape_tuple("batch_input_shape")
    # Embedding's own `input_dim` is its vocabulary size, not an input declaration.
    own = RULES[call.kind or ""].params if call.kind in RULES else ()
    input_dim = args.raw("input_dim", None) if "input_dim" not in own else None
    if is_keras_2() and "input_shape" not in call.kwargs and call.kind == "Embedding":
        # tf.keras 2's Embedding declares (input_length,), or (None,) without one.
        length = args.raw("input_length", None)
        return (None, *standard_shape(args, "input_length", (length,)))
    if is_keras_2() and "input_shape" in call.kwargs:
        input_dim = None  # tf.keras 2 takes input_shape over input_dim
    if input_dim is not None:
        if "input_shape" in call.kwargs:
            raise _refuse_input(args, "takes `input_dim` or `input_shape`, not both: Keras 3 "
                                "refuses `input_shape` next to `input_dim`", "input_shape")
        return (None, *standard_shape(args, "input_dim", (input_dim,)))
    input_shape = args.raw("input_shape", None)
    if input_shape is not None:
        return (None, *standard_shape(args, "input_shape", input_shape))
    return None


def positive_int(args: LayerArgs, name: str, *, allow_bool: bool) -> int:
    """A required int argument that Keras checks is > 0 (Dense units, Embedding dims)."""
    value = args.raw(name)
    if isinstance(value, int) and (allow_bool or not isinstance(value, bool)) and value > 0:
        return int(value)
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs `{name}` to be a positive int, got {value!r}",
                  argument=name)


def _lora_params(args: LayerArgs, rows: int, columns: int) -> int:
    """LoRA adds two trainable factors (rows x r) and (r x columns) when lora_rank is set."""
    rank = args.raw("lora_rank", None)
    if not rank:
        return 0
    if isinstance(rank, bool) or not isinstance(rank, int):
        raise Unknowable("lora_rank")
    return rank * (rows + columns)


def _dense_args(args: LayerArgs) -> int:
    units = positive_int(args, "units", allow_bool=True)
    check_activation(args)
    return units


@layer_rule("Dense", params=("units", "activation", "use_bias", "kernel_initializer",
                             "bias_initializer", "kernel_regularizer", "bias_regularizer",
                             "activity_regularizer", "kernel_constraint", "bias_constraint",
                             "lora_rank", "lora_alpha"), check_args=_dense_args,
            built_spec=pins_last_axis,
            facts=LayerFacts(weights_axis="last", default_activation="linear", biased=True,
                             refuses_nested_list=True))
def dense(args: LayerArgs, x: Shape) -> LayerOutput:
    units = _dense_args(args)
    if len(x) < 2:
        raise Refusal(INCOMPATIBLE_RANK, needs="an input of rank 2 or more (batch, ..., features)")
    features = x[-1]
    if features is None:
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs="a defined last axis (features) to size its kernel")
    bias = units if args.flag("use_bias", True) else 0
    params = features * units + bias + _lora_params(args, features, units)
    return LayerOutput((*x[:-1], units), params)


def _embedding_args(args: LayerArgs) -> tuple[int, int]:
    return (positive_int(args, "input_dim", allow_bool=False),
            positive_int(args, "output_dim", allow_bool=False))


@layer_rule("Embedding", params=("input_dim", "output_dim", "embeddings_initializer",
                                 "embeddings_regularizer", "embeddings_constraint", "mask_zero",
                                 "weights", "lora_rank", "lora_alpha"),
            check_args=_embedding_args,
            facts=LayerFacts(size_free=True, refuses_nested_list=True))
def embedding(args: LayerArgs, x: Shape) -> LayerOutput:
    input_dim, output_dim = _embedding_args(args)
    params = input_dim * output_dim + _lora_params(args, input_dim, output_dim)
    return LayerOutput((*x, output_dim), params)


def _is_shape(value: object) -> bool:
    return isinstance(value, tuple) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value)


@layer_rule("Lambda", params=("function", "output_shape", "mask", "arguments"))
def lambda_(args: LayerArgs, x: Shape) -> LayerOutput:
    # Without output_shape Keras traces the function; a static tool cannot.
    target = args.raw("output_shape", None)
    if target is None:
        raise Unknowable("output_shape")
    flat_list = isinstance(target, list) and all(d is None or isinstance(d, int) for d in target)
    if isinstance(target, int | float | str) or flat_list:
        # Keras computes (batch,) + output_shape: a list or a number there is a TypeError.
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `output_shape` as a tuple, e.g. (3,), "
                      f"got {target!r}", argument="output_shape")
    if not _is_shape(target):
        if isinstance(target, tuple) and not any(isinstance(d, tuple | list) for d in target):
            standard_shape(args, "output_shape", target)  # a float dim: refused there
        raise Unknowable("output_shape")  # nested shapes: several outputs
    assert isinstance(target, tuple)
    dims = standard_shape(args, "output_shape", target)
    return LayerOutput((x[0], *dims), 0)


@layer_rule("Identity",
            facts=LayerFacts(keeps_rank=True, size_free=True, keeps_values=True, linear=True,
                             passes_lists=True, refuses_nested_list=True))
def identity(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("Masking", params=("mask_value",),
            facts=LayerFacts(keeps_rank=True, size_free=True, keeps_values=True))
def masking(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


# Its compute_output_shape returns its input, a list of tensors too (see `list_rule`);
# Identity has no compute_output_shape, and its compute_output_spec refuses a list.
list_rule("Masking")(same_list)


def element_count(shape: Shape) -> int | None:
    if any(d is None for d in shape):
        return None
    return math.prod(d for d in shape if d is not None)


@layer_rule("ReversibleEmbedding", params=("input_dim", "output_dim", "tie_weights",
                                           "embeddings_initializer", "embeddings_regularizer",
                                           "embeddings_constraint", "mask_zero",
                                           "reverse_dtype", "logit_soft_cap"),
            check_args=_embedding_args)
def reversible_embedding(args: LayerArgs, x: Shape) -> LayerOutput:
    """An Embedding whose transpose also maps back to logits; untied, it has a second
    (output_dim, input_dim) matrix."""
    input_dim, output_dim = _embedding_args(args)
    tables = 1 if args.flag("tie_weights", True) else 2
    return LayerOutput((*x, output_dim), tables * input_dim * output_dim)
