"""The `shapelens` command line: `check`, `shapes` and `serve`.

Presents the engine's results; never imports TensorFlow, numpy or the user's modules.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from shape_engine.analysis import (
    Analysis,
    analyze_bytes,
    is_too_large,
    too_large,
    too_large_message,
)
from shape_engine.findings import Finding, Fix, Position, Severity
from shape_engine.imports import filesystem_resolver
from shape_engine.interpret import LayerReport, ModelReport
from shape_engine.ir import INPUT_KINDS, LayerCall
from shape_engine.shapes import MaybeShape, format_shape
from shape_engine.walk import (
    DEFAULT_MAX_FILE_SIZE,
    NotRegular,
    Target,
    TooLarge,
    UsageError,
    parse_size,
    read,
    reason,
    targets,
)

__all__ = ["UsageError", "main"]

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
    except BrokenPipeError:  # `shapelens shapes ... | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not raise again
        return 1
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
    _size_option(check)
    shapes = commands.add_parser("shapes", help="print a static model.summary() of every model")
    shapes.add_argument("paths", nargs="+", metavar="PATH")
    shapes.add_argument("--format", choices=("text", "json"), default="text")
    _size_option(shapes)
    serve = commands.add_parser("serve", help="run the language server")
    serve.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    serve.add_argument("--log-file", metavar="PATH", help="also write the server log here")
    return parser


def _size_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-file-size", type=file_size, default=DEFAULT_MAX_FILE_SIZE, metavar="SIZE",
        help="files larger than this are not analysed (SL004); bytes, or with KB or MB "
             "(default 2MB; 0 for no limit)")


def file_size(text: str) -> int | None:
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# -- discovery and analysis ------------------------------------------------------------------


class Reader:
    """Reads the files of a run. A file named on the command line that cannot be read is a
    usage error; one found in a folder gets a line on stderr and the run goes on, to exit 2
    at the end (`unreadable` counts them). A file skipped (not a regular file, a link out
    of the folder or a loop of links) gets a note on stderr and does not change the exit
    status; a file larger than `max_size` is not read (`TooLarge`)."""

    def __init__(self, max_size: int | None = DEFAULT_MAX_FILE_SIZE) -> None:
        self.unreadable = 0
        self.max_size = max_size

    def read(self, target: Target) -> bytes | TooLarge | None:
        """The file's bytes, `TooLarge`, or None when it cannot be read or is skipped."""
        error = target.error
        if target.skipped is not None:
            print(f"shapelens: {target.path}: skipped: {target.skipped}", file=sys.stderr)
            return None
        if error is None:
            try:
                return read(target, self.max_size)
            except NotRegular as skipped:
                print(f"shapelens: {skipped}: skipped", file=sys.stderr)
                return None
            except OSError as raised:
                error = raised
        message = f"{target.path}: {reason(error)}"
        if target.named:
            raise UsageError(message)
        print(f"shapelens: {message}", file=sys.stderr)
        self.unreadable += 1
        return None

    def status(self, status: int) -> int:
        """The run's exit status: 2 when some file could not be read, else `status`."""
        return 2 if self.unreadable else status

    def summary(self) -> str:
        count = self.unreadable
        return (f"; {count} path{'s' if count != 1 else ''} could not be read" if count
                else "")


def analyze_targets(paths: Sequence[str], reader: Reader, *, with_fixes: bool
                    ) -> list[tuple[Path, Analysis]]:
    """`with_fixes`: the fixes will be shown, so verify them (it re-analyses per fix)."""
    results = []
    for target in targets(paths):
        data = reader.read(target)
        if isinstance(data, TooLarge):
            results.append((target.path, too_large(str(target.path), data.size, data.limit)))
        elif data is not None:
            results.append((target.path, analyze_bytes(
                data, str(target.path), filesystem_resolver(target.path),
                verify_fixes=with_fixes)))
    return results


