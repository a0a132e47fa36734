"""Keras 1 spellings (SL105 keywords, SL402 kernels) and the rules that differ between Keras 3
(the default) and tf.keras 2 (`keras-version = "2"`), each judged by the Keras it is about:
Keras 3.15 through `oracle`, tf.keras 2.21 (the tf-keras package) through `oracle_keras2`.
The programs use `tensorflow.keras`, which names Keras 3 in one worker and tf.keras 2 in the
other."""

from __future__ import annotations

from pathlib import Path

import pytest

from shape_engine import analyze_source, keras_version
from shape_engine.findings import Severity
from shape_engine.keras_version import KerasVersion
from tests.checks.support import check_against_tf, codes, dedent, finding, verify_fix
from tests.oracle import Oracle

pytestmark = pytest.mark.tensorflow

HEADER = "from tensorflow import keras\nfrom tensorflow.keras import layers\n"
INPUTS = {"dense": "(6,)", "image": "(8, 8, 1)", "sequence": "(10, 3)", "tokens": "(5,)"}

# (input, the layer as Keras 1 wrote it, the layer as the fix writes it; None: no fix)
LEGACY = {
    "init": ("dense", 'layers.Dense(4, init="uniform")',
             'layers.Dense(4, kernel_initializer="uniform")'),
    "W_regularizer": ("dense", 'layers.Dense(4, W_regularizer="l2")',
                      'layers.Dense(4, kernel_regularizer="l2")'),
    "b_regularizer": ("dense", 'layers.Dense(4, b_regularizer="l2")',
                      'layers.Dense(4, bias_regularizer="l2")'),
    "W_constraint": ("dense", 'layers.Dense(4, W_constraint="non_neg")',
                     'layers.Dense(4, kernel_constraint="non_neg")'),
    "b_constraint": ("dense", 'layers.Dense(4, b_constraint="non_neg")',
                     'layers.Dense(4, bias_constraint="non_neg")'),
    "bias": ("dense", "layers.Dense(4, bias=False)", "layers.Dense(4, use_bias=False)"),
    "output_dim": ("dense", "layers.Dense(output_dim=4)", "layers.Dense(units=4)"),
    "border_mode": ("image", 'layers.Conv2D(2, (3, 3), border_mode="same")',
                    'layers.Conv2D(2, (3, 3), padding="same")'),
    "subsample": ("image", "layers.Conv2D(2, (3, 3), subsample=(2, 2))",
                  "layers.Conv2D(2, (3, 3), strides=(2, 2))"),
    "nb_filter": ("image", "layers.Conv2D(nb_filter=2, kernel_size=3)",
                  "layers.Conv2D(filters=2, kernel_size=3)"),
    "dim_ordering": ("image", 'layers.Conv2D(2, 3, dim_ordering="tf")',
                     'layers.Conv2D(2, 3, data_format="channels_last")'),
    "nb_row_nb_col": ("image", "layers.Convolution2D(2, nb_row=3, nb_col=2)",
                      "layers.Convolution2D(2, kernel_size=(3, 2))"),
    "nb_row_apart": ("image", "layers.Convolution2D(2, nb_row=3, activation=None, nb_col=3)",
                     None),
    "filter_length": ("sequence", "layers.Conv1D(2, filter_length=3)",
                      "layers.Conv1D(2, kernel_size=3)"),
    "subsample_length": ("sequence", "layers.Conv1D(2, 3, subsample_length=2)",
                         "layers.Conv1D(2, 3, strides=2)"),
    "pool_border_mode": ("image", 'layers.MaxPooling2D(border_mode="same")',
                         'layers.MaxPooling2D(padding="same")'),
    "pool_length": ("sequence", "layers.MaxPooling1D(pool_length=2)",
                    "layers.MaxPooling1D(pool_size=2)"),
    "stride": ("sequence", "layers.MaxPooling1D(stride=2)", "layers.MaxPooling1D(strides=2)"),
    "inner_init": ("sequence", 'layers.LSTM(4, inner_init="orthogonal")',
                   'layers.LSTM(4, recurrent_initializer="orthogonal")'),
    "inner_activation": ("sequence", 'layers.LSTM(4, inner_activation="sigmoid")',
                         'layers.LSTM(4, recurrent_activation="sigmoid")'),
    "U_regularizer": ("sequence", 'layers.LSTM(4, U_regularizer="l2")',
                      'layers.LSTM(4, recurrent_regularizer="l2")'),
    "dropout_W": ("sequence", "layers.GRU(4, dropout_W=0.2)", "layers.GRU(4, dropout=0.2)"),
    "dropout_U": ("sequence", "layers.SimpleRNN(4, dropout_U=0.2)",
                  "layers.SimpleRNN(4, recurrent_dropout=0.2)"),
    "rnn_output_dim": ("sequence", "layers.LSTM(output_dim=4)", "layers.LSTM(units=4)"),
    "p": ("dense", "layers.Dropout(p=0.5)", "layers.Dropout(rate=0.5)"),
    "embedding_init": ("tokens", 'layers.Embedding(10, 4, init="uniform")',
                       'layers.Embedding(10, 4, embeddings_initializer="uniform")'),
    "embedding_W_regularizer": ("tokens", 'layers.Embedding(10, 4, W_regularizer="l2")',
                                'layers.Embedding(10, 4, embeddings_regularizer="l2")'),
}


