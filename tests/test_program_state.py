"""What a program changes as it runs, followed in order and checked against real TensorFlow.

Keras' global settings (`keras.config.set_image_data_format`), lists and data changed in place
and shared by reference (aliases, function arguments, containers), `global` / `nonlocal`
assignments, models rebuilt at every `add` / `pop`. Where the engine cannot follow a change
(an unknown function, a branch it cannot decide), what changed is unknown and silent.
"""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from tests.checks.support import check_against_tf
from tests.compare import assert_agrees, build_errors
from tests.oracle import Oracle

pytestmark = pytest.mark.tensorflow

H = "import keras\nfrom keras import layers as L\n"
CF_MODEL = ("keras.Sequential([keras.Input((3, 32, 32)), L.Conv2D(8, 5), L.MaxPooling2D(), "
            "L.Flatten(), L.Dense(10)])")

# name: (program, the engine's first build error code or None, whether Keras raises)
CASES: dict[str, tuple[str, str | None, bool]] = {
    # -- the image data format: a literal value applies to the layers created after it --------
    "data_format_keras_config": (H + f"""
keras.config.set_image_data_format("channels_first")
model = {CF_MODEL}
""", None, False),
    "data_format_tf_keras_backend": ("""
import tensorflow as tf
L = tf.keras.layers
tf.keras.backend.set_image_data_format("channels_first")
model = tf.keras.Sequential([tf.keras.Input((3, 32, 32)), L.Conv2D(8, 5), L.MaxPooling2D(),
                             L.Flatten(), L.Dense(10)])
""", None, False),
    "data_format_keras_backend_any_case": (H + f"""
keras.backend.set_image_data_format("Channels_First")
model = {CF_MODEL}
""", None, False),
    "data_format_imported_setter": (H + f"""
from keras.config import set_image_data_format
set_image_data_format("channels_first")
model = {CF_MODEL}
""", None, False),
    "data_format_set_in_a_function": (H + f"""
def setup():
    keras.config.set_image_data_format("channels_first")
setup()
model = {CF_MODEL}
""", None, False),
    "data_format_channels_first_refusal": (H + """
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input((32, 32, 3)), L.Conv2D(8, 5), L.Conv2D(8, 5)])
""", "SL103", True),
    # The constructor reads the setting: layers made before it keep channels_last.
    "data_format_read_when_the_layer_is_made": (H + """
keras.config.set_image_data_format("channels_first")
first = L.Conv2D(8, 5)
keras.config.set_image_data_format("channels_last")
model = keras.Sequential([keras.Input((3, 32, 32)), first, L.Conv2D(4, 3)])
""", None, False),
    "data_format_every_layer_family": (H + """
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input((3, 32, 30)), L.ZeroPadding2D(), L.Cropping2D(2),
                          L.UpSampling2D(), L.SpatialDropout2D(0.1), L.Resizing(10, 12),
                          L.CenterCrop(5, 6), L.SeparableConv2D(4, 3), L.DepthwiseConv2D(2),
                          L.Conv2DTranspose(2, 3), L.AveragePooling2D(2), L.GlobalMaxPooling2D()])
""", None, False),
    "data_format_one_dimensional_layers": (H + """
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input((3, 32)), L.Conv1D(8, 5), L.ZeroPadding1D(),
                          L.Cropping1D(), L.UpSampling1D(), L.SpatialDropout1D(0.1),
                          L.MaxPooling1D(), L.GlobalAveragePooling1D()])
""", None, False),
    "data_format_conv_lstm": (H + """
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input((4, 3, 16, 16)), L.ConvLSTM2D(5, 3)])
""", None, False),
    # Not known: only the layers that depend on it are silent.
    "data_format_not_known_other_layers_checked": (H + """
import os
keras.config.set_image_data_format(os.environ.get("SHAPELENS_NO_SUCH_VARIABLE",
                                                  "channels_first"))
model = keras.Sequential([keras.Input((6, 4)), L.Flatten(), L.Dense(8), L.Reshape((3,))])
""", "SL104", True),
    "data_format_read_back": (H + """
keras.config.set_image_data_format("channels_first")
fmt = keras.config.image_data_format()
model = keras.Sequential([keras.Input((3, 32, 32)), L.Conv2D(8, 5, data_format=fmt)])
""", None, False),
    # -- lists changed in place, through any name that holds them -----------------------------
    "list_item_assigned": (H + """
stack = [keras.Input((4,)), L.Dense(8)]
stack[1] = L.Dense(3)
model = keras.Sequential(stack + [L.Reshape((3,))])
""", None, False),
    "list_item_deleted": (H + """
stack = [keras.Input((4,)), L.Dense(8)]
del stack[1]
stack.append(L.Dense(3))
model = keras.Sequential(stack + [L.Reshape((3,))])
""", None, False),
    "list_changed_through_an_alias": (H + """
stack = [keras.Input((4,)), L.Dense(8)]
alias = stack
alias.pop()
alias.append(L.Dense(3))
model = keras.Sequential(stack + [L.Reshape((3,))])
""", None, False),
    "list_extended_in_place_through_an_alias": (H + """
stack = [keras.Input((4,)), L.Dense(8)]
alias = stack
alias += [L.Dense(3)]
model = keras.Sequential(stack + [L.Reshape((3,))])
""", None, False),
    "list_changed_by_a_function": (H + """
def grow(layers):
    layers.append(L.Dense(3))
stack = [keras.Input((4,)), L.Dense(8)]
grow(stack)
model = keras.Sequential(stack + [L.Reshape((3,))])
""", None, False),
    "list_changed_inside_another_list": (H + """
stack = [keras.Input((4,)), L.Dense(8)]
groups = [stack]
groups[0].append(L.Dense(3))
model = keras.Sequential(stack + [L.Reshape((3,))])
""", None, False),
    "list_changed_after_a_change_is_seen": (H + """
stack = [keras.Input((4,)), L.Dense(8)]
alias = stack
alias.append(L.Dense(3))
model = keras.Sequential(stack + [L.Reshape((4,))])
""", "SL104", True),
    "list_copy_is_another_list": (H + """
stack = [keras.Input((4,)), L.Dense(8)]
copy = list(stack)
copy.append(L.Dense(3))
model = keras.Sequential(stack + [L.Reshape((3,))])
""", "SL104", True),
    "default_list_shared_by_calls": (H + """
def block(acc=[]):
    acc.append(L.Dense(4))
    return acc
block()
model = keras.Sequential([keras.Input((4,)), *block(), L.Reshape((2, 3))])
""", "SL104", True),
    # A list made on a path that may not run changes exactly on that path.
    "list_made_and_changed_in_a_branch": (H + """
import os
if os.environ.get("PATH"):
    stack = [keras.Input((4,)), L.Dense(8)]
    stack.append(L.Dense(5))
    model = keras.Sequential(stack + [L.Reshape((3,))])
""", "SL104", True),
    # -- global and nonlocal assignments ------------------------------------------------------
    "global_assigned_in_a_called_function": (H + """
UNITS = 8
def configure():
    global UNITS
    UNITS = 3
configure()
model = keras.Sequential([keras.Input((4,)), L.Dense(UNITS), L.Reshape((3,))])
""", None, False),
    "global_assigned_refusal": (H + """
UNITS = 8
def configure():
    global UNITS
    UNITS = 5
configure()
model = keras.Sequential([keras.Input((4,)), L.Dense(UNITS), L.Reshape((3,))])
""", "SL104", True),
    "nonlocal_assigned_in_a_closure": (H + """
def build():
    units = 8
    def shrink():
        nonlocal units
        units = 3
    shrink()
    return keras.Sequential([keras.Input((4,)), L.Dense(units), L.Reshape((3,))])
model = build()
""", None, False),
    # -- Sequential.add builds a model that has an input: a popped layer still had to fit -----
    "added_then_popped_with_input": (H + """
model = keras.Sequential([keras.Input((4,)), L.Dense(8)])
model.add(L.Reshape((3,)))
model.pop()
""", "SL104", True),
    "added_then_popped_with_input_shape": (H + """
model = keras.Sequential([L.Dense(8, input_shape=(4,))])
model.add(L.Reshape((3,)))
model.pop()
""", "SL104", True),
    "added_then_popped_add_style": (H + """
model = keras.Sequential()
model.add(keras.Input((4,)))
model.add(L.Dense(8))
model.add(L.Reshape((3,)))
model.pop()
model.add(L.Reshape((2, 4)))
""", "SL104", True),
    "added_then_popped_nested_model_with_input": (H + """
inner = keras.Sequential([keras.Input((4,)), L.Dense(8)])
model = keras.Sequential([inner])
model.add(L.Reshape((3,)))
model.pop()
""", "SL104", True),
    "added_then_popped_without_input": (H + """
model = keras.Sequential([L.Dense(8)])
model.add(L.Reshape((3,)))
model.pop()
model.build((None, 4))
""", None, False),
    "popped_fitting_layer": (H + """
model = keras.Sequential([keras.Input((4,)), L.Dense(8)])
model.add(L.Reshape((2, 4)))
model.pop()
model.add(L.Dense(3))
""", None, False),
    # -- starred unpacking and `from keras import *` -------------------------------------------
    "starred_unpacking": (H + """
*rest, last = (1, 2, 7)
first, *middle, end = [4, 5, 6, 3]
model = keras.Sequential([keras.Input((first,)), L.Dense(last), L.Reshape((len(middle) + 5,)),
                          L.Dense(end)])
""", None, False),
    "starred_unpacking_refusal": (H + """
*rest, last = (1, 2, 7)
model = keras.Sequential([keras.Input((4,)), L.Dense(last), L.Reshape((len(rest) * 3,))])
""", "SL104", True),
    "star_import_of_keras": ("""
from keras import *
model = models.Sequential([Input((4,)), layers.Dense(3), layers.Reshape((3, 1))])
""", None, False),
    "star_import_of_keras_refusal": ("""
from keras import *
model = Sequential([layers.Input((4,)), layers.Dense(3), layers.Reshape((4,))])
""", "SL104", True),
    "star_import_of_tensorflow_keras": ("""
from tensorflow.keras import *
model = models.Sequential([Input((23, 12)), layers.AlphaDropout(1.5), layers.Dense(2)])
""", None, False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_program_state(name: str, oracle: Oracle) -> None:
    source, code, raises = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=raises)


# Programs whose change the engine cannot follow: Keras builds them, the engine is silent and
# leaves the shapes from that change on unknown.
SILENT: dict[str, str] = {
    "data_format_not_known": H + f"""
import os
keras.config.set_image_data_format(os.environ.get("SHAPELENS_NO_SUCH_VARIABLE",
                                                  "channels_first"))
model = {CF_MODEL}
""",
    "data_format_set_on_one_path": H + f"""
import os
if os.environ.get("PATH"):
    keras.config.set_image_data_format("channels_first")
model = {CF_MODEL}
""",
    "list_changed_on_one_path": H + """
import os
stack = [keras.Input((4,)), L.Dense(8)]
if os.environ.get("PATH"):
    stack[1] = L.Dense(3)
model = keras.Sequential(stack + [L.Reshape((3,))])
""",
    "global_assigned_on_one_path": H + """
import os
UNITS = 8
def configure():
    global UNITS
    UNITS = 3
if os.environ.get("PATH"):
    configure()
model = keras.Sequential([keras.Input((4,)), L.Dense(UNITS), L.Reshape((3,))])
""",
    # A loop that leaves early is not unrolled, wherever its break or continue sits; unrolled,
    # these would add Dense(3) too, and the Reshape would fail.
    "loop_left_by_a_break_in_a_finally": H + """
model = keras.Sequential([keras.Input((4,))])
for units in [4, 3]:
    model.add(L.Dense(units))
    try:
        pass
    finally:
        break
model.add(L.Reshape((2, 2)))
""",
    "loop_left_by_a_break_in_an_except_clause": H + """
model = keras.Sequential([keras.Input((4,))])
for units in [4, 3]:
    model.add(L.Dense(units))
    try:
        raise ValueError(units)
    except ValueError:
        break
model.add(L.Reshape((2, 2)))
""",
    "loop_left_by_a_break_in_a_match_case": H + """
model = keras.Sequential([keras.Input((4,))])
for units in [4, 3]:
    model.add(L.Dense(units))
    match units:
        case 4:
            break
model.add(L.Reshape((2, 2)))
""",
    "loop_turn_skipped_by_a_continue_in_a_with": H + """
import contextlib
model = keras.Sequential([keras.Input((4,))])
for units in [4, 3]:
    with contextlib.suppress(ValueError):
        if units == 3:
            continue
    model.add(L.Dense(units))
model.add(L.Reshape((2, 2)))
""",
}


# Changes the engine now follows (the user's classes and dicts of models are evaluated): the
# shapes after them are Keras'.
FOLLOWED: dict[str, str] = {
    "list_changed_by_a_method_of_the_users_class": H + """
class Builder:
    def grow(self, layers):
        layers[1] = L.Dense(3)
make_layers = Builder().grow
stack = [keras.Input((4,)), L.Dense(8)]
make_layers(stack)
model = keras.Sequential(stack + [L.Reshape((3,))])
""",
    "model_changed_through_a_dict": H + """
model = keras.Sequential([keras.Input((4,)), L.Dense(8)])
registry = {"model": model}
registry["model"].add(L.Dense(3))
model.add(L.Reshape((3,)))
""",
    "model_changed_through_an_object": H + """
class Holder:
    pass
holder = Holder()
model = keras.Sequential([keras.Input((4,)), L.Dense(8)])
holder.model = model
holder.model.add(L.Dense(3))
model.add(L.Reshape((3,)))
""",
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(FOLLOWED))
def test_change_through_objects_is_followed(name: str, oracle: Oracle) -> None:
    source = textwrap.dedent(FOLLOWED[name])
    result = oracle.run(source)
    assert not result.raised, result.error
    analysis = analyze_source(source)
    assert build_errors(analysis) == []
    assert analysis.models[-1].output_shape == result.models["model"].output_shape


@pytest.mark.parametrize("name", sorted(SILENT))
def test_unfollowed_change_is_silent(name: str, oracle: Oracle) -> None:
    source = textwrap.dedent(SILENT[name])
    result = oracle.run(source)
    assert not result.raised, result.error
    analysis = analyze_source(source)
    assert build_errors(analysis) == []
    # Not known, or known as far as it holds whatever the change was: a layer of unknown
    # width keeps its rank, and a Reshape after it gives its target (partial_shapes).
    inferred = analysis.models[-1].output_shape
    assert inferred is None or inferred == result.models["model"].output_shape, (
        inferred, result.models)


def test_unknown_imported_function_may_change_a_list() -> None:
    analysis = analyze_source(H + """
from mylib import make_layers
stack = [keras.Input((4,)), L.Dense(8)]
make_layers(stack)
model = keras.Sequential(stack + [L.Reshape((3,))])
""")
    assert analysis.findings == []
    assert analysis.models[0].output_shape is None


def test_data_format_of_a_function_never_called_is_the_module_end() -> None:
    analysis = analyze_source(H + f"""
def build():
    return {CF_MODEL}
keras.config.set_image_data_format("channels_first")
""")
    assert analysis.findings == []
    assert analysis.models[0].output_shape == (None, 10)


# -- data changed in place: fit/predict checks see the new shape or nothing ----------------
DH = H + "import numpy as np\n"
DATA_CASES: dict[str, tuple[str, list[str], bool]] = {
    "shape_assigned": (DH + """
x = np.zeros((10, 4))
x.shape = (10, 2, 2)
model = keras.Sequential([keras.Input((2, 2)), L.Flatten(), L.Dense(1)])
model.compile("adam", "mse")
model.fit(x, np.zeros((10, 1)), epochs=1, verbose=0)
""", [], False),
    "resized_in_place": (DH + """
x = np.zeros((10, 4))
x.resize((10, 2, 2))
model = keras.Sequential([keras.Input((2, 2)), L.Flatten(), L.Dense(1)])
model.compile("adam", "mse")
model.fit(x, np.zeros((10, 1)), epochs=1, verbose=0)
""", [], False),
    "shape_assigned_through_an_alias": (DH + """
x = np.zeros((10, 4))
view = x
view.shape = (10, 2, 2)
model = keras.Sequential([keras.Input((2, 2)), L.Flatten(), L.Dense(1)])
model.compile("adam", "mse")
model.fit(x, np.zeros((10, 1)), epochs=1, verbose=0)
""", [], False),
    "labels_clipped_in_place": (DH + """
y = np.random.randint(0, 20, 64)
y[y > 9] = 9
model = keras.Sequential([keras.Input((4,)), L.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(64, 4), y, epochs=1, verbose=0)
""", [], False),
    "labels_halved_in_place_through_an_alias": (DH + """
y = np.random.randint(0, 20, 64)
labels = y
y //= 2
model = keras.Sequential([keras.Input((4,)), L.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(64, 4), labels, epochs=1, verbose=0)
""", [], False),
}


@pytest.mark.parametrize("name", sorted(DATA_CASES))
def test_data_changed_in_place(name: str, oracle: Oracle) -> None:
    source, expected, raises = DATA_CASES[name]
    check_against_tf(source, oracle, expected, raises)
