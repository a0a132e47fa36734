"""How fixes are written: the file's own import style, its formatting, and only fixes that
really fix (the engine re-checks each one). TensorFlow-free; test_fixes.py runs them in TF."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.findings import Edit, Position, Range
from shape_engine.fixes import apply_edits
from tests.checks.support import apply, finding


def fixed(source: str, code: str, title: str | None = None) -> str:
    source = textwrap.dedent(source).lstrip("\n")
    target = finding(analyze_source(source), code)
    chosen = target.fix if title is None else next(
        f for f in target.fixes if title in f.title)
    assert chosen is not None
    return apply(source, chosen)


SEQUENCE_HEAD = """
{imports}
model = Sequential([
    {lstm}(16, return_sequences=True, input_shape=(20, 8)),
    {dense}(5, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.zeros((4, 20, 8)), np.zeros(4, dtype=int))
"""


@pytest.mark.parametrize(("imports", "lstm", "dense", "flatten", "added"), [
    ("import numpy as np\nfrom tensorflow.keras.layers import Dense, LSTM\n"
     "from tensorflow.keras.models import Sequential", "LSTM", "Dense", "Flatten()",
     "from tensorflow.keras.layers import Dense, LSTM, Flatten"),
    ("import numpy as np\nimport tensorflow as tf\nSequential = tf.keras.Sequential",
     "tf.keras.layers.LSTM", "tf.keras.layers.Dense", "tf.keras.layers.Flatten()", None),
    ("import numpy as np\nfrom keras import Sequential\nfrom keras import layers as L",
     "L.LSTM", "L.Dense", "L.Flatten()", None),
    ("import numpy as np\nimport keras\nfrom keras import Sequential", "keras.layers.LSTM",
     "keras.layers.Dense", "keras.layers.Flatten()", None),
    ("import numpy as np\nfrom keras.models import Sequential\nfrom keras.layers import *",
     "LSTM", "Dense", "Flatten()", "from keras.layers import Flatten"),
])
def test_layers_are_written_in_the_files_style(imports: str, lstm: str, dense: str,
                                               flatten: str, added: str | None) -> None:
    source = SEQUENCE_HEAD.format(imports=imports, lstm=lstm, dense=dense)
    result = fixed(source, "SL304", "Flatten")
    assert f"    {flatten},\n    {dense}(5" in result
    if added:
        assert added in result
    assert analyze_source(result).findings == []


@pytest.mark.parametrize(("imports", "call"), [
    ("import numpy as np", "np.expand_dims("),
    ("import numpy", "numpy.expand_dims("),
    ("import numpy as onp", "onp.expand_dims("),
    ("from numpy import expand_dims, zeros as z", "expand_dims("),
])
def test_numpy_is_written_in_the_files_style(imports: str, call: str) -> None:
    source = f"""
{imports}
import keras
model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
model.predict(keras.ops.zeros(5) if False else {'z' if 'z' in imports else 'x'}(5))
"""
    source = source.replace("keras.ops.zeros(5) if False else ", "")
    namespace = "z" if "z" in imports else call.split("expand_dims")[0] + "zeros"
    source = source.replace("x(5)", f"{namespace}(5)")
    result = fixed(source, "SL202")
    assert f"{call}{namespace}(5), 0)" in result
    assert result.count("import numpy") <= 1


def test_an_import_is_added_only_when_needed() -> None:
    source = """
    import tensorflow as tf
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    model.predict(tf.ones(3))
    """
    result = fixed(source, "SL202")
    assert result.startswith("import tensorflow as tf\nimport numpy as np\n")


def test_keyword_insertion_keeps_formatting() -> None:
    source = """
    import numpy as np
    import keras
    model = keras.Sequential([
        keras.Input((20, 10)),
        keras.layers.LSTM(
            32,
            dropout=0.1,
        ),
        keras.layers.LSTM(16),
    ])
    """
    result = fixed(source, "SL101", "return_sequences")
    assert "        dropout=0.1, return_sequences=True\n    )," in result


def test_input_length_removal_keeps_the_other_arguments() -> None:
    source = """
    import keras
    model = keras.Sequential()
    model.add(keras.layers.Embedding(input_length=12, input_dim=100, output_dim=8))
    model.add(keras.layers.GlobalAveragePooling1D())
    """
    result = fixed(source, "SL401")
    assert ("model.add(keras.Input(shape=(12,)))\n"
            "model.add(keras.layers.Embedding(input_dim=100, output_dim=8))") in result


def test_same_position_inserts_keep_their_order() -> None:
    at = Range(Position(0, 1), Position(0, 1))
    assert apply_edits("ab", [Edit(at, "1"), Edit(at, "2")]) == "a12b"
    assert apply_edits("ab\ncd", [Edit(Range(Position(1, 0), Position(1, 2)), "X"),
                                  Edit(at, "-")]) == "a-b\nX"


def test_no_fix_for_a_layer_added_in_a_loop() -> None:
    source = textwrap.dedent("""
        import keras
        model = keras.Sequential([keras.Input((20, 10))])
        for units in (32, 16):
            model.add(keras.layers.LSTM(units))
        """)
    target = finding(analyze_source(source), "SL101")
    assert not any("return_sequences" in f.title for f in target.fixes)


def test_a_fix_that_would_not_build_is_not_offered() -> None:
    # 6 elements as (2, 3, 1) cannot take a 5x5 kernel: the Reshape is not a fix here.
    source = textwrap.dedent("""
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6),
                                  keras.layers.Conv2D(8, 5)])
        """)
    target = finding(analyze_source(source), "SL101")
    assert not any("Reshape" in f.title for f in target.fixes)
    assert analyze_source(source, verify_fixes=False).findings[0].fixes


def test_fixes_never_edit_another_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "models.py").write_text(textwrap.dedent("""
        import keras
        def build():
            model = keras.Sequential([keras.Input((4,)),
                                      keras.layers.Dense(1, activation="softmax")])
            model.compile("adam", "categorical_crossentropy")
            return model
        """))
    main = tmp_path / "train.py"
    main.write_text(textwrap.dedent("""
        import numpy as np
        from models import build
        model = build()
        model.fit(np.zeros((8, 4)), np.zeros((8, 3)))
        """))
    from shape_engine.imports import filesystem_resolver

    analysis = analyze_source(main.read_text(), str(main), filesystem_resolver(main))
    for found in analysis.findings:
        for fix in found.fixes:
            apply(main.read_text(), fix)
        assert all(f.file is None for f in analysis.findings)
    assert [f.code for f in analysis.findings] == ["SL303"]


# -- where an added import goes ------------------------------------------------------------------

PREDICT_ONE = """\
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.predict(tf.constant([1.0, 2.0, 3.0]))
"""


@pytest.mark.parametrize(("before", "after", "expected"), [
    pytest.param("import tensorflow as tf\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                 "    from collections.abc import Sequence\n", "",
                 "import tensorflow as tf\nfrom typing import TYPE_CHECKING\n"
                 "import numpy as np\nif TYPE_CHECKING:\n", id="type-checking-block"),
    pytest.param("import tensorflow as tf\ntry:\n    import ujson as json\n"
                 "except ImportError:\n    import json\n", "",
                 "import tensorflow as tf\nimport numpy as np\ntry:\n", id="try-block"),
    pytest.param("import tensorflow as tf\n", "import sys\n",
                 "import tensorflow as tf\nimport numpy as np\nmodel =", id="import-after-use"),
    pytest.param("import tensorflow as tf\nnp = None\n", "",
                 "import tensorflow as tf\nimport numpy\nnp = None\n", id="name-rebound"),
    pytest.param("import tensorflow as tf\ntry:\n    import numpy as np\n"
                 "except ImportError:\n    np = None\n", "",
                 "import tensorflow as tf\nimport numpy\ntry:\n", id="import-rebound"),
    pytest.param("#!/usr/bin/env python\nfrom __future__ import annotations\n"
                 "import tensorflow as tf  # the backend\n", "",
                 "import tensorflow as tf  # the backend\nimport numpy as np\n",
                 id="after-a-commented-import"),
])
def test_an_added_import_runs_before_its_use(before: str, after: str, expected: str) -> None:
    result = fixed(before + PREDICT_ONE + after, "SL202")
    assert expected in result
    assert result.count("import numpy") == before.count("import numpy") + 1
    name = "numpy" if "import numpy\n" in result else "np"
    assert f"model.predict({name}.expand_dims(tf.constant" in result
    assert analyze_source(result).findings == []


def test_a_conditional_import_is_not_used() -> None:
    source = """
    import tensorflow as tf
    if tf.__version__ > "2":
        import numpy as np
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    model.predict(tf.ones(3))
    """
    result = fixed(source, "SL202")
    assert result.startswith("import tensorflow as tf\nimport numpy as np\nif tf")


def test_an_import_in_the_same_block_is_used() -> None:
    source = """
    import tensorflow as tf
    if __name__ == "__main__":
        import numpy as onp
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
        model.predict(tf.ones(3))
    """
    result = fixed(source, "SL202")
    assert "model.predict(onp.expand_dims(tf.ones(3), 0))" in result
    assert result.count("import") == 2


@pytest.mark.parametrize(("imports", "model", "layer", "written", "import_line"), [
    ("from keras import layers, models", "models.Sequential", "layers.Embedding",
     "layers.Input(shape=(4,))", "from keras import layers, models\n"),
    ("from tensorflow.keras.layers import Embedding, LSTM, Dense\n"
     "from tensorflow.keras.models import Sequential", "Sequential", "Embedding",
     "Input(shape=(4,))", "from tensorflow.keras.layers import Embedding, LSTM, Dense, Input\n"),
])
def test_input_is_written_with_the_files_imports(imports: str, model: str, layer: str,
                                                 written: str, import_line: str) -> None:
    source = f"""
{imports}
model = {model}([{layer}(10, 5, input_length=4)])
"""
    result = fixed(source, "SL401")
    assert f"model = {model}([{written}, {layer}(10, 5)])" in result
    assert result.startswith(import_line)
    assert result.count("import") == imports.count("import")


# -- batch dimensions and loss constants ---------------------------------------------------------


@pytest.mark.parametrize(("shape", "safe", "preferred"), [
    ("(None, 784)", True, True), ("(32, 784)", False, True)])
def test_batch_dimension_dropped_from_the_input(shape: str, safe: bool, preferred: bool) -> None:
    source = f"""
    import numpy as np
    import keras
    model = keras.Sequential([keras.layers.Dense(64, input_shape={shape}),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(np.random.rand(100, 784), np.random.randint(0, 10, 100))
    """
    target = finding(analyze_source(textwrap.dedent(source)), "SL201")
    assert target.fix is not None
    assert target.fix.title == "Drop the batch dimension from the input shape: (784,)"
    assert (target.fix.applicability.value == "safe") is safe
    result = fixed(source, "SL201")
    assert "keras.layers.Dense(64, input_shape=(784,))" in result
    assert analyze_source(result).findings == []


LOSS_CONSTANT = """
import numpy as np
import keras
LOSS = "categorical_crossentropy"
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss=LOSS)
model.fit(np.zeros((8, 4)), np.zeros(8))
"""


def test_loss_constant_used_once_is_edited_where_defined() -> None:
    result = fixed(LOSS_CONSTANT, "SL311")
    assert 'LOSS = "binary_crossentropy"' in result and "loss=LOSS)" in result


def test_loss_constant_used_twice_is_replaced_at_the_call() -> None:
    result = fixed(LOSS_CONSTANT + "print(LOSS)\n", "SL311")
    assert 'LOSS = "categorical_crossentropy"' in result
    assert 'model.compile(optimizer="adam", loss="binary_crossentropy")' in result


# -- verifying fixes: ordinary files keep all their fixes ----------------------------------------

HELPERS = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n" for i in range(100))
FOUR_MODELS = """
import numpy as np
import keras
from keras import layers

seq = keras.Sequential([layers.Dense(128, input_shape=(28, 28), activation="relu"),
                        layers.Dense(10, activation="softmax")])
seq.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
seq.fit(np.random.rand(32, 28, 28), np.random.randint(0, 10, 32), epochs=1, verbose=0)

resh = keras.Sequential([layers.Dense(128, input_shape=(784,)), layers.Reshape((28, 28, 1)),
                         layers.Conv2D(32, 3)])
resh.predict(np.zeros((2, 784)), verbose=0)

one = keras.Sequential([layers.Dense(10, input_shape=(5,))])
one.predict(np.random.rand(5), verbose=0)

soft = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="softmax")])
soft.compile(optimizer="adam", loss="categorical_crossentropy")
soft.fit(np.random.rand(16, 4), np.random.randint(0, 2, 16), epochs=1, verbose=0)
"""
HELPERS_THEN_MODELS = "import numpy as np\n\n" + HELPERS + FOUR_MODELS


def _one_at_a_time(text: str, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The fixes each finding keeps when every fix is judged alone on the whole file, with
    no budget (what the batched verification must agree with)."""
    import ast

    from shape_engine import verify
    from shape_engine.context import Document
    from shape_engine.source import LineIndex

    monkeypatch.setattr(verify, "MAX_ROUNDS", 10**6)
    monkeypatch.setattr(verify, "VERIFIED_CHARACTERS_BASE", 10**9)
    unverified = analyze_source(text, verify_fixes=False).findings
    document = Document(text, LineIndex(text), ast.parse(text))
    kept = verify.keep_working_fixes(unverified, document, None, None,
                                     reanalyze=analyze_source)
    return [[f.title for f in found.fixes] for found in kept]