def _program(input_kind: str, layer: str) -> str:
    return HEADER + (f"model = keras.Sequential([keras.Input({INPUTS[input_kind]}), "
                     f"{layer}])\nprint(model.count_params())\n")


def _oracle(version: KerasVersion, oracle: Oracle, oracle_keras2: Oracle | None) -> Oracle:
    if version == "3":
        return oracle
    assert oracle_keras2 is not None
    return oracle_keras2


@pytest.fixture(params=["3", "2"])
def version(request: pytest.FixtureRequest) -> KerasVersion:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def judge(version: KerasVersion, request: pytest.FixtureRequest) -> Oracle:
    """The Keras `version` names, for real."""
    return request.getfixturevalue("oracle" if version == "3" else "oracle_keras2")  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_keras1_keyword_is_refused_and_renamed(name: str, version: KerasVersion,
                                               judge: Oracle) -> None:
    input_kind, old, new = LEGACY[name]
    source = _program(input_kind, old)
    with keras_version.using(version):
        analysis, _ = check_against_tf(source, judge, ["SL105"], raises=True)
        message = finding(analysis, "SL105").message
        assert "Keras 1's spelling" in message
        assert ("tf.keras 2" if version == "2" else "Keras 3") in message
        if new is None:
            assert not finding(analysis, "SL105").fixes
            # The modern spelling builds, as the message says.
            check_against_tf(_program(input_kind, "layers.Convolution2D(2, kernel_size=(3, 3))"),
                             judge, [], raises=False)
            return
        fixed = verify_fix(source, "SL105", judge)
    assert fixed == _program(input_kind, new)


def test_every_keras1_keyword_of_a_model_is_reported_and_fixed_at_once(oracle: Oracle) -> None:
    """Keras stops at the first refused layer; the engine names each old keyword, and each
    rename is offered (fixing one leaves only what was already shown)."""
    source = HEADER + dedent("""
        model = keras.Sequential([
            keras.Input((8, 8, 1)),
            layers.Conv2D(nb_filter=2, kernel_size=3, border_mode="same", init="he_normal"),
            layers.Flatten(),
            layers.Dense(output_dim=3),
        ])
        """)
    analysis = analyze_source(source)
    assert codes(analysis) == ["SL105"] * 4
    assert all(len(f.fixes) == 1 for f in analysis.findings)
    from shape_engine.fixes import apply_edits

    fixed = apply_edits(source, [edit for f in analysis.findings for edit in f.fixes[0].edits])
    assert "layers.Conv2D(filters=2, kernel_size=3, padding=\"same\", " \
           "kernel_initializer=\"he_normal\")" in fixed
    assert "layers.Dense(units=3)" in fixed
    assert codes(analyze_source(fixed)) == []
    assert not oracle.run(fixed).raised
    assert oracle.run(source).raised


