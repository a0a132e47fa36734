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


@pytest.fixture(scope="session")
def oracle_keras2() -> Iterator[Oracle]:
    """Real tf.keras 2 (the tf-keras package, as `TF_USE_LEGACY_KERAS=1` selects it)."""
    pytest.importorskip("tf_keras", reason="tf-keras (the test extra, installed by .ci/run) "
                        "is the oracle of keras-version 2")
    instance = Oracle(keras_version="2")
    yield instance
    instance.close()
