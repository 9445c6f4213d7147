"""State: the value of the variable a line assigns, after each time the line runs.

Asked of assignments (``x = ...``, ``x += ...``, ``x: int = ...``) whose target
is a name on one line: the value of that name in the entry's frame at what
follows each execution (tasks/lines.py), as a list over executions.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from .lines import LineTask, Question, askable, literal, truth_runs


class StatePrediction(LineTask):
    name = "state"
    description = "per-line state: a variable's value after a line, each time it runs"
    summary = "a variable's value after a line"
    asks = "the variable's value after the line, each time the line runs (a list)"

    def candidates(self, node: ast.stmt) -> list[Question]:
        if node.end_lineno != node.lineno or not _askable_assignment(node):
            return []
        target = _target(node)
        return [Question(node.lineno, variable=target)] if target else []

    def truth(self, question: Question, events: Sequence[dict[str, str]]) -> Any:
        assert question.variable is not None
        name = question.variable
        return truth_runs(events, question.line, lambda record: literal(record, name))


#: calls whose result is never a literal: a variable assigned one is not asked about
NOT_LITERAL = frozenset(
    {
        "iter",
        "deque",
        "defaultdict",
        "Counter",
        "OrderedDict",
        "range",
        "map",
        "filter",
        "zip",
        "enumerate",
        "reversed",
        "object",
        "lru_cache",
        "cache",
    }
)


def _askable_assignment(node: ast.stmt) -> bool:
    if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or not askable(node):
        return False
    value = node.value
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name not in NOT_LITERAL
    return True


def _target(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign):
        first = node.targets[0]
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return None
        first = node.target
    else:
        return None
    return first.id if isinstance(first, ast.Name) else None
