"""Shapelens' shape engine: static shape checking for Keras Sequential models.

Pure Python: it imports neither TensorFlow, numpy, pygls nor jedi.

    >>> from shape_engine import analyze_source
    >>> analysis = analyze_source(text, "train.py")
    >>> analysis.findings, analysis.models
"""

from shape_engine.analysis import Analysis, analyze_bytes, analyze_source
from shape_engine.findings import Applicability, Edit, Finding, Fix, Position, Range, Severity

__all__ = [
    "Analysis",
    "Applicability",
    "Edit",
    "Finding",
    "Fix",
    "Position",
    "Range",
    "Severity",
    "analyze_bytes",
    "analyze_source",
]
