"""`python -m server`: run the language server (same as `shapelens serve`)."""

from __future__ import annotations

import argparse
import sys


def serve(args: argparse.Namespace) -> int:
    from server.startup import import_protocol

    import_protocol()
    from server.app import run

    return run(tcp=args.tcp, log_file=args.log_file)


if __name__ == "__main__":
    from shape_engine.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
