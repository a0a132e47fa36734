"""Flatten, Reshape, Permute, RepeatVector, Cropping, ZeroPadding, UpSampling against real TF."""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees

pytestmark = pytest.mark.tensorflow


def seq(input_args: str, *layers: str) -> str:
    """A Sequential program: keras.Input(input_args) then the given layers."""
    stack = ", ".join(("keras.Input(" + input_args + ")", *layers))
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([{stack}])\n"


CASES: dict[str, tuple[str, str | None]] = {
    # Flatten
    "flatten": (seq("(3, 4, 5)", "layers.Flatten()"), None),
    "flatten_channels_first": (seq("(3, 4, 5)", "layers.Flatten(data_format='channels_first')"),
                               None),
    "flatten_data_format_any_case": (seq("(3, 4)", "layers.Flatten(data_format='Channels_First')"),
                                     None),
    "flatten_bad_data_format": (seq("(3, 4)", "layers.Flatten(data_format='nope')"), "SL105"),
    "flatten_rank1": (seq("batch_shape=(None,)", "layers.Flatten()"), None),
    "flatten_unknown_dim": (seq("(None, 4)", "layers.Flatten()"), None),
    "flatten_unknown_dim_then_dense": (seq("(None, 4)", "layers.Flatten()", "layers.Dense(3)"),
                                       "SL102"),
    # Reshape
    "reshape_dense_mismatch": (
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(128, input_shape=(784,)),
                                  keras.layers.Reshape((28, 28, 1))])
        """, "SL104"),
    "reshape_exact": (seq("(784,)", "layers.Reshape((28, 28, 1))"), None),
    "reshape_infers_minus_one": (seq("(6,)", "layers.Reshape((-1, 3))"), None),
    "reshape_minus_one_indivisible": (seq("(7,)", "layers.Reshape((-1, 3))"), "SL104"),
    "reshape_two_minus_ones": (seq("(6,)", "layers.Reshape((-1, -1))"), "SL105"),
    "reshape_below_minus_one": (seq("(6,)", "layers.Reshape((-2, 3))"), "SL105"),
    "reshape_int_target": (seq("(5,)", "layers.Reshape(5)"), "SL105"),
    "reshape_list_target": (seq("(12,)", "layers.Reshape([3, 4])"), None),
    "reshape_unknown_input_minus_one": (seq("(None, 4)", "layers.Reshape((-1, 2))"), None),
    "reshape_unknown_input_unchecked": (seq("(None, 4)", "layers.Reshape((3, 5))"), None),
    "reshape_none_in_target_unchecked": (seq("(12,)", "layers.Reshape((None, 5))"), None),
    "reshape_float_dim_becomes_none": (seq("(12,)", "layers.Reshape((3.0, 4))"), None),
    "reshape_zero_with_minus_one": (seq("(12,)", "layers.Reshape((0, -1))"), "SL104"),
    "reshape_empty_target": (seq("(1,)", "layers.Reshape(())"), None),
    "reshape_then_conv_input": (seq("(64,)", "layers.Reshape((4, 4, 4))", "layers.Flatten()"),
                                None),
    # Permute
    "permute": (seq("(2, 3, 4)", "layers.Permute((3, 1, 2))"), None),
    "permute_not_from_one": (seq("(2, 3, 4)", "layers.Permute((0, 1, 2))"), "SL105"),
    "permute_repeated": (seq("(2, 3)", "layers.Permute((1, 1))"), "SL105"),
    "permute_int": (seq("(2,)", "layers.Permute(1)"), "SL105"),
    "permute_rank_mismatch": (seq("(2, 3, 4)", "layers.Permute((2, 1))"), "SL101"),
    # RepeatVector
    "repeat_vector": (seq("(5,)", "layers.RepeatVector(3)"), None),
    "repeat_vector_unknown_features": (seq("(None,)", "layers.RepeatVector(2)"), None),
    "repeat_vector_rank3": (seq("(5, 2)", "layers.RepeatVector(3)"), "SL101"),
    "repeat_vector_zero": (seq("(5,)", "layers.RepeatVector(0)"), "SL105"),
    "repeat_vector_float": (seq("(5,)", "layers.RepeatVector(2.0)"), "SL105"),
    # Cropping1D
    "cropping1d_default": (seq("(10, 3)", "layers.Cropping1D()"), None),
    "cropping1d_int": (seq("(6, 2)", "layers.Cropping1D(2)"), None),
    "cropping1d_to_zero": (seq("(4, 3)", "layers.Cropping1D((2, 2))"), "SL103"),
    "cropping1d_negative": (seq("(4, 3)", "layers.Cropping1D((-1, 2))"), "SL105"),
    "cropping1d_unknown_length": (seq("(None, 3)", "layers.Cropping1D(5)"), None),
    "cropping1d_rank": (seq("(4, 3, 2)", "layers.Cropping1D()"), "SL101"),
    # Cropping2D
    "cropping2d_default_noop": (seq("(6, 7, 3)", "layers.Cropping2D()"), None),
    "cropping2d_pairs_channels_first": (
        seq("(3, 8, 9)", "layers.Cropping2D(((1, 2), (3, 0)), data_format='channels_first')"),
        None),
    "cropping2d_too_much": (seq("(6, 7, 3)", "layers.Cropping2D((3, 1))"), "SL103"),
    "cropping2d_negative_int": (seq("(6, 7, 3)", "layers.Cropping2D(-1)"), "SL105"),
    "cropping2d_three_entries": (seq("(6, 7, 3)", "layers.Cropping2D((1, 1, 1))"), "SL105"),
    "cropping2d_float": (seq("(6, 7, 3)", "layers.Cropping2D(1.0)"), "SL105"),
    "cropping2d_unknown_height_width_too_small": (
        seq("(None, 7, 3)", "layers.Cropping2D((9, 4))"), "SL103"),
    "cropping2d_rank": (seq("(6, 3)", "layers.Cropping2D(1)"), "SL101"),
    "cropping2d_channels_first_layout": (
        seq("(8, 8, 2)", "layers.Cropping2D(1, data_format='channels_first')"), "SL103"),
    # Cropping3D
    "cropping3d_default_channels_first": (
        seq("(2, 5, 6, 7)", "layers.Cropping3D(data_format='channels_first')"), None),
    "cropping3d_mixed": (seq("(5, 6, 7, 2)", "layers.Cropping3D((1, (2, 0), 3))"), None),
    "cropping3d_too_much": (seq("(5, 6, 7, 2)", "layers.Cropping3D((1, (2, 0), (3, 4)))"),
                            "SL103"),
    "cropping3d_int_channels_first_too_much": (
        seq("(2, 6, 7, 8)", "layers.Cropping3D(3, data_format='channels_first')"), "SL103"),
    # ZeroPadding
    "zero_padding1d_default": (seq("(5, 2)", "layers.ZeroPadding1D()"), None),
    "zero_padding1d_channels_first": (
        seq("(5, 2)", "layers.ZeroPadding1D((1, 3), data_format='channels_first')"), None),
    "zero_padding1d_negative": (seq("(5, 2)", "layers.ZeroPadding1D(-1)"), "SL105"),
    "zero_padding1d_three_entries": (seq("(4, 2)", "layers.ZeroPadding1D((1, 2, 3))"), "SL105"),
    "zero_padding2d_mixed": (seq("(5, 6, 2)", "layers.ZeroPadding2D(((1, 0), 2))"), None),
    "zero_padding2d_channels_first": (
        seq("(2, 5, 6)", "layers.ZeroPadding2D((1, 2), data_format='channels_first')"), None),
    "zero_padding2d_negative_int_shrinks": (seq("(5, 6, 2)", "layers.ZeroPadding2D(-1)"), None),
    "zero_padding2d_negative_int_to_zero": (seq("(2, 6, 2)", "layers.ZeroPadding2D(-1)"), None),
    "zero_padding2d_negative_int_below_zero": (seq("(2, 6, 2)", "layers.ZeroPadding2D(-2)"),
                                               "SL103"),
    "zero_padding2d_negative_entry": (seq("(4, 6, 2)", "layers.ZeroPadding2D((-1, 1))"),
                                      "SL105"),
    "zero_padding2d_float": (seq("(4, 6, 2)", "layers.ZeroPadding2D(1.0)"), "SL105"),
    "zero_padding3d_unknown_dim": (seq("(5, 6, None, 2)", "layers.ZeroPadding3D((1, 2, (0, 3)))"),
                                   None),
    "zero_padding3d_lists": (seq("(2, 3, 4, 5)", "layers.ZeroPadding3D([[1, 2], [0, 0], [3, 1]])"),
                             None),
    "zero_padding3d_negative_int": (seq("(4, 6, 5, 2)", "layers.ZeroPadding3D(-1)"), None),
    "zero_padding3d_rank": (seq("(5, 6, 2)", "layers.ZeroPadding3D()"), "SL101"),
    # UpSampling
    "up_sampling1d": (seq("(5, 2)", "layers.UpSampling1D(3)"), None),
    "up_sampling1d_tuple": (seq("(5, 2)", "layers.UpSampling1D((3,))"), "SL105"),
    "up_sampling1d_zero": (seq("(5, 2)", "layers.UpSampling1D(0)"), "SL105"),
    "up_sampling1d_rank": (seq("(5,)", "layers.UpSampling1D()"), "SL101"),
    "up_sampling2d_bilinear": (seq("(5, 6, 2)", "layers.UpSampling2D((2, 3), "
                                                "interpolation='bilinear')"), None),
    "up_sampling2d_channels_first": (
        seq("(2, 5, None)", "layers.UpSampling2D(3, data_format='channels_first')"), None),
    "up_sampling2d_zero": (seq("(5, 6, 2)", "layers.UpSampling2D((0, 2))"), "SL105"),
    "up_sampling2d_float": (seq("(4, 6, 2)", "layers.UpSampling2D(2.0)"), "SL105"),
    "up_sampling2d_rank": (seq("(4, 6)", "layers.UpSampling2D()"), "SL101"),
    "up_sampling3d": (seq("(2, 3, 4, 5)", "layers.UpSampling3D((1, 2, 3))"), None),
    "up_sampling3d_int": (seq("(2, 3, 4, 5)", "layers.UpSampling3D(2)"), None),
    "up_sampling3d_channels_first": (
        seq("(2, 3, 4, 5)", "layers.UpSampling3D(data_format='channels_first')"), None),
    "up_sampling3d_bad_data_format": (
        seq("(2, 3, 4, 5)", "layers.UpSampling3D(data_format='channels_middle')"), "SL105"),
}


def unbuilt(*layers: str) -> str:
    """A Sequential without an input: only what the constructors refuse can fail."""
    return ("import keras\nfrom keras import layers\nmodel = keras.Sequential(["
            + ", ".join(layers) + "])\n")


CASES.update({
    "unbuilt_reshape_two_minus_ones": (unbuilt("layers.Reshape((-1, -1))"), "SL105"),
    "unbuilt_reshape_mismatch_not_checked": (unbuilt("layers.Dense(3)", "layers.Reshape((5,))"),
                                             None),
    "unbuilt_permute_invalid": (unbuilt("layers.Permute((0, 1))"), "SL105"),
    "unbuilt_up_sampling1d_tuple": (unbuilt("layers.UpSampling1D((2,))"), "SL105"),
    "unbuilt_cropping_too_much_not_checked": (unbuilt("layers.Cropping1D((50, 50))"), None),
    "unbuilt_model_add_negative_cropping": (
        """
        import keras
        model = keras.Sequential()
        model.add(keras.layers.Dense(4))
        model.add(keras.layers.Cropping2D(-1))
        """, "SL105"),
})

@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)


def test_reshape_message_names_both_counts() -> None:
    from shape_engine import analyze_source

    source = ("import keras\nmodel = keras.Sequential([keras.layers.Dense(128, input_shape=(784,)),"
              " keras.layers.Reshape((28, 28, 1))])\n")
    [finding] = [f for f in analyze_source(source).findings if f.code == "SL104"]
    assert "784 elements" in finding.message and "128 elements" in finding.message
    assert "(None, 128)" in finding.message
