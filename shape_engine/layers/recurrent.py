"""recurrent layers: see shape_engine/layers/base.py for how a rule is written."""

from __future__ import annotations
