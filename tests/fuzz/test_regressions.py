"""Every crash and hang the fuzz suite found, as the smallest program that showed it.

Crashes assert the analysis returns (and what it says where that matters). Hangs run under
the same generous bound as the fuzz suite (ten times `harness.time_bound`, with a watchdog).
Where the fault was work growing with the square of the file (each finding rescanning the
file, each branch copying every variable), a bound proportional to the file cannot tell: those
tests count the work itself where they can (scans, re-analyses), else compare the time on a
file and on one eight times longer: quadratic work grows 64-fold, linear 8-fold, and the test
allows 24-fold (`assert_scales_linearly`).
"""

from __future__ import annotations

import ast
import codecs
import random
import textwrap
import time
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shape_engine import analysis as analysis_module
from shape_engine import fixes
from shape_engine.analysis import Analysis, analyze_bytes, analyze_source
from shape_engine.findings import Position
from shape_engine.source import LineIndex
from tests.fuzz.harness import run_input, time_bound

GENEROUS = 10


def check(source: str | bytes) -> None:
    """No exception, no broken invariant, within ten times the time bound."""
    data = textwrap.dedent(source) if isinstance(source, str) else source
    outcome = run_input("regression", data, hang_after=max(60.0, GENEROUS * time_bound(data)))
    assert outcome.error is None, outcome.error
    assert outcome.cpu_seconds <= GENEROUS * outcome.bound, (
        f"{outcome.cpu_seconds:.2f} s of CPU, bound {outcome.bound:.3f} s")


def analyse(source: str) -> Analysis:
    return analyze_source(textwrap.dedent(source))


def codes(source: str) -> list[str]:
    return [f.code for f in analyse(source).findings]


def _cpu_seconds(text: str) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.thread_time()
        analyze_source(text)
        best = min(best, time.thread_time() - started)
    return best


def assert_scales_linearly(build: Callable[[int], str], size: int, factor: int = 8) -> None:
    small, large = _cpu_seconds(build(size)), _cpu_seconds(build(size * factor))
    # 3x the linear growth, and 50 ms for timer noise on small inputs.
    assert large <= 3 * factor * small + 0.05, (
        f"{size} -> {large / max(small, 1e-9):.0f}x the CPU time for {factor}x the input "
        f"({small:.3f} s -> {large:.3f} s): more than linear")


# -- decoding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["undefined", "punycode"])
def test_a_codec_that_raises_unicode_error(codec: str) -> None:
    """`decode` caught UnicodeDecodeError only; these codecs raise its base, UnicodeError."""
    data = f"# coding: {codec}\nimport keras\nx = 1\n".encode()
    result = analyze_bytes(data)
    assert [f.code for f in result.findings][:1] == ["SL002"]
    check(data)


# -- positions on long non-ASCII lines -------------------------------------------------------------


def _reference_position(line: str, col_offset: int) -> int:
    """What LineIndex computed before: the code points in the first `col_offset` bytes."""
    return len(line.encode("utf-8")[:col_offset].decode("utf-8", errors="ignore"))


@given(st.text(alphabet=st.sampled_from("ab \u00e9\u00df\u4e2d\U0001f600"), max_size=40),
       st.integers(0, 200))
def test_positions_on_non_ascii_lines_are_unchanged(line: str, col_offset: int) -> None:
    index = LineIndex(f"x = 1\n{line}\n")
    expected = col_offset if line.isascii() else _reference_position(line, col_offset)
    assert index.position(2, col_offset) == Position(1, expected)


def test_many_layers_on_one_non_ascii_line() -> None:
    """Each position re-encoded its whole line: quadratic in the line's length."""
    def build(count: int) -> str:
        layers = ", ".join(["keras.layers.Dense(4)"] * count)
        return f"import keras\nm = keras.Sequential([keras.Input((4,)), {layers}])  # \u00e9\n"

    assert_scales_linearly(build, 500)
    check(build(4000))


# -- values that grow without bound --------------------------------------------------------------


