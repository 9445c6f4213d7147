"""What a task is: what the model is asked, how its answer is read, how it is scored.

The engine computes the truth and holds the conversation; a task turns the
truth into the question's fields, and a reply into a verdict. A task that must
run an answer (input prediction, CRUXEval's checks) gets a `Runner`, the
sandboxed executor, and never runs anything in the pytest process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..datasets.model import Case
from ..execution import Call, Outcome

#: Runs a call in the sandboxed child (the engine's executor).
Runner = Callable[[Call], Outcome]


@dataclass(frozen=True)
class Expected:
    """The true outcome of a case, as a value and as text."""

    value: Any  # a literal, or answers.Raised
    text: str  # its repr (``raise ValueError`` for an expected exception)
    #: the left side of CRUXEval's ``assert <output> == <answer>``: the row's recorded
    #: output when real execution agrees with it, else the real result's repr
    check: str
    #: a compiled case's truth: the JSON line its program printed (None: it prints nothing)
    printed: str | None = None


@dataclass(frozen=True)
class Scored:
    """The verdict of one sample, the answer as read, and why when it is not correct."""

    verdict: str
    predicted: str | None
    problem: str = ""
    #: the per-line tasks' partial credit: the share of asked lines answered right
    partial: float | None = None


class Task(Protocol):
    """One kind of question about a case; see tasks/output.py and tasks/input.py."""

    #: the name in ``--llm-task``, markers, ids (other than ``output``) and reports
    name: str
    #: its marker's text (``pytest --markers``)
    description: str
    #: what the model gives, for ``--llm-task``'s help: ``output (what a call returns)``
    summary: str
    #: whether the question shows the true result, so it can only be asked after the run
    needs_truth: bool

    def fields(self, case: Case, expected: Expected) -> dict[str, str]:
        """The template placeholders this task fills (``call``; ``output``, ``function``)."""
        ...

    def oracle_answer(self, case: Case, reference: Outcome) -> str:
        """What the oracle answers, from a run of its own (*reference*)."""
        ...

    def score(
        self, reply: str, tag: str, case: Case, expected: Expected, run: Runner, timeout: float
    ) -> Scored:
        """The verdict of one reply; *run* executes in the sandbox, within *timeout*."""
        ...
