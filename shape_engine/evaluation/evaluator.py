"""`Evaluator`: evaluates a module (see the package's docstring) with all its parts together."""

from __future__ import annotations

from shape_engine.evaluation.keras_objects import KerasObjects


class Evaluator(KerasObjects):
    """Python semantics (`python`) over lists and data (`data`) sharing one state (`state`),
    with Keras objects (`keras_objects`) filled in: `Evaluator(tree, index).run()`."""
