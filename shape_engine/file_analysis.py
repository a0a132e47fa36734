"""A file's analysis, a notebook's or a Python file's: the notebook machinery is imported
for the first notebook, not to check Python files."""

from __future__ import annotations

from shape_engine.analysis import Analysis, analyze_bytes
from shape_engine.cell_findings import is_notebook
from shape_engine.evaluation.scope import ModuleResolver
from shape_engine.keras_version import KerasVersion, using
from shape_engine.selection import Selection


def analyze_file(data: bytes, path: str | None = None,
                 resolver: ModuleResolver | None = None, *,
                 verify_fixes: bool = True,
                 extend_select: Selection | None = frozenset(),
                 keras_version: KerasVersion | None = None) -> Analysis:
    """A file's analysis: a notebook's (`.ipynb`) program, else the file read as Python.
    `extend_select` and `keras_version` as for `analyze_source`."""
    with using(keras_version):
        if is_notebook(path):
            from shape_engine.notebook_analysis import analyze_notebook

            return analyze_notebook(data, path, resolver, verify_fixes=verify_fixes,
                                    extend_select=extend_select)
        return analyze_bytes(data, path, resolver, verify_fixes=verify_fixes,
                             extend_select=extend_select)
