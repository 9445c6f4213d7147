"""Path: the line that runs next after a line, each time it runs.

What follows an execution (tasks/lines.py): the next statement line of the
entry's frame, or ``'return'`` / ``'raise'`` when the function ends there.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from .lines import LineTask, Question, askable, next_line, truth_runs


class PathPrediction(LineTask):
    name = "path"
    description = "per-line path: the line that runs next, each time a line runs"
    summary = "the line that runs next"
    asks = (
        "the line that runs next, each time the line runs (a list; 'return' or 'raise' "
        "when the function ends there)"
    )

    def candidates(self, node: ast.stmt) -> list[Question]:
        return [Question(node.lineno)] if askable(node) else []

    def truth(self, question: Question, events: Sequence[dict[str, str]]) -> Any:
        return truth_runs(events, question.line, next_line)
