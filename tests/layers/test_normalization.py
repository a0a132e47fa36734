"""Batch, Layer, Group and Unit normalization against real TensorFlow."""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees

pytestmark = pytest.mark.tensorflow


def seq(input_args: str, *layers: str) -> str:
    """A Sequential program: keras.Input(input_args) then the given layers."""
    stack = ", ".join(("keras.Input(" + input_args + ")", *layers))
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([{stack}])\n"


CASES: dict[str, tuple[str, str | None]] = {
    # BatchNormalization: 4 weights per channel (2 trainable), 7 with renorm.
    "batch_norm": (seq("(5, 6, 3)", "layers.BatchNormalization()"), None),
    "batch_norm_channels_first_axis": (seq("(4, 6, 3)", "layers.BatchNormalization(axis=1)"),
                                       None),
    "batch_norm_no_center_scale": (
        seq("(6,)", "layers.BatchNormalization(center=False, scale=False)"), None),
    "batch_norm_renorm": (seq("(6,)", "layers.BatchNormalization(renorm=True)"), None),
    "batch_norm_float_axis_truncated": (seq("(4, 6)", "layers.BatchNormalization(axis=1.7)"),
                                        None),
    "batch_norm_after_dense": (seq("(8,)", "layers.Dense(16)", "layers.BatchNormalization()",
                                   "layers.Dense(2)"), None),
    "batch_norm_axis_out_of_range": (seq("(4, 6)", "layers.BatchNormalization(axis=3)"), "SL101"),
    "batch_norm_negative_axis_out_of_range": (
        seq("(4, 6)", "layers.BatchNormalization(axis=-4)"), "SL101"),
    "batch_norm_batch_axis": (seq("(6, 3)", "layers.BatchNormalization(axis=0)"), "SL102"),
    "batch_norm_batch_axis_with_batch_size": (
        seq("(6, 3), batch_size=4", "layers.BatchNormalization(axis=0)"), None),
    "batch_norm_unknown_axis": (seq("(None, 6)", "layers.BatchNormalization(axis=1)"), "SL102"),
    "batch_norm_rank1": (seq("batch_shape=(None,)", "layers.BatchNormalization()"), "SL102"),
    "batch_norm_list_axis": (seq("(4, 6)", "layers.BatchNormalization(axis=[1])"), "SL105"),
    # LayerNormalization
    "layer_norm": (seq("(4, 6)", "layers.LayerNormalization()"), None),
    "layer_norm_two_axes": (seq("(4, 5, 6)", "layers.LayerNormalization(axis=[1, -1])"), None),
    "layer_norm_axes_sorted_with_negatives": (
        seq("(4, 5, 6)", "layers.LayerNormalization(axis=[2, -1])"), None),
    "layer_norm_no_center": (seq("(4, 6)", "layers.LayerNormalization(center=False)"), None),
    "layer_norm_rms_scaling": (seq("(4, 6)", "layers.LayerNormalization(rms_scaling=True)"),
                               None),
    "layer_norm_no_weights_unknown_axis": (
        seq("(4, None)", "layers.LayerNormalization(center=False, scale=False)"), None),
    "layer_norm_unknown_axis": (seq("(4, None)", "layers.LayerNormalization()"), "SL102"),
    "layer_norm_axis_out_of_range": (seq("(4, 6)", "layers.LayerNormalization(axis=3)"),
                                     "SL101"),
    "layer_norm_batch_axis": (seq("(4, 6)", "layers.LayerNormalization(axis=0)"), "SL102"),
    "layer_norm_string_axis": (seq("(4, 6)", "layers.LayerNormalization(axis='x')"), "SL105"),
    # GroupNormalization: groups must not exceed and must divide the channels.
    "group_norm_default_32": (seq("(8, 8, 32)", "layers.GroupNormalization()"), None),
    "group_norm_instance": (seq("(8, 8, 12)", "layers.GroupNormalization(groups=-1, "
                                              "center=False)"), None),
    "group_norm_axis1": (seq("(6, 8, 5)", "layers.GroupNormalization(groups=3, axis=1)"), None),
    "group_norm_rank2": (seq("(6,)", "layers.GroupNormalization(groups=3)"), None),
    "group_norm_not_divisible": (seq("(8, 8, 12)", "layers.GroupNormalization(groups=8)"),
                                 "SL105"),
    "group_norm_more_groups_than_channels": (seq("(8, 8, 16)", "layers.GroupNormalization()"),
                                             "SL105"),
    "group_norm_zero_groups": (seq("(8, 8, 12)", "layers.GroupNormalization(groups=0)"),
                               "SL105"),
    "group_norm_unknown_channels": (seq("(8, None)", "layers.GroupNormalization(groups=2)"),
                                    "SL102"),
    "group_norm_axis_out_of_range": (seq("(6,)", "layers.GroupNormalization(groups=3, axis=2)"),
                                     "SL101"),
    "group_norm_batch_axis": (seq("(6,)", "layers.GroupNormalization(groups=3, axis=0)"),
                              "SL102"),
    # UnitNormalization
    "unit_norm": (seq("(6, 3)", "layers.UnitNormalization()"), None),
    "unit_norm_axes": (seq("(6, 3)", "layers.UnitNormalization(axis=[1, 2])"), None),
    "unit_norm_axis_out_of_range": (seq("(6, 3)", "layers.UnitNormalization(axis=3)"), "SL101"),
    "unit_norm_string_axis": (seq("(6, 3)", "layers.UnitNormalization(axis='a')"), "SL105"),
}


def unbuilt(*layers: str) -> str:
    """A Sequential without an input: only what the constructors refuse can fail."""
    return ("import keras\nfrom keras import layers\nmodel = keras.Sequential(["
            + ", ".join(layers) + "])\n")


CASES.update({
    "unbuilt_batch_norm_list_axis": (unbuilt("layers.BatchNormalization(axis=[1])"), "SL105"),
    "unbuilt_group_norm_zero_groups": (unbuilt("layers.GroupNormalization(groups=0)"), "SL105"),
    "unbuilt_group_norm_divisibility_not_checked": (
        unbuilt("layers.GroupNormalization(groups=5)"), None),
    "unbuilt_layer_norm_axis_items_not_checked": (
        unbuilt("layers.LayerNormalization(axis=[1.5])"), None),
    "unbuilt_unit_norm_string_axis": (unbuilt("layers.UnitNormalization(axis='a')"), "SL105"),
})

@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
