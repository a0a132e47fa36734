"""RNN with the built-in cells (SimpleRNNCell, LSTMCell, GRUCell) and StackedRNNCells:
keras/layers/rnn (Keras 3.15).

`RNN(cell)` runs the cell over the time axis of a (batch, timesteps, features) input; a list
of cells is a StackedRNNCells, each cell fed the previous one's output. The weights are the
cells' own: SimpleRNNCell in*u + u*u + u, LSTMCell 4 times that, GRUCell 3 times with two
biases (reset_after=True). A cell called directly needs its states: not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from shape_engine.ir import LayerCall
from shape_engine.layers.base import (
    RULES,
    LayerArgs,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
)
from shape_engine.layers.recurrent import (
    SEQUENCE_LAYOUT,
    _positive_units,
    _recurrent_output,
    _sequence_options,
    _whole,
)
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, UNKNOWN_REQUIRED_DIM
from shape_engine.shapes import Shape
from shape_engine.values import LayerValue, Seq

_CELL_REGULARIZERS = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                      "kernel_constraint", "recurrent_constraint", "bias_constraint",
                      "dropout", "recurrent_dropout")
_CELL_INITIALIZERS = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
SIMPLE_RNN_CELL_PARAMS = ("units", "activation", "use_bias", *_CELL_INITIALIZERS,
                          *_CELL_REGULARIZERS, "seed")
LSTM_CELL_PARAMS = ("units", "activation", "recurrent_activation", "use_bias",
                    *_CELL_INITIALIZERS, "unit_forget_bias", *_CELL_REGULARIZERS, "seed")
GRU_CELL_PARAMS = ("units", "activation", "recurrent_activation", "use_bias",
                   *_CELL_INITIALIZERS, *_CELL_REGULARIZERS, "reset_after", "seed")
RNN_PARAMS = ("cell", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
              "zero_output_for_mask")


@dataclass(frozen=True)
class Cell:
    """A built-in cell's output size, weights for an input width, and states returned."""

    units: int
    gates: int
    bias_per_gate: int
    use_bias: bool
    states: int

    def params(self, features: int) -> int:
        bias = self.gates * self.units * self.bias_per_gate if self.use_bias else 0
        return self.gates * self.units * (features + self.units) + bias


def _cell(call: LayerCall) -> Cell:
    rule = RULES.get(call.kind or "")
    if call.kind not in CELL_KINDS or rule is None:
        raise Unknowable("cell")  # a custom cell
    args = LayerArgs(call, rule.params)
    units = _whole(args, "units", _positive_units(args))
    bias = args.flag("use_bias", True)
    if call.kind == "LSTMCell":
        return Cell(units, 4, 1, bias, 2)
    if call.kind == "GRUCell":
        return Cell(units, 3, 2 if args.flag("reset_after", True) else 1, bias, 1)
    return Cell(units, 1, 1, bias, 1)


def _cells_of(value: object) -> list[LayerCall]:
    """The cells an RNN is given: one cell, a StackedRNNCells, or a list of cells."""
    if isinstance(value, LayerValue):
        if value.call.kind == "StackedRNNCells":
            return _cells_of(_argument(value.call, "cells"))
        return [value.call]
    if isinstance(value, Seq) and value.items:
        cells: list[LayerCall] = []
        for item in value.items:
            cells.extend(_cells_of(item))
        return cells
    raise Unknowable("cell")


def _argument(call: LayerCall, name: str) -> object:
    params = RULES[call.kind or ""].params
    if name in call.kwargs:
        return call.kwargs[name]
    if name in params and params.index(name) < len(call.args):
        return call.args[params.index(name)]
    raise Unknowable(name)


def _not_alone(args: LayerArgs, x: Shape) -> LayerOutput:
    """A cell or a stack of cells called on its own takes (inputs, states): not modelled."""
    raise Unknowable("cell call")


CELL_KINDS = ("SimpleRNNCell", "LSTMCell", "GRUCell")
layer_rule("SimpleRNNCell", params=SIMPLE_RNN_CELL_PARAMS,
           check_args=lambda args: _positive_units(args))(_not_alone)
layer_rule("LSTMCell", params=LSTM_CELL_PARAMS,
           check_args=lambda args: _positive_units(args))(_not_alone)
layer_rule("GRUCell", params=GRU_CELL_PARAMS,
           check_args=lambda args: _positive_units(args))(_not_alone)
layer_rule("StackedRNNCells", params=("cells",))(_not_alone)


def _step_features(x: Shape) -> int:
    """The cells are built on one step, (batch,) + x[2:], and size their kernels by its last
    axis: any rank from 3 works (Keras 3.15 has no input spec here). On a 2-D input the step
    is (batch,), so the batch size sizes the kernel: refused when it is not fixed."""
    if len(x) < 2:
        raise Refusal(INCOMPATIBLE_RANK, needs=SEQUENCE_LAYOUT)
    features = x[-1] if len(x) >= 3 else x[0]
    if features is None:
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs="a defined last axis (features) to size its cells' kernels"
                      if len(x) >= 3 else SEQUENCE_LAYOUT)
    return features


def _called_built(args: LayerArgs, x: Shape) -> LayerOutput:
    """An RNN called again once built: no input spec and no build, only its
    compute_output_shape, which takes any rank from 2 (observed on Keras 3.15: built on
    (None, 29, 7), it gives (None, 5) on (None, 8)) and reads the time axis even without
    return_sequences (an IndexError on a rank-1 tensor). The weights are the first call's."""
    cells = [_cell(call) for call in _cells_of(_argument(args.call, "cell"))]
    if len(x) < 2:
        raise Refusal(INCOMPATIBLE_RANK, needs="an input of rank 2 or more (batch, timesteps, "
                                               "...): its output shape reads the time axis")
    options = _sequence_options(args, x)
    if options.return_state and len(cells) > 1:
        raise Unknowable("return_state")  # the states of every cell, nested
    output = _recurrent_output(x, cells[-1].units, options, 0, cells[-1].states)
    return output._replace(params=None)


@layer_rule("RNN", params=RNN_PARAMS, built_output=_called_built)
def rnn(args: LayerArgs, x: Shape) -> LayerOutput:
    cells = [_cell(call) for call in _cells_of(_argument(args.call, "cell"))]
    features = _step_features(x)
    options = _sequence_options(args, x)
    params = 0
    for cell in cells:
        params += cell.params(features)
        features = cell.units
    if options.return_state and len(cells) > 1:
        raise Unknowable("return_state")  # the states of every cell, nested
    return _recurrent_output(x, cells[-1].units, options, params, cells[-1].states)
