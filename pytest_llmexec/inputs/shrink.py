"""A smaller input the model still gets wrong (``--llm-shrink=K``).

When a model is wrong on a generated input, the input's Hypothesis choice
sequence is shrunk the way Hypothesis shrinks: candidates delete runs of
choices or replace one choice by a simpler one, and a candidate counts as
smaller only when Hypothesis's own order (``sort_key``: fewer choices, then
simpler ones) says so. Each candidate is drawn again from those choices,
executed and kept only if valid (as a generated input must be); only then is
the model asked, and at most K model calls are spent per case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.internal.conjecture.choice import (
    ChoiceNode,
    choice_from_index,
    choice_to_index,
)
from hypothesis.internal.conjecture.shrinker import sort_key

from ..datasets.model import Case
from ..engine import WRONG, CaseResult
from .draw import Rejected, replay
from .generate import Generated, Runner, invalid
from .types import Plan, args_text

#: Most candidates drawn again and executed per shrink step (executions are cheap, not free).
MAX_CANDIDATES = 64


@dataclass(frozen=True)
class Shrunk:
    """The smallest input found that the model still gets wrong."""

    input: str
    call: str
    expected: str | None
    predicted: str | None
    calls: int  # extra model calls spent on the search, including unsuccessful ones
    steps: int  # how many times a smaller failing input was found

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "call": self.call,
            "expected": self.expected,
            "predicted": self.predicted,
            "calls": self.calls,
            "steps": self.steps,
        }

    def describe(self) -> str:
        return "\n".join(
            [
                f"smaller input still predicted wrong ({self.calls} extra model call(s)):",
                f"call:      {self.call}",
                f"expected:  {self.expected}",
                f"predicted: {self.predicted}",
            ]
        )


def shrink(
    origin: Generated,
    case: Case,
    evaluate: Callable[[Case], CaseResult],
    runner: Runner,
    budget: int,
) -> Shrunk | None:
    """Search for a smaller input than *case*'s on which *evaluate* is still wrong."""
    choices = origin.choices.get(case.input_id)
    if choices is None or origin.strategy is None or origin.plan is None or budget <= 0:
        return None
    strategy, plan = origin.strategy, origin.plan
    try:
        _, nodes = replay(strategy, choices)
    except Rejected:
        return None
    tried = {case.args}
    spent = steps = 0
    best: tuple[Case, CaseResult] | None = None
    while spent < budget:
        improved = False
        for candidate_nodes, text in _smaller(strategy, plan, nodes, tried):
            candidate = Case(case.snippet, f"{case.input_id}.s{len(tried)}", text, generated=True)
            if invalid(case.snippet, candidate, runner, plan.max_result) is not None:
                continue
            result = evaluate(candidate)
            spent += max(result.calls, 1)
            if result.verdict == WRONG:
                nodes, best, improved = candidate_nodes, (candidate, result), True
                steps += 1
                break
            if spent >= budget:
                break
        if not improved:
            break
    if best is None:
        return None
    found, result = best
    return Shrunk(found.args, found.call, result.expected, result.predicted, spent, steps)


def _smaller(
    strategy: st.SearchStrategy[dict[str, Any]],
    plan: Plan,
    nodes: tuple[ChoiceNode, ...],
    tried: set[str],
) -> Iterator[tuple[tuple[ChoiceNode, ...], str]]:
    """Distinct new inputs smaller than *nodes*, smallest first."""
    found: dict[str, tuple[ChoiceNode, ...]] = {}
    current = sort_key(nodes)
    for choices in _candidates(nodes):
        try:
            value, replayed = replay(strategy, choices)
            text = args_text(value, plan.params)
        except (Rejected, ValueError):
            continue
        if sort_key(replayed) < current and text not in tried and text not in found:
            found[text] = replayed
        if len(found) >= MAX_CANDIDATES:
            break
    for text, replayed in sorted(found.items(), key=lambda item: sort_key(item[1])):
        tried.add(text)
        yield replayed, text


def _candidates(nodes: Sequence[ChoiceNode]) -> Iterator[list[Any]]:
    """Hypothesis's basic shrink moves: delete a run of choices; simplify one choice."""
    values = [node.value for node in nodes]
    for size in (8, 4, 2, 1):
        for start in range(len(values) - size + 1):
            yield values[:start] + values[start + size :]
    for index, node in enumerate(nodes):
        if node.was_forced:
            continue
        position = choice_to_index(node.value, node.constraints)
        for simpler in sorted({0, position // 2, position - 1}):
            if 0 <= simpler < position:
                value = choice_from_index(simpler, node.type, node.constraints)
                yield [*values[:index], value, *values[index + 1 :]]
