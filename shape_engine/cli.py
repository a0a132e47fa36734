"""The `shapelens` command line: `check`, `shapes`, `rule`, `version` and `serve`.

Presents the engine's results; never imports TensorFlow, numpy or the user's modules, nor the
language server: `serve` is given by the `shapelens` script (`server.cli`), which adds it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from shape_engine import keras_version, presenters
from shape_engine.analysis import Analysis, is_too_large, too_large, too_large_message
from shape_engine.cell_findings import placed_findings
from shape_engine.config import ConfigCache, ConfigError, excluded_by
from shape_engine.evaluation.scope import ModuleResolver
from shape_engine.file_analysis import analyze_file
from shape_engine.findings import Position, Severity
from shape_engine.imports import filesystem_resolver
from shape_engine.interpret import LayerReport, ModelReport
from shape_engine.ir import LayerCall
from shape_engine.layers.base import is_input_kind
from shape_engine.presenters.concise import cell_prefix, finding_line
from shape_engine.presenters.report import FileResult
from shape_engine.selection import Layer, Selection, parse_codes
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

OUTPUT_FORMATS = tuple(presenters.FORMATS)
# `--format`, the older option: `text` is today's `concise`.
FORMAT_ALIASES = {"text": "concise", "json": "json"}
STDIN = "-"

__all__ = ["UsageError", "finding_line", "main"]


# `shapelens serve`: runs the language server with the parsed arguments.
Serve = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None, serve: Serve | None = None) -> int:
    """`serve`: the language server, given by the `shapelens` script (`server.cli`); without
    it `shapelens serve` says where the server is."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code not in (0, None) else 0
    if args.version and args.command is None:
        from shape_engine.version import version

        print(f"shapelens {version()}")
        return 0
    try:
        if args.command == "check":
            with keras_version.using(args.keras_version):
                return _check(args)
        if args.command == "shapes":
            with keras_version.using(args.keras_version):
                return _shapes(args)
        if args.command == "rule":
            from shape_engine.rule_page import print_rule

            try:
                return print_rule(args.code, args.all)
            except ValueError as error:
                raise UsageError(str(error)) from None
        if args.command == "version":
            from shape_engine.version import version

            print(f"shapelens {version()}")
            return 0
        if args.command == "serve":
            if serve is None:
                raise UsageError("serve: the language server is started by the `shapelens` "
                                 "command (or `python -m server`), not by shape_engine")
            return serve(args)
    except (UsageError, ConfigError) as error:
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
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command")
    check = commands.add_parser("check", help="report shape problems")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files and folders to check (default: the current folder); "
                            "`-` reads the source from stdin")
    check.add_argument("--output-format", choices=OUTPUT_FORMATS, default=None,
                       help="how findings are shown (default: full)")
    check.add_argument("--format", choices=tuple(FORMAT_ALIASES), default=None,
                       help="the older spelling: text is --output-format concise, json is json")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="with `-`, the name the source from stdin is checked and "
                            "reported under")
    check.add_argument("--statistics", action="store_true",
                       help="print how many findings of each rule instead of the findings")
    check.add_argument("--fix", action="store_true",
                       help="apply safe fixes in place and report what changed")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, also apply fixes that may change meaning")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them")
    check.add_argument("--select", action="append", metavar="CODE[,CODE]",
                       help="report only these rules (codes, prefixes like SL2, or ALL), "
                            "instead of those the configuration selects")
    check.add_argument("--ignore", action="append", default=[], metavar="CODE[,CODE]",
                       help="do not report these rules")
    check.add_argument("--extend-select", action="append", default=[], metavar="CODE[,CODE]",
                       help="also report these rules (one off by default needs its full code)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit with status 0 even when findings are reported")
    check.add_argument("--add-noqa", action="store_true",
                       help="add a `# noqa: CODE` comment for each finding reported")
    check.add_argument("--show-settings", metavar="FILE",
                       help="print the settings in force for FILE and exit")
    _size_option(check)
    rule = commands.add_parser("rule", help="explain a rule")
    rule.add_argument("code", nargs="?", metavar="CODE", help="a code (SL201) or name")
    rule.add_argument("--all", action="store_true", help="every rule's page")
    commands.add_parser("version", help="print the version")
    shapes = commands.add_parser("shapes", help="print a static model.summary() of every model")
    shapes.add_argument("paths", nargs="+", metavar="PATH")
    shapes.add_argument("--format", choices=("text", "json"), default="text")
    _size_option(shapes)
    for command in (check, shapes):
        # No default here: unset, the configuration's keras-version (else Keras 3) applies.
        command.add_argument("--keras-version", choices=keras_version.CHOICES,
                             help="follow Keras 3 (default) or tf.keras 2 where they differ")
    serve = commands.add_parser("serve", help="run the language server")
    serve.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    serve.add_argument("--log-file", metavar="PATH", help="also write the server log here")
    return parser


