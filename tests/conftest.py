"""Shared fixtures. `oracle` starts one real-TensorFlow worker per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oracle import Oracle


@pytest.fixture(scope="session")
def oracle() -> Iterator[Oracle]:
    instance = Oracle()
    yield instance
    instance.close()
