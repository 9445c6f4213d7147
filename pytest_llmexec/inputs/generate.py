"""Hypothesis-generated extra inputs for a snippet (ids ``h0``, ``h1``, ...).

`types` says what to draw for a snippet, `draw` draws it
reproducibly from ``--llm-seed`` and the snippet id; this module keeps a drawn
input only when it repeats no declared or earlier input and executing it gives a
deterministic, small result (or an exception the snippet declares in ``raises``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING, Any, Protocol

from ..datasets.model import PYTHON, Case, Snippet
from ..execution import Outcome
from .types import Plan, args_text, bind, canonical, plan, snippet_error

if TYPE_CHECKING:
    from hypothesis import strategies as st

#: Name of the user property that carries a snippet's shortfall note to the controller.
NOTE_PROPERTY = "llmexec-inputs"


class Runner(Protocol):
    """What generation needs of the engine: the truth, and an independent second run."""

    def truth(self, case: Case) -> Outcome: ...

    def reference(self, case: Case, *, trace: bool) -> Outcome: ...


@dataclass
class Generated:
    """A snippet's generated cases and, when it fell short, a note saying why."""

    cases: list[Case] = field(default_factory=list)
    wanted: int = 0
    draws: int = 0
    discarded: Counter[str] = field(default_factory=Counter)
    problem: str | None = None  # why nothing could be drawn at all
    #: what `shrink` needs: the plan, the strategy, each case's choices by input id
    plan: Plan | None = None
    strategy: st.SearchStrategy[dict[str, Any]] | None = None
    choices: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def note(self) -> str | None:
        if len(self.cases) >= self.wanted:
            return None
        head = f"{len(self.cases)} of {self.wanted} generated inputs"
        if self.problem:
            return f"{head}: {self.problem}"
        why = ", ".join(f"{n} {reason}" for reason, n in self.discarded.most_common())
        return f"{head} ({self.draws} drawn; discarded: {why})"


def examples_for(snippet: Snippet, default: int) -> int:
    """How many inputs to generate: the snippet's ``examples`` or ``--llm-examples``.

    ``--llm-examples=0`` turns generation off everywhere, overrides included, so a
    declared-inputs-only run is one flag away.
    """
    if default == 0:
        return 0
    return snippet.examples if snippet.examples is not None else default


def generate(snippet: Snippet, n: int, seed: int, runner: Runner | None) -> Generated:
    """Draw, execute and keep up to *n* valid new inputs for *snippet*, deterministically.

    *runner* executes the drawn inputs; it may be None when *n* is 0. Inputs are
    drawn from a Python signature: a snippet of another language gets none.
    """
    if snippet.language != PYTHON:
        return Generated()
    the_plan = plan(snippet)  # validates schema and constraints even when n == 0
    result = Generated(wanted=max(n, 0))
    if n <= 0 or runner is None:
        return result
    # Hypothesis is imported only here, when there is something to draw: the plugin is loaded
    # by every pytest run in its environment, most of which draw nothing (scripts/bench_startup.py).
    from hypothesis.errors import HypothesisException

    from .draw import Rejected, draw_traced, snippet_seed
    from .values import arguments, missing_kinds

    if the_plan.variadic:
        result.problem = "the entry takes *args or **kwargs"
        return result
    missing = missing_kinds(the_plan)
    if missing:
        result.problem = (
            f"no type for {', '.join(missing)}: annotate it, or describe it with 'schema' "
            "or a 'values' constraint"
        )
        return result
    strategy = arguments(the_plan, snippet)
    names = [p.name for p in the_plan.params]
    seen = {
        canonical(bound, the_plan.params)
        for bound in (bind(text, names) for text in snippet.inputs)
        if bound is not None
    }
    result.plan, result.strategy = the_plan, strategy
    rng = Random(snippet_seed(seed, snippet.id))
    # Bounded work: draws are cheap, runs are not, and one timeout says that drawn
    # inputs can make the snippet run too long (each costs the whole timeout).
    max_draws, max_runs, max_timeouts = 10 * n + 10, 2 * n + 4, 1
    runs = 0
    while len(result.cases) < n and result.draws < max_draws and runs < max_runs:
        result.draws += 1
        try:
            values, nodes = draw_traced(strategy, rng)
            text = args_text(values, the_plan.params)
        except (Rejected, ValueError):
            result.discarded["rejected by the strategy"] += 1
            continue
        except HypothesisException as exc:  # a strategy built from the benchmark is invalid
            fld = "schema" if the_plan.schema is not None else "constraints"
            raise snippet_error(snippet, fld, f"cannot draw an input: {exc}") from None
        key = canonical(values, the_plan.params)
        if key in seen:
            result.discarded["duplicates"] += 1
            continue
        seen.add(key)
        case = Case(snippet, f"h{len(result.cases)}", text, generated=True)
        runs += 1
        reason = invalid(snippet, case, runner, the_plan.max_result)
        if reason is None:
            result.cases.append(case)
            result.choices[case.input_id] = tuple(node.value for node in nodes)
            continue
        result.discarded[reason] += 1
        if result.discarded["timeout"] >= max_timeouts:
            break
    return result


def invalid(snippet: Snippet, case: Case, runner: Runner, max_result: int) -> str | None:
    """Why a drawn input cannot be a test, or None when it can."""
    truth = runner.truth(case)
    if truth.ok:
        if truth.value is None or len(truth.value) > max_result:
            return f"result longer than {max_result} characters"
    elif not (truth.status == "raised" and truth.exc_type in snippet.raises):
        return truth.verdict
    again = runner.reference(case, trace=False)
    if (again.status, again.value, again.exc_type) != (truth.status, truth.value, truth.exc_type):
        return "nondeterministic"
    return None  # a valid input
