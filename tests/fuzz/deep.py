"""The deep fuzz profile, run by hand before resolving an issue that touches the engine:

    python -m tests.fuzz.deep --count 100000 --seed 1 [--out fuzz-failures/]

feeds the engine every prefix of every seed program (cut at every character), the seeds with
random one-character deletions, insertions and swaps (as text, and as bytes), generated
programs mixing valid and invalid layer arguments (whole, cut and mutated), and every stress
input (deep nesting, long lines, 20,000-line files, odd bytes and line breaks, redefined names).
It prints the number of inputs, the exceptions (grouped, with the first input of each), the
inputs over their time bound (see `harness.time_bound`) and the slowest input with its time
and size. `--out` writes every failing input to that folder, to replay with
`python -m tests.fuzz.deep --replay FILE`. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tests.fuzz.corpus import (
    RandomChoices,
    generated_program,
    mutated,
    seed_names,
    seeds,
    stress_inputs,
    surrogate_texts,
    user_modules,
)
from tests.fuzz.harness import BOUND_TEXT, Outcome, run_input, time_bound

Input = tuple[str, bytes | str, dict[str, str] | None]  # name, data, importable modules


def prefixes() -> Iterator[Input]:
    for name in seed_names():
        text = seeds()[name]
        for cut in range(len(text) + 1):
            yield f"prefix {name}[:{cut}]", text[:cut], None


def mutations(rng: random.Random, count: int) -> Iterator[Input]:
    """Text mutations of the seeds, some then cut (typing with typos)."""
    names = seed_names()
    choices = RandomChoices(rng)
    for index in range(count):
        name = rng.choice(names)
        text = mutated(seeds()[name], choices, edits=rng.choice((1, 1, 1, 2, 3)))
        if index % 4 == 3:
            text = text[:rng.randint(0, len(text))]
        yield f"mutation #{index} of {name}", text, None


def byte_mutations(rng: random.Random, count: int) -> Iterator[Input]:
    """Byte-level edits of the seeds: invalid UTF-8, NULs, stray BOM and cookie bytes."""
    names = seed_names()
    specials = [b"\x00", b"\xff", b"\xe9", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\x0c",
                b"# coding: latin-1\n", b"\xed\xa0\x80", b"\xf0\x9f"]
    for index in range(count):
        name = rng.choice(names)
        data = seeds()[name].encode()
        for _ in range(rng.choice((1, 2, 3))):
            at = rng.randint(0, len(data))
            data = data[:at] + rng.choice(specials) + data[at + rng.choice((0, 0, 1)):]
        yield f"byte mutation #{index} of {name}", data, None


def generated(rng: random.Random, count: int) -> Iterator[Input]:
    choices = RandomChoices(rng)
    for index in range(count):
        text = generated_program(choices)
        if index % 5 == 3:
            text = text[:rng.randint(0, len(text))]
        elif index % 5 == 4:
            text = mutated(text, choices, edits=rng.choice((1, 2)))
        yield f"generated #{index}", text, user_modules(text, choices)


def all_inputs(count: int, seed: int) -> Iterator[Input]:
    rng = random.Random(seed)
    named: list[tuple[str, bytes | str]] = [*stress_inputs(), *surrogate_texts()]
    stress: list[Input] = [(name, data, None) for name, data in named]
    yield from stress
    every_prefix = list(prefixes())
    yield from every_prefix
    rest = max(count - len(stress) - len(every_prefix), 0)
    yield from mutations(rng, rest * 35 // 100)
    yield from byte_mutations(rng, rest * 15 // 100)
    yield from generated(rng, rest - rest * 35 // 100 - rest * 15 // 100)


def _category(name: str) -> str:
    for prefix in ("prefix", "mutation", "byte mutation", "generated"):
        if name.startswith(prefix):
            return prefix
    return "stress"


def _save(folder: Path | None, index: int, name: str, data: bytes | str,
          modules: dict[str, str] | None) -> str:
    if folder is None:
        return ""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"input-{index:06d}.{'py' if isinstance(data, bytes) else 'txt'}"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", errors="surrogatepass")
    (folder / f"input-{index:06d}.name").write_text(name, encoding="utf-8")
    if modules is not None:
        (folder / f"input-{index:06d}.modules.json").write_text(json.dumps(modules),
                                                                 encoding="utf-8")
    return f" (saved as {path})"


def run(count: int, seed: int, out: Path | None, hang_after: float,
        only: frozenset[str] | None = None) -> int:
    started = time.perf_counter()
    per_category: Counter[str] = Counter()
    errors: dict[str, list[str]] = {}
    over: list[Outcome] = []
    slowest: Outcome | None = None
    tightest: Outcome | None = None
    total = 0
    for index, (name, data, modules) in enumerate(all_inputs(count, seed)):
        if only is not None and _category(name) not in only:
            continue
        outcome = run_input(name, data, hang_after=max(hang_after, 10 * time_bound(data)),
                            modules=modules)
        total += 1
        per_category[_category(name)] += 1
        if outcome.error is not None:
            known = errors.setdefault(_group(outcome.error), [])
            if not known:
                print(f"FAIL {name}: {outcome.error}{_save(out, index, name, data, modules)}",
                      file=sys.stderr, flush=True)
            known.append(name)
        elif outcome.over_bound:
            over.append(outcome)
            print(f"SLOW {name}: {outcome.cpu_seconds * 1000:.1f} ms > bound "
                  f"{outcome.bound * 1000:.1f} ms{_save(out, index, name, data, modules)}",
                  file=sys.stderr, flush=True)
        if slowest is None or outcome.cpu_seconds > slowest.cpu_seconds:
            slowest = outcome
        if tightest is None or outcome.cpu_seconds / outcome.bound > (
                tightest.cpu_seconds / tightest.bound):
            tightest = outcome
        if total % 10_000 == 0:
            print(f"... {total} inputs, {time.perf_counter() - started:.0f} s", file=sys.stderr,
                  flush=True)
    elapsed = time.perf_counter() - started
    print(f"inputs: {total} ({', '.join(f'{k}: {v}' for k, v in sorted(per_category.items()))})")
    print(f"exceptions: {sum(len(v) for v in errors.values())} in {len(errors)} kinds")
    for kind, names in errors.items():
        print(f"  {len(names)} x {kind}\n      first: {names[0]}")
    print(f"over the time bound: {len(over)}")
    for outcome in over[:10]:
        print(f"  {outcome.name}: {outcome.cpu_seconds * 1000:.1f} ms, bound "
              f"{outcome.bound * 1000:.1f} ms")
    if slowest is not None:
        print(f"slowest: {_describe(slowest)}")
    if tightest is not None:
        print(f"closest to its bound: {_describe(tightest)} "
              f"({tightest.cpu_seconds / tightest.bound:.0%} of it)")
    print(f"time bound: {BOUND_TEXT}; {elapsed:.0f} s in all")
    return 1 if errors or over else 0


def _describe(outcome: Outcome) -> str:
    return (f"{outcome.name}: {outcome.cpu_seconds * 1000:.1f} ms CPU "
            f"({outcome.seconds * 1000:.1f} ms wall) for {outcome.size:,} bytes, "
            f"{outcome.lines:,} lines; bound {outcome.bound * 1000:.1f} ms")


def _group(error: str) -> str:
    """Failures of one cause share the exception type and the innermost frame."""
    kind = error.split(":", 1)[0]
    where = error.rsplit(" at ", 1)[-1].split(" <- ", 1)[0]
    return f"{kind} at {where}"


def replay(path: Path) -> int:
    data: bytes | str = (path.read_bytes() if path.suffix == ".py"
                         else path.read_text(encoding="utf-8", errors="surrogatepass"))
    modules_file = path.with_suffix(".modules.json")
    modules = (json.loads(modules_file.read_text(encoding="utf-8"))
               if modules_file.exists() else None)
    outcome = run_input(path.name, data, hang_after=None, modules=modules)
    print(f"{_describe(outcome)}\nerror: {outcome.error}")
    return 1 if outcome.error or outcome.over_bound else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000,
                        help="inputs in all (every prefix and stress input, then generated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write failing inputs to this folder")
    parser.add_argument("--hang-after", type=float, default=60.0,
                        help="seconds after which an input counts as a hang")
    parser.add_argument("--replay", type=Path, help="run one saved input and report it")
    parser.add_argument("--only", help="run only these kinds of input, comma-separated: "
                                       "stress, prefix, mutation, byte mutation, generated")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)
    only = frozenset(k.strip() for k in args.only.split(",")) if args.only else None
    return run(args.count, args.seed, args.out, args.hang_after, only)


if __name__ == "__main__":
    sys.exit(main())
