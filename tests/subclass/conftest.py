"""The script oracle: one real-TensorFlow worker per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.subclass.oracle import ScriptOracle


@pytest.fixture(scope="session")
def script_oracle() -> Iterator[ScriptOracle]:
    instance = ScriptOracle()
    yield instance
    instance.close()
