"""The deep profile: many random models against real TensorFlow, with a summary of the results.

    python -m tests.generator.deep --count 20000 --seed 7

prints how many models were run, how many TensorFlow built or refused, the agreement rate,
and every disagreement grouped by kind and by the layer it is about (found by shrinking each
one to its shortest disagreeing prefix), with a minimal program for the first few of each group.
`--out FILE` also writes those minimal programs as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict

from tests.generator.runner import Outcome, check, culprit, minimize
from tests.generator.spec import ModelSpec, render
from tests.generator.strategies import model_at
from tests.oracle import Oracle


def _prefix_culprit(spec: ModelSpec, category: str, oracle: Oracle) -> tuple[ModelSpec, str]:
    for length in range(1, len(spec.layers)):
        prefix = spec.copy()
        prefix.layers = prefix.layers[:length]
        if check(render(prefix), oracle).category == category:
            return prefix, culprit(prefix)
    return spec, culprit(spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wild", type=float, default=0.1,
                        help="chance that a layer gets out-of-range arguments")
    parser.add_argument("--examples", type=int, default=2,
                        help="minimal programs shown per kind of disagreement")
    parser.add_argument("--out", help="write the minimal disagreeing programs here (JSON lines)")
    args = parser.parse_args(argv)

    oracle = Oracle()
    started = time.perf_counter()
    raised = built = unanswered = 0
    by_category: Counter[str] = Counter()
    refusals: Counter[str] = Counter()  # first engine code of the refusals both agree on
    groups: dict[tuple[str, str], list[tuple[int, ModelSpec]]] = defaultdict(list)
    try:
        for index in range(args.count):
            spec = model_at(args.seed, index, args.wild)
            outcome: Outcome = check(render(spec), oracle)
            if outcome.keras_raised is None and outcome.category in (
                    "oracle-timeout", "engine-crash"):
                unanswered += outcome.category == "oracle-timeout"
            elif outcome.keras_raised:
                raised += 1
            else:
                built += 1
            if outcome.category is None and outcome.codes:
                refusals[outcome.codes[0]] += 1
            if outcome.category is not None:
                by_category[outcome.category] += 1
                if outcome.category == "oracle-timeout":
                    continue
                prefix, layer = _prefix_culprit(spec, outcome.category, oracle)
                groups[(outcome.category, layer)].append((index, prefix))
            if (index + 1) % 1000 == 0:
                elapsed = time.perf_counter() - started
                print(f"  {index + 1} models, {sum(by_category.values())} disagreements, "
                      f"{elapsed:.0f}s", file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - started
        disagreements = sum(n for c, n in by_category.items() if c != "oracle-timeout")
        compared = args.count - unanswered
        print(f"seed {args.seed}: {args.count} models in {elapsed:.0f}s "
              f"({1000 * elapsed / max(args.count, 1):.0f} ms/model)")
        print(f"TensorFlow built {built}, refused {raised}, no answer {unanswered}")
        print("refusals agreed on, by engine code: "
              + ", ".join(f"{code} {n}" for code, n in sorted(refusals.items())))
        print(f"agreement: {compared - disagreements}/{compared} "
              f"({100 * (compared - disagreements) / max(compared, 1):.2f}%)")
        for category, count in by_category.most_common():
            print(f"  {category}: {count}")
        records = []
        for (category, layer), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"\n== {category} / {layer}: {len(members)} models "
                  f"(e.g. seed {args.seed} index {members[0][0]})")
            for index, spec in members[: args.examples]:
                small = minimize(spec, oracle, category)
                source = render(small)
                print(f"-- index {index}, minimal program:\n{source}")
                records.append({"seed": args.seed, "index": index, "category": category,
                                "layer": layer, "source": source})
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                for record in records:
                    out.write(json.dumps(record) + "\n")
    finally:
        oracle.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