@pytest.mark.parametrize("source", [
    pytest.param("x = 9 ** 64\nx = x ** 64\nx = x ** 64\nx = x ** 64\n", id="power-chain"),
    pytest.param("x = 3\nfor i in range(256):\n    x = x * x\n", id="squaring-loop"),
    pytest.param("x = 0x" + "f" * 100_000 + "\ny = x * x * x\n", id="huge-literal"),
    pytest.param("s = 'ab'\nfor i in range(60):\n    s = s + s\n", id="string-doubling"),
    pytest.param("b = b'ab'\nfor i in range(60):\n    b += b\n", id="bytes-doubling"),
    pytest.param("b = b'ab' * 10 ** 9\n", id="bytes-repetition"),
    pytest.param("b = b'%0999999999d' % 1\n", id="bytes-formatting"),
])
def test_arithmetic_that_explodes(source: str) -> None:
    """Big ints, strings and bytes were computed whatever their size (hangs, memory)."""
    check(source)


@pytest.mark.parametrize(("turns", "expected"), [(2, ["SL101"]), (20, ["SL101"])])
def test_exploded_values_are_unknown(turns: int, expected: list[str]) -> None:
    """3**(2**20) is not computed: the Dense layer's size is unknown, its rank is not (the
    Conv2D after it refuses a 2-D input whatever the size)."""
    assert codes(f"""
        import keras
        units = 3
        for i in range({turns}):
            units = units * units
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units),
                                  keras.layers.Conv2D(1, 3)])
    """) == expected


@pytest.mark.parametrize("source", [
    pytest.param("x = [1]\nfor i in range(200):\n    x = [x, x]\ny = x == x\n", id="list-dag"),
    pytest.param("x = (1,)\nfor i in range(60):\n    x = (x, x)\nimport keras\n"
                 "m = keras.Sequential([keras.layers.Dense(x)])\n", id="tuple-dag-argument"),
    pytest.param("x = [1]\nfor i in range(60):\n    x += x\nz = sum(x)\n", id="augmented"),
    pytest.param("items = []\nfor i in range(100):\n    items.append(items)\n"
                 "y = items == items\n", id="self-append"),
    pytest.param("a = (1,)\nb = (1,)\nfor i in range(60):\n    a = (a, a)\n    b = (b, b)\n"
                 "c = a if input() else b\n", id="equal-dags-compared"),
    pytest.param("x = [[1] * 100] * 100\ny = [x] * 100\nimport numpy as np\nz = np.array(y)\n",
                 id="repeated-rows"),
])
def test_sequences_sharing_their_items(source: str) -> None:
    """`x = [x, x]` doubles what expanding x costs at each turn: exponential."""
    check(source)


def test_range_longer_than_sys_maxsize() -> None:
    """len(range(10**30)) raises OverflowError, which the range builtin did not catch."""
    check("for i in range(10 ** 30):\n    pass\nr = range(-10 ** 30, 10 ** 30)\n")


# -- evaluation budget ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    pytest.param("f = lambda: [f(), f()]\nf()\n", id="branching-lambda"),
    pytest.param("def f():\n    f(); f(); f(); f(); f(); f(); f(); f()\nf()\n",
                 id="branching-function"),
    pytest.param("x = [[[i for i in range(256)] for j in range(256)] for k in range(256)]\n",
                 id="nested-comprehensions"),
    pytest.param("for a in range(256):\n    for b in range(256):\n        for c in range(256):\n"
                 "            x = 1\n", id="nested-loops"),
    pytest.param("for a in range(256):\n    for b in range(256):\n        for c in range(300):\n"
                 "            x = a + b + c\n", id="nested-loops-unknown-inner"),
])
def test_work_that_multiplies(source: str) -> None:
    """Recursion through lambdas and nested loops or comprehensions were only bounded per
    statement, with a budget of 200,000 statements whatever the size of the file."""
    check(source)


@pytest.mark.parametrize("statement", [
    pytest.param("m = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(4, 3), L.Flatten(), "
                 "L.Dense(2)])", id="models"),
    pytest.param("m.fit(x, x)", id="fit"),
    pytest.param("m.add(L.Dense(3))", id="add"),
])
def test_models_and_calls_recorded_in_loops(statement: str) -> None:
    """Each recorded layer, model and training call is interpreted and checked later."""
    check(f"""\
import keras
import numpy as np
L = keras.layers
x = np.zeros((10, 5))
m = keras.Sequential([keras.Input((8,)), L.Dense(3)])
m.compile(loss="categorical_crossentropy")
for a in range(256):
    for b in range(256):
        {statement}
""")


