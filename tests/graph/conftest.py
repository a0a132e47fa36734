"""The functional-graph oracle: one real-TensorFlow worker per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.graph.oracle import GraphOracle


@pytest.fixture(scope="session")
def graph_oracle() -> Iterator[GraphOracle]:
    instance = GraphOracle()
    yield instance
    instance.close()
