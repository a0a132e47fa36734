"""The data checks of the Sequential path brought to functional models that are not plain
chains (several inputs or outputs, branches, merges), per input and per output, against real
TensorFlow: fit's validation_data (SL201, SL202, SL204, SL206, SL207 and the labels' SL3xx),
a single sample read as a batch (SL203 where Keras runs on, SL202 where a layer refuses it)
and a tf.data dataset never batched (SL211). Each broken program raises in Keras (or, for
SL203, shows its symptom) and gets the finding; each correct one runs and stays silent."""

from __future__ import annotations

import pytest

from shape_engine import analyze_source
from tests.checks.support import check_against_tf, dedent, finding
from tests.oracle import Oracle

HEAD = "import numpy as np\nimport tensorflow as tf\nimport keras\nfrom keras import layers\n"

# Two inputs, two outputs: "score" (one linear unit) and "kind" (a softmax over 3 classes).
TWO_BY_TWO = HEAD + """
image = keras.Input((16,), name="image")
meta = keras.Input((4,), name="meta")
merged = layers.concatenate([layers.Dense(8)(image), layers.Dense(8)(meta)])
score = layers.Dense(1, name="score")(merged)
kind = layers.Dense(3, activation="softmax", name="kind")(merged)
model = keras.Model([image, meta], [score, kind])
model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"])
"""
X = "[np.random.rand(8, 16), np.random.rand(8, 4)]"
Y = "[np.random.rand(8, 1), np.random.randint(0, 3, 8)]"
X_DICT = '{"image": np.random.rand(8, 16), "meta": np.random.rand(8, 4)}'
Y_DICT = '{"score": np.random.rand(8, 1), "kind": np.random.randint(0, 3, 8)}'
ONE_HOT = "np.eye(3)[np.random.randint(0, 3, 8)]"
# Elements ((image, meta), (score, kind)) of single samples.
SLICES = ("tf.data.Dataset.from_tensor_slices(((np.random.rand(8, 16), np.random.rand(8, 4)), "
          "(np.random.rand(8, 1), np.random.randint(0, 3, 8))))")


def _fit(call: str) -> str:
    return TWO_BY_TWO + call + "\n"


