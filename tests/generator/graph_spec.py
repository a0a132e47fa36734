"""A generated functional model (a DAG of layer calls) as data, written as keras-io style source.

A `GraphSpec` is a list of statements, each one line of the program except a Sequential
definition (one line per layer, so the engine's rows for its layers never share a line with a
call). Every layer call is its own line, `x3 = layers.Conv2D(32, 3)(x2)`, so a line names
one call: the line is how the engine's rows, TensorFlow's tensors and refusals are matched.
Layers are written with the Sequential generator's writer (`spec._Writer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tests.generator.spec import IMPORT_STYLES, Dims, ImportStyle, LayerSpec, Raw, _Writer


@dataclass
class InputDef:
    """`var = keras.Input(shape=dims)`"""

    var: str
    dims: Dims
    name: str | None = None


@dataclass
class LayerDef:
    """`var = layers.Dense(8)`: a layer object kept to be called more than once (shared)."""

    var: str
    layer: LayerSpec


@dataclass
class SequentialDef:
    """`var = keras.Sequential([...])`, one element a line; an element may be a model's name."""

    var: str
    layers: list[LayerSpec | Raw]


@dataclass
class Call:
    """`out = callee(inputs)`: the callee a layer written in place or the name of a layer or
    model; several inputs are passed as a list, as merge layers take them."""

    out: str
    callee: LayerSpec | str
    inputs: list[str]

    @property
    def kind(self) -> str:
        return self.callee.kind if isinstance(self.callee, LayerSpec) else self.callee


@dataclass
class ModelDef:
    """`var = keras.Model(inputs, outputs)`; a single tensor is written without a list."""

    var: str
    inputs: list[str]
    outputs: list[str]
    name: str | None = None
    keywords: bool = False  # Model(inputs=..., outputs=...)


Statement = InputDef | LayerDef | SequentialDef | Call | ModelDef


@dataclass
class GraphSpec:
    statements: list[Statement]
    imports: str = "layers_module"
    # What the generator meant to happen (for coverage and the categories of the profile):
    # e.g. "merge:Add", "shared", "nested:functional", "broken:merge-shapes".
    features: list[str] = field(default_factory=list)

    def copy(self) -> GraphSpec:
        return replace(self, statements=[_copy(s) for s in self.statements],
                       features=list(self.features))

    @property
    def calls(self) -> list[Call]:
        return [s for s in self.statements if isinstance(s, Call)]

    @property
    def model(self) -> ModelDef | None:
        """The outermost model: the last one defined."""
        models = [s for s in self.statements if isinstance(s, ModelDef)]
        return models[-1] if models else None


def _copy(statement: Statement) -> Statement:
    if isinstance(statement, Call):
        callee = statement.callee.copy() if isinstance(statement.callee, LayerSpec) else (
            statement.callee)
        return replace(statement, callee=callee, inputs=list(statement.inputs))
    if isinstance(statement, LayerDef):
        return replace(statement, layer=statement.layer.copy())
    if isinstance(statement, SequentialDef):
        return replace(statement, layers=[item.copy() if isinstance(item, LayerSpec) else item
                                          for item in statement.layers])
    if isinstance(statement, ModelDef):
        return replace(statement, inputs=list(statement.inputs),
                       outputs=list(statement.outputs))
    return replace(statement)


# The import styles of the Sequential generator that also name `Model`, keras-io's first.
GRAPH_IMPORTS: dict[str, ImportStyle] = {
    "layers_module": replace(IMPORT_STYLES["layers_module"], input_prefix="keras."),
    "keras": IMPORT_STYLES["keras"],
    "tf": IMPORT_STYLES["tf"],
    "from_tf_keras": IMPORT_STYLES["from_tf_keras"],
    "tf_layers_models": IMPORT_STYLES["tf_layers_models"],
    "alias": IMPORT_STYLES["alias"],
}


@dataclass(frozen=True)
class Rendered:
    source: str
    call_lines: dict[str, int]  # a call's output variable -> its line (1-based)


class _GraphWriter(_Writer):
    def model(self) -> str:
        return self.style.sequential.rsplit("Sequential", 1)[0] + "Model"

    def tensors(self, names: list[str]) -> str:
        return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"

    def statement(self, statement: Statement) -> list[str]:
        if isinstance(statement, InputDef):
            name = f', name="{statement.name}"' if statement.name else ""
            return [f"{statement.var} = {self.cls('Input', input_like=True)}"
                    f"(shape={self.value(statement.dims)}{name})"]
        if isinstance(statement, LayerDef):
            return [f"{statement.var} = {self.layer(statement.layer)}"]
        if isinstance(statement, SequentialDef):
            items = [f"    {item.text if isinstance(item, Raw) else self.layer(item)},"
                     for item in statement.layers]
            return [f"{statement.var} = {self.cls('Sequential')}([", *items, "])"]
        if isinstance(statement, Call):
            callee = statement.callee if isinstance(statement.callee, str) else self.layer(
                statement.callee)
            return [f"{statement.out} = {callee}({self.tensors(statement.inputs)})"]
        inputs, outputs = self.tensors(statement.inputs), self.tensors(statement.outputs)
        arguments = (f"inputs={inputs}, outputs={outputs}" if statement.keywords
                     else f"{inputs}, {outputs}")
        name = f', name="{statement.name}"' if statement.name else ""
        return [f"{statement.var} = {self.model()}({arguments}{name})"]


def render_graph(spec: GraphSpec) -> Rendered:
    writer = _GraphWriter(GRAPH_IMPORTS[spec.imports])
    body: list[str] = []
    offsets: dict[str, int] = {}
    for statement in spec.statements:
        if isinstance(statement, Call):
            offsets[statement.out] = len(body)
        body += writer.statement(statement)
    header = writer.header()
    lines = {var: len(header) + offset + 1 for var, offset in offsets.items()}
    return Rendered("\n".join([*header, *body]) + "\n", lines)


def render(spec: GraphSpec) -> str:
    return render_graph(spec).source
