"""The `shapelens` command: shape_engine's command line, with `serve` running this server.

The engine's CLI never imports the server (pyproject.toml's import contracts): the server adds
its subcommand here, and the `shapelens` script and the editors' launcher run this `main`.
"""

from __future__ import annotations

import argparse
import gc
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
    return cli.main(argv, serve=serve)
