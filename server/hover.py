"""Hover: a layer's shapes, a model's static summary, data's shape and dtype."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from server.convert import Lines
from server.lookup import binding_for, data_at, identifier_at, layer_at, model_callee_at
from shape_engine.facts import DataFact, Facts, LayerFact, ModelFact
from shape_engine.findings import Finding, Position, Range
from shape_engine.rule import Rule
from shape_engine.shapes import format_shape


def hover(facts: Facts, findings: Sequence[Finding], pos: Position, lines: Lines,
          rules: dict[str, Rule], markdown: bool) -> types.Hover | None:
    content, at = _content(facts, findings, pos, lines, rules)
    if content is None or at is None:
        return None
    if not markdown:
        content = _plain(content)
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(types.MarkupContent(kind, content), lines.to_client_range(at))


def _content(facts: Facts, findings: Sequence[Finding], pos: Position, lines: Lines,
             rules: dict[str, Rule]) -> tuple[str | None, Range | None]:
    under = [f for f in findings if f.range.contains(pos)]
    layer = layer_at(facts, pos)
    if layer is not None:
        related = [f for f in findings if _overlaps(f.range, layer.call)]
        return layer_markdown(layer, related, rules), layer.call
    text, at = _subject(facts, pos, lines)
    if text is None:
        if not under:
            return None, None
        text, at = "", under[0].range
    explained = [finding_markdown(f, rules) for f in under]
    return "\n\n---\n\n".join(part for part in [text, *explained] if part), at


def _subject(facts: Facts, pos: Position, lines: Lines) -> tuple[str | None, Range | None]:
    """A model's summary or data's shape, for what is under the cursor."""
    model = model_callee_at(facts, pos)
    if model is not None:
        return summary_markdown(model), model.callee
    data = data_at(facts, pos)
    if data is not None:
        return data_markdown(data), data.at
    named = identifier_at(lines.line(pos.line), pos)
    if named is not None:
        binding = binding_for(facts, named[0], pos)
        if binding is not None:
            target = binding.target
            if isinstance(target, ModelFact):
                return summary_markdown(target, named[0]), named[1]
            return data_markdown(target, named[0]), named[1]
    return None, None


def layer_markdown(layer: LayerFact, findings: Sequence[Finding], rules: dict[str, Rule]
                   ) -> str:
    parts = [f"**{_code(layer.label)}**"]
    if layer.input_shape is not None or layer.output_shape is not None:
        parts.append(f"input `{format_shape(layer.input_shape)}` → output "
                     f"`{format_shape(layer.output_shape)}`")
    if layer.params is not None:
        parts.append(f"{layer.params:,} parameter{'s' if layer.params != 1 else ''}")
    text = "  \n".join(parts)
    for finding in findings:
        text += "\n\n---\n\n" + finding_markdown(finding, rules)
    return text


def finding_markdown(finding: Finding, rules: dict[str, Rule]) -> str:
    """The rule behind a finding: its code, name and explanation. Not the finding's message,
    which editors already show next to the hover (VS Code's problem hover, Neovim's virtual
    text) and which the hover would only repeat."""
    rule = rules.get(finding.code)
    if rule is None:
        return f"**{finding.code}**"
    return f"**{finding.code}** {_escape(rule.name)}: {_escape(rule.explanation)}"


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """The rows as lines of left-aligned columns, the parameter count (third) right-aligned."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return ["  ".join(cell.rjust(width) if column == 2 else cell.ljust(width)
                      for column, (cell, width) in enumerate(zip(row, widths, strict=True))
                      ).rstrip() for row in rows]


def summary_markdown(model: ModelFact, variable: str | None = None) -> str:
    """A static `model.summary()`: one row per layer, with the total, in a text block with
    aligned columns as Keras prints it, which reads the same in VS Code's hover, in Neovim's
    float (which shows a Markdown table as its raw pipes) and as plain text."""
    title = f'**Model "{_escape(model.name)}"**'
    if variable and variable != model.name:
        title += f" (`{variable}`)"
    headers: tuple[str, ...] = ("Layer", "Output Shape", "Param #")
    rows: list[tuple[str, ...]] = [
        (label.replace("`", "'"), format_shape(shape), "?" if params is None else f"{params:,}")
        for label, shape, params in model.rows]
    if model.connected is not None:
        # A functional model: Keras' summary has a "Connected to" column.
        headers += ("Connected to",)
        rows = [(*row, inputs.replace("`", "'") or "-")
                for row, inputs in zip(rows, model.connected, strict=True)]
    table = _aligned([headers, *rows])
    total = "?" if model.total_params is None else f"{model.total_params:,}"
    lines = [f"{title}: static `model.summary()`", "", "```text", *table, "```", "",
             f"**Total params: {total}**"]
    if model.input_shape is None and model.rows:
        lines.append("\nThe input shape is not known statically.")
    if model.refused:
        lines.append("\nKeras refuses to build this model: see the diagnostics.")
    elif model.opaque:
        lines.append("\nLayers are added or removed where Shapelens cannot follow; the summary "
                     "stops knowing shapes there.")
    return "\n".join(lines)


def data_markdown(data: DataFact, variable: str | None = None) -> str:
    name = variable or data.name
    shape = "unknown shape" if data.shape is None else f"shape `{format_shape(data.shape)}`"
    if data.made_by is not None:
        made_by = data.made_by if data.made_at is None else (
            f"{data.made_by} (line {data.made_at.line + 1})")
        text = (f"**{_escape(name)}**: symbolic tensor of {shape}, made by {_code(made_by)}")
        if data.params is not None:
            text += f" ({data.params:,} parameter{'s' if data.params != 1 else ''})"
        return text
    text = f"**{_escape(name)}**: data of {shape}"
    if data.dtype is not None:
        text += f", dtype `{data.dtype}`"
    return text


def _overlaps(a: Range, b: Range) -> bool:
    return a.start <= b.end and b.start <= a.end


def _code(label: str) -> str:
    return "`" + label.replace("`", "'") + "`"


def _escape(text: str) -> str:
    for char in "\\*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def _plain(markdown: str) -> str:
    """Plain text for clients that cannot render Markdown."""
    text = "\n".join(line for line in markdown.split("\n") if not line.startswith("```"))
    text = text.replace("**", "").replace("`", "").replace("  \n", "\n")
    text = text.replace("\n---\n", "\n")
    for char in "\\*_[]<>|":
        text = text.replace("\\" + char, char)
    return text
