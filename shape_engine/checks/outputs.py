"""What a model outputs, as its loss sees it: the activation applied last, and by which layer.

`model_output` is the one place the checks read a model's output from. Today a model is a
Sequential stack (nested Sequential models included): the output is its last layer that
changes values, looking through layers that leave them as they are (Dropout...) and into a
nested model. A functional model's outputs, once the engine has its graph, are read here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from shape_engine.findings import Range
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.layers import RULES
from shape_engine.layers.base import facts_of
from shape_engine.shapes import MaybeShape
from shape_engine.values import Const, ModuleRef, Value

if TYPE_CHECKING:
    from shape_engine.interpret import LayerReport, ModelReport

# Activations whose values are probabilities: in [0, 1] for each unit, and, for softmax,
# summing to one over the last axis.
PROBABILITY_ACTIVATIONS = frozenset({"sigmoid", "softmax", "hard_sigmoid"})
# Activations whose values are not probabilities: negative, or above 1, or both.
UNBOUNDED_ACTIVATIONS = frozenset(
    {"linear", "relu", "elu", "selu", "tanh", "leaky_relu", "gelu", "swish", "silu",
     "softplus", "softsign", "exponential", "relu6", "mish", "celu", "prelu", "hard_tanh",
     "log_softmax", "hard_silu", "hard_swish"})
_ALIASES = {"log_softmax": "log_softmax", "logsoftmax": "log_softmax"}


class Activation(NamedTuple):
    """The activation a layer applies, and where it is written."""

    name: str | None  # None: not known
    where: Range | None  # the argument naming it, when there is one
    layer: LayerReport  # the layer applying it (in the model that holds it)
    # Given as an argument of the layer (`Dense(..., activation=...)`), not a layer of its own.
    as_argument: bool = False

    @property
    def call(self) -> LayerCall | None:
        layer = self.layer.entry.layer
        return layer if isinstance(layer, LayerCall) else None


class Output(NamedTuple):
    """A model output: its shape and the activation that produced its values."""

    shape: MaybeShape
    activation: Activation | None  # None: no layer changes the input's values

    @property
    def units(self) -> int | None:
        return self.shape[-1] if self.shape else None


def model_output(report: ModelReport) -> Output:
    """The model's output as the loss sees it; no activation known when the program may
    change the model's layers in ways the engine cannot follow."""
    if report.model.opaque:
        return Output(report.output_shape, None)
    if report.graph_output_rows is not None:
        return functional_outputs(report)[0] if len(report.graph_output_rows) == 1 else (
            Output(None, None))
    return Output(report.output_shape, last_activation(report))


def functional_outputs(report: ModelReport) -> list[Output]:
    """Each output of a functional model: its shape and the activation of the layer call
    that gives it, looking back through calls that keep values (Dropout...)."""
    assert report.graph_output_rows is not None and report.graph_outputs is not None
    outputs = []
    for row, shape in zip(report.graph_output_rows, report.graph_outputs, strict=True):
        activation: Activation | None = None
        while row is not None:
            layer = report.layers[row]
            activation = activation_of(layer, report)
            if activation is not None:
                break
            consumed = layer.inputs or ()
            row = consumed[0] if len(consumed) == 1 else None
            if row is None:
                activation = Activation(None, None, layer)
        outputs.append(Output(shape, activation))
    return outputs


def last_activation(report: ModelReport) -> Activation | None:
    if report.model.opaque:
        return Activation(None, None, report.layers[-1]) if report.layers else None
    for layer in reversed(report.layers):
        found = activation_of(layer, report)
        if found is not None:
            return found
    return None


def activation_of(layer: LayerReport, report: ModelReport | None = None) -> Activation | None:
    """The activation a layer applies last; None when it keeps values as they are."""
    entry = layer.entry.layer
    if isinstance(entry, ModelIR):
        nested = _nested_report(report, entry) if report is not None else None
        found = last_activation(nested) if nested is not None else None
        return found or Activation(None, None, layer)
    if not isinstance(entry, LayerCall) or entry.kind is None:
        return Activation(None, None, layer)
    call = entry
    if call.kind == "Softmax":
        axis = call.kwargs.get("axis", call.args[0] if call.args else Const(-1))
        if not (isinstance(axis, Const) and axis.value in (-1, None)):
            return Activation(None, None, layer)  # softmax over another axis
        return Activation("softmax", call.range, layer)
    facts = facts_of(call.kind)
    if facts.applies_activation is not None:
        plain = not call.args and not call.kwargs and not call.has_unpacking
        return Activation(facts.applies_activation if plain else None, call.range, layer)
    if call.kind == "Activation" or facts.default_activation is not None:
        params = RULES[call.kind or ""].params if call.kind in RULES else ()
        position = params.index("activation") if "activation" in params else None
        value, where = argument(call, "activation", position)
        if value is None:
            if call.has_unpacking:
                return Activation(None, None, layer)
            return Activation(facts.default_activation, None, layer,
                              as_argument=call.kind != "Activation")
        return Activation(activation_name(value), where, layer,
                          as_argument=call.kind != "Activation")
    if facts.keeps_values:
        return None
    return Activation(None, None, layer)


def _nested_report(report: ModelReport, model: ModelIR) -> ModelReport | None:
    for nested in report.nested:
        if nested.model is model:
            return nested
    return None


def argument(call: LayerCall, name: str, position: int | None
             ) -> tuple[Value | None, Range | None]:
    if name in call.kwargs:
        return call.kwargs[name], call.kwarg_value_ranges.get(name)
    if position is not None and position < len(call.args) and not call.has_unpacking:
        return call.args[position], call.arg_ranges[position]
    return None, None


def activation_name(value: Value) -> str | None:
    if isinstance(value, Const):
        if value.value is None:
            return "linear"
        if isinstance(value.value, str):
            lowered = value.value.lower()
            return _ALIASES.get(lowered, lowered)
        return None
    if isinstance(value, ModuleRef) and value.name.startswith(
            ("keras.activations.", "tensorflow.nn.", "tensorflow.math.")):
        last = value.name.rsplit(".", 1)[-1].lower()
        return _ALIASES.get(last, last)
    return None
