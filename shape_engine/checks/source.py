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

FILE_TOO_LARGE = Rule(
    "SL004", "file-too-large", Severity.INFO,
    "The file is larger than the size Shapelens analyses (max-file-size), so it is not checked.",
    "Parsing alone takes memory many times a file's size: to stay fast and small, Shapelens "
    "reads no file larger than `max-file-size` (2 MB unless set: `--max-file-size` on the "
    "command line, `shapelens.maxFileSize` in the editor). Such a file gets this one finding "
    "and nothing else: no shapes, no hover, no fixes. Generated code and data written as "
    "Python are the usual cases; raise the limit to check them anyway.",
)

PARTLY_ANALYSED = Rule(
    "SL005", "partly-analysed", Severity.INFO,
    "Shapelens stopped following the program before its end: later problems may be missed.",
    "The analysis is bounded so that no file can make it slow: a number of evaluation steps in "
    "proportion to the file's size (a loop that runs long, a value built up again and again "
    "spend them), and in the editor a time limit as well. The finding sits on the statement "
    "where the analysis stopped; what the program does from there on is unknown, so findings "
    "after it are missing, never wrong. In the editor, the next edit tries again.",
)
