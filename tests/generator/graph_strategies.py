"""Random functional models (DAGs of layer calls): a seeded generator and a hypothesis strategy.

`generate_graph(draw)` builds one `GraphSpec` from any `Draw`: one to three `keras.Input`s,
chains of layers from the Sequential generator's families (`strategies.pick_layer`), branches
(a call on an older tensor), merges (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate with an axis, Dot with axes), shared layers (one object called on two tensors),
nested models both ways (a Sequential or a functional model called as a layer, a functional
model inside a Sequential) and one or several outputs. Most graphs should build; some are
broken on purpose (a merge of mismatched shapes, Concatenate on the wrong axis, Dot on axes
that differ, a shared layer on another last dim, a nested model's input that does not fit, a
model missing one of its inputs), besides the rank errors and wild arguments the layer
families make on their own.

The shapes tracked here only steer the generator; TensorFlow gives the expected answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from hypothesis import strategies as st

from tests.generator import families as f
from tests.generator.draw import Draw, HypothesisDraw, RandomDraw
from tests.generator.graph_spec import (
    GRAPH_IMPORTS,
    Call,
    GraphSpec,
    InputDef,
    LayerDef,
    ModelDef,
    SequentialDef,
    Statement,
)
from tests.generator.spec import Dims, LayerSpec, Raw
from tests.generator.strategies import input_dims, pick_layer

Out = Dims | None
ELEMENTWISE = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
MERGES = (*ELEMENTWISE, "Concatenate", "Dot")


@dataclass
class _Scope:
    """The tensors of one graph being built (the outer model or a nested functional one)."""

    tensors: list[tuple[str, Out]] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)


class GraphBuilder:
    def __init__(self, d: Draw, wild: float = 0.1) -> None:
        self.d = d
        self.wild = wild
        self.g = f.Gen(d, wild)
        self.statements: list[Statement] = []
        self.features: list[str] = []
        self.counts: dict[str, int] = {}
        self.broken = False  # a call is expected to fail: the rest is rarely worth writing

    # -- names and statements --------------------------------------------------------------

    def fresh(self, stem: str) -> str:
        number = self.counts.get(stem, 0)
        self.counts[stem] = number + 1
        return f"{stem}{number}" if stem != "x" else f"x{number + 1}"

    def emit_call(self, scope: _Scope, callee: LayerSpec | str, inputs: list[str],
                  out: Out) -> str:
        var = self.fresh("x")
        self.statements.append(Call(var, callee, inputs))
        scope.consumed.update(inputs)
        scope.tensors.append((var, out))
        if out is None:
            self.broken = True
        return var

    def layer_call(self, scope: _Scope, var: str, dims: Dims) -> str:
        """One layer from the families on `var`; a nested Sequential is defined first."""
        step = pick_layer(self.g, dims)
        layer = step.layer
        if layer.kind == "Input":  # the families' "second Input": a tensor is not callable
            return self.emit_call(scope, LayerSpec("Flatten"), [var], None if len(dims) < 1
                                  else (_prod(dims),))
        if layer.kind == "Sequential":
            name = self.fresh("block")
            self.statements.append(SequentialDef(name, list(layer.args[0])))  # type: ignore[call-overload]
            self.features.append("nested:sequential")
            return self.emit_call(scope, name, [var], step.out)
        if layer.kind in MERGES:
            self.features.append("broken:merge-one-tensor")
        return self.emit_call(scope, layer, [var], step.out)

    # -- choices ---------------------------------------------------------------------------

    def pick_tensor(self, scope: _Scope) -> tuple[str, Dims] | None:
        known = [(v, o) for v, o in scope.tensors if o is not None]
        if not known:
            return None
        if self.d.chance(0.6):
            return known[-1]
        return self.d.choice(known)

    def step(self, scope: _Scope, depth: int) -> None:
        actions: list[tuple[str, float]] = [("chain", 6), ("merge", 2.5), ("shared", 0.8)]
        if depth == 0:
            actions += [("sequential", 0.5), ("functional", 0.5)]
        action = self.d.weighted(actions)
        picked = self.pick_tensor(scope)
        if picked is None:
            return
        var, dims = picked
        if action == "chain" or not dims:
            self.layer_call(scope, var, dims)
        elif action == "merge":
            self.merge(scope, var, dims)
        elif action == "shared":
            self.shared(scope, var, dims)
        elif action == "sequential":
            self.nested_sequential(scope, var, dims)
        else:
            self.nested_functional(scope, var, dims)

    # -- merges ----------------------------------------------------------------------------

    def merge(self, scope: _Scope, var: str, dims: Dims) -> None:
        kind = self.d.weighted([("Add", 4), ("Concatenate", 4), ("Multiply", 1.5),
                                ("Subtract", 1), ("Average", 1), ("Maximum", 1),
                                ("Minimum", 0.7), ("Dot", 1.2)])
        self.features.append(f"merge:{kind}")
        broken = self.d.chance(self.wild)
        other = self.partner(scope, var, dims, kind, broken)
        if other is None:
            return
        other_var, other_dims = other
        inputs = [var, other_var]
        if kind not in ("Subtract", "Dot") and self.d.chance(0.15):
            inputs.append(self.d.choice(inputs))  # three inputs, one used twice
        if self.d.chance(0.3):
            inputs.reverse()
        if kind == "Concatenate":
            layer, out = self.concatenate(dims, other_dims, broken)
        elif kind == "Dot":
            layer, out = self.dot(dims, other_dims, broken)
        else:
            layer, out = LayerSpec(kind), (dims if other_dims == dims else None)
        if broken:
            self.features.append(f"broken:merge-{kind}")
        self.emit_call(scope, layer, inputs, out)

    def partner(self, scope: _Scope, var: str, dims: Dims, kind: str,
                broken: bool) -> tuple[str, Dims] | None:
        """A second tensor for a merge with `var`: usually one that fits (an existing tensor of
        the same shape, a branch from another one projected with Dense, or a residual branch
        of `var` itself); when `broken`, one that does not."""
        others = [(v, o) for v, o in scope.tensors if o is not None and v != var]
        fits_last = [(v, o) for v, o in others if len(o) == len(dims)
                     and o[:-1] == dims[:-1] and o[-1] is not None]
        if broken and kind == "Concatenate" and len(dims) > 1 and fits_last:
            return self.d.choice(fits_last)  # to be joined on another axis than the last
        if broken and others:
            return self.d.choice(others)
        same = [(v, o) for v, o in others if o == dims]
        if same and self.d.chance(0.7):
            return self.d.choice(same)
        if fits_last and dims[-1] is not None and (kind == "Concatenate" or self.d.chance(0.7)):
            other_var, other_dims = self.d.choice(fits_last)
            if kind == "Concatenate":
                return other_var, other_dims
            projected = (*dims[:-1], dims[-1])
            return self.emit_call(scope, LayerSpec("Dense", [dims[-1]]), [other_var],
                                  projected), projected
        if dims[-1] is None:
            return None
        # A residual branch: a layer that keeps the shape.
        layer = self.d.choice([LayerSpec("Dense", [dims[-1]]),
                               LayerSpec("Activation", ["relu"]),
                               LayerSpec("BatchNormalization"), LayerSpec("Dropout", [0.1]),
                               LayerSpec("LayerNormalization")])
        if self.d.chance(0.5):
            layer.kwargs["name"] = self.fresh("branch")
        return self.emit_call(scope, layer, [var], dims), dims

    def concatenate(self, a: Dims, b: Dims, broken: bool) -> tuple[LayerSpec, Out]:
        rank = len(a)
        if len(b) == rank:
            differing = [i for i in range(rank) if a[i] != b[i]]
            if not differing:
                axis = self.d.choice(list(range(rank)))
            elif len(differing) == 1 and not broken:
                axis = differing[0]
            else:
                axis = self.d.choice(list(range(rank)))
        else:
            axis = rank - 1
        fits = len(b) == rank and all(a[i] == b[i] for i in range(rank) if i != axis)
        out: Out = None
        if fits:
            first, second = a[axis], b[axis]
            total = None if first is None or second is None else first + second
            out = (*a[:axis], total, *a[axis + 1:])
        kwargs: dict[str, object] = {}
        spelled = self.d.choice([axis + 1, axis - rank, axis - rank])  # batch is axis 0
        if spelled != -1 or self.d.chance(0.3):
            kwargs["axis"] = spelled
        if broken and len(differing_axes(a, b)) == 1 and self.d.chance(0.6):
            wrong = [i for i in range(rank) if i != differing_axes(a, b)[0]]
            if wrong:
                kwargs["axis"] = self.d.choice(wrong) + 1
                self.features.append("broken:concatenate-axis")
                out = None
        return LayerSpec("Concatenate", [], kwargs), out

    def dot(self, a: Dims, b: Dims, broken: bool) -> tuple[LayerSpec, Out]:
        rank = len(a)
        kwargs: dict[str, object] = {}
        if self.d.chance(0.2):
            kwargs["normalize"] = True
        if rank == 1 and len(b) == 1:
            axes: object = self.d.choice([1, -1, (1, 1)])
            out: Out = (1,) if a == b else None
        elif rank == 2 and len(b) == 2:
            if a[1] == b[1] or broken:
                axes, out = self.d.choice([2, -1, (2, 2)]), (a[0], b[0])
            else:
                axes, out = (1, 1), (a[1], b[1])
            if a[1] != b[1] and axes != (1, 1):
                out = None
            if axes == (1, 1) and a[0] != b[0]:
                out = None
        else:
            axes, out = -1, None
        return LayerSpec("Dot", [], {"axes": axes, **kwargs}, required=frozenset({"axes"})), out

    # -- shared layers and nested models ---------------------------------------------------

    def shared(self, scope: _Scope, var: str, dims: Dims) -> None:
        step = pick_layer(self.g, dims)
        if step.layer.kind in ("Input", "Sequential", *MERGES):
            return
        name = self.fresh("shared")
        self.statements.append(LayerDef(name, step.layer))
        self.features.append("shared")
        first = self.emit_call(scope, name, [var], step.out)
        others = [(v, o) for v, o in scope.tensors if o is not None and v not in (var, first)]
        same = [(v, o) for v, o in others if o == dims]
        if self.d.chance(self.wild) and others:
            other_var, other_dims = self.d.choice(others)
            out = step.out if other_dims == dims else None
            if other_dims != dims:
                self.features.append("broken:shared-input")
        elif same:
            other_var, other_dims = self.d.choice(same)
            out = step.out
        else:
            # A siamese pair: the second input a branch of the same shape.
            layer = LayerSpec("Activation", [self.d.choice(["relu", "tanh"])])
            other_var, out = self.emit_call(scope, layer, [var], dims), step.out
        self.emit_call(scope, name, [other_var], out)

    def nested_sequential(self, scope: _Scope, var: str, dims: Dims) -> None:
        """A Sequential defined apart and called on a tensor; its input declared or not."""
        items: list[LayerSpec | Raw] = []
        out: Out = dims
        if self.d.chance(0.35):
            declared = dims if not self.d.chance(self.wild) else tuple(
                (n or 1) + 1 for n in dims)
            items.append(LayerSpec("Input", [], {"shape": declared}))
            if declared != dims:
                self.features.append("broken:nested-input")
                out = None
        inner = f.Gen(self.d, self.wild, depth=1)
        for _ in range(self.d.integer(1, 3)):
            if out is None:
                break
            step = pick_layer(inner, out, first=not items)
            if step.layer.kind == "Input":
                break
            items.append(step.layer)
            out = step.out
        name = self.fresh("block")
        self.statements.append(SequentialDef(name, items))
        self.features.append("nested:sequential")
        self.emit_call(scope, name, [var], out)

    def nested_functional(self, scope: _Scope, var: str, dims: Dims) -> None:
        """A functional model built apart, called on a tensor, now and then inside a
        Sequential (the other way round)."""
        inner = _Scope()
        declared = dims
        if self.d.chance(self.wild):
            declared = tuple((n or 1) + 1 for n in dims)
            self.features.append("broken:nested-input")
        input_var = self.fresh("inner_input")
        self.statements.append(InputDef(input_var, declared))
        inner.tensors.append((input_var, declared))
        inner.inputs.append(input_var)
        was_broken = self.broken
        for _ in range(self.d.integer(1, 3)):
            picked = self.pick_tensor(inner)
            if picked is None or self.broken != was_broken:
                break
            inner_var, inner_dims = picked
            if inner_dims and self.d.chance(0.2):
                self.merge(inner, inner_var, inner_dims)
            else:
                self.layer_call(inner, inner_var, inner_dims)
        output_var, output_dims = inner.tensors[-1]
        name = self.fresh("encoder")
        self.statements.append(ModelDef(name, [input_var], [output_var],
                                        name=name if self.d.chance(0.5) else None))
        self.features.append("nested:functional")
        out = output_dims if declared == dims else None
        if self.d.chance(0.25) and out is not None and out[-1] is not None:
            wrapper = self.fresh("block")
            units = self.d.integer(1, 16)
            self.statements.append(SequentialDef(wrapper, [Raw(name), LayerSpec("Dense",
                                                                                 [units])]))
            self.features.append("nested:functional-in-sequential")
            self.emit_call(scope, wrapper, [var], (*out[:-1], units))
        else:
            self.emit_call(scope, name, [var], out)

    # -- the whole model -------------------------------------------------------------------

    def build(self) -> GraphSpec:
        scope = _Scope()
        count = self.d.weighted([(1, 6), (2, 3), (3, 1)])
        for index in range(count):
            var = "inputs" if count == 1 else self.fresh("input_")
            dims = input_dims(self.d)
            name = f"in_{index}" if count > 1 and self.d.chance(0.5) else None
            self.statements.append(InputDef(var, dims, name))
            scope.tensors.append((var, dims))
            scope.inputs.append(var)
        if count > 1:
            self.features.append("multi-input")
        steps = self.d.weighted([(1, 1), (2, 2), (3, 3), (4, 3), (6, 3), (8, 2), (12, 1)])
        for _ in range(steps):
            if self.broken and self.d.chance(0.7):
                break
            self.step(scope, depth=0)
        outputs = self.outputs(scope)
        inputs = list(scope.inputs)
        if len(inputs) > 1 and self.d.chance(self.wild / 3):
            inputs.pop()  # an output needs an input the model is not given: Keras refuses
            self.features.append("broken:missing-input")
        self.statements.append(ModelDef("model", inputs, outputs,
                                        name="model" if self.d.chance(0.2) else None,
                                        keywords=self.d.chance(0.5)))
        imports = self.d.weighted([("layers_module", 6), ("keras", 2), ("tf", 2),
                                   ("from_tf_keras", 1), ("tf_layers_models", 1),
                                   ("alias", 0.5)])
        assert imports in GRAPH_IMPORTS
        return GraphSpec(self.statements, imports, self.features)

    def outputs(self, scope: _Scope) -> list[str]:
        """The last tensor, some other tensors nothing consumed, and a head on every input
        nothing used (a model is given only inputs its outputs need)."""
        last = scope.tensors[-1][0]
        outputs = [last]
        for var, _ in scope.tensors[:-1]:
            if var not in scope.consumed and var not in scope.inputs and self.d.chance(0.6):
                outputs.append(var)
        for var, dims in list(scope.tensors):
            if var in scope.inputs and var not in scope.consumed and var != last:
                flat = self.emit_call(scope, LayerSpec("Flatten"), [var],
                                      None if dims is None else (_prod(dims),))
                units = self.d.integer(1, 8)
                head = self.emit_call(scope, LayerSpec("Dense", [units]), [flat], (units,))
                outputs.append(head)
        if len(outputs) > 1:
            self.features.append("multi-output")
        return outputs


def differing_axes(a: Dims, b: Dims) -> list[int]:
    if len(a) != len(b):
        return []
    return [i for i in range(len(a)) if a[i] != b[i]]


def _prod(dims: Dims) -> int | None:
    total = 1
    for n in dims:
        if n is None:
            return None
        total *= n
    return total


def generate_graph(d: Draw, wild: float = 0.1) -> GraphSpec:
    return GraphBuilder(d, wild).build()


@st.composite
def graph_specs(draw: Callable[[st.SearchStrategy[object]], object]) -> GraphSpec:
    return generate_graph(HypothesisDraw(draw))


def seeded_graphs(seed: int, count: int, wild: float = 0.1) -> Iterator[GraphSpec]:
    for index in range(count):
        yield graph_at(seed, index, wild)


def graph_at(seed: int, index: int, wild: float = 0.1) -> GraphSpec:
    """Graph number `index` of a seed, on its own (to replay one failure)."""
    return generate_graph(RandomDraw(random.Random(f"graph:{seed}:{index}")), wild)
