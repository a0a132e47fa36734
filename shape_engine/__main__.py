"""`python -m shape_engine` is the `shapelens` command."""

import sys

from shape_engine.cli import main

sys.exit(main())
