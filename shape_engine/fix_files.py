"""`shapelens check --fix / --diff`: apply the engine's fixes to files, or show them as a diff.

Fixes are applied one at a time, each on a fresh analysis (`fixes.fix_all`), so they never
collide. Files keep their encoding, byte order mark and line breaks.
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
import sys
from pathlib import Path

from shape_engine.findings import Severity
from shape_engine.fixes import fix_all
from shape_engine.imports import filesystem_resolver
from shape_engine.source import decode

_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def fix_files(paths: list[Path], write: bool, unsafe: bool, json_format: bool,
              extend_select: frozenset[str] = frozenset()) -> int:
    """Fix (or, without `write`, diff) every file; the exit status of `shapelens check`."""
    fixed_count = 0
    changed_files = 0
    remaining_rows: list[tuple[Path, object]] = []
    diffs: list[str] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            from shape_engine.cli import UsageError

            raise UsageError(f"{path}: {error.strerror or error}") from None
        decoded = decode(data)
        result = fix_all(decoded.text, str(path), filesystem_resolver(path), unsafe,
                         extend_select)
        applied = result.applied if decoded.note is None else []
        remaining_rows += [(path, f) for f in result.remaining]
        if not applied:
            continue
        changed_files += 1
        fixed_count += len(applied)
        if write:
            path.write_bytes(_encode(result.text, data))
        else:
            diffs.append("".join(difflib.unified_diff(
                decoded.text.splitlines(keepends=True), result.text.splitlines(keepends=True),
                fromfile=f"a/{diff_name(path)}", tofile=f"b/{diff_name(path)}")))
        if not json_format:
            verb = "Fixed" if write else "Would fix"
            for finding, fix_ in applied:
                print(f"{path}: {verb} {finding.code}: {fix_.title}", file=sys.stderr)
    return _report(remaining_rows, diffs, fixed_count, changed_files, write, json_format)


def diff_name(path: Path) -> str:
    """The path as git writes it after `a/` and `b/`: relative to the working folder when
    inside it, else without its root (`/tmp/x.py` -> `tmp/x.py`, as `git diff --no-index`)."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.relative_to(path.anchor).as_posix()


def _report(remaining: list[tuple[Path, object]], diffs: list[str], fixed: int, files: int,
            write: bool, json_format: bool) -> int:
    from shape_engine.cli import finding_json
    from shape_engine.findings import Finding

    findings = [(path, f) for path, f in remaining if isinstance(f, Finding)]
    if not write:
        sys.stdout.write("".join(diffs))
    elif json_format:
        print(json.dumps([finding_json(str(path), f) for path, f in findings], indent=2))
    else:
        for path, finding in findings:
            start = finding.range.start
            print(f"{path}:{start.line + 1}:{start.character + 1}: {finding.code} "
                  f"{finding.message}")
    verb = "Fixed" if write else "Would fix"
    plural = "s" if fixed != 1 else ""
    print(f"{verb} {fixed} finding{plural} in {files} file{'s' if files != 1 else ''}; "
          f"{len(findings)} remaining.", file=sys.stderr)
    if not write:
        return 1 if diffs else 0
    problems = any(f.severity in (Severity.ERROR, Severity.WARNING) for _, f in findings)
    return 1 if problems else 0


def _encode(text: str, original: bytes) -> bytes:
    """Encode as the file was: its byte order mark and its coding cookie."""
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    encoding = "utf-8"
    for line in original[len(bom):].splitlines()[:2]:
        match = _CODING.match(line)
        if match:
            encoding = match.group(1).decode("ascii")
            break
    try:
        return bom + text.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return bom + text.encode("utf-8")
