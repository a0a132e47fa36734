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
