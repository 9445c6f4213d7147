"""Branch: whether an ``if``/``elif``/``while`` condition holds, each time it is tested.

True when what follows the test (tasks/lines.py) is a line of the body that
runs when the condition holds; False otherwise (the ``else``, the next
statement, the frame's end). Asked of conditions whose body starts on a line
of its own.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from .lines import LINE_KEY, LineTask, Question, askable, truth_runs


class BranchPrediction(LineTask):
    name = "branch"
    description = "per-line branch: whether a condition holds, each time it is tested"
    summary = "whether a condition holds"
    asks = "whether the condition is true, each time it is tested (a list of True/False)"

    def candidates(self, node: ast.stmt) -> list[Question]:
        if not isinstance(node, (ast.If, ast.While)) or not askable(node):
            return []
        first, last = node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno
        if first == node.lineno:
            return []
        return [Question(node.lineno, body=(first, last))]

    def truth(self, question: Question, events: Sequence[dict[str, str]]) -> Any:
        assert question.body is not None
        first, last = question.body

        def taken(record: dict[str, str]) -> bool:
            line = record.get(LINE_KEY)
            return line is not None and first <= int(line) <= last

        return truth_runs(events, question.line, taken)
