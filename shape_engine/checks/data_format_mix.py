"""SL321: a model mixes image data formats: a `channels_first` layer followed by a layer
that reads its input as `channels_last` (or the reverse).

Each layer takes its own `data_format` (default: `keras.config.image_data_format()`, which
is "channels_last"). After `Conv2D(16, 3, data_format="channels_first")` the tensor is (N,
16, 30, 30); a default `MaxPooling2D()` reads it as 16 rows of 30 columns with 30 channels
and pools over the filters axis. Nothing raises: the model trains on scrambled features.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shape_engine.context import Document
from shape_engine.findings import Finding, Related, Severity
from shape_engine.ir import LayerCall
from shape_engine.rule import Rule
from shape_engine.values import Const

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

MIXED_DATA_FORMATS = Rule(
    "SL321", "mixed-data-formats", Severity.WARNING,
    "A layer reads its input in another data format than the layer before it wrote it.",
    "Convolution, pooling, upsampling, padding and cropping layers each take a data_format, "
    "by default keras.config.image_data_format() (\"channels_last\"). A channels_first "
    "Conv2D outputs (N, filters, H, W); a default MaxPooling2D after it reads that as (N, H, "
    "W, C) and pools over the filters axis. Keras raises nothing and the model trains on "
    "scrambled features. Give every spatial layer the same data_format, or set it once with "
    "keras.config.set_image_data_format.",
)

# Layers whose axes depend on their data_format.
_FORMATTED = frozenset(
    {f"{base}{rank}D" for rank in (1, 2, 3) for base in (
        "Conv", "MaxPooling", "AveragePooling", "UpSampling", "ZeroPadding", "Cropping",
        "SpatialDropout", "SeparableConv", "DepthwiseConv", "ConvLSTM")}
    | {f"Conv{rank}DTranspose" for rank in (1, 2, 3)})
# Global pooling takes a data_format and leaves (N, C): the format ends with it.
_GLOBAL = frozenset({f"Global{kind}Pooling{rank}D" for kind in ("Max", "Average")
                     for rank in (1, 2, 3)})
# Layers that keep the layout as it is: the format written before them still holds after.
_LAYOUT_KEEPING = frozenset(
    {"Activation", "Dropout", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax",
     "GaussianNoise", "GaussianDropout", "AlphaDropout", "Identity", "ActivityRegularization",
     "Rescaling", "BatchNormalization", "LayerNormalization"})


def image_format(call: LayerCall) -> str | None:
    """The data format a layer reads and writes in, None when not known."""
    given = call.kwargs.get("data_format")
    if given is None:
        return call.image_data_format
    if isinstance(given, Const) and isinstance(given.value, str):
        text = given.value.lower()
        return text if text in ("channels_first", "channels_last") else None
    return None


def check_data_format_mix(report: ModelReport, document: Document) -> Iterator[Finding]:
    if report.model.opaque:
        return
    written: tuple[str, LayerCall] | None = None  # the format the last layer wrote in
    for layer in report.layers:
        call = layer.entry.layer
        if not isinstance(call, LayerCall) or call.kind is None or call.has_unpacking:
            written = None
            continue
        if call.kind in _LAYOUT_KEEPING:
            continue
        if call.kind not in _FORMATTED and call.kind not in _GLOBAL:
            written = None
            continue
        reads = image_format(call)
        if (written is not None and reads is not None and reads != written[0]
                and call.file is None and written[1].file is None):
            before = written[1]
            yield MIXED_DATA_FORMATS.finding(
                f"{call.label} reads its input as {reads}, but {before.label} before it "
                f"writes {written[0]}: the axes are mixed up (Keras raises nothing). Give "
                f"{call.label} data_format=\"{written[0]}\", or use one format throughout",
                at=layer.range,
                related=(Related(before.range, f"{before.label} writes {written[0]}"),))
        written = (reads, call) if reads is not None and call.kind in _FORMATTED else None
