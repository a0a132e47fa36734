"""How many fit/evaluate/predict calls have a data shape the engine knows.

    python benchmarks/data_coverage.py [DIR ...]

Folders are walked for `.py` and `.ipynb` files. Default folders: `examples/`,
`tests/fixtures/correct/` and `tests/fixtures/real_scripts/`
(Stack Overflow / keras.io-style scripts). Each fit/evaluate/predict/*_on_batch call in the
source counts once; it is known when its x has a known rank (an array, or a dataset whose
elements are known) and, for the methods that take labels, so has its y. Prints per folder:
calls, known, share, and with --list every call not known. A measure of reach, not a speed
target. To measure another checkout's engine, copy this script into its benchmarks/ and give
the folders as absolute paths.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    from shape_engine.evaluation.evaluator import Evaluator
except ImportError:  # a checkout from before the evaluator split (to measure "before")
    from shape_engine.evaluate import Evaluator  # type: ignore[no-redef]
from shape_engine.ir import TrainingCall
from shape_engine.notebook import CellMap, Notebook, read_notebook
from shape_engine.source import LineIndex
from shape_engine.values import ArrayValue, Seq, Value

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRS = ("examples", "tests/fixtures/correct", "tests/fixtures/real_scripts")
LABELLED = frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch"})


def _known(value: Value | None) -> bool:
    """An array of known rank, or a list/tuple of them (a model with several inputs)."""
    if isinstance(value, Seq) and value.items:
        return all(_known(item) for item in value.items)
    return isinstance(value, ArrayValue) and value.shape is not None


def call_known(training: TrainingCall) -> bool:
    x, _ = training.argument("x", 0)
    if not _known(x):
        return False
    if training.method not in LABELLED:
        return True
    y, _ = training.argument("y", 1)
    return _known(y)


def program_text(path: Path) -> str:
    """The file's Python: a notebook's code cells as one program, as Shapelens reads it."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return text
    notebook = read_notebook(text)
    return CellMap(notebook.code_cells()).text if isinstance(notebook, Notebook) else ""


def calls_in(path: Path) -> list[tuple[TrainingCall, bool]]:
    text = program_text(path)
    try:
        ast.parse(text)
    except SyntaxError:
        return []
    program = Evaluator(ast.parse(text), LineIndex(text)).run()
    # One entry per call in the source: a call in an unrolled loop is recorded at each turn.
    found: dict[tuple[int, int], tuple[TrainingCall, bool]] = {}
    for model in program.models:
        for training in model.trainings:
            if training.method == "__call__":
                continue
            where = (training.range.start.line, training.range.start.character)
            known = call_known(training) and found.get(where, (training, True))[1]
            found[where] = (training, known)
    return list(found.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", default=list(DEFAULT_DIRS))
    parser.add_argument("--list", action="store_true", help="print every call not known")
    options = parser.parse_args(argv)
    total_calls = total_known = 0
    for folder in options.dirs:
        base = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        calls = known = 0
        for path in sorted(p for p in base.rglob("*") if p.suffix in {".py", ".ipynb"}):
            for training, is_known in calls_in(path):
                calls += 1
                known += is_known
                if options.list and not is_known:
                    line = training.range.start.line + 1
                    print(f"  unknown: {path}:{line} {training.method}")
        total_calls += calls
        total_known += known
        print(f"{folder}: {known}/{calls} calls with a known data shape ({_share(known, calls)})")
    print(f"total: {total_known}/{total_calls} ({_share(total_known, total_calls)})")
    return 0


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


if __name__ == "__main__":
    raise SystemExit(main())
