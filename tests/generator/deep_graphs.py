"""The deep profile of the graph generator: many random functional models against TensorFlow.

    python -m tests.generator.deep_graphs --count 20000 --seed 1 [--out found.jsonl]

prints how many graphs were run, how many TensorFlow built or refused, the refusals both
agree on by the engine's code, the agreement rate (full, and on the engine's claims alone),
the agreement for each kind of graph (merges by layer, shared layers, nested models,
several inputs or outputs, each deliberate break), and every disagreement grouped by kind
and by the call it is about, with minimal programs for the first few of each group.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable

from tests.generator.graph_runner import GraphOutcome, minimize_graph, program_of, run_graphs
from tests.generator.graph_spec import GraphSpec, render
from tests.generator.graph_strategies import graph_at
from tests.oracle import Oracle


def _about(spec: GraphSpec, outcome: GraphOutcome) -> str:
    """What the call the first disagreement is on calls."""
    first = (outcome.claims or outcome.disagreements)[0]
    for call in program_of(spec).calls:
        if call.line == first.line:
            return call.kind
    return "(model)"


def _offset(progress: Callable[[int], None], done: int) -> Callable[[int], None]:
    return lambda count: progress(done + count)


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / max(whole, 1):.2f}%)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wild", type=float, default=0.1,
                        help="chance that a layer or a merge is broken on purpose")
    parser.add_argument("--examples", type=int, default=2,
                        help="minimal programs shown per kind of disagreement")
    parser.add_argument("--batch", type=int, default=100,
                        help="programs sent to the TensorFlow worker at once")
    parser.add_argument("--out", help="write the minimal disagreeing programs here (JSON lines)")
    args = parser.parse_args(argv)

    oracle = Oracle()
    started = time.perf_counter()
    specs: list[GraphSpec] = []
    outcomes: list[GraphOutcome] = []
    chunk = 1000

    def progress(done: int) -> None:
        if done % chunk == 0 or done == args.count:
            elapsed = time.perf_counter() - started
            print(f"  {done} graphs, {elapsed:.0f}s", file=sys.stderr, flush=True)

    try:
        for start in range(0, args.count, chunk):
            batch = [graph_at(args.seed, i, args.wild)
                     for i in range(start, min(start + chunk, args.count))]
            specs += batch
            outcomes += run_graphs(batch, oracle, args.batch,
                                   progress=_offset(progress, len(outcomes)))
        elapsed = time.perf_counter() - started
        answered = [o for o in outcomes if o.keras_raised is not None]
        built = sum(1 for o in answered if not o.keras_raised)
        refused = len(answered) - built
        full = sum(1 for o in answered if o.agrees)
        claims = sum(1 for o in answered if not o.claims)
        codes = Counter(o.codes[0] for o in answered if o.agrees and o.keras_raised)
        print(f"seed {args.seed}: {args.count} graphs in {elapsed:.0f}s "
              f"({1000 * elapsed / max(args.count, 1):.1f} ms/graph)")
        print(f"TensorFlow built {built}, refused {refused}, "
              f"no answer {args.count - len(answered)}")
        print("refusals agreed on, by engine code: "
              + (", ".join(f"{code} {n}" for code, n in sorted(codes.items())) or "none"))
        print(f"full agreement: {_percent(full, len(answered))}")
        print(f"no wrong claim: {_percent(claims, len(answered))}")
        print("disagreements by kind (graphs with at least one):")
        kinds = Counter(c for o in answered for c in {d.category for d in o.disagreements})
        for category, count in kinds.most_common():
            print(f"  {category}: {count}")
        print("full agreement by kind of graph:")
        by_feature: dict[str, list[bool]] = defaultdict(list)
        for spec, outcome in zip(specs, outcomes, strict=True):
            if outcome.keras_raised is None:
                continue
            for feature in sorted(set(spec.features)) or ["plain chain"]:
                by_feature[feature].append(outcome.agrees)
        for feature, agreed in sorted(by_feature.items()):
            print(f"  {feature}: {_percent(sum(agreed), len(agreed))}")
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for index, (spec, outcome) in enumerate(zip(specs, outcomes, strict=True)):
            if outcome.category is not None and outcome.category != "oracle-timeout":
                groups[(outcome.category, _about(spec, outcome))].append(index)
        records = []
        for (category, about), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(f"\n== {category} / {about}: {len(members)} graphs "
                  f"(e.g. graph_at({args.seed}, {members[0]}))")
            for index in members[: args.examples]:
                small = minimize_graph(specs[index], oracle, category)
                source = render(small)
                print(f"-- graph_at({args.seed}, {index}), minimal program:\n{source}")
                records.append({"seed": args.seed, "index": index, "category": category,
                                "about": about, "source": source})
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                for record in records:
                    out.write(json.dumps(record) + "\n")
    finally:
        oracle.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