def test_modern_keywords_of_the_same_names_stay_silent(oracle: Oracle) -> None:
    """Embedding's own output_dim, Conv2D's strides and padding: the modern names."""
    source = HEADER + dedent("""
        model = keras.Sequential([
            keras.Input((8, 8, 1)),
            layers.Conv2D(filters=2, kernel_size=3, strides=1, padding="same",
                          kernel_initializer="he_normal", use_bias=False),
            layers.Flatten(),
            layers.Dropout(rate=0.5),
            layers.Dense(units=3),
        ])
        text = keras.Sequential([keras.Input((5,)), layers.Embedding(10, output_dim=4)])
        """)
    check_against_tf(source, oracle, [], raises=False)


OPTIMIZERS = {
    "attribute": HEADER + dedent("""
        model = keras.Sequential([keras.Input((6,)), layers.Dense(1)])
        optimizer = keras.optimizers.Adam(lr=0.01)
        model.compile(optimizer=optimizer, loss="mse")
        """),
    "imported_class_inline": HEADER + dedent("""
        from tensorflow.keras.optimizers import SGD
        model = keras.Sequential([keras.Input((6,)), layers.Dense(1)])
        model.compile(SGD(lr=0.1, momentum=0.9), "mse")
        """),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_lr_is_refused_by_keras3_only(name: str, oracle: Oracle,
                                               oracle_keras2: Oracle) -> None:
    source = OPTIMIZERS[name]
    analysis, _ = check_against_tf(source, oracle, ["SL105"], raises=True)
    assert "use learning_rate" in finding(analysis, "SL105").message
    fixed = verify_fix(source, "SL105", oracle)
    assert "lr=" not in fixed and "learning_rate=" in fixed
    with keras_version.using("2"):
        check_against_tf(source, oracle_keras2, [], raises=False)


def test_optimizer_learning_rate_stays_silent(oracle: Oracle) -> None:
    check_against_tf(HEADER + dedent("""
        model = keras.Sequential([keras.Input((6,)), layers.Dense(1)])
        model.compile(keras.optimizers.Adam(learning_rate=0.01), "mse")
        """), oracle, [], raises=False)


CONV1 = HEADER + dedent("""
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Convolution2D(32, 3, 3, activation="relu"),
    ])
    """)


def test_keras1_kernel_is_read_as_strides(version: KerasVersion, judge: Oracle) -> None:
    """The symptom, measured: a third of the height and width, no error."""
    with keras_version.using(version):
        analysis, result = check_against_tf(CONV1, judge, ["SL402"], raises=False)
        assert result.models["model"].output_shape == (None, 9, 9, 32)
        warning = finding(analysis, "SL402")
        assert warning.severity is Severity.WARNING
        assert "(None, 9, 9, 32)" in warning.message
        fixed = verify_fix(CONV1, "SL402", judge)
    assert "layers.Conv2D(32, (3, 3), activation=\"relu\")" in fixed
    assert judge.run(fixed).models["model"].output_shape == (None, 26, 26, 32)


@pytest.mark.parametrize("layer", [
    "layers.Conv2D(32, 3, 2)",  # a modern stride, given by position
    "layers.Convolution2D(32, (3, 3))",
    "layers.Convolution2D(32, 3, strides=3)",
    "layers.Convolution2D(32, 3)",
])
def test_modern_convolutions_stay_silent(layer: str, oracle: Oracle) -> None:
    source = HEADER + f"model = keras.Sequential([keras.Input((28, 28, 1)), {layer}])\n"
    check_against_tf(source, oracle, [], raises=False)


# Programs whose verdict differs between Keras 3 and tf.keras 2:
# (program, Keras 3's findings, whether Keras 3 raises).
DIFFERENCES = {
    "embedding_input_length": (HEADER + dedent("""
        model = keras.Sequential([
            layers.Embedding(1000, 16, input_length=20),
            layers.LSTM(8),
            layers.Dense(1, activation="sigmoid"),
        ])
        """), ["SL401"], False),
    "embedding_without_input_length": (HEADER + dedent("""
        model = keras.Sequential([layers.Embedding(1000, 16), layers.GlobalAveragePooling1D(),
                                  layers.Dense(1)])
        """), [], False),
    "batch_input_shape": (HEADER + dedent("""
        model = keras.Sequential([layers.Dense(4, batch_input_shape=(None, 3)), layers.Dense(2)])
        """), ["SL105"], True),
    "input_dim_and_input_shape": (HEADER + dedent("""
        model = keras.Sequential([layers.Dense(4, input_dim=3, input_shape=(5,)),
                                  layers.Dense(2)])
        """), ["SL105"], True),
    "average_pooling_without_pool_size": (HEADER + dedent("""
        model = keras.Sequential([keras.Input((8, 8, 1)), layers.AveragePooling2D()])
        """), ["SL105"], True),
    "input_shape_as_an_int": (HEADER + dedent("""
        model = keras.Sequential([keras.Input(5), layers.Dense(2)])
        """), ["SL105"], True),
    "pooling_padding_in_capitals": (HEADER + dedent("""
        model = keras.Sequential([keras.Input((9, 9, 1)), layers.MaxPooling2D(padding="SAME")])
        """), ["SL105"], True),
}


@pytest.mark.parametrize("name", sorted(DIFFERENCES))
def test_keras3_verdict(name: str, oracle: Oracle) -> None:
    source, expected, raises = DIFFERENCES[name]
    _, result = check_against_tf(source, oracle, expected, raises=raises)
    if name == "embedding_input_length":
        assert not result.models["model"].built  # Keras 3: no input shape from it


@pytest.mark.parametrize("name", sorted(DIFFERENCES))
def test_tf_keras2_verdict(name: str, oracle_keras2: Oracle) -> None:
    """tf.keras 2 builds each of them: the engine stays silent and finds Keras' shapes."""
    source, _, _ = DIFFERENCES[name]
    with keras_version.using("2"):
        analysis, result = check_against_tf(source, oracle_keras2, [], raises=False)
    tf_model = result.models["model"]
    assert tf_model.built
    report = analysis.models[0]
    assert report.input_shape == tf_model.input_shape
    assert report.output_shape == tf_model.output_shape
    assert report.total_params == tf_model.total_params


def test_the_version_is_per_analysis() -> None:
    source, _, _ = DIFFERENCES["embedding_input_length"]
    assert codes(analyze_source(source, keras_version="2")) == []
    assert codes(analyze_source(source)) == ["SL401"]
    assert keras_version.current() == "3"


@pytest.mark.parametrize(("written", "parsed"), [("3", "3"), ("2", "2"), (2, "2"),
                                                 ("2.15", "2"), (" 3 ", "3")])
def test_parse_accepts(written: object, parsed: str) -> None:
    assert keras_version.parse(written) == parsed


@pytest.mark.parametrize("written", ["1", "4", "", None, True, 3.0, "keras3"])
def test_parse_refuses_with_one_line(written: object) -> None:
    with pytest.raises(ValueError, match='keras-version must be "3" or "2"'):
        keras_version.parse(written)


MSE_ONE_LABEL_PER_SAMPLE = HEADER + dedent("""
    import numpy as np
    model = keras.Sequential([keras.Input((4,)), layers.Dense(10)])
    model.compile("adam", "mse")
    model.fit(np.random.rand(64, 4), np.random.rand(64), epochs=1, verbose=0)
    """)


def test_mse_labels_of_one_value_per_sample(oracle: Oracle, oracle_keras2: Oracle) -> None:
    """Keras 3 cannot broadcast (64,) labels against a 10-unit output (batches of 32);
    tf.keras 2 gives the labels a last axis of 1 first and trains on the broadcast, silently
    comparing each label with all ten outputs."""
    check_against_tf(MSE_ONE_LABEL_PER_SAMPLE, oracle, ["SL303"], raises=True)
    with keras_version.using("2"):
        analysis, _ = check_against_tf(MSE_ONE_LABEL_PER_SAMPLE, oracle_keras2, ["SL315"],
                                       raises=False)
    assert "broadcasts them" in finding(analysis, "SL315").message


# Data whose axes differ from the declared input's, the last one aside.
OTHER_AXES = {
    "rnn_other_timesteps": HEADER + dedent("""
        import numpy as np
        model = keras.Sequential([keras.Input((10, 3)), layers.LSTM(4), layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(np.random.rand(8, 12, 3), np.random.rand(8), epochs=1, verbose=0)
        """),
    "embedding_other_length": HEADER + dedent("""
        import numpy as np
        model = keras.Sequential([keras.Input((20,)), layers.Embedding(50, 4),
                                  layers.GlobalAveragePooling1D(), layers.Dense(1)])
        model.compile("adam", "mse")
        model.predict(np.zeros((3, 25)), verbose=0)
        """),
}


@pytest.mark.parametrize("name", sorted(OTHER_AXES))
def test_tf_keras2_checks_every_declared_axis(name: str, oracle: Oracle,
                                              oracle_keras2: Oracle) -> None:
    source = OTHER_AXES[name]
    check_against_tf(source, oracle, [], raises=False)  # Keras 3: rank and last axis only
    with keras_version.using("2"):
        analysis, _ = check_against_tf(source, oracle_keras2, ["SL201"], raises=True)
    assert "tf.keras 2 checks every declared axis" in finding(analysis, "SL201").message


def test_tf_keras2_takes_data_of_the_declared_axes_or_unknown_ones(
        oracle_keras2: Oracle) -> None:
    with keras_version.using("2"):
        check_against_tf(HEADER + dedent("""
            import numpy as np
            model = keras.Sequential([keras.Input((None, 3)), layers.LSTM(4), layers.Dense(1)])
            model.compile("adam", "mse")
            model.fit(np.random.rand(8, 12, 3), np.random.rand(8, 1), epochs=1, verbose=0)
            fixed = keras.Sequential([keras.Input((12, 3)), layers.LSTM(4), layers.Dense(1)])
            fixed.compile("adam", "mse")
            fixed.fit(np.random.rand(8, 12, 3), np.random.rand(8, 1), epochs=1, verbose=0)
            """), oracle_keras2, [], raises=False)


SEVERAL_OUTPUTS = {
    "return_state_last": HEADER + dedent("""
        model = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_state=True)])
        """),
    "return_state_through_dropout": HEADER + dedent("""
        model = keras.Sequential([keras.Input((5, 3)), layers.GRU(4, return_state=True),
                                  layers.Dropout(0.1)])
        """),
    "bidirectional_merge_none_last": HEADER + dedent("""
        model = keras.Sequential([keras.Input((5, 3)),
                                  layers.Bidirectional(layers.LSTM(4), merge_mode=None)])
        """),
}


@pytest.mark.parametrize("name", sorted(SEVERAL_OUTPUTS))
def test_a_layer_with_several_outputs(name: str, oracle: Oracle, oracle_keras2: Oracle) -> None:
    """Keras 3 builds it (nothing takes the list); tf.keras 2 refuses the layer itself."""
    source = SEVERAL_OUTPUTS[name]
    check_against_tf(source, oracle, [], raises=False)
    with keras_version.using("2"):
        check_against_tf(source, oracle_keras2, ["SL108"], raises=True)


def test_a_keras1_program_fixed_by_the_cli_runs(tmp_path: Path, oracle: Oracle) -> None:
    from shape_engine.cli import main
    from tests.test_cli_fix import KERAS1

    path = tmp_path / "keras1.py"
    path.write_text(KERAS1)
    assert oracle.run(KERAS1).raised
    assert main(["check", "--fix", str(path)]) == 0
    result = oracle.run(path.read_text())
    assert not result.raised, result.error
    assert result.models["model"].layers[0].output_shape == (None, 28, 28, 32)


def test_keras1_kernel_of_a_class_imported_by_name_keeps_its_name(oracle: Oracle) -> None:
    source = dedent("""
        from tensorflow import keras
        from tensorflow.keras.layers import Convolution2D
        model = keras.Sequential([keras.Input((28, 28, 1)), Convolution2D(8, 5, 5)])
        """)
    analysis, _ = check_against_tf(source, oracle, ["SL402"], raises=False)
    assert finding(analysis, "SL402").fix.title == "Write the 5x5 kernel as one tuple: (5, 5)"
    fixed = verify_fix(source, "SL402", oracle)
    assert "Convolution2D(8, (5, 5))" in fixed
    assert oracle.run(fixed).models["model"].output_shape == (None, 24, 24, 8)
