"""Finding facts by position, for hover and inlay hints: built once per analysed version."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from shape_engine.facts import Binding, DataFact, Facts, LayerFact, ModelFact, scope_at
from shape_engine.findings import Position, Range

_IDENTIFIER = re.compile(r"[^\W\d]\w*")


@dataclass
class Lookup:
    """One analysis' facts indexed for hover and inlay hints."""

    layers_by_line: dict[int, list[LayerFact]] = field(default_factory=dict)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    @staticmethod
    def of(facts: Facts) -> Lookup:
        if isinstance(facts.lookup, Lookup):
            return facts.lookup
        layers: defaultdict[int, list[LayerFact]] = defaultdict(list)
        for layer in facts.layers:
            for line in range(layer.call.start.line, layer.call.end.line + 1):
                layers[line].append(layer)
        bindings: defaultdict[str, list[Binding]] = defaultdict(list)
        for binding in facts.bindings:
            bindings[binding.name].append(binding)
        for found in bindings.values():
            found.sort(key=lambda b: b.at)
        lookup = Lookup(dict(layers), dict(bindings))
        facts.lookup = lookup
        return lookup


def layer_at(facts: Facts, pos: Position) -> LayerFact | None:
    """The innermost layer call under the cursor."""
    candidates = [layer for layer in Lookup.of(facts).layers_by_line.get(pos.line, ())
                  if layer.call.contains(pos)]
    if not candidates:
        return None
    return max(candidates, key=lambda layer: (layer.call.start, _negated(layer.call.end)))


def model_callee_at(facts: Facts, pos: Position) -> ModelFact | None:
    for model in facts.models:
        if model.callee.contains(pos):
            return model
    return None


def data_at(facts: Facts, pos: Position) -> DataFact | None:
    for data in facts.data:
        if data.at.contains(pos):
            return data
    return None


def identifier_at(line: str, pos: Position) -> tuple[str, Range] | None:
    """The name under the cursor, unless it is an attribute (`x.name`)."""
    for match in _IDENTIFIER.finditer(line):
        if match.start() <= pos.character <= match.end():
            if line[:match.start()].rstrip().endswith("."):
                return None
            at = Range(Position(pos.line, match.start()), Position(pos.line, match.end()))
            return match.group(), at
        if match.start() > pos.character:
            break
    return None


def binding_for(facts: Facts, name: str, pos: Position) -> Binding | None:
    """What `name` refers to at `pos`: the nearest binding before it in the innermost scope
    that binds the name (the first one after it when none comes before)."""
    found = Lookup.of(facts).bindings.get(name)
    if not found:
        return None
    scope = scope_at(facts.scopes, pos.line)
    for candidate_scope in _enclosing(scope):
        in_scope = [b for b in found if b.scope == candidate_scope]
        if in_scope:
            index = bisect_right([b.at for b in in_scope], pos)
            return in_scope[index - 1] if index > 0 else in_scope[0]
    return None


def _enclosing(scope: str) -> list[str]:
    parts = scope.split(".") if scope else []
    return [".".join(parts[:i]) for i in range(len(parts), -1, -1)]


def _negated(pos: Position) -> tuple[int, int]:
    return (-pos.line, -pos.character)
