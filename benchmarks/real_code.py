"""How much of real Keras code Shapelens sees: models found and layer rows with a known shape.

    python benchmarks/real_code.py FOLDER [FOLDER ...] [--top 15]

Runs `shapelens shapes --format json` in this process over every `.py` and `.ipynb` file in
the folders and prints: files, models found next to the model constructions written in the
source (`Sequential(`, `Model(`, subclasses of `Model`), layer rows, the share of rows whose
output shape is known, and the layers whose rows are most often unknown (the first unknown row
of a model is the one that explains the rest). The folders are the user's: a checkout of
keras-io examples, notebooks, scripts; nothing here runs them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shape_engine.cli import main as shapelens

# What a reader counts as a model being built: the denominator for "models found".
WRITTEN_MODEL = re.compile(
    r"\b(?:Sequential|Model)\s*\(\s*(?!\))|class\s+\w+\s*\(\s*(?:[\w.]*\.)?Model\s*\)")


def _files(folders: list[str]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        root = Path(folder)
        found += sorted(p for p in root.rglob("*") if p.suffix in {".py", ".ipynb"})
    return found


def _shapes(path: Path) -> list[dict[str, object]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        shapelens(["shapes", "--format", "json", str(path)])
    try:
        results = json.loads(out.getvalue())
    except json.JSONDecodeError:
        return []
    return [model for result in results for model in result.get("models", [])]


def _written_models(path: Path) -> int:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        with contextlib.suppress(json.JSONDecodeError, AttributeError, TypeError):
            cells = json.loads(text).get("cells", [])
            text = "\n".join("".join(c.get("source", "")) for c in cells
                             if c.get("cell_type") == "code")
    return len(WRITTEN_MODEL.findall(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    files = _files(args.folders)
    written = models = rows = known = 0
    first_unknown: Counter[str] = Counter()
    for path in files:
        written += _written_models(path)
        for model in _shapes(path):
            models += 1
            layers = model.get("layers") or []
            assert isinstance(layers, list)
            rows += len(layers)
            known += sum(1 for layer in layers if layer.get("output_shape") is not None)
            unknown = [layer for layer in layers if layer.get("output_shape") is None]
            if unknown:
                first_unknown[str(unknown[0]["layer"]).split("(")[0]] += 1

    print(f"files: {len(files)}")
    print(f"models found: {models} (model constructions written in the source: {written})")
    share = known / rows if rows else 0.0
    print(f"layer rows: {rows}, with a known output shape: {known} ({share:.0%})")
    print("first unknown row of a model, by layer:")
    for layer, count in first_unknown.most_common(args.top):
        print(f"  {count:4d}  {layer}")


if __name__ == "__main__":
    main()
