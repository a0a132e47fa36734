"""The model IR: Sequential models, their layers and what the program does with them."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from shape_engine.findings import Range
from shape_engine.shapes import MaybeShape
from shape_engine.source import LineIndex
from shape_engine.values import Value

if TYPE_CHECKING:
    from shape_engine.keras.tensors import GraphModel


@dataclass(eq=False)
class LayerCall:
    """A layer constructor call, e.g. `layers.Conv2D(32, 3, activation="relu")`."""

    # Canonical Keras class name ("Conv2D" for Convolution2D too); None when not modelled.
    kind: str | None
    written_name: str  # the class name as written, for messages ("Convolution2D")
    label: str  # short source text for messages, e.g. "Dense(128)"
    range: Range
    args: tuple[Value, ...]
    kwargs: dict[str, Value]
    # The call as written, and the lines it is in: the ranges of its arguments, which few
    # findings need, are worked out from them when asked for.
    node: ast.Call
    source: LineIndex
    # *args or **kwargs present: the arguments are not fully known.
    has_unpacking: bool = False
    file: str | None = None  # None: the document being analysed
    # `keras.config.image_data_format()` when the layer was created (its constructor reads
    # it for a data_format not given); None when the program set it to a value not known.
    image_data_format: str | None = "channels_last"
    # Reached through `tensorflow.keras` (`tf.keras.layers.AlphaDropout` is a legacy class
    # there); None when either spelling may be meant.
    via_tf: bool | None = False
    # What layer rules made of the arguments, by reader (`layers.base.read_once`): the
    # constructor's checks and the rule's output read them once. A call made anew with
    # other arguments (`dataclasses.replace`) starts empty.
    read: dict[object, object] = field(default_factory=dict, init=False, repr=False,
                                       compare=False)

    @cached_property
    def arg_ranges(self) -> tuple[Range, ...]:
        """The positional arguments', up to the first `*iterable`."""
        return tuple(self.source.range_of(a) for a in self.node.args
                     if not isinstance(a, ast.Starred))

    @cached_property
    def kwarg_ranges(self) -> dict[str, Range]:
        """Each keyword argument's, the whole `name=value`."""
        return {k.arg: self.source.range_of(k) for k in self.node.keywords if k.arg}

    @cached_property
    def kwarg_value_ranges(self) -> dict[str, Range]:
        return {k.arg: self.source.range_of(k.value) for k in self.node.keywords if k.arg}

    def argument_range(self, name: str, position: int | None = None) -> Range:
        if name in self.kwarg_value_ranges:
            return self.kwarg_value_ranges[name]
        if position is not None and position < len(self.arg_ranges):
            return self.arg_ranges[position]
        return self.range


@dataclass(eq=False, slots=True)  # slots: one made per row of every model's report
class LayerEntry:
    """One layer of a model as the program placed it: list element or `model.add` argument."""

    # The layer call, a nested model, or None for an object the engine cannot see into.
    layer: LayerCall | ModelIR | None
    range: Range


@dataclass(eq=False)
class CompileCall:
    """A `model.compile(...)` call: its arguments, evaluated."""

    range: Range
    kwargs: dict[str, Value]
    kwarg_value_ranges: dict[str, Range]
    args: tuple[Value, ...] = ()
    arg_ranges: tuple[Range, ...] = ()
    file: str | None = None  # None: the document being analysed


@dataclass(eq=False)
class TrainingCall:
    """fit / evaluate / predict / *_on_batch / __call__ on a model."""

    method: str
    range: Range  # the whole call
    method_range: Range  # the attribute name or callee
    args: tuple[Value, ...]
    kwargs: dict[str, Value]
    arg_ranges: tuple[Range, ...]
    kwarg_value_ranges: dict[str, Range]
    # Whether compile() was seen on this model before this call (in program order).
    compiled_before: bool = False
    certain: bool = True  # False inside branches/loops whose path is unknown
    # x was a tf.data dataset (see `datasets`): where it was made, and whether its elements
    # are batches; args/kwargs then hold one element's x and y.
    dataset_origin: Range | None = None
    dataset_batched: bool = True

    def argument(self, name: str, position: int) -> tuple[Value | None, Range | None]:
        if name in self.kwargs:
            return self.kwargs[name], self.kwarg_value_ranges.get(name)
        if position < len(self.args):
            return self.args[position], self.arg_ranges[position]
        return None, None


@dataclass(eq=False)
class BuildCall:
    """A `model.build(shape)` call."""

    range: Range
    shape: Value
    shape_range: Range


@dataclass(eq=False)
class Snapshot:
    """A model's stack at one point of the program."""

    entries: list[LayerEntry]
    opaque_from: int | None


@dataclass(eq=False)
class ModelIR:
    """A Sequential model, from its construction through every later mutation; or a
    functional model (`keras.Model(inputs, outputs)`), whose `graph` is then set."""

    name: str  # its `name=`, else the variable it was first bound to
    range: Range  # the Sequential(...) call
    callee_range: Range
    variable: str = ""  # the variable it was first bound to
    entries: list[LayerEntry] = field(default_factory=list)
    # From this entry on, the stack may differ from `entries`: layers were added or removed by
    # code the engine cannot follow (a branch, an unknown function the model was handed to).
    opaque_from: int | None = None
    builds: list[BuildCall] = field(default_factory=list)
    compiles: list[CompileCall] = field(default_factory=list)
    trainings: list[TrainingCall] = field(default_factory=list)
    # Where entries can be inserted as list elements (None for the model.add style).
    list_range: Range | None = None
    file: str | None = None
    # The stacks the model held just before each `pop()`, in program order. Keras builds a
    # model that has an input at every `add` and `pop`, so each of them was built: a layer
    # added and popped again must still fit.
    superseded: list[Snapshot] = field(default_factory=list)
    # A functional model: its inputs, outputs and the layer calls between them.
    graph: GraphModel | None = None
    # A subclassed model: its graph is a trace of its `call` on the shape it first met, not
    # inputs Keras checks data against.
    subclassed: bool = False
    # A Sequential with no input of its own called on a symbolic tensor: it is built on the
    # tensor's shape (batch first), as Keras builds it at that call.
    called_on: MaybeShape = None
    # The uncertain region of the program it was made in (see `Evaluator._uncertainty`): a
    # change made in that region happens exactly when the model exists.
    region: int = 0

    @property
    def opaque(self) -> bool:
        return self.opaque_from is not None

    def lose_track(self, from_entry: int | None = None) -> None:
        """What happens to the stack from `from_entry` (default: the end) on is unknown."""
        at = len(self.entries) if from_entry is None else max(from_entry, 0)
        self.opaque_from = at if self.opaque_from is None else min(self.opaque_from, at)
