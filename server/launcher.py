"""How an editor starts the server from an interpreter it chose: `python -c LAUNCHER [ARGS]`.

Not `python -m server`: `-m`, like `-c`, puts the current folder first on `sys.path`, so when
started from a workspace that has its own `server` package it runs that package. `-P` (no such
entry) exists only from Python 3.11, and Shapelens supports 3.10; `-I` would also ignore
PYTHONPATH and the user's site-packages, where Shapelens may be installed. So the launcher
drops the current folder (`''` under `-c`) from `sys.path` itself, before it imports anything
that is not built in (`sys` is). The `shapelens` console script needs none of this: its
`sys.path[0]` is its own folder.

`BUNDLED_LAUNCHER` is the same for the VS Code extension's default, `useBundled`: the folder
given as its first argument (the extension's bundled/libs, Shapelens and its pure-Python
dependencies) goes first on `sys.path`, before the interpreter's site-packages, so the server
runs with the libraries it was packaged with whatever the interpreter has installed.

clients/vscode/src/interpreter.ts holds the same texts (tests/test_launcher.py checks them).
"""

from __future__ import annotations

import sys

LAUNCHER = ("import sys; sys.path[:] = [p for p in sys.path if p]; "
            "from server.cli import main; sys.exit(main(['serve', *sys.argv[1:]]))")
BUNDLED_LAUNCHER = ("import sys; sys.path[:] = [p for p in sys.path if p]; "
                    "sys.path.insert(0, sys.argv.pop(1)); "
                    "from server.cli import main; sys.exit(main(['serve', *sys.argv[1:]]))")


def server_command(python: str = sys.executable, libs: str | None = None) -> list[str]:
    """The command line that runs the language server on stdio with `python`, from the
    libraries in the folder `libs` when given."""
    if libs is not None:
        return [python, "-c", BUNDLED_LAUNCHER, libs]
    return [python, "-c", LAUNCHER]
