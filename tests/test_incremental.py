"""Incremental analysis gives exactly what analysing the whole file gives.

In-process (no server): the document is cut into components that are analysed and cached
apart; after any edit, the merged result must equal a fresh `analyze_source` of the text.
"""

from __future__ import annotations

import random
import sys
import textwrap
from pathlib import Path

import pytest

from shape_engine.analysis import analyze_source
from shape_engine.facts import Facts, extract
from shape_engine.incremental import DocumentAnalyzer, chunk_info, partition
from tests.graph.test_functional import CORRECT

REPO = Path(__file__).resolve().parents[1]

PROGRAMS = {
    # The ResNet built by a function in a loop, and a text model (checked in TensorFlow there).
    "functional_resnet_and_text": CORRECT["resnet_from_a_function_in_a_loop_and_a_text_model"],
    "functional_with_refusals": """
import keras
from keras import layers
inputs = keras.Input(shape=(32, 32, 3), name="img")
x = layers.Conv2D(16, 3, padding="same")(inputs)
y = layers.Conv2D(32, 3, padding="same")(x)
z = layers.Add()([x, y])
c = layers.Concatenate()([x, y])
shared = layers.Dense(8)
a = shared(c)
b = shared(x)
w = x.shape[-1]
d = layers.Dense(w)(c)
model = keras.Model(inputs=inputs, outputs=[z, a], name="m")
""",
    "docstring_with_unindented_lines": '''
        """Module docstring
        with an unindented line
        """
        import keras
        from keras import layers
        UNITS = 8
        SHAPE = (UNITS, 4)
        model = keras.Sequential([keras.Input(SHAPE), layers.Flatten(), layers.Dense(UNITS)])
        model.add(layers.Conv2D(3, 3))
        other = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    ''',
    "helper_building_layers": '''
        import keras
        from keras import layers
        def head(n):
            return [layers.Flatten(), layers.Dense(n)]
        a = keras.Sequential([keras.Input((4, 4)), *head(3)])
        b = keras.Sequential([keras.Input((4,)), *head(2), layers.Conv2D(1, 1)])
    ''',
    "global_mutated_in_a_function": '''
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
        def grow():
            global model
            model.add(layers.Conv2D(1, 1))
        grow()
        m2 = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    ''',
    "star_import": '''
        import keras
        from keras.layers import *
        N = 5
        model = keras.Sequential([Input((N,)), Dense(3), Conv2D(1, 1)])
        x = keras.Sequential([Input((N, N, 1)), Conv2D(1, 1), Dense(2)])
    ''',
    "branches_and_rebinding": '''
        import keras
        from keras import layers
        model = keras.Sequential()
        model.add(keras.Input((4,)))
        if DEBUG:
            model.add(layers.Dense(3))
        model.add(layers.Conv2D(1, 1))
        model = keras.Sequential([keras.Input((2,)), layers.Dense(3), layers.LSTM(2)])
    ''',
    "data_and_classes": '''
        import numpy as np
        import keras
        from keras import layers
        x = np.random.rand(10, 8)
        def build():
            m = keras.Sequential([layers.Dense(4)])
            return m
        m = build()
        m.fit(x, x)
        @staticmethod
        @other
        def f(): pass
        class C:
            model = keras.Sequential([keras.Input((3,)), layers.Conv2D(1, 1)])
            def go(self):
                return model
    ''',
    "aliases_walrus_try": '''
        import keras
        L = keras.layers
        Dense = L.Dense
        CONF = {"units": 3}
        model = keras.Sequential([keras.Input((4,)), Dense(3)]); model.add(L.Conv2D(1, 1))
        [y := keras.Sequential([keras.Input((4,)), Dense(2)]) for _ in range(1)]
        y.add(L.Conv1D(1, 1))
        try:
            import tensorflow as tf
        except ImportError:
            tf = None
        z = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Conv2D(1, 1)])
    ''',
    "reused_names_and_loops": '''
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
        model.add(layers.Conv2D(1, 1))
        model.fit(x, y)
        model = keras.Sequential([keras.Input((4, 4, 1)), layers.Dense(3)])
        model.add(layers.LSTM(2))
        for width in [3, 4]:
            model.add(layers.Dense(width))
        other = keras.Sequential()
        for width in [5, 6]:
            other.add(layers.Dense(width))
        other.add(layers.Dense(width))
    ''',
    "late_globals_pure_functions": '''
        import keras
        from keras import layers
        N = 3
        def build():
            return keras.Sequential([keras.Input((N,)), layers.Conv1D(2, 2)])
        N = (4, 4)
        m = build()
        def late():
            return keras.Sequential([keras.Input(SHAPE), layers.Conv2D(2, 2)])
        SHAPE = (3,)
        def pure(a, b=2):
            return max(a, b) * 2
        u = keras.Sequential([keras.Input((pure(1),)), layers.Conv2D(1, 1)])
        v = keras.Sequential([keras.Input((pure(5),)), layers.Dense(1)])
        class Holder:
            model = keras.Sequential([keras.Input((3,)), layers.Conv2D(1, 1)])
        h = Holder()
        count = 0
        count += 1
        w = keras.Sequential([keras.Input((count,)), layers.Conv2D(1, 1)])
    ''',
    "aliasing_deleting_with": '''
        import keras
        from keras import layers
        def make(units):
            m = keras.Sequential([keras.Input((units,))])
            return m
        a = make(3)
        a.add(layers.Conv2D(1, 1))
        b = make(4)
        b.add(layers.Dense(2))
        c = a
        c.add(layers.Dense(1))
        del a
        a = make(5)
        a.add(layers.LSTM(1))
        with open("f") as fh:
            fh.read()
        try:
            z = keras.Sequential([keras.Input((2,)), layers.Conv2D(1, 1)])
        except Exception:
            z = None
        z.add(layers.Dense(2))
    ''',
    "mutated_lists": '''
        import keras
        from keras import layers
        SIZES = [32, 64]
        STACK = [keras.Input((8,))]
        SIZES.append(128)
        for size in SIZES:
            STACK.append(layers.Dense(size))
        STACK.append(layers.Conv2D(1, 1))
        model = keras.Sequential(STACK)
        other = keras.Sequential([keras.Input((len(SIZES),)), layers.LSTM(2)])
        def grow(items):
            items.append(layers.Dense(1))
        grow(STACK)
    ''',
    "training_data": '''
        import numpy as np
        import keras
        from keras import layers
        x_train = np.random.rand(100, 28, 28, 1)
        y_train = np.random.randint(0, 10, size=(100,))
        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train, epochs=1)
        images = keras.Sequential([keras.Input(shape=(28, 28)), layers.Conv2D(8, 3)])
    ''',
}


