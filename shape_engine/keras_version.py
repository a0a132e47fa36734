"""Which Keras the verdicts follow: Keras 3 (the default) or tf.keras 2 (`keras-version = "2"`).

A few rules differ between the two (tf.keras 2 takes `Embedding(input_length=)` and
`batch_input_shape=` as the model's input, `input_shape` next to `input_dim`, an optimizer's
`lr=`, pooling padding in any case, `AveragePooling2D()` without a pool size). The version is a
setting of one analysis: `analyze_source(..., keras_version="2")` sets it for the checks and
layer rules it runs, which read it with `current()`. `parse` is what configuration readers call
on the value a user wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

KerasVersion = Literal["2", "3"]
KERAS_3: KerasVersion = "3"
KERAS_2: KerasVersion = "2"
DEFAULT: KerasVersion = KERAS_3
CHOICES: tuple[KerasVersion, ...] = (KERAS_3, KERAS_2)

_CURRENT: ContextVar[KerasVersion] = ContextVar("keras_version", default=DEFAULT)


def parse(value: object) -> KerasVersion:
    """The version a setting names: "3" or "2" (an int or "3.x"/"2.x" too); ValueError with
    a one-line reason otherwise."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(
        value, bool) else None
    major = text.split(".", 1)[0] if text else None
    if major == KERAS_3:
        return KERAS_3
    if major == KERAS_2:
        return KERAS_2
    raise ValueError(f'keras-version must be "3" or "2", not {value!r}')


def current() -> KerasVersion:
    """The version the analysis running in this thread follows."""
    return _CURRENT.get()


def is_keras_2() -> bool:
    return _CURRENT.get() == KERAS_2


@contextmanager
def using(version: KerasVersion | None) -> Iterator[None]:
    """Follow `version` inside the block (None: keep the one in effect)."""
    if version is None:
        yield
        return
    token = _CURRENT.set(version)
    try:
        yield
    finally:
        _CURRENT.reset(token)