def _size_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-file-size", type=file_size, default=FROM_CONFIG, metavar="SIZE",
        help="files larger than this are not analysed (SL004); bytes, or with KB or MB "
             "(default: the configuration's max-file-size, else 2MB; 0 for no limit)")


# `--max-file-size` not given: each file's configuration says (`max-file-size`).
FROM_CONFIG = -1


def size_limits(args: argparse.Namespace, configs: ConfigCache) -> Callable[[Path], int | None]:
    """The size limit of each file: the command line's, else its configuration's."""
    given: int | None = args.max_file_size
    if given != FROM_CONFIG:
        return lambda path: given
    return lambda path: configs.for_path(path).max_file_size


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

    def __init__(self, max_size: Callable[[Path], int | None] = lambda path: DEFAULT_MAX_FILE_SIZE
                 ) -> None:
        self.unreadable = 0
        self.max_size = max_size  # each file's limit

    def read(self, target: Target) -> bytes | TooLarge | None:
        """The file's bytes, `TooLarge`, or None when it cannot be read or is skipped."""
        error = target.error
        if target.skipped is not None:
            print(f"shapelens: {target.path}: skipped: {target.skipped}", file=sys.stderr)
            return None
        if error is None:
            try:
                return read(target, self.max_size(target.path))
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


def keras_versions(args: argparse.Namespace, configs: ConfigCache
                   ) -> Callable[[Path], keras_version.KerasVersion | None]:
    """The Keras each file's verdicts follow: --keras-version (in effect for the whole run:
    None here), else the file's configuration's `keras-version`."""
    if args.keras_version is not None:
        return lambda path: None
    def written(path: Path) -> keras_version.KerasVersion | None:
        chosen = configs.for_path(path).keras_version
        return keras_version.parse(chosen) if chosen is not None else None

    return written


def analyze_targets(paths: Sequence[str], reader: Reader, *, with_fixes: bool,
                    selection_for: Callable[[Path], Selection] = lambda path: frozenset(),
                    configs: ConfigCache | None = None,
                    version_for: Callable[[Path], keras_version.KerasVersion | None] = (
                        lambda path: None)) -> list[tuple[Path, Analysis]]:
    """`with_fixes`: the fixes will be shown, so verify them (it re-analyses per fix).
    `selection_for`: the rules reported in each file; `configs`: the configurations whose
    `exclude` walks follow; `version_for`: the Keras each file follows (None: the one in
    effect)."""
    results = []
    for target in targets(paths, excluded=excluded_by(configs or ConfigCache())):
        data = reader.read(target)
        if isinstance(data, TooLarge):
            results.append((target.path, too_large(str(target.path), data.size, data.limit)))
        elif data is not None:
            results.append((target.path, analyze_file(
                data, str(target.path), filesystem_resolver(target.path),
                verify_fixes=with_fixes, extend_select=selection_for(target.path),
                keras_version=version_for(target.path))))
    return results


