"""The rule about suppression comments themselves (the comments are read in `suppression`)."""

from __future__ import annotations

from shape_engine.findings import Severity
from shape_engine.rule import Rule

UNUSED_NOQA = Rule(
    "SL901", "unused-noqa", Severity.WARNING,
    "A `# noqa` or `# shapelens: noqa` comment names a Shapelens code that reports nothing "
    "there.",
    "A suppression left behind after the problem was fixed (or one naming the wrong code) "
    "would silently hide the next real finding of that code on the line. The fix removes the "
    "unused codes, and the comment when none is left. Only Shapelens (`SL`) codes are judged: "
    "`# noqa` alone and other tools' codes are left alone. Off by default: turn it on with "
    "`extend-select = [\"SL901\"]` or `--extend-select SL901`.",
    default_enabled=False)
