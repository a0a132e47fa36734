"""The `shapelens` command line: `check`, `shapes` and `serve`.

Presents the engine's results; never imports TensorFlow, numpy or the user's modules.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from shape_engine.analysis import Analysis, is_too_large, too_large, too_large_message
from shape_engine.findings import Finding, Fix, Position, Severity
from shape_engine.imports import filesystem_resolver
from shape_engine.interpret import LayerReport, ModelReport
from shape_engine.ir import INPUT_KINDS, LayerCall
from shape_engine.notebook import CellFinding
from shape_engine.notebook_analysis import analyze_file, placed_findings
from shape_engine.selection import parse_codes
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
    check.add_argument("--extend-select", action="append", default=[], metavar="CODE[,CODE]",
                       help="also report these rules, which are off by default")
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


def analyze_targets(paths: Sequence[str], reader: Reader, *, with_fixes: bool,
                    extend_select: frozenset[str] = frozenset()
                    ) -> list[tuple[Path, Analysis]]:
    """`with_fixes`: the fixes will be shown, so verify them (it re-analyses per fix)."""
    results = []
    for target in targets(paths):
        data = reader.read(target)
        if isinstance(data, TooLarge):
            results.append((target.path, too_large(str(target.path), data.size, data.limit)))
        elif data is not None:
            results.append((target.path, analyze_file(
                data, str(target.path), filesystem_resolver(target.path),
                verify_fixes=with_fixes, extend_select=extend_select)))
    return results


# -- check -----------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    if args.diff and args.format == "json":
        raise UsageError("--diff prints a unified diff: it cannot be combined with "
                         "--format json (use --format json without --diff for the fixes)")
    try:
        extend_select = parse_codes(args.extend_select)
    except ValueError as error:
        raise UsageError(f"--extend-select: {error}") from None
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
                                       json_format=args.format == "json",
                                       extend_select=extend_select))
    results = analyze_targets(args.paths, reader, with_fixes=args.format == "json",
                              extend_select=extend_select)
    found = any(f.severity in (Severity.ERROR, Severity.WARNING)
                for _, analysis in results for f in analysis.findings)
    if args.format == "json":
        rows = [finding_json(str(path), placed.finding, placed) for path, analysis in results
                for placed in placed_findings(analysis)]
        print(json.dumps(rows, indent=2))
    else:
        count = 0
        for path, analysis in results:
            for placed in placed_findings(analysis):
                print(finding_line(str(path), placed.finding, placed.cell))
                count += 1
        files = len(results)
        print((f"Found {count} finding{'s' if count != 1 else ''} in {files} "
               f"file{'s' if files != 1 else ''}" if count else
               f"No shape problems found in {files} file{'s' if files != 1 else ''}")
              + reader.summary() + ".", file=sys.stderr)
    return reader.status(1 if found else 0)


def finding_line(filename: str, finding: Finding, cell: int | None = None) -> str:
    """`path:row:col: CODE message`; in a notebook `path:cell N:row:col: ...` (as ruff)."""
    start = finding.range.start
    return (f"{filename}:{_cell_prefix(cell)}{start.line + 1}:{start.character + 1}: "
            f"{finding.code} {finding.message}")


def _cell_prefix(cell: int | None) -> str:
    return "" if cell is None else f"cell {cell}:"


def _position(pos: Position) -> dict[str, int]:
    return {"row": pos.line + 1, "column": pos.character + 1}


def fix_json(fix: Fix, cells: tuple[int | None, ...] = ()) -> dict[str, object]:
    """`cells`: in a notebook, the cell of each edit (each edit then names it)."""
    edits: list[dict[str, object]] = []
    for index, e in enumerate(fix.edits):
        edit: dict[str, object] = {"content": e.content, "location": _position(e.range.start),
                                   "end_location": _position(e.range.end)}
        if index < len(cells) and cells[index] is not None:
            edit["cell"] = cells[index]
        edits.append(edit)
    return {"message": fix.title, "applicability": fix.applicability.value, "edits": edits}


def finding_json(filename: str, finding: Finding, placed: CellFinding | None = None
                 ) -> dict[str, object]:
    """`placed`: the finding placed in a notebook's cell (`finding` is its `finding`); the
    row then has a `cell` (1-based among all the notebook's cells, as ruff counts) and the
    locations are within that cell."""
    edit_cells = placed.edit_cells if placed is not None else ()
    row: dict[str, object] = {
        "filename": filename,
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": _position(finding.range.start),
        "end_location": _position(finding.range.end),
        "fix": (fix_json(finding.fix, _cells_of(edit_cells, finding.preferred_fix))
                if finding.fix else None),
        "fixes": [fix_json(f, _cells_of(edit_cells, i)) for i, f in enumerate(finding.fixes)],
    }
    if placed is not None and placed.cell is not None:
        row["cell"] = placed.cell
    return row


def _cells_of(edit_cells: tuple[tuple[int | None, ...], ...], fix: int | None
              ) -> tuple[int | None, ...]:
    return edit_cells[fix] if fix is not None and fix < len(edit_cells) else ()


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
            first = placed_findings(analysis)[0]
            print(f"{finding_line(str(path), first.finding, first.cell)} (no models shown)")
            print()
        for report, name in zip(analysis.models, model_names(analysis.models), strict=True):
            print(summary_table(report, str(path), name, placer(analysis)))
            print()
    return reader.status(1 if unparsed else 0)


def shapes_json(filename: str, analysis: Analysis) -> dict[str, object]:
    entry: dict[str, object] = {
        "filename": filename,
        "models": [model_json(m, name, placer(analysis))
                   for m, name in zip(analysis.models, model_names(analysis.models),
                                      strict=True)]}
    if not analysis.parsed or is_too_large(analysis):
        error = placed_findings(analysis)[0]
        entry["error"] = error.finding.message
        entry["location"] = _position(error.finding.range.start)
        if error.cell is not None:
            entry["cell"] = error.cell
    return entry


# Where a position of the analysed text is: its cell in a notebook (None in a file) and the
# position there.
Placer = Callable[[Position], tuple[int | None, Position]]


def placer(analysis: Analysis) -> Placer:
    cells = analysis.cells
    if cells is None:
        return lambda pos: (None, pos)

    def place(pos: Position) -> tuple[int | None, Position]:
        found = cells.to_cell(pos)
        return found if found is not None else (None, pos)

    return place


def _located(place: Placer, pos: Position, column: bool = False) -> dict[str, object]:
    """The JSON `row` (and `column`) of a position, with its `cell` in a notebook."""
    cell, where = place(pos)
    row: dict[str, object] = {} if cell is None else {"cell": cell}
    row["row"] = where.line + 1
    if column:
        row["column"] = where.character + 1
    return row


def model_names(reports: Sequence[ModelReport]) -> list[str]:
    """The name shown for each model: its `name=`, else its variable, else the name Keras
    gives a Sequential without one, numbered in the order the file creates them (a nested
    model before the one holding it): "sequential", "sequential_1", ... Keras counts every
    unnamed Sequential the process creates, those bound to variables too, so the real suffix
    may be higher. A functional model without either is "functional", "functional_1", ..."""
    names = []
    unnamed = {"sequential": 0, "functional": 0}
    for report in reports:
        name = report.model.name
        if not name:
            base = "functional" if report.model.graph is not None else "sequential"
            name = base if unnamed[base] == 0 else f"{base}_{unnamed[base]}"
            unnamed[base] += 1
        names.append(name)
    return names


def _shape_json(shape: MaybeShape) -> list[int | None] | None:
    return None if shape is None else list(shape)


def model_json(report: ModelReport, name: str | None = None,
               place: Placer = lambda pos: (None, pos)) -> dict[str, object]:
    """`name`: the name to show (default: `model_names` of this model alone). `place`: in a
    notebook, the rows are within their cells, which each entry names."""
    model = report.model
    return {
        "name": name if name is not None else model_names([report])[0],
        **_located(place, model.range.start),
        "input_shape": _shape_json(report.input_shape),
        "output_shape": _shape_json(report.output_shape),
        "total_params": report.total_params,
        "layers": [{"layer": layer.label, **_located(place, layer.range.start, column=True),
                    "input_shape": _shape_json(layer.input_shape),
                    "output_shape": _shape_json(layer.output_shape),
                    "params": layer.params, "inputs": list(_consumed(report, i))}
                   for i, layer in enumerate(report.layers)],
    }


def _consumed(report: ModelReport, row: int) -> tuple[int, ...]:
    """The rows (indices into `layers`) whose output this row takes: the graph's edges in a
    functional model, the row before in a Sequential one."""
    inputs = report.layers[row].inputs
    if inputs is not None:
        return inputs
    return () if row == 0 else (row - 1,)


def summary_table(report: ModelReport, filename: str, name: str | None = None,
                  place: Placer = lambda pos: (None, pos)) -> str:
    """A text table like Keras' model.summary(), which lists the layers after the InputLayer
    (a functional model: every row, with Keras' "Connected to" column).
    `name`: the name to show (default: `model_names` of this model alone)."""
    cell, start = place(report.model.range.start)
    if report.model.graph is not None:
        # Keras' functional summary: every row, Input ones too, with what each is fed.
        rows: list[tuple[str, ...]] = [
            (layer.label, format_shape(layer.output_shape),
             "?" if layer.params is None else f"{layer.params:,}",
             ", ".join(_called_on(report.layers[i], place) for i in layer.inputs or ()) or "-")
            for layer in report.layers]
        headers: tuple[str, ...] = ("Layer", "Output Shape", "Param #", "Connected to")
    else:
        layers = report.layers
        if layers and _is_input(layers[0]):
            layers = layers[1:]
        rows = [(layer.label, format_shape(layer.output_shape),
                 "?" if layer.params is None else f"{layer.params:,}") for layer in layers]
        headers = ("Layer", "Output Shape", "Param #")
    widths = [max([len(headers[i]), *(len(r[i]) for r in rows)])
              for i in range(len(headers))]
    rule = "-" * (sum(widths) + 3 * (len(widths) - 1))
    shown = name if name is not None else model_names([report])[0]
    lines = [f'Model: "{shown}" ({filename}:{_cell_prefix(cell)}{start.line + 1})',
             rule, _row(headers, widths), rule.replace("-", "=")]
    lines += [_row(r, widths) for r in rows]
    total = report.total_params
    lines += [rule, f"Total params: {'?' if total is None else f'{total:,}'}"]
    if report.refused:
        lines.append("Keras refuses to build this model: see `shapelens check`.")
    return "\n".join(lines)


def _called_on(layer: LayerReport, place: Placer) -> str:
    cell, at = place(layer.range.start)
    where = f"line {at.line + 1}" if cell is None else f"cell {cell}, line {at.line + 1}"
    return f"{layer.label} ({where})"


def _is_input(layer: LayerReport) -> bool:
    call = layer.entry.layer
    return isinstance(call, LayerCall) and call.kind in INPUT_KINDS


def _row(cells: Sequence[str], widths: list[int]) -> str:
    return "   ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
                      ).rstrip()
