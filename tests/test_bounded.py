"""Analyses stay linear in what they read: hostile documents finish.

Each case ran in quadratic time or worse before its fix (a regular expression searching the
line before every layer, a partition joining each chunk to every earlier one, columns
counted from the start of the line for every position). Each runs in its own process with
a generous time limit, so a regression fails instead of hanging the suite; no test asserts
how fast anything is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIMIT_S = 120
SIZE = 300_000  # characters; the quadratic versions took many minutes on this much
HEAD = "import keras\nfrom keras import layers\n"

DOCUMENTS = {
    # A long run of letters before a layer entry, on its line.
    "letters_before_an_entry": HEAD + 'x = "' + "a" * SIZE
    + '"; m = keras.Sequential([layers.Dense(1)])\n',
    # Many layer entries on one line.
    "entries_on_one_line": HEAD + "m = keras.Sequential([" + "layers.Dense(1), " * (SIZE // 17)
    + "])\n",
}

ANALYSE = """
import sys
from shape_engine.incremental import DocumentAnalyzer
text = sys.stdin.read()
analyzer = DocumentAnalyzer(None)
analyzer.quick(text).facts()
analyzer.analyze(text).facts()
print("done")
"""

# Partitioning 200,000 statements that all bind and read one name: maybe (`if c: x += 1`),
# or in functions that read it (bound by every other statement). Without parsing anything.
PARTITION = """
from shape_engine.incremental import Chunk, ChunkInfo, partition

def info(binds=(), reads=(), deferred=()):
    return ChunkInfo(False, frozenset(binds), frozenset(), frozenset(reads),
                     frozenset(deferred), frozenset(), None, False, False, (), ())

count = 200_000
maybe = [Chunk(i, 1, "", info(binds="x", reads="x")) for i in range(count)]
assert len(partition(maybe)) == 1
readers = [Chunk(i, 1, "", info(binds="x") if i % 2 else info(deferred="x"))
           for i in range(count)]
assert len(partition(readers)) == 1
print("done")
"""

COLUMNS = """
from lsprotocol import types
from server.convert import Lines
line = "x = '" + "😀a" * 200_000 + "'"
lines = Lines(line)
for column in range(0, 400_000, 20):
    position = lines.from_client(types.Position(0, column))
    assert lines.to_client(position).character <= column + 1
print("done")
"""


def _run(code: str, stdin: str = "") -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], input=stdin,
                              capture_output=True, text=True, timeout=LIMIT_S, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {LIMIT_S} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_hostile_document_is_analysed(name: str) -> None:
    assert _run(ANALYSE, DOCUMENTS[name]).strip() == "done"


def test_partitioning_many_statements_about_one_name() -> None:
    assert _run(PARTITION).strip() == "done"


def test_many_positions_on_one_long_line_convert() -> None:
    assert _run(COLUMNS).strip() == "done"
