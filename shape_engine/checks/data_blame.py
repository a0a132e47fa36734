"""A model with no declared input is built from the data it is first given: when Keras then
refuses its first layer, the data is what is wrong (or what was meant), so the finding is
reported at the data given to fit/evaluate/predict, with the layer and the line that made the
array as related places.
"""

from __future__ import annotations

from dataclasses import replace

from shape_engine.findings import Finding, Range, Related
from shape_engine.interpret import ModelReport
from shape_engine.shapes import format_shape
from shape_engine.values import ArrayValue

BUILD_PREFIX = "SL1"


def at_the_data(report: ModelReport, findings: list[Finding]) -> list[Finding]:
    """`findings` (the report's refusals, with their fixes) with the first layer's refusal
    moved to the data that built the model."""
    if report.input_origin != "data" or not report.refused or not report.layers:
        return findings
    first_layer = report.layers[0]
    trainings = report.model.trainings
    if not trainings:
        return findings
    x, where = trainings[0].argument("x", 0)
    if not isinstance(x, ArrayValue) or x.shape is None or where is None:
        return findings
    return [_moved(f, x, where, first_layer.range, first_layer.label, trainings[0].method)
            if f.code.startswith(BUILD_PREFIX) and f.range == first_layer.range
            and f.file is None else f
            for f in findings]


def _moved(finding: Finding, x: ArrayValue, where: Range, layer_range: Range, label: str,
           method: str) -> Finding:
    related = [Related(layer_range, f"{label} is the first layer: the model, which declares "
                       "no input, is built from this data"), *finding.related]
    if x.origin is not None and x.origin != where:
        related.append(Related(x.origin, f"x is made here: {format_shape(x.shape)}"))
    return replace(finding, range=where, related=tuple(related), message=(
        f"{method}: x of shape {format_shape(x.shape)} builds this model (it declares no "
        f"input), and Keras refuses it: {finding.message}"))
