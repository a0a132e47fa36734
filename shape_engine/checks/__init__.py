"""Check families. Importing this package registers every rule (see `rule_registry`).

`MODEL_CHECKS` are run on each interpreted model with the document; build refusals come from
the interpreter itself (`layers.refusals` holds their rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shape_engine.checks import (
    arguments,
    data_format_mix,
    datasets,
    design,
    embedding_range,
    legacy_arguments,
    losses,
    multi_io,
    nchw_images,
    noqa,
    output_loss,
    per_output,
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
    datasets.check_datasets,
    losses.check_losses,
    output_loss.check_output_loss,
    design.check_design,
    arguments.check_ignored_arguments,
    legacy_arguments.check_legacy_keywords,
    legacy_arguments.check_keras1_kernels,
    legacy_arguments.check_optimizer_keywords,
    data_format_mix.check_data_format_mix,
    nchw_images.check_channels_first_images,
    embedding_range.check_embedding_range,
]

# Run on functional models that are not plain chains: several inputs or outputs, branches,
# merges, nested models, shared layers (chains are checked as the Sequential models they
# are, by `MODEL_CHECKS`).
MULTI_IO_CHECKS: list[ModelCheck] = [multi_io.check_multi_io, per_output.check_per_output,
                                     embedding_range.check_graph_embedding_range,
                                     nchw_images.check_graph_channels_first_images,
                                     legacy_arguments.check_optimizer_keywords]

__all__ = ["MODEL_CHECKS", "MULTI_IO_CHECKS", "ModelCheck", "arguments", "data_format_mix",
           "datasets", "design", "embedding_range", "legacy_arguments", "losses", "multi_io",
           "nchw_images", "noqa", "output_loss", "per_output", "source", "training"]