def generated(models: int = 40, lines: int = 2000, seed: int = 0) -> str:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from engine_speed import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return str(generate(models, lines, seed=seed))


def whole(text: str) -> Facts:
    info = chunk_info(text)
    # The editor analyses every rule, those off by default too (its settings pick the shown).
    return extract(analyze_source(text, extend_select=None), info.scopes if info else (),
                   info.assignments if info else ())


def summary(facts: Facts) -> tuple[list[str], ...]:
    parts = ([(f.code, f.range, f.message, f.related, f.fixes, f.preferred_fix)
              for f in facts.findings],
             [(m.name, m.call, m.callee, m.rows, m.total_params, m.connected)
              for m in facts.models],
             [(x.call, x.entry, x.input_shape, x.output_shape, x.params) for x in facts.layers],
             [(d.name, d.at, d.shape, d.dtype, d.hint_at, d.made_by, d.made_at, d.params)
              for d in facts.data],
             [(b.scope, b.name, b.at) for b in facts.bindings],
             [(s.name, s.start, s.end) for s in facts.scopes])
    return tuple(sorted(map(repr, part)) for part in parts)


def corpus() -> list[tuple[str, str]]:
    programs = [(name, textwrap.dedent(text).lstrip("\n")) for name, text in PROGRAMS.items()]
    programs += [(path.name, path.read_text(encoding="utf-8"))
                 for path in sorted((REPO / "examples").glob("*.py"))]
    # A functional model after a docstring: its messages name lines ("x from MaxPooling2D()
    # (line 9)") that its component's own text has elsewhere.
    programs += [(path.name, path.read_text(encoding="utf-8"))
                 for path in sorted((REPO / "tests/clients/fixtures/functional").glob("*.py"))]
    # A subclassed model after a docstring: its message names the line the model is made at
    # ("Net() at line 40 fed ..."), which its component's own text has elsewhere.
    programs += [(path.name, path.read_text(encoding="utf-8"))
                 for path in sorted((REPO / "tests/clients/fixtures/subclassed").glob("*.py"))]
    return programs


