"""Hover texts of server/hover.py as a client gets them: the model summary reads as Keras
prints it, also as plain text (Neovim's float, clients without Markdown), and the hover on a
finding explains its rule without repeating the diagnostic's message."""

from __future__ import annotations

import re

from lsprotocol import types

from server.convert import Lines
from server.hover import hover
from shape_engine.findings import Position
from shape_engine.incremental import DocumentAnalyzer
from shape_engine.rule_registry import all_rules

SOURCE = """\
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
broken = keras.Sequential([layers.Dense(128, input_shape=(784,)), layers.Conv2D(32, 3)])
"""


def text_at(line: int, character: int, markdown: bool) -> str:
    outcome = DocumentAnalyzer(None).analyze(SOURCE)
    facts = outcome.facts()
    found = hover(facts, facts.findings, Position(line, character), Lines(SOURCE),
                  {rule.code: rule for rule in all_rules()}, markdown)
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


def test_the_model_summary_reads_as_plain_text() -> None:
    text = text_at(3, 1, markdown=False)
    lines = text.split("\n")
    assert lines[0] == 'Model "model": static model.summary()'
    assert not [line for line in lines if "```" in line or "|" in line or "**" in line], text
    header = lines.index(next(line for line in lines if line.startswith("Layer")))
    rows = [re.split(r"\s{2,}", line) for line in lines[header:header + 5]]
    assert rows == [["Layer", "Output Shape", "Param #"],
                    ["Input(shape=(28, 28, 1))", "(None, 28, 28, 1)", "0"],
                    ['Conv2D(32, 3, activation="relu")', "(None, 26, 26, 32)", "320"],
                    ["Flatten()", "(None, 21632)", "0"],
                    ['Dense(10, activation="softmax")', "(None, 10)", "216,330"]]
    assert "Total params: 216,650" in text


def test_the_hover_on_a_finding_does_not_repeat_its_message() -> None:
    finding = next(f for f in DocumentAnalyzer(None).analyze(SOURCE).facts().findings
                   if f.code == "SL101")
    at = finding.range.start
    for markdown in (True, False):
        text = text_at(at.line, at.character + 1, markdown)
        assert "SL101" in text and "incompatible-input-rank" in text
        assert finding.message not in text
