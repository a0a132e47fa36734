"""The `shapelens` command line: `check`, `shapes` and `serve`.

Presents the engine's results; never imports TensorFlow, numpy or the user's modules.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from shape_engine.analysis import Analysis, analyze_bytes
from shape_engine.findings import Finding, Fix, Position, Severity
from shape_engine.imports import filesystem_resolver
from shape_engine.interpret import ModelReport
from shape_engine.shapes import MaybeShape, format_shape

SKIPPED_DIRS = frozenset({"venv", ".venv", "env", "site-packages", "node_modules", "__pycache__",
                          "build", "dist"})


class UsageError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code not in (0, None) else 0
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "shapes":
            return _shapes(args)
        if args.command == "serve":
            from server.__main__ import serve

            return serve(args)
    except UsageError as error:
        print(f"shapelens: {error}", file=sys.stderr)
        return 2
    parser.print_help()
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shapelens",
                                     description="Static shape checking for Keras models.")
    commands = parser.add_subparsers(dest="command")
    check = commands.add_parser("check", help="report shape problems")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--fix", action="store_true",
                       help="apply safe fixes in place and report what changed")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, also apply fixes that may change meaning")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them")
    shapes = commands.add_parser("shapes", help="print a static model.summary() of every model")
    shapes.add_argument("paths", nargs="+", metavar="PATH")
    shapes.add_argument("--format", choices=("text", "json"), default="text")
    serve = commands.add_parser("serve", help="run the language server")
    serve.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    serve.add_argument("--log-file", metavar="PATH", help="also write the server log here")
    return parser


# -- discovery and analysis ------------------------------------------------------------------


def python_files(paths: Sequence[str]) -> Iterator[Path]:
    """Files as given, folders searched for *.py, skipping environments and hidden folders."""
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from _walk(path)
        else:
            raise UsageError(f"{raw}: no such file or directory")


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS
                         and not (Path(folder) / d / "pyvenv.cfg").exists())
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder) / name


def analyze_file(path: Path, *, with_fixes: bool) -> Analysis:
    """`with_fixes`: the fixes will be shown, so verify them (it re-analyses per fix)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None
    return analyze_bytes(data, str(path), filesystem_resolver(path), verify_fixes=with_fixes)


# -- check -----------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    if args.diff and args.format == "json":
        raise UsageError("--diff prints a unified diff: it cannot be combined with "
                         "--format json (use --format json without --diff for the fixes)")
    if args.fix or args.diff:
        from shape_engine.fix_files import fix_files

        return fix_files(list(python_files(args.paths)), write=not args.diff,
                         unsafe=args.unsafe_fixes, json_format=args.format == "json")
    results = [(path, analyze_file(path, with_fixes=args.format == "json"))
               for path in python_files(args.paths)]
    found = any(f.severity in (Severity.ERROR, Severity.WARNING)
                for _, analysis in results for f in analysis.findings)
    if args.format == "json":
        rows = [finding_json(str(path), f) for path, analysis in results
                for f in analysis.findings]
        print(json.dumps(rows, indent=2))
    else:
        count = 0
        for path, analysis in results:
            for finding in analysis.findings:
                start = finding.range.start
                print(f"{path}:{start.line + 1}:{start.character + 1}: {finding.code} "
                      f"{finding.message}")
                count += 1
        files = len(results)
        print(f"Found {count} finding{'s' if count != 1 else ''} in {files} "
              f"file{'s' if files != 1 else ''}." if count else
              f"No shape problems found in {files} file{'s' if files != 1 else ''}.",
              file=sys.stderr)
    return 1 if found else 0


def _position(pos: Position) -> dict[str, int]:
    return {"row": pos.line + 1, "column": pos.character + 1}


def fix_json(fix: Fix) -> dict[str, object]:
    return {
        "message": fix.title,
        "applicability": fix.applicability.value,
        "edits": [{"content": e.content, "location": _position(e.range.start),
                   "end_location": _position(e.range.end)} for e in fix.edits],
    }


def finding_json(filename: str, finding: Finding) -> dict[str, object]:
    return {
        "filename": filename,
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": _position(finding.range.start),
        "end_location": _position(finding.range.end),
        "fix": fix_json(finding.fix) if finding.fix else None,
        "fixes": [fix_json(f) for f in finding.fixes],
    }


# -- shapes ----------------------------------------------------------------------------------


def _shapes(args: argparse.Namespace) -> int:
    results = [(path, analyze_file(path, with_fixes=False)) for path in python_files(args.paths)]
    if args.format == "json":
        print(json.dumps([{"filename": str(path),
                           "models": [model_json(m) for m in analysis.models]}
                          for path, analysis in results], indent=2))
        return 0
    for path, analysis in results:
        for report in analysis.models:
            print(summary_table(report, str(path)))
            print()
    return 0


def _shape_json(shape: MaybeShape) -> list[int | None] | None:
    return None if shape is None else list(shape)


def model_json(report: ModelReport) -> dict[str, object]:
    model = report.model
    return {
        "name": model.name,
        "row": model.range.start.line + 1,
        "input_shape": _shape_json(report.input_shape),
        "output_shape": _shape_json(report.output_shape),
        "total_params": report.total_params,
        "layers": [{"layer": layer.label, "row": layer.range.start.line + 1,
                    "column": layer.range.start.character + 1,
                    "input_shape": _shape_json(layer.input_shape),
                    "output_shape": _shape_json(layer.output_shape),
                    "params": layer.params} for layer in report.layers],
    }


def summary_table(report: ModelReport, filename: str) -> str:
    """A text table like Keras' model.summary()."""
    rows = [(layer.label, format_shape(layer.output_shape),
             "?" if layer.params is None else f"{layer.params:,}") for layer in report.layers]
    headers = ("Layer", "Output Shape", "Param #")
    widths = [max([len(headers[i]), *(len(r[i]) for r in rows)]) for i in range(3)]
    rule = "-" * (sum(widths) + 6)
    lines = [f'Model: "{report.model.name}" ({filename}:{report.model.range.start.line + 1})',
             rule, _row(headers, widths), rule.replace("-", "=")]
    lines += [_row(r, widths) for r in rows]
    total = report.total_params
    lines += [rule, f"Total params: {'?' if total is None else f'{total:,}'}"]
    if report.refused:
        lines.append("Keras refuses to build this model: see `shapelens check`.")
    return "\n".join(lines)


def _row(cells: Sequence[str], widths: list[int]) -> str:
    return "   ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
