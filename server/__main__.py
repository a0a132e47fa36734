"""`python -m server`: runs the language server (as `shapelens serve`).

Kept for compatibility, offered nowhere: started from a folder that has its own `server`
package, `python -m` runs that one instead (see server/launcher.py for what editors run).
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from server.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
