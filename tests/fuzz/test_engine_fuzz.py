"""The engine never crashes and never hangs, whatever it is given: the CI profile.

A bounded sample of what `python -m tests.fuzz.deep` runs in full: prefixes of realistic
programs (a user typing them), one-character edits, byte edits, generated programs mixing valid
and invalid layer arguments, and every stress input. Each input must analyse without an
exception, a log record or a broken invariant (`harness.run_input`), within ten times its
time bound (`harness.time_bound`): a margin that no busy machine reaches, so that only a real
hang or a blow-up fails it. The figures themselves are the deep profile's to report.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.corpus import (
    EDIT_CHARACTERS,
    DrawChoices,
    big_files,
    deep_nesting,
    generated_program,
    long_lines,
    mutated,
    odd_bytes,
    redefinitions,
    seed_names,
    seeds,
    surrogate_texts,
    user_modules,
)
from tests.fuzz.harness import run_input, time_bound

# How many times its time bound an input may take here (see the module docstring).
GENEROUS = 10
# A hang turns into a failure after this long (or ten times the bound, if longer).
HANG_AFTER_S = 60.0

FUZZ = settings(deadline=None, derandomize=False, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check(name: str, data: bytes | str, modules: dict[str, str] | None = None) -> None:
    outcome = run_input(name, data, hang_after=max(HANG_AFTER_S, GENEROUS * time_bound(data)),
                        modules=modules)
    assert outcome.error is None, f"{name}: {outcome.error}"
    assert outcome.cpu_seconds <= GENEROUS * outcome.bound, (
        f"{name}: {outcome.cpu_seconds:.2f} s of CPU for {outcome.size} bytes, "
        f"{outcome.lines} lines: more than {GENEROUS} times its bound of {outcome.bound:.3f} s")


seed_name = st.sampled_from(seed_names())


@pytest.mark.parametrize("name", seed_names())
def test_seed_prefixes_every_few_characters(name: str) -> None:
    """Every 17th prefix of every seed, and the whole seed."""
    text = seeds()[name]
    for cut in [*range(0, len(text), 17), len(text)]:
        check(f"{name}[:{cut}]", text[:cut])


@settings(FUZZ, max_examples=250)
@given(seed_name, st.floats(0, 1))
def test_prefixes(name: str, fraction: float) -> None:
    text = seeds()[name]
    cut = round(fraction * len(text))
    check(f"{name}[:{cut}]", text[:cut])


@settings(FUZZ, max_examples=300)
@given(seed_name, st.data())
def test_one_character_edits(name: str, data: st.DataObject) -> None:
    """Deletions, insertions and swaps, then maybe a cut: typing with typos."""
    choices = DrawChoices(data.draw)
    text = mutated(seeds()[name], choices, edits=data.draw(st.integers(1, 3)))
    if data.draw(st.booleans()):
        text = text[:data.draw(st.integers(0, len(text)))]
    check(f"edited {name}", text)


@settings(FUZZ, max_examples=150)
@given(seed_name, st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=4)),
                           min_size=1, max_size=3))
def test_byte_edits(name: str, edits: list[tuple[float, bytes]]) -> None:
    """Invalid UTF-8, NULs and stray bytes anywhere in a file read from disk."""
    data = seeds()[name].encode()
    for fraction, inserted in edits:
        at = round(fraction * len(data))
        data = data[:at] + inserted + data[at:]
    check(f"bytes in {name}", data)


@settings(FUZZ, max_examples=50)
@given(st.text(alphabet=st.sampled_from(EDIT_CHARACTERS), max_size=200))
def test_garbage_text(text: str) -> None:
    check("garbage", text)


@settings(FUZZ, max_examples=200)
@given(st.data())
def test_generated_programs(data: st.DataObject) -> None:
    """Programs mixing valid and invalid layer arguments of every type, whole or cut, which
    import other programs and themselves."""
    choices = DrawChoices(data.draw)
    text = generated_program(choices)
    if data.draw(st.integers(0, 3)) == 0:
        text = text[:data.draw(st.integers(0, len(text)))]
    check("generated", text, user_modules(text, choices))


def _ids(inputs: list[tuple[str, bytes]]) -> list[str]:
    return [name for name, _ in inputs]


STRESS = [*deep_nesting(), *long_lines(), *odd_bytes(), *redefinitions()]


@pytest.mark.parametrize(("name", "data"), STRESS, ids=_ids(STRESS))
def test_stress_input(name: str, data: bytes) -> None:
    check(name, data)


SURROGATES = list(surrogate_texts())


@pytest.mark.parametrize(("name", "text"), SURROGATES, ids=_ids(SURROGATES))  # type: ignore[arg-type]
def test_text_with_lone_surrogates(name: str, text: str) -> None:
    check(name, text)


# The 20,000-line files take a few seconds each: CI runs the two most telling ones (a realistic
# program repeated, and one whose every model is refused), the deep profile all of them.
BIG = [(name, data) for name, data in big_files()
       if "mnist_cnn" in name or "broken models" in name]


@pytest.mark.parametrize(("name", "data"), BIG, ids=_ids(BIG))
def test_twenty_thousand_lines(name: str, data: bytes) -> None:
    check(name, data)
