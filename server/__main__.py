"""`python -m server`: runs the language server (as `shapelens serve`).

Kept for compatibility, offered nowhere: started from a folder that has its own `server`
package, `python -m` runs that one instead (see server/launcher.py for what editors run).
"""

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
