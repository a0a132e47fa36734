"""Where the generator's random choices come from: a seeded `random.Random` or hypothesis.

The generator only ever asks a `Draw` for integers, choices and coin flips, so the same code
runs fast and reproducibly from a seed (bulk runs, the deep profile) and under hypothesis
(which can then shrink a failing model to a small one).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


class Draw(Protocol):
    def integer(self, low: int, high: int) -> int:
        """An int in [low, high]."""
        ...

    def choice(self, options: Sequence[T]) -> T: ...

    def weighted(self, options: Sequence[tuple[T, float]]) -> T: ...

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        ...


class RandomDraw:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def weighted(self, options: Sequence[tuple[T, float]]) -> T:
        values = [value for value, _ in options]
        weights = [weight for _, weight in options]
        return self.rng.choices(values, weights)[0]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability


class HypothesisDraw:
    """Choices drawn from hypothesis data; every choice shrinks towards the first option."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw  # `draw` of an st.composite, or `DataObject.draw`

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return options[self.draw(st.integers(0, len(options) - 1))]

    def weighted(self, options: Sequence[tuple[T, float]]) -> T:
        scale = 1000
        cumulative = []
        total = 0
        for value, weight in options:
            total += max(1, round(weight * scale))
            cumulative.append((total, value))
        pick = self.draw(st.integers(0, total - 1))
        for bound, value in cumulative:
            if pick < bound:
                return value
        return cumulative[-1][1]

    def chance(self, probability: float) -> bool:
        # Shrinks towards False: the simpler model leaves optional features out.
        return self.draw(st.integers(0, 999)) >= round((1 - probability) * 1000)
