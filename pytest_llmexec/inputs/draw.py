"""Drawing from Hypothesis strategies with a seeded random of our own.

Hypothesis's default provider also draws constants found in the source of the
"local" modules loaded in the process, which differ from one process and one
checkout to the next; `SmallProvider` makes every choice from the `Random` it
is given instead, biased to small values, so that every process - each xdist
worker included - draws exactly the same inputs from the same seed.
"""

from __future__ import annotations

import hashlib
import inspect
import math
from collections.abc import Sequence
from random import Random
from typing import Any

from hypothesis import strategies as st
from hypothesis.control import BuildContext
from hypothesis.errors import StopTest, UnsatisfiedAssumption
from hypothesis.internal.conjecture.choice import ChoiceNode
from hypothesis.internal.conjecture.data import ConjectureData
from hypothesis.internal.conjecture.providers import PrimitiveProvider
from hypothesis.internal.intervalsets import IntervalSet

from .types import DEFAULT_MAX_SIZE, DEFAULT_MAX_VALUE, DEFAULT_MIN_VALUE

#: Characters drawn when a strategy allows "any character" (e.g. a schema string).
READABLE = "abcdefghijklmnopqrstuvwxyz"


class SmallProvider(PrimitiveProvider):
    """Hypothesis's choices drawn from our own seeded `Random`, biased to small values.

    Hypothesis's default provider also draws constants found in the source of
    "local" modules loaded in the process; that differs from one process and
    one checkout to the next, so it cannot give reproducible inputs.
    """

    lifetime = "test_case"

    def __init__(self, rng: Random) -> None:
        super().__init__(None)
        self._rng = rng

    def draw_boolean(self, p: float = 0.5) -> bool:
        if p <= 0:
            return False
        if p >= 1:
            return True
        return self._rng.random() < p

    def draw_integer(
        self,
        min_value: int | None = None,
        max_value: int | None = None,
        *,
        weights: dict[int, float] | None = None,
        shrink_towards: int = 0,
    ) -> int:
        if weights:
            u, total = self._rng.random(), 0.0
            for value, weight in weights.items():
                total += weight
                if u < total:
                    return value
        low, high = _window(min_value, max_value)
        return self._rng.randint(low, high)

    def draw_float(
        self,
        *,
        min_value: float = -math.inf,
        max_value: float = math.inf,
        allow_nan: bool = True,
        smallest_nonzero_magnitude: float = 5e-324,
    ) -> float:
        low = min_value if math.isfinite(min_value) else None
        high = max_value if math.isfinite(max_value) else None
        window = _window(low, high)
        lo, hi = max(window[0], min_value), min(window[1], max_value)
        value = round(self._rng.uniform(lo, hi), 2)
        if not min_value <= value <= max_value:
            value = self._rng.uniform(lo, hi)
        if value != 0 and abs(value) < smallest_nonzero_magnitude:
            value = min_value if abs(min_value) >= smallest_nonzero_magnitude else max_value
        return float(value)

    def draw_string(
        self, intervals: IntervalSet, *, min_size: int = 0, max_size: int = 10**6
    ) -> str:
        pool = _readable(intervals)
        size = self._size(min_size, max_size)
        return "".join(pool[self._rng.randrange(len(pool))] for _ in range(size)) if pool else ""

    def draw_bytes(self, min_size: int = 0, max_size: int = 10**6) -> bytes:
        size = self._size(min_size, max_size)
        return bytes(self._rng.randrange(256) for _ in range(size))

    def _size(self, min_size: int, max_size: int) -> int:
        return self._rng.randint(min_size, min(max_size, min_size + DEFAULT_MAX_SIZE + 2))


def _window(low: float | None, high: float | None) -> tuple[int, int]:
    """A small range inside the bounds: unbounded sides get a window of 20 values."""
    span = DEFAULT_MAX_VALUE - DEFAULT_MIN_VALUE
    if low is None and high is None:
        return DEFAULT_MIN_VALUE, DEFAULT_MAX_VALUE
    if low is None:
        assert high is not None
        return math.floor(high) - span, math.floor(high)
    if high is None:
        return math.ceil(low), math.ceil(low) + span
    return math.ceil(low), math.floor(high)


def _readable(intervals: IntervalSet) -> str:
    """The characters to draw from: a few readable ones when any character is allowed."""
    if len(intervals) <= 256:
        return "".join(chr(intervals[i]) for i in range(len(intervals)))
    letters = "".join(c for c in READABLE if ord(c) in intervals)
    if letters:
        return letters
    return "".join(chr(intervals[i]) for i in range(256))


def draw(strategy: st.SearchStrategy[Any], rng: Random) -> Any:
    """One value of *strategy* from *rng*, or raise `Rejected` (a filter never passed)."""
    return _draw(strategy, ConjectureData(random=None, provider=SmallProvider(rng)))[0]


def draw_traced(
    strategy: st.SearchStrategy[Any], rng: Random
) -> tuple[Any, tuple[ChoiceNode, ...]]:
    """A value and the choices that made it (which `replay` turns back into a value)."""
    return _draw(strategy, ConjectureData(random=None, provider=SmallProvider(rng)))


def replay(
    strategy: st.SearchStrategy[Any], choices: Sequence[Any]
) -> tuple[Any, tuple[ChoiceNode, ...]]:
    """The value that *choices* make; `Rejected` when they are too few or rejected."""
    data = ConjectureData.for_choices(tuple(choices), provider=SmallProvider(Random(0)))
    return _draw(strategy, data)


def _draw(
    strategy: st.SearchStrategy[Any], data: ConjectureData
) -> tuple[Any, tuple[ChoiceNode, ...]]:
    try:
        with _build_context(data):  # strategies such as lists() need one
            value = data.draw(strategy)
    except (StopTest, UnsatisfiedAssumption):
        raise Rejected from None
    return value, tuple(data.nodes)


def _build_context(data: ConjectureData) -> BuildContext:
    kwargs: dict[str, Any] = {"is_final": False}
    if "wrapped_test" in inspect.signature(BuildContext).parameters:  # hypothesis >= 6.131
        kwargs["wrapped_test"] = _build_context
    return BuildContext(data, **kwargs)


class Rejected(Exception):
    """The strategy could not produce a value this time (filters, assumptions)."""


def snippet_seed(seed: int, snippet_id: str) -> int:
    """The random seed of one snippet's inputs: stable across processes and runs."""
    digest = hashlib.sha256(f"{seed}\0{snippet_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