class Selections:
    """Each file's rules: its configuration's, with the command line's on top."""

    def __init__(self, args: argparse.Namespace, configs: ConfigCache) -> None:
        self.configs = configs
        try:
            self.layer = Layer(
                select=tuple(parse_codes(args.select)) if args.select is not None else None,
                ignore=tuple(parse_codes(args.ignore)),
                extend_select=tuple(parse_codes(args.extend_select)))
        except ValueError as error:
            raise UsageError(f"--select/--ignore/--extend-select: {error}") from None

    def __call__(self, path: Path) -> Selection:
        return self.configs.for_path(path).selection(path).then(self.layer)


# -- check -----------------------------------------------------------------------------------


def output_format(args: argparse.Namespace) -> str:
    """`--output-format`, or what the older `--format` names; both must agree."""
    alias = FORMAT_ALIASES[args.format] if args.format else None
    if args.output_format and alias and alias != args.output_format:
        raise UsageError(f"--format {args.format} and --output-format {args.output_format} "
                         "disagree: give one of them")
    return str(args.output_format or alias or "full")


def _check(args: argparse.Namespace) -> int:
    fmt = output_format(args)
    paths: list[str] = args.paths or ["."]
    from_stdin = STDIN in paths
    if from_stdin and len(paths) > 1:
        raise UsageError("`-` (stdin) cannot be combined with other paths")
    if args.stdin_filename and not from_stdin:
        raise UsageError("--stdin-filename names the source read from `-`: give `-` as the "
                         "path")
    if (args.fix or args.diff) and from_stdin:
        raise UsageError("--fix and --diff change files: they do not read stdin")
    if args.add_noqa and from_stdin:
        raise UsageError("--add-noqa changes files: it does not read stdin")
    if args.diff and fmt == "json":
        raise UsageError("--diff prints a unified diff: it cannot be combined with "
                         "--output-format json (--format json): use it without --diff for the "
                         "fixes")
    if (args.fix or args.diff) and fmt not in ("full", "concise", "json"):
        raise UsageError(f"--fix reports the findings it leaves as full, concise or json: "
                         f"run `shapelens check --output-format {fmt}` after it")
    configs = ConfigCache()
    selections = Selections(args, configs)
    if args.show_settings is not None:
        from shape_engine.show_settings import describe

        path = Path(args.show_settings)
        print(describe(configs.for_path(path), path, selections.layer))
        return 0
    reader = Reader(size_limits(args, configs))
    if args.fix or args.diff or args.add_noqa:
        readable = []
        for target in targets(paths, excluded=excluded_by(configs)):
            data = reader.read(target)
            if isinstance(data, TooLarge):
                message = too_large_message(data.size, data.limit)
                print(f"shapelens: {target.path}: not fixed: {message}", file=sys.stderr)
            elif data is not None:
                readable.append(target.path)
        # One Keras for the run: that of the first file's configuration.
        version = keras_versions(args, configs)(readable[0]) if readable else None
        if args.add_noqa:
            from shape_engine.noqa_files import add_noqa

            with keras_version.using(version):
                return reader.status(add_noqa(readable, selections))
        from shape_engine.fix_files import fix_files

        with keras_version.using(version):
            status = fix_files(readable, write=not args.diff, unsafe=args.unsafe_fixes,
                               json_format=fmt == "json", selection_for=selections)
        return reader.status(0 if args.exit_zero else status)
    with_fixes = fmt in presenters.FIX_FORMATS or args.statistics
    if from_stdin:
        # Its configuration is that of the file it stands for (else the working folder's).
        as_path = Path(args.stdin_filename or "stdin.py")
        with keras_version.using(keras_versions(args, configs)(as_path)):
            results = [_analyze_stdin(args.stdin_filename, with_fixes, selections(as_path),
                                      size_limits(args, configs)(as_path))]
    else:
        results = list(_analyze(paths, reader, with_fixes, selections,
                                keras_versions(args, configs)))
    found = any(placed.finding.severity in (Severity.ERROR, Severity.WARNING)
                for result in results for placed in result.findings)
    if args.statistics:
        from shape_engine.presenters import statistics

        statistics.present(results, sys.stdout, as_json=fmt == "json")
    else:
        presenters.presenter(fmt)(results, sys.stdout)
    if fmt in presenters.HUMAN_FORMATS:
        count = sum(len(result.findings) for result in results)
        files = len(results)
        print((f"Found {count} finding{'s' if count != 1 else ''} in {files} "
               f"file{'s' if files != 1 else ''}" if count else
               f"No shape problems found in {files} file{'s' if files != 1 else ''}")
              + reader.summary() + ".", file=sys.stderr)
    return reader.status(1 if found and not args.exit_zero else 0)


