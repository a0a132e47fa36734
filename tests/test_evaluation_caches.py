"""What the evaluator and the layer rules keep between evaluations (a literal's value, a
node's range, a layer call's arguments as read, the layer families' registry) gives the
same results as working each out anew; and a helper function is followed at every call,
with the globals and lists as they are then."""

from __future__ import annotations

import ast
import dataclasses
import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.evaluation.evaluator import Evaluator
from shape_engine.findings import Position, Range
from shape_engine.ir import LayerCall
from shape_engine.layers import RULES, LayerArgs
from shape_engine.layers import base as layers_base
from shape_engine.layers.base import FamilyRegistry, Refusal
from shape_engine.layers.convolutional import conv_arguments
from shape_engine.source import LineIndex
from shape_engine.values import Const
from tests.compare import assert_agrees
from tests.oracle import Oracle

GLOBAL_CHANGED_BETWEEN_CALLS = """
    import keras
    from keras import layers

    WIDTH = 8

    def head(x):
        return layers.Dense(WIDTH)(x)

    inputs = keras.Input((4,))
    narrow = head(inputs)
    WIDTH = 16
    wide = head(inputs)
    model = keras.Model(inputs, [narrow, wide])
    """

APPENDS_TO_THE_LIST_GIVEN = """
    import keras
    from keras import layers

    def add_block(stack, width):
        stack.append(layers.Dense(width, activation="relu"))
        return stack

    stack = [keras.Input((4,))]
    add_block(stack, 8)
    add_block(stack, 8)
    add_block(stack, 3)
    model = keras.Sequential(stack)
    """


def _shapes(source: str) -> dict[str, object]:
    analysis = analyze_source(textwrap.dedent(source), verify_fixes=False)
    return {binding.name: binding.value.shape for binding in analysis.data}


def test_a_helper_reads_a_global_as_it_is_at_each_call() -> None:
    shapes = _shapes(GLOBAL_CHANGED_BETWEEN_CALLS)
    assert shapes["narrow"] == (None, 8)
    assert shapes["wide"] == (None, 16)


def test_a_helper_that_appends_to_the_list_it_is_given_appends_at_each_call() -> None:
    analysis = analyze_source(textwrap.dedent(APPENDS_TO_THE_LIST_GIVEN), verify_fixes=False)
    (report,) = analysis.models
    # The Input's row, then one Dense per call.
    assert [layer.output_shape for layer in report.layers] == [
        (None, 4), (None, 8), (None, 8), (None, 3)]


@pytest.mark.tensorflow
@pytest.mark.parametrize("source", [GLOBAL_CHANGED_BETWEEN_CALLS, APPENDS_TO_THE_LIST_GIVEN])
def test_helpers_called_again_agree_with_keras(source: str, oracle: Oracle) -> None:
    assert_agrees(source, oracle, expect_raises=False)


def _conv_call(arguments: str) -> LayerCall:
    source = textwrap.dedent(f"""
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((16, 16, 3)), layers.Conv2D({arguments})])
        """)
    (report,) = analyze_source(source, verify_fixes=False).models
    call = report.model.entries[-1].layer
    assert isinstance(call, LayerCall)
    return call


def test_a_layer_calls_arguments_are_read_once_and_a_call_made_anew_reads_its_own() -> None:
    call = _conv_call("8, 3")
    params = RULES["Conv2D"].params
    first = conv_arguments(LayerArgs(call, params), 2)
    assert conv_arguments(LayerArgs(call, params), 2) is first  # read once, by the rule too
    assert [w.stride for w in first.config.windows] == [1, 1]
    strided = dataclasses.replace(call, kwargs={**call.kwargs, "strides": Const(2)})
    read = conv_arguments(LayerArgs(strided, params), 2)
    assert [w.stride for w in read.config.windows] == [2, 2]
    assert conv_arguments(LayerArgs(call, params), 2) is first


def test_a_refused_argument_is_refused_at_every_read() -> None:
    call = _conv_call("0, 3")
    params = RULES["Conv2D"].params
    for _ in range(2):
        with pytest.raises(Refusal):
            conv_arguments(LayerArgs(call, params), 2)


def test_a_nodes_range_is_the_same_asked_again_as_worked_out_anew() -> None:
    text = 'x = f(1)\ny = "caf\u00e9" + g(2,\n   3)\nz = [h(i) for i in "\u00e9t\u00e9"]\n'
    tree = ast.parse(text)
    index = LineIndex(text)
    nodes = [n for n in ast.walk(tree) if hasattr(n, "lineno")]
    first = [index.range_of(n) for n in nodes]
    assert [index.range_of(n) for n in nodes] == first
    assert [LineIndex(text).range_of(n) for n in nodes] == first
    index.forget_ranges()
    assert [index.range_of(n) for n in nodes] == first
    assert len(set(first)) > len(nodes) // 2  # distinct nodes keep distinct ranges


def test_equal_literals_share_one_value_and_literals_of_other_types_keep_their_own() -> None:
    text = "a = 3\nb = 3\nc = 3.0\nd = True\ne = 'same'\nf = 'same'\n"
    variables = Evaluator(ast.parse(text), LineIndex(text)).run().module_scope.vars
    assert variables["a"] is variables["b"]
    assert variables["e"] is variables["f"]
    # 3, 3.0 and True are equal in Python, but each literal keeps its own type.
    literals = [variables[name] for name in "acd"]
    assert [type(v.value) for v in literals if isinstance(v, Const)] == [int, float, bool]


def test_a_data_bindings_range_read_after_the_analysis_is_its_targets() -> None:
    # Worked out when read, after the analysis let go of its ranges; the second line is
    # not ASCII (its UTF-8 columns are not its characters').
    text = textwrap.dedent("""\
        import numpy as np
        label = "caf\u00e9"; z = np.ones((2,))
        def load():
            x = np.zeros((3, 4))
            return x
        a = load()
        """)
    analysis = analyze_source(text, verify_fixes=False)
    assert [(binding.name, binding.range) for binding in analysis.data] == [
        ("z", Range(Position(1, 16), Position(1, 17))),
        ("x", Range(Position(3, 4), Position(3, 5))),
        ("a", Range(Position(5, 0), Position(5, 1)))]


def test_the_registry_imports_a_family_for_a_name_not_held_and_gives_a_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    registry: FamilyRegistry[int] = FamilyRegistry({"Thing": "things"})
    loaded: list[str] = []

    def load(family: str) -> None:
        loaded.append(family)
        registry["Thing"] = 7

    monkeypatch.setattr(layers_base, "_family_loader", load)
    assert registry.get("Other", 3) == 3
    assert registry.get("Other") is None
    assert loaded == []
    assert registry.get("Thing") == 7
    assert loaded == ["things"]
    assert registry.get("Thing", 0) == 7 and registry["Thing"] == 7 and "Thing" in registry
    assert loaded == ["things"]
    assert "Other" not in registry and loaded == ["things"]
    registry["Extra"] = 5  # held without a family (registered by a test, say)
    assert registry.get("Extra", 0) == 5 and "Extra" in registry
