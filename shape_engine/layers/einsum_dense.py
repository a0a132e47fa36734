"""EinsumDense: keras/layers/core/einsum_dense.py (Keras 3.15).

`equation` names the input's axes, the kernel's and the output's ("abc,cd->abd"), with `...`
for axes passed through on the left or the right. `output_shape` gives the output's axes
after the batch one (None: taken from the input, or left unknown). The kernel has one axis
per letter of its spec, sized by the output's or the input's axis of that letter; the bias
covers `bias_axes` (output letters), padded with 1s after them. Keras builds both from this
analysis; a kernel or bias axis of unknown size is refused.
"""

from __future__ import annotations

import math
import re

from shape_engine.layers.base import (
    LayerArgs,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
    pins_rank,
)
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, INVALID_ARGUMENT, UNKNOWN_REQUIRED_DIM
from shape_engine.shapes import Dim, Shape

PARAMS = ("equation", "output_shape", "activation", "bias_axes", "kernel_initializer",
          "bias_initializer", "kernel_regularizer", "bias_regularizer", "kernel_constraint",
          "bias_constraint", "lora_rank")

_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False))


def _refuse(args: LayerArgs, message: str, argument: str | None = None) -> Refusal:
    return Refusal(INVALID_ARGUMENT, f"{args.written_name}: {message}", argument=argument)


def _split(args: LayerArgs) -> tuple[str, str, str, bool]:
    equation = args.string("equation")
    replaced = equation.replace("...", "0")
    for pattern, left in _FORMS:
        match = re.match(pattern, replaced)
        if match:
            return match.group(1), match.group(2), match.group(3), left
    raise _refuse(args, f"the equation {equation!r} is not of the form 'ab,bc->ac', "
                  "'...b,bc->...c' or 'ab...,bc->ac...'", "equation")


def _einsum_args(args: LayerArgs) -> None:
    """The constructor turns output_shape into a tuple: a float or a string is refused."""
    value = args.raw("output_shape")
    if isinstance(value, float | str):
        raise _refuse(args, f"`output_shape` must be an int or a tuple, got {value!r}",
                      "output_shape")


def _partial_output(args: LayerArgs) -> list[Dim]:
    _einsum_args(args)
    value = args.raw("output_shape")
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, tuple | list) and all(
            d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value):
        return list(value)
    raise Unknowable("output_shape")


@layer_rule("EinsumDense", params=PARAMS, check_args=_einsum_args, built_spec=pins_rank)
def einsum_dense(args: LayerArgs, x: Shape) -> LayerOutput:
    input_spec, weight_spec, output_spec, left = _split(args)
    elided = len(x) - len(input_spec)
    if elided < 0:
        raise Refusal(INCOMPATIBLE_RANK,
                      needs=f"an input of {len(input_spec)} axes or more for its equation's "
                            f"'{input_spec}'")
    # Without "...", Keras 3.15 still passes the extra axes through on the right.
    output: list[Dim] = [x[0], *_partial_output(args)]
    if elided > 0 and left:
        for i in range(1, elided):
            output.insert(1, x[i])
    elif elided > 0:
        output.extend(x[len(x) - elided:])
    if left:
        input_at = {d: i + elided - len(x) for i, d in enumerate(input_spec)}
        output_at = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_at = {d: i for i, d in enumerate(input_spec)}
        output_at = {d: i for i, d in enumerate(output_spec)}
    if len(output) != len(output_spec) + elided:
        raise Unknowable("output_shape")
    for d in input_spec:
        if d in output_at:
            mine, theirs = x[input_at[d]], output[output_at[d]]
            if theirs is not None and mine is not None and mine != theirs:
                raise _refuse(args, f"the input's axis '{d}' is {mine}, but `output_shape` "
                              f"gives it {theirs}", "output_shape")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise _refuse(args, f"the output's axis '{d}' is neither in the input nor in "
                          "the kernel", "equation")
    kernel: list[Dim] = []
    for d in weight_spec:
        if d in output_at:
            kernel.append(output[output_at[d]])
        elif d in input_at:
            kernel.append(x[input_at[d]])
        else:
            raise _refuse(args, f"the kernel's axis '{d}' is neither in the input nor in "
                          "the output", "equation")
    bias: list[Dim] = []
    bias_axes = args.optional_str("bias_axes")
    if bias_axes is not None:
        for d in bias_axes:
            if d not in output_spec:
                raise _refuse(args, f"bias axis '{d}' is not an axis of the output "
                              f"'{output_spec}'", "bias_axes")
        shift = elided if left else 0
        sizes = {d: output[i + shift] for i, d in enumerate(output_spec)}
        first = min(output_spec.find(d) for d in bias_axes)
        bias = [sizes[d] if d in bias_axes else 1 for d in output_spec[first:]]
    if None in kernel or None in bias:
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs="every kernel and bias axis of a known size (from the input or "
                            "`output_shape`)")
    params = math.prod(d for d in kernel if d is not None)
    if bias:
        params += math.prod(d for d in bias if d is not None)
    return LayerOutput(tuple(output), params)
