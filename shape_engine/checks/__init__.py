"""Check families. Importing this package registers every rule (see `rule.all_rules`).

`MODEL_CHECKS` are run on each interpreted model with the document; build refusals come from
the interpreter itself (`layers.refusals` holds their rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shape_engine.checks import (
    arguments,
    design,
    legacy_arguments,
    losses,
    noqa,
    output_loss,
    source,
    training,
)
from shape_engine.context import Document
from shape_engine.findings import Finding
from shape_engine.interpret import ModelReport

# A check run on each interpreted model with its document.
ModelCheck = Callable[[ModelReport, Document], Iterable[Finding]]

MODEL_CHECKS: list[ModelCheck] = [
    training.check_training,
    losses.check_losses,
    output_loss.check_output_loss,
    design.check_design,
    arguments.check_ignored_arguments,
    legacy_arguments.check_legacy_keywords,
    legacy_arguments.check_keras1_kernels,
    legacy_arguments.check_optimizer_keywords,
]

__all__ = ["MODEL_CHECKS", "ModelCheck", "arguments", "design", "legacy_arguments", "losses",
           "noqa", "output_loss", "source", "training"]
