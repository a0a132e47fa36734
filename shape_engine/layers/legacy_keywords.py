"""SL105 on Keras 1 keywords: refused when the layer is created, as the other build refusals.

`keras_legacy` lists the keywords; the fix writes the modern keyword when the change is a
rename. The interpreter reports the first one of each layer (Keras stops there); the check
`checks.legacy_arguments.check_legacy_keywords` reports every one.
"""

from __future__ import annotations

import ast

from shape_engine.findings import Edit, Finding, Fix, Position, Range
from shape_engine.ir import LayerCall
from shape_engine.keras_legacy import DIM_ORDERINGS, KERNEL_PAIR, LegacyKeyword, legacy_keywords
from shape_engine.keras_version import is_keras_2
from shape_engine.layers.base import RULES
from shape_engine.layers.refusals import INVALID_ARGUMENT


def legacy_keyword_refusal(layer: LayerCall) -> Finding | None:
    """SL105 on the first Keras 1 keyword of `layer` (Keras stops there), None if none."""
    found = legacy_keyword_findings(layer)
    return found[0] if found else None


def legacy_keyword_findings(layer: LayerCall) -> list[Finding]:
    keras = "tf.keras 2" if is_keras_2() else "Keras 3"
    findings = []
    written = legacy_keywords(layer.kind, list(layer.kwarg_ranges))
    for legacy in written:
        if legacy.keyword == KERNEL_PAIR[1] and KERNEL_PAIR[0] in layer.kwarg_ranges:
            continue  # one finding for the pair, on nb_row
        if legacy.keyword in KERNEL_PAIR:
            advice = "give both sizes as kernel_size=(rows, cols)"
        elif legacy.keyword == "dim_ordering":
            advice = "use data_format ('tf' is 'channels_last', 'th' is 'channels_first')"
        else:
            advice = f"use {legacy.modern}"
        fix = _rename(layer, legacy)
        findings.append(INVALID_ARGUMENT.finding(
            f"{layer.written_name}({legacy.keyword}=...) is Keras 1's spelling: {keras} has no "
            f"`{legacy.keyword}` argument and refuses the layer; {advice}",
            at=layer.kwarg_ranges[legacy.keyword], fixes=(fix,) if fix else (),
            file=layer.file))
    return findings


def _rename(layer: LayerCall, legacy: LegacyKeyword) -> Fix | None:
    """The keyword written under its modern name, when nothing else changes."""
    if layer.has_unpacking or _given(layer, legacy.modern):
        return None
    if legacy.keyword in KERNEL_PAIR:
        return _kernel_pair(layer)
    at = layer.kwarg_ranges[legacy.keyword]
    if legacy.keyword == "dim_ordering":
        value = _string_constant(layer, legacy.keyword)
        if value not in DIM_ORDERINGS:
            return None
        text = f'data_format="{DIM_ORDERINGS[value]}"'
        return Fix(f"Write {text}", (Edit(at, text),))
    name = Range(at.start, Position(at.start.line, at.start.character + len(legacy.keyword)))
    return Fix(f"Rename {legacy.keyword}= to {legacy.modern}=", (Edit(name, legacy.modern),))


def _kernel_pair(layer: LayerCall) -> Fix | None:
    """nb_row=3, nb_col=3 written next to each other on one line: kernel_size=(3, 3)."""
    ranges, values = layer.kwarg_ranges, layer.kwarg_value_ranges
    if not all(name in ranges for name in KERNEL_PAIR):
        return None
    rows, cols = ranges[KERNEL_PAIR[0]], ranges[KERNEL_PAIR[1]]
    line = rows.start.line
    if not all(r.start.line == r.end.line == line for r in (rows, cols, *(
            values[name] for name in KERNEL_PAIR))):
        return None
    text = layer.source.lines[line]
    if text[rows.end.character:cols.start.character].strip() != ",":
        return None  # not next to each other: something else would move

    def value(name: str) -> str:
        return text[values[name].start.character:values[name].end.character]

    kernel = f"kernel_size=({value(KERNEL_PAIR[0])}, {value(KERNEL_PAIR[1])})"
    return Fix(f"Write {kernel}", (Edit(Range(rows.start, cols.end), kernel),))


def _given(layer: LayerCall, name: str) -> bool:
    """Whether the modern argument is already there (renaming would repeat it)."""
    if name in layer.kwarg_ranges:
        return True
    rule = RULES.get(layer.kind or "")
    params = rule.params if rule else ()
    return name in params and params.index(name) < len(layer.node.args)


def _string_constant(layer: LayerCall, keyword: str) -> str | None:
    for node in layer.node.keywords:
        if node.arg == keyword and isinstance(node.value, ast.Constant):
            value = node.value.value
            return value if isinstance(value, str) else None
    return None