# (program, the codes the engine reports, whether Keras raises at the fit).
CASES: dict[str, tuple[str, list[str], bool]] = {
    "validation_lists_ok": (_fit(
        f"model.fit({X}, {Y}, validation_data=({X}, {Y}), epochs=1, verbose=0)"), [], False),
    "validation_dicts_ok": (_fit(
        f"model.fit({X_DICT}, {Y_DICT}, validation_data=({X_DICT}, {Y_DICT}), verbose=0)"),
        [], False),
    "validation_of_other_sample_count_than_training_ok": (_fit(
        f"model.fit({X}, {Y}, validation_data=([np.random.rand(3, 16), np.random.rand(3, 4)], "
        "[np.random.rand(3, 1), np.random.randint(0, 3, 3)]), verbose=0)"), [], False),
    "validation_through_a_name_ok": (_fit(
        f"val = ({X}, {Y})\nmodel.fit({X}, {Y}, validation_data=val, verbose=0)"), [], False),
    "validation_with_sample_weights_ok": (_fit(
        f"model.fit({X}, {Y}, validation_data=({X}, {Y}, [np.ones(8), np.ones(8)]), "
        "verbose=0)"), [], False),
    "validation_batched_dataset_ok": (_fit(
        f"ds = {SLICES}.batch(4)\nmodel.fit(ds, validation_data=ds, verbose=0)"), [], False),
    "validation_input_of_a_wrong_width": (_fit(
        f"model.fit({X}, {Y}, validation_data=([np.random.rand(8, 16), np.random.rand(8, 5)], "
        f"{Y}), verbose=0)"), ["SL201"], True),
    "validation_input_of_a_wrong_width_through_a_name": (_fit(
        f"val = ([np.random.rand(8, 16), np.random.rand(8, 5)], {Y})\n"
        f"model.fit({X}, {Y}, validation_data=val, verbose=0)"), ["SL201"], True),
    "validation_list_of_one_input": (_fit(
        f"model.fit({X}, {Y}, validation_data=([np.random.rand(8, 16)], {Y}), verbose=0)"),
        ["SL206"], True),
    "validation_dict_missing_an_input": (_fit(
        f"model.fit({X}, {Y}, validation_data=({{'image': np.random.rand(8, 16)}}, {Y}), "
        "verbose=0)"), ["SL206"], True),
    "validation_list_of_one_label_array": (_fit(
        f"model.fit({X}, {Y}, validation_data=({X}, [np.random.rand(8, 1)]), verbose=0)"),
        ["SL207"], True),
    "validation_inputs_of_different_sample_counts": (_fit(
        f"model.fit({X}, {Y}, validation_data=([np.random.rand(8, 16), np.random.rand(6, 4)], "
        f"{Y}), verbose=0)"), ["SL204"], True),
    "validation_one_hot_labels_for_the_sparse_output": (_fit(
        f"model.fit({X}, {Y}, validation_data=({X}, [np.random.rand(8, 1), {ONE_HOT}]), "
        "verbose=0)"), ["SL302"], True),
    "validation_one_hot_labels_in_a_dict": (_fit(
        f"model.fit({X_DICT}, {Y_DICT}, validation_data=({X_DICT}, "
        f"{{'score': np.random.rand(8, 1), 'kind': {ONE_HOT}}}), verbose=0)"), ["SL302"], True),
    "validation_class_beyond_the_units": (_fit(
        f"model.fit({X}, {Y}, validation_data=({X}, [np.random.rand(8, 1), "
        "np.array([0, 1, 2, 5, 0, 1, 2, 0])]), verbose=0)"), ["SL305"], True),
    "optimizer_with_a_keras_1_keyword": (TWO_BY_TWO + f"""
model.compile(optimizer=keras.optimizers.RMSprop(lr=1e-3), loss="mse")
model.fit({X}, [np.random.rand(8, 1), np.random.rand(8, 3)], verbose=0)
""", ["SL105"], True),
    "dataset_batched_ok": (_fit(f"model.fit({SLICES}.batch(4), verbose=0)"), [], False),
    "dataset_never_batched": (_fit(
        f"ds = {SLICES}.shuffle(8)\nmodel.fit(ds, verbose=0)"), ["SL211"], True),
    "validation_dataset_never_batched": (_fit(
        f"model.fit({SLICES}.batch(4), validation_data={SLICES}, verbose=0)"), ["SL211"], True),
    "dataset_batched_then_unbatched": (_fit(
        f"model.fit({SLICES}.batch(4).unbatch(), verbose=0)"), ["SL211"], True),
    # An element (image, meta) is read as (x, y): x is then one array for two inputs.
    "dataset_of_pairs_at_predict": (_fit(
        "model.predict(tf.data.Dataset.from_tensor_slices((np.random.rand(8, 16), "
        "np.random.rand(8, 4))), verbose=0)"), ["SL206"], True),
    "dataset_never_batched_at_predict": (_fit(
        "model.predict(tf.data.Dataset.from_tensor_slices(((np.random.rand(8, 16), "
        "np.random.rand(8, 4)),)), verbose=0)"), ["SL211"], True),
}

# Keras' input check drops a last axis of 1 before it compares: (8, 10, 1) passes an Input
# (10, 3), and the layers decide.
LAST_AXIS_OF_ONE = HEAD + """
a = keras.Input((10, 3), name="a")
b = keras.Input((10, 3), name="b")
model = keras.Model([a, b], layers.Dense(1)(layers.Flatten()({merge})))
model.compile(optimizer="adam", loss="mse")
model.fit([np.random.rand(8, 10, 1), np.random.rand(8, 10, 3)], np.random.rand(8, 1), verbose=0)
"""
CASES["a_last_axis_of_one_broadcast_by_add_ok"] = (
    LAST_AXIS_OF_ONE.format(merge="layers.add([a, b])"), [], False)
CASES["a_last_axis_of_one_refused_by_dense"] = (
    LAST_AXIS_OF_ONE.format(merge="layers.concatenate([layers.Dense(3)(a), b])"), ["SL201"],
    True)

