"""MelSpectrogram and STFTSpectrogram: keras/layers/preprocessing (Keras 3.15)."""

from __future__ import annotations

import math

from shape_engine.layers.base import (
    LayerArgs,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
    spatial_input,
)
from shape_engine.layers.refusals import (
    INCOMPATIBLE_RANK,
    INVALID_ARGUMENT,
    NON_POSITIVE_DIM,
    UNKNOWN_REQUIRED_DIM,
)
from shape_engine.shapes import Dim, Shape

MEL_PARAMS = ("fft_length", "sequence_stride", "sequence_length", "window", "sampling_rate",
              "num_mel_bins", "min_freq", "max_freq", "power_to_db", "top_db", "mag_exp",
              "min_power", "ref_power")
STFT_PARAMS = ("mode", "frame_length", "frame_step", "fft_length", "window", "periodic",
               "scaling", "padding", "expand_dims", "data_format")


@layer_rule("MelSpectrogram", params=MEL_PARAMS)
def mel_spectrogram(args: LayerArgs, x: Shape) -> LayerOutput:
    """(batch, samples) -> (batch, num_mel_bins, frames), frames = (samples + stride + 1)
    // stride, as its compute_output_shape says (which reads only the first two axes)."""
    if len(x) < 2:
        raise Unknowable("rank")  # its output would lose the batch axis
    # Both go into the output shape, which refuses a float (the stride only when it divides
    # a known length).
    for name in ("num_mel_bins", "sequence_stride"):
        value = args.raw(name, None)
        if isinstance(value, float) and (name == "num_mel_bins" or x[1] is not None):
            raise Refusal(INVALID_ARGUMENT,
                          f"{args.written_name} needs `{name}` to be an int, got {value!r}",
                          argument=name)
    stride = args.integer("sequence_stride", 512)
    bins = args.integer("num_mel_bins", 128)
    frames = None if x[1] is None else (x[1] + stride + 1) // stride
    return LayerOutput((x[0], bins, frames), 0)


@layer_rule("STFTSpectrogram", params=STFT_PARAMS, check_args=LayerArgs.check_data_format)
def stft_spectrogram(args: LayerArgs, x: Shape) -> LayerOutput:
    """A 1-D convolution of kernel `frame_length` and stride `frame_step` over (batch,
    samples, channels); its real and imaginary kernels (frame_length, 1, frequencies) are
    weights shared by the channels."""
    data_format = args.data_format()
    if len(x) != 3:
        raise Refusal(INCOMPATIBLE_RANK,
                      needs="a 3-D input (batch, samples, channels)"
                      if data_format == "channels_last" else
                      "a 3-D input (batch, channels, samples)")
    (samples,), channels = spatial_input(x, 1, data_format)
    mode = args.string("mode", "log")
    for name in ("frame_length", "fft_length"):
        if isinstance(args.raw(name, None), float):
            # The kernel's shape (frame_length, 1, fft_length // 2 + 1) cannot hold a float.
            raise Refusal(INVALID_ARGUMENT,
                          f"{args.written_name} needs `{name}` to be an int, got "
                          f"{args.raw(name)!r}", argument=name)
    frame_length = args.integer("frame_length", 256)
    # Keras' convolution arithmetic takes a float step too (frame_step=3.0 builds).
    step = args.number("frame_step") if isinstance(args.raw("frame_step", None), float) else (
        args.optional_int("frame_step") or frame_length // 2)
    fft_length = args.optional_int("fft_length") or 2 ** math.ceil(math.log2(frame_length))
    padding = args.string("padding", "valid")
    if padding not in ("valid", "same"):
        raise Unknowable("padding")
    if channels is None:
        # Built, its call reshapes the frames by the channels' count, as an int (Keras 3.15:
        # "unsupported operand type(s) for *: 'int' and 'NoneType'").
        raise Refusal(UNKNOWN_REQUIRED_DIM, every_call=True,
                      needs="a defined number of channels ("
                            + ("its last axis" if data_format == "channels_last" else "axis 1")
                            + "), which its call multiplies by the frequencies,")
    frequencies = fft_length // 2 + 1
    # A real kernel unless mode="imag", an imaginary one unless mode="real".
    params = (1 if mode in ("real", "imag") else 2) * frame_length * frequencies
    if mode == "stft":
        frequencies *= 2
    time: Dim = None
    if samples is not None:
        time = int((samples - frame_length) // step + 1 if padding == "valid"
                   else (samples - 1) // step + 1)
        if time <= 0:
            raise Refusal(NON_POSITIVE_DIM,
                          f"{args.written_name} gets {samples} samples, fewer than one frame "
                          f"of {frame_length}")
    if args.flag("expand_dims", False):
        if data_format == "channels_last":
            return LayerOutput((x[0], time, frequencies, channels), params)
        return LayerOutput((x[0], channels, time, frequencies), params)
    merged = None if channels is None else frequencies * channels
    if data_format == "channels_last":
        return LayerOutput((x[0], time, merged), params)
    return LayerOutput((x[0], merged, time), params)