def _analyze(paths: Sequence[str], reader: Reader, with_fixes: bool,
             selections: Selections,
             version_for: Callable[[Path], keras_version.KerasVersion | None]
             ) -> Iterator[FileResult]:
    for target in targets(paths, excluded=excluded_by(selections.configs)):
        data = reader.read(target)
        if isinstance(data, TooLarge):
            yield FileResult(str(target.path), too_large(str(target.path), data.size,
                                                         data.limit))
        elif data is not None:
            with keras_version.using(version_for(target.path)):
                yield _result(str(target.path), data, filesystem_resolver(target.path),
                              with_fixes, selections(target.path))


def _analyze_stdin(filename: str | None, with_fixes: bool, extend_select: Selection,
                   max_size: int | None) -> FileResult:
    """The source on stdin, analysed as if it were the file `filename` (its suffix says
    whether it is a notebook; its folder is where its imports are found). Past `max_size`
    it is not read further, nor analysed (SL004)."""
    name = filename or STDIN
    data = sys.stdin.buffer.read() if max_size is None else sys.stdin.buffer.read(max_size + 1)
    if max_size is not None and len(data) > max_size:
        return FileResult(name, too_large(name, len(data), max_size))
    resolver = filesystem_resolver(Path(filename)) if filename else None
    return _result(name, data, resolver, with_fixes, extend_select)


def _result(name: str, data: bytes, resolver: ModuleResolver | None, with_fixes: bool,
            extend_select: Selection) -> FileResult:
    """A file's analysis, with its text for a notebook (formats that point into the file
    place a notebook's findings on its JSON's lines)."""
    analysis = analyze_file(data, name, resolver, verify_fixes=with_fixes,
                            extend_select=extend_select)
    raw = data.decode("utf-8", "replace") if analysis.cells is not None else ""
    return FileResult(name, analysis, raw)


# -- shapes ----------------------------------------------------------------------------------


def _shapes(args: argparse.Namespace) -> int:
    """Exit status: 1 when a file does not parse (its models cannot be shown), 2 when a file
    could not be read, else 0 (shape problems are `check`'s to report)."""
    configs = ConfigCache()
    reader = Reader(size_limits(args, configs))
    results = analyze_targets(args.paths, reader, with_fixes=False, configs=configs,
                              version_for=keras_versions(args, configs))
    unparsed = any(not analysis.parsed for _, analysis in results)
    if args.format == "json":
        import json

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
        from shape_engine.presenters.json_format import position_json

        error = placed_findings(analysis)[0]
        entry["error"] = error.finding.message
        entry["location"] = position_json(error.finding.range.start)
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
        "outputs": _output_rows(report),
        "layers": [{"layer": layer.label, **_located(place, layer.range.start, column=True),
                    "input_shape": _shape_json(layer.input_shape),
                    "output_shape": _shape_json(layer.output_shape),
                    "params": layer.params, "inputs": list(_consumed(report, i))}
                   for i, layer in enumerate(report.layers)],
    }


def _output_rows(report: ModelReport) -> list[int | None]:
    """The rows giving the model's outputs (null: an op's result); a Sequential's last."""
    if report.graph_output_rows is not None:
        return list(report.graph_output_rows)
    return [len(report.layers) - 1] if report.layers else []


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
    lines = [f'Model: "{shown}" ({filename}:{cell_prefix(cell)}{start.line + 1})',
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
    return isinstance(call, LayerCall) and is_input_kind(call.kind)


def _row(cells: Sequence[str], widths: list[int]) -> str:
    return "   ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
                      ).rstrip()
