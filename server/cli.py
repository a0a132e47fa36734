"""The `shapelens` command: shape_engine's command line, with `serve` running this server.

The engine's CLI never imports the server (pyproject.toml's import contracts): the server adds
its subcommand here, and the `shapelens` script and the editors' launcher run this `main`.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

# Importing the engine makes objects that live until the process ends (modules, classes, rule
# tables): collector passes during the import would walk them again and again (a tenth of
# the start-up of `shapelens check`), and one right after it would walk them all once more.
# So no passes while importing, and what the import made is frozen out of later ones (which
# would walk it each time, and again at exit).
_collecting = gc.isenabled()
gc.disable()
try:
    from shape_engine import cli
finally:
    gc.freeze()
    if _collecting:
        gc.enable()


def serve(args: argparse.Namespace) -> int:
    """`shapelens serve`: lsprotocol's classes from their cache first, then the server."""
    from server.startup import import_protocol

    import_protocol()
    from server.app import run

    return run(tcp=args.tcp, log_file=args.log_file)


def main(argv: Sequence[str] | None = None) -> int:
    """`argv` None: the command line of the `shapelens` script's own process, which a command
    other than `serve` ends as soon as its output is flushed (see `_end`). Given `argv`
    (tests, the editors' launcher), it returns."""
    status = cli.main(argv, serve=serve)
    if argv is None and sys.argv[1:2] != ["serve"]:
        _end(status)
    return status


def _end(status: int) -> None:
    """Ends the process with `status` without tearing the interpreter down: freeing the
    engine's modules object by object would add a tenth to checking a small file, and the
    commands leave nothing else to do at exit (no threads, no atexit hooks, files closed).
    When the output cannot be flushed (a reader that left), returns: the interpreter's own
    exit then reports it as it always has."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None without a console (pythonw)
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(status)