# One image input, one output, two branches: not a chain.
BRANCHES = HEAD + """
image = keras.Input((28, 28, 1), name="image")
a = layers.Conv2D(4, 3, padding="{padding}")(image)
b = layers.Conv2D(4, {kernel})(image)
merged = layers.add([a, b])
model = keras.Model(image, layers.Dense(2)(layers.GlobalAveragePooling2D()(merged)))
"""
SAME = BRANCHES.format(padding="same", kernel=1)
VALID = BRANCHES.format(padding="valid", kernel=3)
ONE_IMAGE = "model.predict(np.random.rand(28, 28, 1), verbose=0)"

BRANCH_CASES: dict[str, tuple[str, list[str], bool]] = {
    "a_batch_of_one_image_ok": (SAME + "model.predict(np.random.rand(1, 28, 28, 1), verbose=0)\n",
                                [], False),
    "one_image_refused_inside_the_model": (VALID + ONE_IMAGE + "\n", ["SL202"], True),
    "one_sample_refused_at_the_input": (HEAD + """
features = keras.Input((16,))
merged = layers.add([layers.Dense(4)(features), layers.Dense(4)(features)])
model = keras.Model(features, layers.Dense(1)(merged))
model.predict(np.random.rand(16), verbose=0)
""", ["SL202"], True),
    "images_dataset_never_batched_refused_inside": (
        VALID + "model.predict(tf.data.Dataset.from_tensor_slices(np.random.rand(8, 28, 28, 1)),"
        " verbose=0)\n", ["SL211"], True),
    "images_dataset_batched_ok": (
        VALID + "model.predict(tf.data.Dataset.from_tensor_slices(np.random.rand(8, 28, 28, 1))"
        ".batch(4), verbose=0)\n", [], False),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CASES))
def test_multi_io_data_agrees_with_tensorflow(name: str, oracle: Oracle) -> None:
    source, expected, raises = CASES[name]
    check_against_tf(source, oracle, expected, raises)


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(BRANCH_CASES))
def test_branching_model_data_agrees_with_tensorflow(name: str, oracle: Oracle) -> None:
    source, expected, raises = BRANCH_CASES[name]
    check_against_tf(dedent(source), oracle, expected, raises)


@pytest.mark.tensorflow
def test_one_image_read_as_a_batch_by_a_branching_model(oracle: Oracle) -> None:
    """Keras passes the image through its input check (a trailing 1 dropped, the axes
    compared from the batch axis on), gives it a last axis and predicts 28 rows."""
    source = SAME + f"MEASURED = list({ONE_IMAGE}.shape)\n"
    analysis, result = check_against_tf(source, oracle, ["SL203"], raises=False)
    assert result.measured == [28, 2]
    assert finding(analysis, "SL203").message == (
        "predict: x has shape (28, 28, 1), one sample of the input (None, 28, 28, 1) without "
        "its batch axis: Keras reads it as 28 samples of shape (28, 1, 1); give a batch of "
        "shape (1, 28, 28, 1)")


def _messages(source: str) -> dict[str, str]:
    return {f.code: f.message for f in analyze_source(dedent(source)).findings}


def test_validation_messages_name_the_input_and_the_output() -> None:
    found = _messages(CASES["validation_input_of_a_wrong_width"][0])
    assert found["SL201"].startswith(
        'fit validation_data: the data of input 2 ("meta") has shape (8, 5)')
    found = _messages(CASES["validation_one_hot_labels_for_the_sparse_output"][0])
    assert found["SL302"].startswith(
        'fit validation_data, output 2 ("kind"): labels have shape (8, 3)')
    found = _messages(CASES["validation_dataset_never_batched"][0])
    assert found["SL211"].startswith(
        "fit validation_data gets a dataset that was never batched: each element is taken as "
        'one batch, so input 1 ("image") sees (16,) instead of (None, 16)')
    found = _messages(CASES["dataset_never_batched"][0])
    assert found["SL211"].startswith(
        'fit gets a dataset that was never batched: each element is taken as one batch, so '
        'input 1 ("image") sees (16,) instead of (None, 16)')


def test_validation_findings_point_at_the_validation_part() -> None:
    source = dedent(CASES["validation_one_hot_labels_for_the_sparse_output"][0])
    analysis = analyze_source(source)
    (found,) = analysis.findings
    line = source.splitlines()[found.range.start.line]
    assert line[found.range.start.character:found.range.end.character] == ONE_HOT


