"""Lookup and encoding layers and Normalization against real TensorFlow: shapes for every
output_mode, vocabularies written in the program, padded to max_tokens or adapted later."""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees
from tests.layers.helpers import seq

pytestmark = pytest.mark.tensorflow

TEXT = "(1,), dtype='string'"
VOCAB = "vocabulary=['a', 'b', 'c']"

CASES: dict[str, tuple[str, str | None]] = {
    "text_int_sequence_length": (
        seq(TEXT, "layers.TextVectorization(max_tokens=100, output_sequence_length=10)",
            "layers.Embedding(100, 8)", "layers.GlobalAveragePooling1D()",
            "layers.Dense(1)"), None),
    "text_int_without_length": (
        seq(TEXT, "layers.TextVectorization(max_tokens=100)", "layers.Embedding(100, 8)"),
        None),
    "text_int_scalar_strings": (
        seq("(), dtype='string'",
            "layers.TextVectorization(max_tokens=50, output_sequence_length=7)"), None),
    "text_int_vocabulary": (
        seq(TEXT, f"layers.TextVectorization({VOCAB}, output_sequence_length=7)"), None),
    "text_multi_hot_vocabulary": (
        seq(TEXT, f"layers.TextVectorization({VOCAB}, output_mode='multi_hot')",
            "layers.Flatten()", "layers.Dense(2)"), None),
    "text_multi_hot_padded": (
        seq(TEXT, "layers.TextVectorization(max_tokens=100, output_mode='multi_hot', "
                  "pad_to_max_tokens=True)"), None),
    "text_count_adapted_then_dense": (
        seq(TEXT, "layers.TextVectorization(max_tokens=100, output_mode='count')"), None),
    "text_tf_idf": (
        seq(TEXT, f"layers.TextVectorization({VOCAB}, output_mode='tf_idf', "
                  "idf_weights=[1.0, 1.0, 1.0])"), None),
    "text_multi_hot_no_split": (
        seq(TEXT, f"layers.TextVectorization({VOCAB}, output_mode='multi_hot', split=None)"),
        None),
    "text_one_hot_no_split": (
        seq(TEXT, f"layers.TextVectorization({VOCAB}, output_mode='one_hot', split=None)"),
        None),
    "string_lookup_int": (seq("(3,), dtype='string'", f"layers.StringLookup({VOCAB})"), None),
    "string_lookup_one_hot": (
        seq("(3,), dtype='string'", f"layers.StringLookup({VOCAB}, output_mode='one_hot')"),
        None),
    "string_lookup_one_hot_single": (
        seq("(1,), dtype='string'", f"layers.StringLookup({VOCAB}, output_mode='one_hot')",
            "layers.Dense(2)"), None),
    "string_lookup_multi_hot_oov": (
        seq("(3,), dtype='string'",
            f"layers.StringLookup({VOCAB}, output_mode='multi_hot', num_oov_indices=2)"),
        None),
    "string_lookup_multi_hot_mask": (
        seq("(3,), dtype='string'",
            f"layers.StringLookup({VOCAB}, output_mode='multi_hot', mask_token='')"), None),
    "string_lookup_padded": (
        seq("(3,), dtype='string'", "layers.StringLookup(max_tokens=10, "
            "output_mode='count', pad_to_max_tokens=True)", "layers.Dense(2)"), None),
    "string_lookup_adapted": (
        seq("(3,), dtype='string'", "layers.StringLookup(output_mode='multi_hot')"), None),
    "integer_lookup_count": (
        seq("(3,), dtype='int64'",
            "layers.IntegerLookup(vocabulary=[1, 2, 3], output_mode='count')"), None),
    "integer_lookup_int": (
        seq("(3,), dtype='int64'", "layers.IntegerLookup(vocabulary=[1, 2, 3])",
            "layers.Embedding(5, 4)"), None),
    "integer_lookup_invert": (
        seq("(3,), dtype='int64'", "layers.IntegerLookup(vocabulary=[1, 2, 3], invert=True)"),
        None),
    "category_encoding_multi_hot": (
        seq("(3,), dtype='int64'", "layers.CategoryEncoding(5)", "layers.Dense(2)"), None),
    "category_encoding_one_hot": (
        seq("(3,), dtype='int64'", "layers.CategoryEncoding(5, output_mode='one_hot')"), None),
    "category_encoding_one_hot_single": (
        seq("(1,), dtype='int64'", "layers.CategoryEncoding(5, output_mode='one_hot')"), None),
    "category_encoding_count_rank3": (
        seq("(3, 2), dtype='int64'", "layers.CategoryEncoding(5, output_mode='count')"), None),
    "hashing_int": (seq("(3,), dtype='string'", "layers.Hashing(10)"), None),
    "hashing_one_hot": (
        seq("(1,), dtype='string'", "layers.Hashing(10, output_mode='one_hot')",
            "layers.Dense(2)"), None),
    "hashing_multi_hot": (
        seq("(3,), dtype='string'", "layers.Hashing(10, output_mode='multi_hot')"), None),
    "discretization_int": (seq("(3,)", "layers.Discretization(bin_boundaries=[0.0, 1.0])"),
                           None),
    "discretization_one_hot": (
        seq("(3,)", "layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode='one_hot')"),
        None),
    "discretization_multi_hot": (
        seq("(3,)",
            "layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode='multi_hot')"),
        None),
    "discretization_multi_hot_rank3": (
        seq("(3, 4)",
            "layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode='multi_hot')"),
        None),
    "discretization_num_bins_count": (
        seq("(3,)", "layers.Discretization(num_bins=4, output_mode='count')"), None),
    "discretization_without_bins": (seq("(3,)", "layers.Discretization()"), "SL105"),
    "discretization_input_shape": (
        "import keras\nfrom keras import layers\nmodel = keras.Sequential(["
        "layers.Discretization([0.0], input_shape=(3,))])\n", "SL105"),
    "normalization": (seq("(3,)", "layers.Normalization()", "layers.Dense(2)"), None),
    "normalization_images": (seq("(8, 8, 3)", "layers.Normalization()"), None),
    "normalization_axis_none": (seq("(8, 8, 3)", "layers.Normalization(axis=None)"), None),
    "normalization_two_axes": (seq("(8, 8, 3)", "layers.Normalization(axis=(1, 2))"), None),
    "normalization_given_mean": (
        seq("(3,)", "layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0])"),
        None),
    "normalization_scalar_mean": (
        seq("(3,)", "layers.Normalization(mean=2.0, variance=1.0)"), None),
    "normalization_variance_alone": (seq("(4, 26, 1)", "layers.Normalization(variance=2.0)"),
                                     "SL105"),
    "normalization_mean_alone": (seq("(3,)", "layers.Normalization(mean=2.0)"), "SL105"),
    "normalization_float_axis": (seq("(12, 4)", "layers.Normalization(axis=-1.0)"), "SL105"),
    "normalization_unknown_axis": (seq("(None,)", "layers.Normalization()"), "SL102"),
    "normalization_axis_out_of_range": (seq("(3,)", "layers.Normalization(axis=2)"), "SL101"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