# -- check -----------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    if args.diff and args.format == "json":
        raise UsageError("--diff prints a unified diff: it cannot be combined with "
                         "--format json (use --format json without --diff for the fixes)")
    reader = Reader(args.max_file_size)
    if args.fix or args.diff:
        from shape_engine.fix_files import fix_files

        readable = []
        for target in targets(args.paths):
            data = reader.read(target)
            if isinstance(data, TooLarge):
                message = too_large_message(data.size, data.limit)
                print(f"shapelens: {target.path}: not fixed: {message}", file=sys.stderr)
            elif data is not None:
                readable.append(target.path)
        return reader.status(fix_files(readable, write=not args.diff, unsafe=args.unsafe_fixes,
                                       json_format=args.format == "json"))
    results = analyze_targets(args.paths, reader, with_fixes=args.format == "json")
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
                print(finding_line(str(path), finding))
                count += 1
        files = len(results)
        print((f"Found {count} finding{'s' if count != 1 else ''} in {files} "
               f"file{'s' if files != 1 else ''}" if count else
               f"No shape problems found in {files} file{'s' if files != 1 else ''}")
              + reader.summary() + ".", file=sys.stderr)
    return reader.status(1 if found else 0)


def finding_line(filename: str, finding: Finding) -> str:
    start = finding.range.start
    return f"{filename}:{start.line + 1}:{start.character + 1}: {finding.code} {finding.message}"


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
    """Exit status: 1 when a file does not parse (its models cannot be shown), 2 when a file
    could not be read, else 0 (shape problems are `check`'s to report)."""
    reader = Reader(args.max_file_size)
    results = analyze_targets(args.paths, reader, with_fixes=False)
    unparsed = any(not analysis.parsed for _, analysis in results)
    if args.format == "json":
        print(json.dumps([shapes_json(str(path), analysis) for path, analysis in results],
                         indent=2))
        return reader.status(1 if unparsed else 0)
    for path, analysis in results:
        if not analysis.parsed or is_too_large(analysis):
            print(f"{finding_line(str(path), analysis.findings[0])} (no models shown)")
            print()
        for report, name in zip(analysis.models, model_names(analysis.models), strict=True):
            print(summary_table(report, str(path), name))
            print()
    return reader.status(1 if unparsed else 0)


def shapes_json(filename: str, analysis: Analysis) -> dict[str, object]:
    entry: dict[str, object] = {
        "filename": filename,
        "models": [model_json(m, name)
                   for m, name in zip(analysis.models, model_names(analysis.models),
                                      strict=True)]}
    if not analysis.parsed or is_too_large(analysis):
        error = analysis.findings[0]
        entry["error"] = error.message
        entry["location"] = _position(error.range.start)
    return entry


def model_names(reports: Sequence[ModelReport]) -> list[str]:
    """The name shown for each model: its `name=`, else its variable, else the name Keras
    gives a Sequential without one, numbered in the order the file creates them (a nested
    model before the one holding it): "sequential", "sequential_1", ... Keras counts every
    unnamed Sequential the process creates, those bound to variables too, so the real suffix
    may be higher."""
    names = []
    unnamed = 0
    for report in reports:
        name = report.model.name
        if not name:
            name = "sequential" if unnamed == 0 else f"sequential_{unnamed}"
            unnamed += 1
        names.append(name)
    return names


def _shape_json(shape: MaybeShape) -> list[int | None] | None:
    return None if shape is None else list(shape)


def model_json(report: ModelReport, name: str | None = None) -> dict[str, object]:
    """`name`: the name to show (default: `model_names` of this model alone)."""
    model = report.model
    return {
        "name": name if name is not None else model_names([report])[0],
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


def summary_table(report: ModelReport, filename: str, name: str | None = None) -> str:
    """A text table like Keras' model.summary(), which lists the layers after the InputLayer.
    `name`: the name to show (default: `model_names` of this model alone)."""
    layers = report.layers
    if layers and _is_input(layers[0]):
        layers = layers[1:]
    rows = [(layer.label, format_shape(layer.output_shape),
             "?" if layer.params is None else f"{layer.params:,}") for layer in layers]
    headers = ("Layer", "Output Shape", "Param #")
    widths = [max([len(headers[i]), *(len(r[i]) for r in rows)]) for i in range(3)]
    rule = "-" * (sum(widths) + 6)
    shown = name if name is not None else model_names([report])[0]
    lines = [f'Model: "{shown}" ({filename}:{report.model.range.start.line + 1})',
             rule, _row(headers, widths), rule.replace("-", "=")]
    lines += [_row(r, widths) for r in rows]
    total = report.total_params
    lines += [rule, f"Total params: {'?' if total is None else f'{total:,}'}"]
    if report.refused:
        lines.append("Keras refuses to build this model: see `shapelens check`.")
    return "\n".join(lines)


def _is_input(layer: LayerReport) -> bool:
    call = layer.entry.layer
    return isinstance(call, LayerCall) and call.kind in INPUT_KINDS


def _row(cells: Sequence[str], widths: list[int]) -> str:
    return "   ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