def test_unbatched_labels_are_left_to_sl211() -> None:
    """The labels of single samples have no batch axis either: only SL211 is said."""
    assert sorted(_messages(CASES["dataset_never_batched"][0])) == ["SL211"]


def test_keras_2_keeps_sl202_and_leaves_datasets() -> None:
    """Keras 3's input check was read from its source and measured; tf.keras 2's was not."""
    codes = [f.code for f in analyze_source(SAME + ONE_IMAGE + "\n",
                                            keras_version="2").findings]
    assert codes == ["SL202"]
    assert analyze_source(dedent(CASES["dataset_never_batched"][0]),
                          keras_version="2").findings == []


# A plain chain is checked as the Sequential model it is, but Keras checks its data as a
# functional model's: every declared axis of the Input.
LSTM_CHAIN = HEAD + """
sequence = keras.Input((10, 3))
model = keras.Model(sequence, layers.Dense(1)(layers.LSTM(4)(sequence)))
model.compile(optimizer="adam", loss="mse")
"""
CONV_CHAIN = HEAD + """
image = keras.Input((28, 28, 1))
features = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3)(image))
model = keras.Model(image, layers.Dense(1)(features))
model.compile(optimizer="adam", loss="mse")
"""
CHAIN_CASES: dict[str, tuple[str, list[str], bool]] = {
    "chain_ok": (LSTM_CHAIN + "model.fit(np.random.rand(8, 10, 3), np.random.rand(8, 1), "
                 "validation_data=(np.random.rand(4, 10, 3), np.random.rand(4, 1)), verbose=0)\n",
                 [], False),
    "chain_with_a_trailing_axis_of_one_ok": (
        LSTM_CHAIN + "model.fit(np.random.rand(8, 10, 3, 1), np.random.rand(8, 1), verbose=0)\n",
        [], False),
    "chain_of_images_without_their_channel_axis_ok": (
        CONV_CHAIN + "model.fit(np.random.rand(8, 28, 28), np.random.rand(8, 1), verbose=0)\n",
        [], False),
    # Keras' Sequential model would train on these: its layers take any length and size.
    "chain_sequence_of_another_length": (
        LSTM_CHAIN + "model.fit(np.random.rand(8, 12, 3), np.random.rand(8, 1), verbose=0)\n",
        ["SL201"], True),
    "chain_validation_sequence_of_another_length": (
        LSTM_CHAIN + "model.fit(np.random.rand(8, 10, 3), np.random.rand(8, 1), "
        "validation_data=(np.random.rand(4, 12, 3), np.random.rand(4, 1)), verbose=0)\n",
        ["SL201"], True),
    "chain_images_of_another_size": (
        CONV_CHAIN + "model.fit(np.random.rand(8, 30, 30), np.random.rand(8, 1), verbose=0)\n",
        ["SL201"], True),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CHAIN_CASES))
def test_chain_data_agrees_with_tensorflow(name: str, oracle: Oracle) -> None:
    source, expected, raises = CHAIN_CASES[name]
    check_against_tf(source, oracle, expected, raises)


@pytest.mark.tensorflow
def test_the_same_layers_in_a_sequential_model_take_the_sequence(oracle: Oracle) -> None:
    """The check is the functional model's own: Keras' Sequential model trains on it."""
    check_against_tf(HEAD + """
model = keras.Sequential([keras.Input((10, 3)), layers.LSTM(4), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.rand(8, 12, 3), np.random.rand(8, 1), verbose=0)
""", oracle, [], raises=False)


