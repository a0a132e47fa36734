"""The shape interpreter: runs a model's layers over its input shape, as Keras builds it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from shape_engine.findings import Finding, Range, Related
from shape_engine.ir import LayerCall, LayerEntry, ModelIR, Snapshot
from shape_engine.keras.calls import Given, Graph
from shape_engine.keras.layer_call import (
    FlowingList,
    InSequence,
    argument_refusal,
    constructor_refusal,
    entry_label,
    input_shape_of,
    refusal_finding,
    takes_flowing_list,
)
from shape_engine.keras.own_input import MAX_NESTING, own_input
from shape_engine.keras.replay import replay_layers
from shape_engine.keras.tensors import GraphModel, Node, TensorValue
from shape_engine.keras_version import is_keras_2
from shape_engine.layers import RULES, LayerArgs, LayerOutput
from shape_engine.layers.base import (
    LIST_RULES,
    Refusal,
    Shapes,
    Unknowable,
    facts_of,
    is_input_kind,
)
from shape_engine.layers.core import declared_input_shape
from shape_engine.layers.refusals import (
    INCOMPATIBLE_DIM,
    INCOMPATIBLE_RANK,
    MULTIPLE_OUTPUTS,
)
from shape_engine.partial_shapes import (
    has_guessed_dims,
    partial_declared_shape,
)
from shape_engine.shapes import MaybeShape, Shape, format_shape
from shape_engine.values import to_python

# How many nested models one model may run in all (each use of a shared model counts).
MAX_NESTED_RUNS = 1_000


@dataclass(slots=True)  # one made per row of every model's report
class LayerReport:
    """One layer of a model as Keras would build it: shapes and parameters."""

    entry: LayerEntry
    label: str
    input_shape: MaybeShape
    output_shape: MaybeShape
    params: int | None
    # In a functional model: the rows (indices into the model's layers) this call consumed.
    inputs: tuple[int, ...] | None = None
    # The node the graph's call made, when the row's layer or model was called on the tensor
    # before it (see `_call`); the other rows get theirs when the model is lowered
    # (keras/lowering).
    node: Node | None = None

    @property
    def range(self) -> Range:
        return self.entry.range


@dataclass
class ModelReport:
    """One model as Keras would build it, layer by layer, or why it would not."""

    model: ModelIR
    # Where the input shape came from: "declared" (Input or input_shape=), "build", "data".
    input_origin: str | None
    input_shape: MaybeShape
    layers: list[LayerReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Keras refuses to build the model (the first refusal is among `findings`).
    refused: bool = False
    # Reports of the Sequential models used as layers of this one, with the input they get.
    nested: list[ModelReport] = field(default_factory=list)
    # Why the model outputs a list of tensors (its last layers pass on return_state's list),
    # and the shapes in that list when known.
    output_list_why: str | None = None
    output_list_shapes: tuple[MaybeShape, ...] | None = None
    # A nested model with no input of its own given a list of tensors: Keras ran its layers
    # on the list without building them (see `_list_through_nested`).
    list_input: bool = False
    # Its input has dims the engine does not know (see `partial_shapes`).
    guessed_dims: bool = False
    # A functional model: the shape of each of its outputs.
    graph_outputs: tuple[MaybeShape, ...] | None = None
    # And the row (index into `layers`) of the layer call that gives each, None for an op.
    graph_output_rows: tuple[int | None, ...] | None = None
    # The layer calls this model's rows made (and the refusals they raised), one per row.
    calls: Graph = field(default_factory=Graph)
    # The graph of symbolic tensors the rows form, once lowered (keras/lowering).
    lowered: GraphModel | None = None

    @property
    def output_shape(self) -> MaybeShape:
        if self.refused:
            return None
        if self.graph_outputs is not None:
            return self.graph_outputs[0] if len(self.graph_outputs) == 1 else None
        if not self.layers:
            return self.input_shape
        return self.layers[-1].output_shape

    @property
    def total_params(self) -> int | None:
        if self.refused or self.model.opaque:
            return None
        if self.model.graph is not None:
            return self.model.graph.params
        if self.list_input:
            # Run on a list without building a layer: no weights, when all of it is known.
            return 0 if self.output_list_why is not None else None
        # A layer object that is several entries is one layer: its weights count once, as
        # in Keras' count_params (each of its rows shows them all, as Keras' summary does).
        counts = {id(row.entry.layer) if row.entry.layer is not None else id(row): row.params
                  for row in self.layers}
        if any(c is None for c in counts.values()):
            return None
        return sum(c for c in counts.values() if c is not None)

    @property
    def declares_input(self) -> bool:
        return self.input_origin == "declared"


def interpret(model: ModelIR, data_shape: MaybeShape = None,
              outer_input: MaybeShape = None, run_on: MaybeShape = None) -> ModelReport:
    """Shapes and parameter counts of every layer, and the first refusal Keras would raise.

    When the model declares no input, Keras builds it from what it first receives: the first
    data the program feeds it (`data_shape`, a data array's shape) or, for a model used as a
    layer of another, that model's tensor (`outer_input`, a batch shape).
    `run_on` replaces the input shape: what the layers compute when the program later feeds
    data of that batch shape (the training checks compare it with the built shapes).
    """
    if run_on is None:
        for snapshot in model.superseded:
            earlier = _superseded_refusal(model, snapshot)
            if earlier is not None:
                return earlier
    entries = list(model.entries)
    try:
        origin, shape, first, input_guessed = _input_of(model, entries, data_shape)
    except Refusal as refusal:
        # Keras refuses the declared input itself: Input(5), input_shape=(-1,), ...
        return _refused_input(model, entries, refusal)
    if origin is None and outer_input is not None:
        origin, shape = "nested", outer_input
    if run_on is not None:
        shape = run_on
    report = ModelReport(model, origin, shape)
    # Dims not known to the engine (not None to Keras) in the declared input or the data.
    report.guessed_dims = (origin == "data" and has_guessed_dims(shape)) or (
        origin == "declared" and not first and bool(entries) and isinstance(
            entries[0].layer, LayerCall) and has_guessed_dims(shape) and _partly_known(
            entries[0].layer)) or input_guessed
    if first and entries and _is_input_entry(entries[0]):
        entry = entries[0]
        assert isinstance(entry.layer, LayerCall)
        # The Input's tensor, from which the layers are called (its node is the entry's).
        made = report.calls.input_tensor(entry.layer, shape, entry.range,
                                         guessed=report.guessed_dims)
        report.layers.append(LayerReport(entry, _label(entry), None, shape, 0, node=made.node))
        entries = entries[1:]
    created = _list_construction_refusal(model, origin)
    if created is not None:
        _refuse(report, created[0], created[1])
        report.layers.extend(LayerReport(e, _label(e), None, None, None) for e in entries)
        return report
    _run(entries, shape, report, previous=_producer(report), depth=0,
         nesting=_Nesting({id(model)}))
    if (origin == "declared" and shape is not None and run_on is None and not report.refused
            and not report.guessed_dims):
        rebuild = _rebuild_refusal(model, shape)
        if rebuild is not None:
            report.refused = True
            report.findings.append(rebuild)
    return report


def _partly_known(layer: LayerCall) -> bool:
    try:
        declared_input_shape(layer)
    except Unknowable:
        return True
    return False


def _superseded_refusal(model: ModelIR, snapshot: Snapshot) -> ModelReport | None:
    """A stack the model held before a `pop()`, when Keras built it and refused it.

    A model with an input of its own is rebuilt at every add and pop, so a layer that does not
    fit raises at its add even when it is popped later (Keras 3.15). The report is that of the
    stack then: the program stops there.
    """
    if len(snapshot.entries) < 2:
        return None
    then = replace(model, entries=list(snapshot.entries), opaque_from=snapshot.opaque_from,
                   superseded=[], builds=[], compiles=[], trainings=[])
    report = interpret(then)
    if report.input_origin == "declared" and report.refused:
        return report
    return None


def _rebuild_refusal(model: ModelIR, shape: Shape) -> Finding | None:
    """`model.build(shape)` on a model already built on its declared input must repeat it."""
    if isinstance(model.entries[0].layer, ModelIR) and len(model.entries) < 2:
        return None  # a lone nested model does not build the outer one: build() does
    for build in model.builds:
        try:
            wanted = to_python(build.shape)
        except Exception:
            return None
        if not isinstance(wanted, tuple | list) or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in wanted):
            return None
        if tuple(wanted) != tuple(shape):
            rule = INCOMPATIBLE_RANK if len(wanted) != len(shape) else INCOMPATIBLE_DIM
            return rule.finding(
                f"{model.variable or 'model'}.build({format_shape(tuple(wanted))}) differs "
                "from the input the model "
                f"declares, {format_shape(shape)}: Keras does not rebuild a Sequential model "
                "on another shape", at=build.shape_range, file=model.file)
    return None


def _refused_input(model: ModelIR, entries: list[LayerEntry], refusal: Refusal) -> ModelReport:
    report = ModelReport(model, "declared", None)
    first = entries[0]
    assert isinstance(first.layer, LayerCall)
    _refuse(report, first, refusal_finding(refusal, first.layer, first.range, (),
                                                   "the model input"))
    made = report.calls.input_tensor(first.layer, None, first.range)
    made.node.refused = True
    report.layers.extend(LayerReport(e, _label(e), None, None, None) for e in entries)
    report.layers[0].node = made.node
    return report


def _input_of(model: ModelIR, entries: list[LayerEntry], data_shape: MaybeShape
              ) -> tuple[str | None, MaybeShape, bool, bool]:
    """(origin, batch input shape, whether the first entry is the Input itself, whether that
    Input's shape has dims the engine does not know)."""
    if entries:
        first = entries[0].layer
        if isinstance(first, LayerCall) and is_input_kind(first.kind):
            shape, guessed = input_shape_of(first)
            return "declared", shape, True, guessed
        if isinstance(first, LayerCall):
            try:
                declared = declared_input_shape(first)
            except Unknowable:
                return "declared", partial_declared_shape(first), False, False
            if declared is not None:
                return "declared", declared, False, False
        if isinstance(first, ModelIR) and not (len(entries) == 1 and model.builds):
            # A model built on its own input gives the outer model that input (a lone one
            # does not build the outer model: its build() does, on the shape it is given).
            inner = own_input(first)
            if inner is not None and inner[1] and inner[0] is not None:
                return "declared", inner[0], False, False
    if model.builds:
        try:
            built = to_python(model.builds[0].shape)
        except Exception:
            return "build", None, False, False
        if isinstance(built, tuple | list) and all(
                d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in built):
            return "build", tuple(built), False, False
        return "build", None, False, False
    if data_shape is not None:
        return "data", (None, *data_shape[1:]), False, False
    return None, None, False, False


@dataclass
class _Nesting:
    """The models being run, one inside the other, and how many nested runs one top-level
    model took: `model.add(model)` nests a model in itself, and a model shared several times,
    level after level, would make the runs exponential."""

    running: set[int]  # ids of the models
    runs: int = 0


def _run(entries: list[LayerEntry], shape: MaybeShape, report: ModelReport, previous: str,
         depth: int, nesting: _Nesting) -> MaybeShape:
    """Apply each entry in turn; stop checking at the first refusal (Keras stops there too)."""
    # Set while the tensor flowing on is a list (why, for the message): see
    # LayerFacts.passes_lists; and the shapes in that list, when known.
    list_why: str | None = None
    list_shapes: tuple[MaybeShape, ...] | None = None
    # Where the tensor flowing on was made (its Input, or the previous layer), for findings.
    made_at = report.layers[-1].entry.range if report.layers else None
    offset = len(report.model.entries) - len(entries)
    for index, entry in enumerate(entries, start=offset):
        if index == report.model.opaque_from:
            shape, list_why, list_shapes = None, None, None  # what flows on is not known
        layer = entry.layer
        label = _label(entry)
        if report.refused:
            report.layers.append(LayerReport(entry, label, None, None, None))
            continue
        if list_why is not None:
            flowing = FlowingList(list_why, list_shapes)
            if isinstance(layer, LayerCall) and takes_flowing_list(layer, flowing):
                output = _call_on_list(layer, entry, flowing, report, previous, made_at)
                if output is None or output.multiple_outputs:
                    continue  # refused; or the list passed on as it is, from `previous`
                list_why, list_shapes, shape = None, None, output.shape
                previous, made_at = label, entry.range
                continue
            if isinstance(layer, ModelIR) and (_runs_on_list(layer)
                                               or _built_on_own_input(layer)):
                nested = _model_given_list(layer, entry, flowing, report, previous, made_at,
                                           depth, nesting)
                if nested is None:
                    continue  # refused: Keras stops there
                if nested.output_list_why is not None:
                    list_shapes = nested.output_list_shapes  # a list still, from `previous`
                elif not report.refused:
                    list_why, list_shapes, shape = None, None, None  # not known what comes
                    previous, made_at = label, entry.range
                continue
            list_why, list_shapes = None, None  # what comes out is not known
        if isinstance(layer, ModelIR) and layer.graph is not None:
            node = _functional_layer(layer, entry, shape, report, previous, made_at)
            if report.refused:
                continue  # Keras stops there
            shape = report.layers[-1].output_shape
            list_why, list_shapes = None, None
            if len(node.outputs) > 1:  # its outputs flow on as a list
                list_why = f"returns its {len(node.outputs)} outputs as a list"
                list_shapes = tuple(tensor.shape for tensor in node.outputs)
        elif isinstance(layer, ModelIR):
            inner = _sequential_entry(layer, entry, shape, report, previous, made_at, depth,
                                      nesting)
            if inner is None:
                continue  # refused: Keras stops there
            shape = inner.output_shape
            list_why, list_shapes = inner.output_list_why, inner.output_list_shapes
        elif isinstance(layer, LayerCall):
            output = _call(layer, entry, shape, report, previous, made_at)
            if output is None:
                continue  # refused: Keras stops there
            list_why = output.multiple_outputs_why if output.multiple_outputs else None
            list_shapes = output.outputs if output.multiple_outputs else None
            shape = output.shape
            if list_why is not None and is_keras_2():
                # tf.keras 2 refuses it as it is added, wherever it is (Keras 3 passes it on).
                _refuse(report, entry, MULTIPLE_OUTPUTS.finding(
                    f"{label} {list_why}: tf.keras 2 refuses a layer with several outputs "
                    "in a Sequential model; use the functional API", at=entry.range,
                    file=report.model.file))
        else:
            report.layers.append(LayerReport(entry, label, shape, None, None))
            shape = None
        previous = label
        made_at = entry.range
    report.output_list_why = list_why
    report.output_list_shapes = list_shapes if list_why is not None else None
    if report.model.opaque_from is not None and report.model.opaque_from >= len(
            report.model.entries):
        return None
    return shape


def _functional_layer(model: ModelIR, entry: LayerEntry, shape: MaybeShape,
                      report: ModelReport, previous: str, made_at: Range | None) -> Node:
    """A functional model as a layer of a Sequential one, called through the functional
    API's model call on the tensor before it; records the row (its output when it has one)
    and gives the node."""
    tensor = _tensor_before(report, shape, previous, made_at, entry)
    node = report.calls.model_node(model, Given((tensor,)), entry.range, _in_sequence(
        report, entry, previous, made_at))
    if node.refused:
        _refuse(report, entry, report.calls.findings[-1])
        report.layers.append(LayerReport(entry, _label(entry), shape, None, None, node=node))
        return node
    output = node.outputs[0].shape if len(node.outputs) == 1 else None
    report.layers.append(LayerReport(entry, _label(entry), shape, output, node.params,
                                     node=node))
    return node


def _sequential_entry(model: ModelIR, entry: LayerEntry, shape: MaybeShape,
                      report: ModelReport, previous: str, made_at: Range | None, depth: int,
                      nesting: _Nesting) -> ModelReport | None:
    """A Sequential model as a layer of another, called through the graph's model call on
    the tensor before it, which runs it nested here; its report, None when refused."""
    ran: list[ModelReport] = []

    def run_nested(inner: ModelIR, given: MaybeShape) -> ModelReport:
        ran.append(_nested(inner, given, report, depth, nesting))
        return ran[-1]

    tensor = _tensor_before(report, shape, previous, made_at, entry)
    node = report.calls.model_node(model, Given((tensor,)), entry.range, replace(
        _in_sequence(report, entry, previous, made_at), run_nested=run_nested))
    return _placed_model(report, entry, node, ran, shape, list_given=False)


def _model_given_list(model: ModelIR, entry: LayerEntry, flowing: FlowingList,
                      report: ModelReport, previous: str, made_at: Range | None, depth: int,
                      nesting: _Nesting) -> ModelReport | None:
    """A model entry given the list of tensors the entry before gives, through the graph's
    model call: refused when built on an input of its own, else run on the list here (see
    `_list_through_nested`); its report, None when refused."""
    ran: list[ModelReport] = []

    def run_on_list(inner: ModelIR, _: MaybeShape) -> ModelReport:
        source = _ListSource(flowing.why, previous, entry, report.model.file)
        ran.append(_list_through_nested(inner, _List(flowing.shapes), source, report, depth,
                                        nesting))
        return ran[-1]

    tensor = _tensor_before(report, None, previous, made_at, entry)
    node = report.calls.model_node(model, Given((tensor,)), entry.range, replace(
        _in_sequence(report, entry, previous, made_at), run_nested=run_on_list,
        flowing=flowing))
    return _placed_model(report, entry, node, ran, None, list_given=True)


def _placed_model(report: ModelReport, entry: LayerEntry, node: Node, ran: list[ModelReport],
                  shape: MaybeShape, list_given: bool) -> ModelReport | None:
    """The row of a model entry the graph's model call made `node` for, and the report of
    its nested run (None when refused). Given a list, the row shows no single output."""
    if node.refused:
        _refuse(report, entry, report.calls.findings[-1])
        report.layers.append(LayerReport(entry, _label(entry), shape, None, None, node=node))
        return None
    [nested] = ran
    report.nested.append(nested)
    output = None if list_given else nested.output_shape
    report.layers.append(LayerReport(entry, _label(entry), shape, output, nested.total_params,
                                     node=node))
    return nested


def _built_on_own_input(model: ModelIR) -> bool:
    """A nested model built on an input of its own wants one tensor (Keras refuses a list);
    unbuilt, it takes one: see `_list_through_nested`."""
    own = own_input(model)
    return own is not None and own[1]


@dataclass(frozen=True)
class _List:
    """A list of tensors flowing through an unbuilt nested model; shapes None: not known."""

    shapes: Shapes | None


@dataclass(frozen=True)
class _ListSource:
    """Where a list given to an unbuilt nested model comes from, for messages: `previous`
    `why`; and the outermost nested model's entry `at` (in `file`), where Keras raises."""

    why: str
    previous: str
    at: LayerEntry
    file: str | None


def _runs_on_list(model: ModelIR) -> bool:
    """Whether a list of tensors takes Keras' fallback path through this nested model: it has
    no input of its own, no build() and some layers (an empty one, or one holding only its
    Input, fails there in ways not modelled)."""
    return (own_input(model) is None and not model.builds and bool(model.entries)
            and model.opaque_from != 0)


def _list_through_nested(model: ModelIR, given: _List, source: _ListSource,
                         outer: ModelReport, depth: int, nesting: _Nesting) -> ModelReport:
    """An unbuilt nested model given a list of tensors (return_state=True, ...).

    `Sequential.build` gives up on a list, so the model has no graph: its
    `compute_output_spec` hands the list to each layer's `compute_output_spec` in turn, which
    neither builds the layer (0 parameters) nor checks its input spec (Keras 3.15). The
    report's output list is set when what comes out is known.
    """
    inner = ModelReport(model, "nested", None, list_input=True)
    if depth >= MAX_NESTING or id(model) in nesting.running or nesting.runs >= MAX_NESTED_RUNS:
        inner.layers.extend(LayerReport(e, _label(e), None, None, None) for e in model.entries)
        return inner
    nesting.runs += 1
    nesting.running.add(id(model))
    flowing: _List | None = given
    try:
        for index, entry in enumerate(model.entries):
            if index == model.opaque_from:
                flowing = None
            if flowing is None or inner.refused:
                inner.layers.append(LayerReport(entry, _label(entry), None, None, None))
                continue
            flowing = _layer_on_list(entry, flowing, source, inner, depth, nesting)
    finally:
        nesting.running.discard(id(model))
    if model.opaque_from is not None and model.opaque_from >= len(model.entries):
        flowing = None  # changed later in ways not known
    if flowing is not None and not inner.refused:
        inner.output_list_why, inner.output_list_shapes = source.why, flowing.shapes
    if inner.refused:
        outer.refused = True
        outer.findings.extend(inner.findings)
    return inner


def _layer_on_list(entry: LayerEntry, given: _List, source: _ListSource, report: ModelReport,
                   depth: int, nesting: _Nesting) -> _List | None:
    """One layer of an unbuilt nested model on the list (see `_list_through_nested`): the
    list that comes out, None when not known. Records the layer's report."""
    layer, label = entry.layer, _label(entry)
    if isinstance(layer, ModelIR):
        if not _runs_on_list(layer):
            report.layers.append(LayerReport(entry, label, None, None, None))
            return None
        nested = _list_through_nested(layer, given, source, report, depth + 1, nesting)
        report.nested.append(nested)
        report.layers.append(LayerReport(entry, label, None, None, nested.total_params))
        return None if nested.output_list_why is None else _List(nested.output_list_shapes)
    if not isinstance(layer, LayerCall):
        report.layers.append(LayerReport(entry, label, None, None, None))
        return None
    # Created before anything is built: the constructor's refusals come first.
    refusal = constructor_refusal(layer) or argument_refusal(layer, entry.range, source.previous)
    if refusal is None and facts_of(layer.kind).refuses_nested_list:
        refusal = _list_refusal(source, report, entry, f"{label} takes one tensor")
    rule = LIST_RULES.get(layer.kind or "")
    shapes: Shapes = ()
    if refusal is None:
        if rule is None or given.shapes is None:
            report.layers.append(LayerReport(entry, label, None, None, None))
            return None
        try:
            shapes = rule.compute(LayerArgs(layer, RULES[layer.kind or ""].params),
                                  given.shapes)
        except Refusal as refused:
            refusal = _list_refusal(source, report, entry,
                                    refused.message or refused.rule.summary)
        except (Unknowable, ArithmeticError, ValueError, TypeError, IndexError, KeyError):
            report.layers.append(LayerReport(entry, label, None, None, None))
            return None
    if refusal is not None:
        _refuse(report, entry, refusal)
        report.layers.append(LayerReport(entry, label, None, None, None))
        return None
    assert rule is not None
    # No weights either way; count_params() of a layer left unbuilt raises (None).
    report.layers.append(LayerReport(entry, label, None, None,
                                      None if rule.stays_unbuilt else 0))
    return _List(shapes)


def _list_refusal(source: _ListSource, report: ModelReport, entry: LayerEntry,
                  detail: str) -> Finding:
    """A layer of an unbuilt nested model refusing the list."""
    nested = _label(source.at)
    related = () if entry.range == source.at.range else (
        Related(entry.range, f"{_label(entry)} is added here", report.model.file),)
    return MULTIPLE_OUTPUTS.finding(
        f"{nested} receives a list of tensors: {source.previous} {source.why}; with no input "
        f"of its own, {nested} gives the list to each of its layers, and {detail}",
        at=source.at.range, related=related, file=source.file)


def _list_construction_refusal(model: ModelIR, origin: str | None
                               ) -> tuple[LayerEntry, Finding] | None:
    """The first refusal of a layer's constructor, when every layer is created before any is
    built: in `Sequential([...])`, and with `model.add` when the input comes only later
    (build, data). Keras then raises it before any refusal at build time."""
    if model.list_range is None and origin == "declared":
        return None  # each add() builds the model as it grows: refusals come in order
    inside = model.list_range
    for entry in model.entries:
        layer = entry.layer
        if layer is None or (inside is not None and not (
                inside.start <= layer.range.start and layer.range.end <= inside.end)):
            continue  # created earlier, by its own statement
        if isinstance(layer, ModelIR):
            if layer.list_range is not None:
                nested = _list_construction_refusal(layer, "declared")
                if nested is not None:
                    return entry, nested[1]
            continue
        refusal = constructor_refusal(layer) or argument_refusal(layer, entry.range,
                                                                   "the model input")
        if refusal is not None:
            return entry, refusal
    return None


def _call(layer: LayerCall, entry: LayerEntry, shape: MaybeShape, report: ModelReport,
          previous: str, made_at: Range | None) -> LayerOutput | None:
    """The entry's layer called on the tensor before it through the functional API's layer
    call, worded as a Sequential model's; records the row and the node the call made.
    None: Keras refuses the call (its finding is the report's)."""
    tensor = _tensor_before(report, shape, previous, made_at, entry)
    node, output = report.calls.layer_node(layer, Given((tensor,)), entry.range,
                                           _in_sequence(report, entry, previous, made_at))
    if output is None:
        _refuse(report, entry, report.calls.findings[-1])
    elif output.partial:
        report.guessed_dims = True  # its None dims are the engine's, not Keras'
    report.layers.append(LayerReport(entry, _label(entry), shape,
                                     output.shape if output else None,
                                     output.params if output else None, node=node))
    return output


def _call_on_list(layer: LayerCall, entry: LayerEntry, flowing: FlowingList,
                  report: ModelReport, previous: str, made_at: Range | None
                  ) -> LayerOutput | None:
    """The entry's layer given the list of tensors the entry before gives, through the
    graph's layer call (`takes_flowing_list`); records the row and its node."""
    tensor = _tensor_before(report, None, previous, made_at, entry)
    node, output = report.calls.layer_node(layer, Given((tensor,)), entry.range, replace(
        _in_sequence(report, entry, previous, made_at), flowing=flowing))
    if output is None:
        _refuse(report, entry, report.calls.findings[-1])
    elif output.partial:
        report.guessed_dims = True  # its None dims are the engine's, not Keras'
    shape = None if output is None or output.multiple_outputs else output.shape
    report.layers.append(LayerReport(entry, _label(entry), None, shape,
                                     output.params if output else None, node=node))
    return output


def _tensor_before(report: ModelReport, shape: MaybeShape, previous: str,
                   made_at: Range | None, entry: LayerEntry) -> TensorValue:
    """The tensor an entry is called on: the one the entry before made, when a call made
    it; else one of the shape the interpreter found, wired when the model is lowered."""
    before = report.layers[-1].node if report.layers else None
    if before is not None and len(before.outputs) == 1 and before.outputs[0].shape == shape:
        return before.outputs[0]
    return TensorValue(shape, Node(previous, made_at or entry.range, ()))


def _in_sequence(report: ModelReport, entry: LayerEntry, previous: str,
                 made_at: Range | None) -> InSequence:
    return InSequence(entry, previous, made_at, report.guessed_dims,
                      has_input=report.input_origin is not None, file=report.model.file)


def _nested(model: ModelIR, shape: MaybeShape, outer: ModelReport, depth: int,
            nesting: _Nesting) -> ModelReport:
    if depth >= MAX_NESTING or id(model) in nesting.running or nesting.runs >= MAX_NESTED_RUNS:
        return _not_known(model)
    inner = _run_nested(model, shape, outer, depth, nesting)
    own = own_input(model)
    if own is not None and own[1] and own[0] is not None and shape is not None \
            and tuple(own[0]) != tuple(shape):
        # Built on its own input, it runs its built layers on this other tensor. Where a
        # layer's weights would be of another size for it, Keras builds nothing again: it
        # runs each layer's compute_output_spec only (weights as built), as replayed here.
        as_built = _run_nested(model, own[0], outer, depth, nesting)
        if as_built.refused or [layer.params for layer in as_built.layers] != [
                layer.params for layer in inner.layers]:
            return _replayed(as_built, shape) or _not_known(model)
    if inner.refused:
        outer.refused = True
        outer.findings.extend(inner.findings)
    return inner


def _not_known(model: ModelIR) -> ModelReport:
    """A nested model whose run is not known: each of its rows unknown, so its output and
    its parameter count are too (not 0, as a model of no rows would count)."""
    report = ModelReport(model, "nested", None)
    report.layers = [LayerReport(entry, _label(entry), None, None, None)
                     for entry in model.entries if not _is_input_entry(entry)]
    return report


def _replayed(as_built: ModelReport, shape: Shape) -> ModelReport | None:
    """A nested model built on its own input, run on `shape`: its rows as built, with the
    shapes its layers' compute_output_spec gives (`replay_layers`); None when not known."""
    if is_keras_2() or as_built.refused or as_built.output_list_why is not None \
            or as_built.guessed_dims:
        return None  # Keras 2 (tf.keras) calls a built model otherwise: not modelled
    layers = [row.entry.layer for row in as_built.layers]
    calls = [layer for layer in layers if isinstance(layer, LayerCall)]
    if len(calls) != len(layers) or any(row.params is None for row in as_built.layers):
        return None
    outputs = replay_layers(calls, shape)
    if outputs is None or any(output.partial for output in outputs):
        return None
    report = ModelReport(as_built.model, as_built.input_origin, shape)
    given: MaybeShape = shape
    for row, output in zip(as_built.layers, outputs, strict=True):
        report.layers.append(replace(row, input_shape=given, output_shape=output.shape,
                                     node=None))
        given = output.shape
    return report


def _run_nested(model: ModelIR, shape: MaybeShape, outer: ModelReport, depth: int,
                nesting: _Nesting) -> ModelReport:
    nesting.runs += 1
    # A nested model is built when the outer one is (its own Input aside: see own_input).
    inner = ModelReport(model, "nested" if outer.input_origin is not None else None, shape)
    entries = list(model.entries)
    if entries and _is_input_entry(entries[0]):
        entries = entries[1:]
    nesting.running.add(id(model))
    try:
        _run(entries, shape, inner, previous=_producer(outer), depth=depth + 1, nesting=nesting)
    finally:
        nesting.running.discard(id(model))
    return inner


def _refuse(report: ModelReport, entry: LayerEntry, finding: Finding) -> None:
    report.refused = True
    report.findings.append(finding)


def _producer(report: ModelReport) -> str:
    return "the model input"


def _is_input_entry(entry: LayerEntry) -> bool:
    return isinstance(entry.layer, LayerCall) and is_input_kind(entry.layer.kind)


def _label(entry: LayerEntry) -> str:
    return entry_label(entry)