@pytest.mark.parametrize(("name", "text"), corpus(), ids=[name for name, _ in corpus()])
def test_components_give_what_the_whole_file_gives(name: str, text: str) -> None:
    analyzer = DocumentAnalyzer(None)
    assert summary(analyzer.analyze(text).facts()) == summary(whole(text))


def test_edits_keep_the_result_exact_and_the_work_small() -> None:
    """Random edits of a realistic file: changed lines, inserted and deleted lines."""
    text = generated(20, 1000)
    analyzer = DocumentAnalyzer(None)
    analyzer.analyze(text)
    rng = random.Random(7)
    for step in range(25):
        lines = text.split("\n")
        at = rng.randrange(len(lines) - 1)
        kind = step % 3
        if kind == 0:
            lines[at] = lines[at].replace("32", "48").replace("relu", "tanh") + "  # edited"
        elif kind == 1:
            lines.insert(at, "")
        elif lines[at].strip() == "":
            del lines[at]
        text = "\n".join(lines)
        before = analyzer.components_analysed
        result = analyzer.analyze(text).facts()
        assert summary(result) == summary(whole(text)), f"step {step}"
        assert analyzer.components_analysed - before <= 2, f"step {step}: too much work"


def test_lines_named_in_messages_move_with_their_chunk() -> None:
    """Lines inserted above a functional model move its cached facts: the lines its messages,
    hovers and summary name move with them."""
    text = (REPO / "tests/clients/fixtures/functional/functional_model.py").read_text()
    analyzer = DocumentAnalyzer(None)
    analyzer.analyze(text)
    for step in range(3):
        text = text.replace("\ninputs = ", "\nSEED = 1\ninputs = ", 1)
        before = analyzer.components_analysed
        result = analyzer.analyze(text).facts()
        assert summary(result) == summary(whole(text)), f"step {step}"
        assert analyzer.components_analysed - before <= 1, f"step {step}: too much work"


def test_a_file_that_does_not_parse_is_one_syntax_error() -> None:
    analyzer = DocumentAnalyzer(None)
    outcome = analyzer.analyze("import keras\nmodel = keras.Sequential([(\n")
    assert not outcome.parsed
    assert [f.code for f in outcome.findings] == ["SL001"]


def test_separate_models_are_separate_components() -> None:
    text = textwrap.dedent("""
        import keras
        from keras import layers
        WIDTH = 4
        model = keras.Sequential([keras.Input((WIDTH,)), layers.Dense(3)])
        model.fit(x, y)
        model = keras.Sequential([keras.Input((WIDTH,)), layers.Dense(3)])
        for units in [1, 2]:
            model.add(layers.Dense(units))
        other = keras.Sequential([keras.Input((WIDTH,))])
        for units in [3]:
            other.add(layers.Dense(units))
    """).lstrip("\n")
    analyzer = DocumentAnalyzer(None)
    chunks = analyzer.chunks(text)
    assert chunks is not None
    groups = [[chunks[i].text.split("\n")[0] for i in component]
              for component in partition(chunks)]
    shared = ["import keras", "from keras import layers", "WIDTH = 4"]
    assert groups == [
        [*shared, "model = keras.Sequential([keras.Input((WIDTH,)), layers.Dense(3)])",
         "model.fit(x, y)"],
        [*shared, "model = keras.Sequential([keras.Input((WIDTH,)), layers.Dense(3)])",
         "for units in [1, 2]:"],
        [*shared, "other = keras.Sequential([keras.Input((WIDTH,))])", "for units in [3]:"],
    ]


def test_a_document_of_too_many_statements_is_analysed_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Cutting costs a parse per statement: past MAX_CHUNKS the document is one part."""
    from shape_engine import incremental

    text = ("import keras\nA = 4\nB = 2\n"
            "m = keras.Sequential([keras.Input((A,)), keras.layers.Conv2D(B, 3)])\n")
    analyzer = DocumentAnalyzer(None)
    assert analyzer.chunks(text) is not None
    monkeypatch.setattr(incremental, "MAX_CHUNKS", 3)
    assert analyzer.chunks(text) is None
    outcome = analyzer.analyze(text)
    assert [f.code for f in outcome.findings] == ["SL101"]
    assert outcome.findings == analyze_source(text).findings
