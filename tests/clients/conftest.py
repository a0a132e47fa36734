"""Editor client tests (see tests/clients/support.py for what they need)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "editor: end-to-end test in a real editor (slow)")
