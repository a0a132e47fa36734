"""SL322: images in channels-first order (N, C, H, W) given to a model whose first image
layer reads channels_last (N, H, W, C).

Keras checks no axis's meaning: a Conv2D reading (3, 32, 32) as channels_last sees images 3
rows high and 32 wide with 32 channels, builds its kernel for 32 input channels, and trains.
Found where the shape is declared (`Input(shape=(3, 32, 32))`) or, for a model without a
declared input, at the data it is built from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shape_engine.checks.data_format_mix import image_format
from shape_engine.checks.multi_io import is_functional
from shape_engine.checks.ports import model_inputs
from shape_engine.checks.training import feeds
from shape_engine.context import Document
from shape_engine.findings import Finding, Range, Related, Severity
from shape_engine.ir import LayerCall
from shape_engine.keras.tensors import Node, TensorValue
from shape_engine.layers.base import is_input_kind
from shape_engine.rule import Rule
from shape_engine.shapes import MaybeShape

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

CHANNELS_FIRST_IMAGES = Rule(
    "SL322", "channels-first-images", Severity.WARNING,
    "Images in channels-first order (C, H, W) go into a layer that reads channels_last.",
    "Keras' image layers read (H, W, C) by default. Data of shape (N, 3, 32, 32), images as "
    "PyTorch or OpenCV's blobFromImage lay them out, is read as 3 rows of 32 pixels with 32 "
    "channels: the first Conv2D is built for 32 input channels and the model trains on "
    "scrambled images without an error. Transpose the data with np.transpose(x, (0, 2, 3, "
    "1)) (and declare the input as (H, W, C)), or give the image layers "
    "data_format=\"channels_first\".",
)

# 2-D image layers whose first axis after the batch is the height in channels_last.
_IMAGE_LAYERS = frozenset(
    {"Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose", "MaxPooling2D",
     "AveragePooling2D", "ZeroPadding2D", "Cropping2D", "UpSampling2D"})
# Layers before the first image layer that leave the layout alone.
_BEFORE = frozenset({"Rescaling", "Normalization", "GaussianNoise", "Dropout", "Identity"})
# What a channel count is in a channels-first image: grey, colour, colour with alpha.
_CHANNELS = frozenset({1, 3, 4})
# Below this width an axis may be a channel axis after all: not an image this rule reads.
_MIN_SIDE = 8


def looks_channels_first(shape: MaybeShape) -> bool:
    """(N, C, H, W) with C a channel count and H, W image sides: the last axis can hardly be
    a channel axis of a channels_last image whose height is C."""
    if shape is None or len(shape) != 4:
        return False
    _, channels, height, width = shape
    return (channels in _CHANNELS and height is not None and width is not None
            and height >= _MIN_SIDE and width >= _MIN_SIDE)


def _first_image_layer(report: ModelReport) -> LayerCall | None:
    for layer in report.layers:
        call = layer.entry.layer
        if not isinstance(call, LayerCall) or call.kind is None or call.has_unpacking:
            return None
        if is_input_kind(call.kind) or call.kind in _BEFORE:
            continue
        return call if call.kind in _IMAGE_LAYERS else None
    return None


def check_channels_first_images(report: ModelReport, document: Document
                                ) -> Iterator[Finding]:
    if report.model.opaque or report.refused or report.model.file is not None:
        return
    first = _first_image_layer(report)
    if first is None or image_format(first) != "channels_last":
        return
    shape = report.input_shape
    if not looks_channels_first(shape):
        return
    assert shape is not None
    where: Range | None = None
    related: list[Related] = [Related(first.range, f"{first.label} reads channels_last")]
    if report.input_origin == "declared":
        where = report.layers[0].range if report.layers else None
    elif report.input_origin == "data":
        for call in report.model.trainings:
            fed = next((f.x for f in feeds(call, document) if f.x is not None
                        and f.x.shape[1:] == shape[1:]), None)
            if fed is not None:
                where = fed.where
                if fed.value.origin is not None:
                    related.append(Related(fed.value.origin, "the images are made here"))
                break
    if where is None:
        return
    channels, height, width = shape[1:]
    yield CHANNELS_FIRST_IMAGES.finding(
        f"The images are {shape[1:]}: {channels} channels of {height}x{width} pixels in "
        f"channels-first order, but {first.label} reads channels_last: it sees images "
        f"{channels} rows high with {width} channels (Keras raises nothing). Transpose them "
        f"to ({height}, {width}, {channels}), or give the image layers "
        "data_format=\"channels_first\"",
        at=where, related=tuple(related))


def check_graph_channels_first_images(report: ModelReport, document: Document
                                      ) -> Iterator[Finding]:
    """SL322 for a functional model that is not a plain chain: each Input declared as
    channels-first images that an image layer reading channels_last takes (directly or
    through layers that leave the layout alone), reported at that Input."""
    model = report.model
    if model.graph is None or not is_functional(model) or model.file is not None or not any(
            looks_channels_first(t.shape) for t in model.graph.inputs):
        return  # the common case: no Input declared as images of few channels first
    for port in model_inputs(model).ports:
        shape = port.tensor.shape
        if not looks_channels_first(shape):
            continue
        first = _image_layer_fed_by(model.graph.nodes, port.tensor)
        if first is None or image_format(first) != "channels_last":
            continue
        assert shape is not None
        channels, height, width = shape[1:]
        named = "" if port.alone else f"{port.label}: "
        yield CHANNELS_FIRST_IMAGES.finding(
            f"{named}the images are {shape[1:]}: {channels} channels of {height}x{width} "
            f"pixels in channels-first order, but {first.label} reads channels_last: it sees "
            f"images {channels} rows high with {width} channels (Keras raises nothing). "
            f"Transpose them to ({height}, {width}, {channels}), or give the image layers "
            "data_format=\"channels_first\"",
            at=port.tensor.node.range,
            related=(Related(first.range, f"{first.label} reads channels_last"),))


def _image_layer_fed_by(nodes: list[Node], tensor: TensorValue) -> LayerCall | None:
    """The first image layer (in program order) called on the tensor, or on what layers
    that leave the layout alone made of it."""
    reached = {id(tensor)}
    for node in nodes:
        layer = node.layer
        if node.is_op or not isinstance(layer, LayerCall) or layer.kind is None or not any(
                id(t) in reached for t in node.inputs):
            continue
        if layer.kind in _IMAGE_LAYERS and not layer.has_unpacking:
            return layer
        if layer.kind in _BEFORE and len(node.inputs) == 1:
            reached.update(id(t) for t in node.outputs)
    return None