# A user id and an item id, each into its own Embedding table.
TWO_TABLES = HEAD + """
user = keras.Input((1,), name="user")
item = keras.Input((1,), name="item")
u = layers.Flatten()(layers.Embedding(50, 4)(user))
v = layers.Flatten()(layers.Embedding(20, 4)(item))
model = keras.Model([user, item], layers.Dense(1)(layers.concatenate([u, v])))
model.compile(optimizer="adam", loss="mse")
"""
USERS, ITEMS = "np.random.randint(0, 50, (64, 1))", "np.random.randint(0, 20, (64, 1))"
EMBEDDING_CASES: dict[str, tuple[str, list[str], bool]] = {
    "ids_within_both_tables_ok": (TWO_TABLES + f"""
model.fit([{USERS}, {ITEMS}], np.random.rand(64, 1), verbose=0,
          validation_data=({{"user": {USERS}, "item": {ITEMS}}}, np.random.rand(64, 1)))
""", [], False),
    "item_ids_beyond_the_item_table": (TWO_TABLES + f"""
model.fit([{USERS}, np.random.randint(0, 100, (64, 1))], np.random.rand(64, 1), verbose=0)
""", ["SL323"], True),
    "validation_user_ids_beyond_the_user_table": (TWO_TABLES + f"""
model.fit([{USERS}, {ITEMS}], np.random.rand(64, 1), verbose=0,
          validation_data=({{"user": np.random.randint(0, 100, (64, 1)), "item": {ITEMS}}},
                           np.random.rand(64, 1)))
""", ["SL323"], True),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(EMBEDDING_CASES))
def test_embedding_tables_per_input_agree_with_tensorflow(name: str, oracle: Oracle) -> None:
    source, expected, raises = EMBEDDING_CASES[name]
    check_against_tf(source, oracle, expected, raises)


def test_the_embedding_finding_names_the_input() -> None:
    found = _messages(EMBEDDING_CASES["item_ids_beyond_the_item_table"][0])
    assert found["SL323"].startswith(
        'fit: the data of input 2 ("item") holds indices in [0, 99] but Embedding(20, 4) has '
        "rows for 0 .. 19 only")


# An image and a vector of metadata: the image's layout is read by its first Conv2D.
IMAGE_AND_META = HEAD + """
image = keras.Input({shape}, name="image")
meta = keras.Input((4,), name="meta")
conv = layers.Conv2D(8, 3, padding="same"{conv_format})
features = layers.GlobalAveragePooling2D({pool_format})(conv(layers.Rescaling(1 / 255)(image)))
model = keras.Model([image, meta], layers.Dense(1)(layers.concatenate([features, meta])))
model.compile(optimizer="adam", loss="mse")
model.fit([np.random.rand(8, *{shape}), np.random.rand(8, 4)], np.random.rand(8, 1), verbose=0)
MEASURED = list(conv.kernel.shape)
"""
FIRST = "data_format='channels_first'"
IMAGE_CASES = [
    # (program, the kernel shape TensorFlow builds, the findings expected)
    (IMAGE_AND_META.format(shape=(3, 32, 32), conv_format="", pool_format=""), [3, 3, 32, 8],
     ["SL322"]),
    (IMAGE_AND_META.format(shape=(32, 32, 3), conv_format="", pool_format=""), [3, 3, 3, 8],
     []),
    (IMAGE_AND_META.format(shape=(3, 32, 32), conv_format=", " + FIRST, pool_format=FIRST),
     [3, 3, 3, 8], []),
]


IMAGE_IDS = ["channels_first_images", "channels_last_images", "read_as_channels_first"]


@pytest.mark.parametrize(("program", "_", "expected"), IMAGE_CASES, ids=IMAGE_IDS)
def test_channels_first_images_per_input(program: str, _: object, expected: list[str]) -> None:
    analysis = analyze_source(program)
    assert [f.code for f in analysis.findings] == expected
    for found in analysis.findings:
        assert program.splitlines()[found.range.start.line].startswith("image = keras.Input(")
        assert found.message.startswith('input 1 ("image"): the images are (3, 32, 32)')


@pytest.mark.tensorflow
@pytest.mark.parametrize(("program", "kernel", "_"), IMAGE_CASES, ids=IMAGE_IDS)
def test_tensorflow_builds_the_image_kernel_on_the_width(oracle: Oracle, program: str,
                                                         kernel: list[int], _: object) -> None:
    result = oracle.run(program)
    assert result.error is None, result.error
    assert result.measured == kernel


@pytest.mark.tensorflow
def test_a_subclassed_chain_has_no_input_to_check(oracle: Oracle) -> None:
    """A subclassed model has no Input: Keras runs its call on sequences of any length."""
    check_against_tf(HEAD + """
class Regressor(keras.Model):
    def __init__(self):
        super().__init__()
        self.lstm = layers.LSTM(4)
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.lstm(x))


model = Regressor()
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.rand(8, 10, 3), np.random.rand(8, 1), verbose=0)
model.fit(np.random.rand(8, 12, 3), np.random.rand(8, 1), verbose=0)
""", oracle, [], raises=False)