def test_a_file_of_helpers_keeps_every_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verification re-analysed the whole file once per fix, within a budget of about six
    re-analyses for a 5 KB file: the last findings lost their fixes. Fixes of models that
    share no statement are now verified together, in one re-analysis."""
    assert len(HELPERS_THEN_MODELS) > 4500
    findings = analyze_source(HELPERS_THEN_MODELS).findings
    assert [f.code for f in findings] == ["SL304", "SL104", "SL202", "SL312", "SL311"]
    assert all(f.fixes for f in findings)
    titles = [[f.title for f in found.fixes] for found in findings]
    assert titles == _one_at_a_time(HELPERS_THEN_MODELS, monkeypatch)


def test_batched_verification_agrees_with_one_fix_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fix scenario of test_fixes.py in one file (models reusing names, models built
    by functions, layers added in statements of their own): the same fixes survive."""
    from shape_engine import verify
    from tests.checks.test_fixes import CASES

    text = "\n".join(textwrap.dedent(source) for source, *_ in CASES.values())
    reference = _one_at_a_time(text, monkeypatch)
    monkeypatch.setattr(verify, "MAX_ROUNDS", 10**6)
    monkeypatch.setattr(verify, "VERIFIED_CHARACTERS_BASE", 10**9)
    monkeypatch.setattr("shape_engine.evaluation.limits.BASE_STEPS", 10**7)
    titles = [[f.title for f in found.fixes] for found in analyze_source(text).findings]
    assert titles == reference
    assert sum(map(len, titles)) > 30