# Statements that spend more steps than their size allows: a loop nested in unrolled loops is
# no longer unrolled past 256 turns in all, so the spending is spread over forty loops.
SPEND_THE_BUDGET = "n = 0\n" + "for a in range(256):\n    n = n + a\n" * 40


def test_nothing_is_said_past_the_budget() -> None:
    """Past its budget the evaluator stops: the models it saw may change later, unseen. It
    says where it stopped (SL005, information), nothing else."""
    source = textwrap.dedent("""
        import keras
        import numpy as np
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        model.compile(loss="categorical_crossentropy")
        model.fit(np.zeros((8, 4)), np.zeros((8, 3)))
        """) + SPEND_THE_BUDGET + textwrap.dedent("""
        model.add(keras.layers.Dense(10))
        model.fit(np.zeros((8, 4)), np.zeros((8, 10)))
        """)
    result = analyse(source)
    (partly,) = result.findings
    assert partly.code == "SL005" and partly.severity.value == "info"
    lines = source.splitlines()
    assert lines[partly.range.start.line].startswith(("for a in", "    n = n + a"))
    assert result.models[0].model.opaque


def test_loops_nested_in_unrolled_loops() -> None:
    """Whether a loop has break/continue was recomputed, walking its body, at every turn."""
    def build(lines: int) -> str:
        body = "".join(f"            v{i} = {i}\n" for i in range(lines))
        return "for a in range(256):\n    for b in range(256):\n        for c in []:\n" + body

    assert_scales_linearly(build, 150)


# -- branches and comprehensions in long modules -----------------------------------------------


def test_unknown_branches_in_a_long_module() -> None:
    """Each branch copied and merged every variable of the module: quadratic."""
    def build(count: int) -> str:
        return "flag = input()\n" + "".join(
            f"value_{i} = {i}\nif flag:\n    other_{i} = value_{i}\n" for i in range(count))

    assert_scales_linearly(build, 300)


@pytest.mark.parametrize(("branch", "expected"), [
    ("units = 4", ["SL101"]),  # the same in both: known
    # Different: the size is unknown, not the rank of Dense(units) (partial_shapes).
    ("units = 8", ["SL101"]),
    ("other = 1", ["SL101"]),  # names a branch does not bind keep their value
    # A module or 4, merged into a value not known: taken as a width, as any unknown value.
    ("import keras as units", ["SL101"]),
])
def test_branches_still_merge_what_they_bind(branch: str, expected: list[str]) -> None:
    assert codes(f"""
        import keras
        flag = input()
        units = 4
        size = 3
        if flag:
            {branch}
        else:
            units = 4
        model = keras.Sequential([keras.Input((size,)), keras.layers.Dense(units),
                                  keras.layers.Conv1D(2, 3)])
    """) == expected


def test_branches_merge_lists_changed_in_place() -> None:
    result = analyse("""
        import keras
        layers = [keras.Input((3,))]
        if input():
            layers.append(keras.layers.Dense(4))
        model = keras.Sequential(layers)
    """)
    assert result.models[0].output_shape is None  # the list differs between the branches


def test_comprehension_variable_does_not_leak() -> None:
    assert codes("""
        import keras
        u = 5
        sizes = [u * 2 for u in (1, 2)]
        model = keras.Sequential([keras.Input((u,)), keras.layers.Reshape((2, 2))])
    """) == ["SL104"]  # u is 5 again after the comprehension: 5 elements do not make (2, 2)


# -- checks and fixes on files with many findings ------------------------------------------------


