"""Findings about the file itself, before any model is looked at."""

from __future__ import annotations

from shape_engine.findings import Severity
from shape_engine.rule import Rule

SYNTAX_ERROR = Rule(
    "SL001", "syntax-error", Severity.ERROR,
    "The file does not parse, so nothing else is checked.",
    "Shapelens reads the file as Python. While it has a syntax error, the only finding is that "
    "error; hover and inlay data in the language server stay as they were at the last good "
    "version.",
)

UNDECODABLE_SOURCE = Rule(
    "SL002", "undecodable-source", Severity.WARNING,
    "The file is not valid in its declared encoding (UTF-8 unless a coding cookie says so).",
    "Python would refuse to import the file. Shapelens replaces the undecodable bytes and goes "
    "on, so positions near them may be off.",
)

UNREADABLE_NOTEBOOK = Rule(
    "SL003", "unreadable-notebook", Severity.ERROR,
    "The notebook is not valid JSON, or not in nbformat 4, so nothing else is checked.",
    "Shapelens reads a `.ipynb` file's code cells as one program (nbformat 4, the format "
    "Jupyter has written since 2015). A notebook it cannot read gets this finding alone, at "
    "the place in the JSON where reading stopped; an older notebook can be upgraded with "
    "`jupyter nbconvert --to notebook --inplace`.",
)
