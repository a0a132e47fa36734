"""The `shapelens` command: shape_engine's command line, with `serve` running this server.

The engine's CLI never imports the server (pyproject.toml's import contracts): the server adds
its subcommand here, and the `shapelens` script and the editors' launcher run this `main`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from shape_engine import cli


def serve(args: argparse.Namespace) -> int:
    """`shapelens serve`: lsprotocol's classes from their cache first, then the server."""
    from server.startup import import_protocol

    import_protocol()
    from server.app import run

    return run(tcp=args.tcp, log_file=args.log_file)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, serve=serve)