def test_many_findings_with_fixes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every finding scanned the module's imports (and every name against every assignment)
    again to write its fix: quadratic (a 20,000-line file of them did not finish in a minute).
    Now the scan is made once per syntax tree."""
    scans = []

    class CountedScan(fixes._ImportScan):
        def __init__(self, tree: ast.Module) -> None:
            scans.append(tree)
            super().__init__(tree)

    monkeypatch.setattr(fixes, "_ImportScan", CountedScan)
    result = analyze_source("import keras\n" + "".join(
        f"m{i} = keras.Sequential([keras.Input(({i % 5 + 1},)), keras.layers.Dense(3), "
        f"keras.layers.Conv1D(2, 1)])\n" for i in range(200)), verify_fixes=False)
    assert len([f for f in result.findings if f.fixes]) == 200
    assert len(scans) == 1


def test_many_loss_findings() -> None:
    """Each loss fix rebuilt the text's line table to read a string literal: quadratic (a
    20,000-line file of them took minutes). Now the table is made once per text."""
    text = "import numpy as np\nfrom tensorflow import keras\n" + "".join(
        f"m{i} = keras.Sequential([keras.layers.Dense(1, activation='sigmoid', "
        f"input_shape=(4,))])\nm{i}.compile(optimizer='adam', "
        f"loss='categorical_crossentropy')\nm{i}.fit(np.zeros((8, 4)), np.zeros((8, 1)))\n"
        for i in range(100))
    fixes._line_starts.cache_clear()
    result = analyze_source(text, verify_fixes=False)
    assert len([f for f in result.findings if f.fixes]) >= 100
    assert fixes._line_starts.cache_info().misses == 1


def _reanalyses(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[Analysis, int]:
    calls = []
    original = analysis_module.analyze_source

    def counting(*args: object, **kwargs: object) -> Analysis:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis_module, "analyze_source", counting)
    result = original(text)
    return result, len(calls)


def test_fix_verification_in_a_long_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verifying fixes re-analysed the file up to 24 times whatever its length."""
    text = "import keras\n" + "".join(
        f"m{i} = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), "
        f"keras.layers.Conv2D(2, 3)])  # {'padding' * 10}\n" for i in range(400))
    result, reanalyses = _reanalyses(monkeypatch, text)
    assert len(result.findings) == 400
    assert reanalyses <= 2


def test_fix_verification_in_a_short_file(monkeypatch: pytest.MonkeyPatch) -> None:
    text = textwrap.dedent("""
        import keras
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), keras.layers.Conv1D(2, 3)])
    """)
    result, reanalyses = _reanalyses(monkeypatch, text)
    assert reanalyses == 1 and result.findings[0].fixes  # short files keep verified fixes


def test_no_fix_verification_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that exhausts its steps would exhaust them again in every re-analysis."""
    text = textwrap.dedent("""
        import keras
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), keras.layers.Conv1D(2, 3)])
        """) + SPEND_THE_BUDGET
    result, reanalyses = _reanalyses(monkeypatch, text)
    assert reanalyses == 0
    assert [f.code for f in result.findings] == ["SL101", "SL005"]
    assert not result.findings[0].fixes


# -- training calls --------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    pytest.param("model.evaluate(*(3, 3))", id="evaluate-star-tuple"),
    pytest.param("model.fit(*data)", id="fit-star-name"),
    pytest.param("model.fit(*[x], y)", id="fit-star-then-positional"),
    pytest.param("model.compile(*('adam', 'mse'))", id="compile-star"),
])
def test_starred_arguments_of_training_calls(call: str) -> None:
    """The argument ranges came from the call's nodes, the values from the expanded star:
    `argument()` indexed past the ranges (IndexError)."""
    check(f"""\
import keras
import numpy as np
x = np.zeros((8, 4))
y = np.zeros((8, 2))
data = (x, y)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
model.compile(loss="mse")
{call}
""")


def test_starred_training_arguments_say_nothing_wrong() -> None:
    assert codes("""
        import keras
        import numpy as np
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile(loss="mse")
        model.fit(*unknown, np.zeros((8, 2)))
    """) == []  # the labels are not x: what comes first is not known


# -- nested models ---------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    pytest.param("model = keras.Sequential([keras.layers.Dense(3)])\n"
                 + "model.add(model)\n" * 3, id="added-to-itself"),
    pytest.param("model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
                 "model.add(model)\nmodel.add(model)\n", id="built-added-to-itself"),
    pytest.param("a = keras.Sequential([keras.layers.Dense(2)])\n" + "".join(
        f"{chr(98 + i)} = keras.Sequential([{chr(97 + i)}, {chr(97 + i)}, {chr(97 + i)}])\n"
        for i in range(15)) + "p.build((None, 2))\n", id="shared-three-times-per-level"),
])
def test_models_nested_in_themselves_or_shared(source: str) -> None:
    """A model added to itself was interpreted inside itself 16 levels deep, at every use:
    2**16 runs for two self-additions; a model shared three times per level, 3**15."""
    check("import keras\n" + source)


# -- random bytes --------------------------------------------------------------------------------


def test_random_bytes_with_a_bom() -> None:
    rng = random.Random(3)
    check(codecs.BOM_UTF8 + bytes(rng.randrange(256) for _ in range(5000)))
