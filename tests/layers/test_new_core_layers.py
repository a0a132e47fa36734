"""EinsumDense, ReversibleEmbedding, RMSNormalization, adaptive pooling, MelSpectrogram,
STFTSpectrogram and RNN with built-in cells against real TensorFlow."""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees
from tests.layers.helpers import seq, unbuilt

pytestmark = pytest.mark.tensorflow

CASES: dict[str, tuple[str, str | None]] = {
    "einsum_dense_matrix": (
        seq("(4,)", "layers.EinsumDense('ab,bc->ac', output_shape=8, bias_axes='c')"), None),
    "einsum_dense_sequence": (
        seq("(5, 4)", "layers.EinsumDense('abc,cd->abd', output_shape=(5, 8))"), None),
    "einsum_dense_heads_bias": (
        seq("(5, 4)", "layers.EinsumDense('abc,cde->abde', output_shape=(None, 2, 8), "
                      "bias_axes='de')"), None),
    "einsum_dense_left_ellipsis": (
        seq("(5, 4)", "layers.EinsumDense('...b,bc->...c', output_shape=8, bias_axes='c')"),
        None),
    "einsum_dense_right_ellipsis": (
        seq("(4, 5)", "layers.EinsumDense('ab...,bc->ac...', output_shape=(8,))"), None),
    "einsum_dense_transposed_kernel": (
        seq("(5, 4)", "layers.EinsumDense('abc,dc->abd', output_shape=(5, 8))"), None),
    "einsum_dense_output_disagrees": (
        seq("(5, 4)", "layers.EinsumDense('abc,cd->abd', output_shape=(6, 8))"), "SL105"),
    "einsum_dense_bias_not_in_output": (
        seq("(4,)", "layers.EinsumDense('ab,bc->ac', output_shape=8, bias_axes='x')"), "SL105"),
    "einsum_dense_unknown_bias_axis": (
        seq("(5, 4)", "layers.EinsumDense('abc,cd->abd', output_shape=(None, 8), "
                      "bias_axes='bd')"), "SL102"),
    "einsum_dense_extra_axes_pass_through": (
        seq("(5, 4)", "layers.EinsumDense('ab,bc->ac', output_shape=8)"), None),
    "einsum_dense_rank_too_low": (
        seq("(4,)", "layers.EinsumDense('abc,cd->abd', output_shape=(None, 8))"), "SL101"),
    "einsum_dense_float_output_shape": (
        seq("(47,)", "layers.EinsumDense('ab,bc->ac', 14.0)"), "SL105"),
    "unbuilt_einsum_dense_float_output_shape": (
        unbuilt("layers.EinsumDense('...b,bc->...c', output_shape=16.0)"), "SL105"),
    "einsum_dense_unknown_kernel_axis": (
        seq("(None,)", "layers.EinsumDense('ab,bc->ac', output_shape=8)"), "SL102"),
    "reversible_embedding": (seq("(5,)", "layers.ReversibleEmbedding(100, 8)"), None),
    "reversible_embedding_untied": (
        seq("(5,)", "layers.ReversibleEmbedding(100, 8, tie_weights=False)",
            "layers.Flatten()"), None),
    "rms_normalization": (seq("(8, 8, 3)", "layers.RMSNormalization()"), None),
    "rms_normalization_axis": (seq("(8, 8, 3)", "layers.RMSNormalization(axis=1)"), None),
    "rms_normalization_axes": (seq("(8, 6, 3)", "layers.RMSNormalization(axis=[1, 2])"),
                               None),
    "adaptive_average_2d": (seq("(8, 8, 3)", "layers.AdaptiveAveragePooling2D(4)"), None),
    "adaptive_max_2d_tuple": (seq("(8, 8, 3)", "layers.AdaptiveMaxPooling2D((2, 3))"), None),
    "adaptive_max_2d_channels_first": (
        seq("(3, 8, 8)", "layers.AdaptiveMaxPooling2D((2, 3), data_format='channels_first')"),
        None),
    "adaptive_average_1d": (seq("(8, 3)", "layers.AdaptiveAveragePooling1D(4)",
                                "layers.Flatten()", "layers.Dense(2)"), None),
    "adaptive_max_1d_channels_first": (
        seq("(3, 8)", "layers.AdaptiveMaxPooling1D(2, data_format='channels_first')"), None),
    "adaptive_average_3d": (seq("(8, 8, 8, 3)", "layers.AdaptiveAveragePooling3D(4)"), None),
    "adaptive_max_3d": (seq("(8, 8, 8, 3)", "layers.AdaptiveMaxPooling3D((1, 2, 4))"), None),
    "adaptive_2d_on_a_sequence": (seq("(8, 3)", "layers.AdaptiveAveragePooling2D(4)"), None),
    "rms_normalization_axis_beyond_rank": (
        seq("(8, 3)", "layers.RMSNormalization(axis=3)"), "SL101"),
    "rms_normalization_negative_axis_beyond_rank": (
        seq("(8, 3)", "layers.RMSNormalization(axis=-4)"), "SL101"),
    "spectral_normalization_dense": (
        seq("(8,)", "layers.SpectralNormalization(layers.Dense(4))"), None),
    "spectral_normalization_conv": (
        seq("(8, 8, 3)", "layers.SpectralNormalization(layers.Conv2D(4, 3, use_bias=False), "
                         "power_iterations=2)"), None),
    "spectral_normalization_embedding": (
        seq("(8,)", "layers.SpectralNormalization(layers.Embedding(10, 4))"), None),
    "spectral_normalization_conv_wrong_rank": (
        seq("(8, 3)", "layers.SpectralNormalization(layers.Conv2D(4, 3))"), "SL101"),
    "pipeline": (seq("(8,)", "layers.Pipeline([layers.Rescaling(2.0), layers.Dense(3)])"),
                 None),
    "pipeline_of_augmentations": (
        seq("(16, 16, 3)", "layers.Pipeline([layers.RandomFlip(), layers.RandomCrop(8, 8)])",
            "layers.Conv2D(2, 3)"), None),
    "adaptive_bad_output_size": (
        unbuilt("layers.AdaptiveAveragePooling2D((2, 2, 2))"), "SL105"),
    "adaptive_bad_data_format": (
        seq("(8, 8, 3)", "layers.AdaptiveAveragePooling2D(2, data_format='nhwc')"), "SL105"),
    "mel_spectrogram": (seq("(16000,)", "layers.MelSpectrogram()"), None),
    "mel_spectrogram_arguments": (
        seq("(16000,)", "layers.MelSpectrogram(num_mel_bins=64, sequence_stride=256)",
            "layers.Flatten()", "layers.Dense(2)"), None),
    "mel_spectrogram_one_channel": (seq("(16000, 1)", "layers.MelSpectrogram()"), None),
    "mel_spectrogram_reads_two_axes": (seq("(23, 32, 6)", "layers.MelSpectrogram()"), None),
    "stft_spectrogram": (seq("(16000, 1)", "layers.STFTSpectrogram()"), None),
    "stft_spectrogram_stft_mode": (
        seq("(16000, 1)", "layers.STFTSpectrogram(mode='stft', frame_length=256, "
                          "frame_step=128, fft_length=512)"), None),
    "stft_spectrogram_expand_dims": (
        seq("(16000, 2)", "layers.STFTSpectrogram(expand_dims=True)", "layers.Conv2D(4, 3)"),
        None),
    "stft_spectrogram_channels_first": (
        seq("(2, 16000)", "layers.STFTSpectrogram(data_format='channels_first')"), None),
    "stft_spectrogram_channels_first_expanded": (
        seq("(2, 16000)", "layers.STFTSpectrogram(data_format='channels_first', "
                          "expand_dims=True)"), None),
    "stft_spectrogram_real": (seq("(300, 9)", "layers.STFTSpectrogram(mode='real', "
                                            "frame_length=8)"), None),
    "stft_spectrogram_imag": (seq("(300, 2)", "layers.STFTSpectrogram(mode='imag')"), None),
    "stft_spectrogram_too_short": (seq("(27, 9)", "layers.STFTSpectrogram()"), "SL103"),
    "stft_spectrogram_float_frame": (
        seq("(None, 5)", "layers.STFTSpectrogram(frame_length=8.0)"), "SL105"),
    "mel_spectrogram_float_stride": (
        seq("(41,)", "layers.MelSpectrogram(sequence_stride=8.0)"), "SL105"),
    "mel_spectrogram_float_bins": (
        seq("(41,)", "layers.MelSpectrogram(num_mel_bins=8.0)"), "SL105"),
    "rms_normalization_float_axis": (
        seq("(8, 11, 1)", "layers.RMSNormalization(axis=1.0)"), "SL105"),
    "stft_spectrogram_same": (seq("(16000, 1)", "layers.STFTSpectrogram(padding='same')"),
                              None),
    "stft_spectrogram_rank2": (seq("(16000,)", "layers.STFTSpectrogram()"), "SL101"),
    "rnn_lstm_cell": (seq("(10, 4)", "layers.RNN(layers.LSTMCell(8))"), None),
    "rnn_gru_cell_sequences": (
        seq("(10, 4)", "layers.RNN(layers.GRUCell(8), return_sequences=True)",
            "layers.Dense(2)"), None),
    "rnn_gru_cell_reset_before": (
        seq("(10, 4)", "layers.RNN(layers.GRUCell(8, reset_after=False))"), None),
    "rnn_simple_cell_no_bias": (
        seq("(10, 4)", "layers.RNN(layers.SimpleRNNCell(8, use_bias=False))"), None),
    "rnn_list_of_cells": (
        seq("(10, 4)", "layers.RNN([layers.LSTMCell(8), layers.GRUCell(6)])"), None),
    "rnn_stacked_cells": (
        seq("(10, 4)", "layers.RNN(layers.StackedRNNCells([layers.SimpleRNNCell(3), "
                       "layers.LSTMCell(5)]), return_sequences=True)"), None),
    "rnn_cell_return_state": (
        seq("(10, 4)", "layers.RNN(layers.LSTMCell(8), return_state=True)",
            "layers.Dense(2)"), "SL108"),
    # The cells are built on one step, (batch,) + input[2:]: any rank from 3 works, and on
    # a 2-D input the batch size would size the kernel.
    "rnn_cell_rank2": (seq("(4,)", "layers.RNN(layers.LSTMCell(8))"), "SL102"),
    "rnn_cell_rank5": (seq("(5, 9, 11, 1)", "layers.RNN(layers.LSTMCell(2))"), None),
    "rnn_cell_rank5_sequences": (
        seq("(5, 9, 11, 3)", "layers.RNN(layers.GRUCell(2), return_sequences=True)"), None),
    "rnn_cell_unknown_features": (seq("(10, None)", "layers.RNN(layers.LSTMCell(8))"),
                                  "SL102"),
    "bidirectional_rnn_cell": (
        seq("(10, 4)", "layers.Bidirectional(layers.RNN(layers.GRUCell(8)))"), None),
    "rnn_cell_negative_units": (unbuilt("layers.RNN(layers.LSTMCell(-1))"), "SL105"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
