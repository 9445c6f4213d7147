"""Coverage: whether a line of the entry function runs at all during the call.

Asked of any statement line (tasks/lines.py): True when it runs at least once.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from .lines import LineTask, Question, askable, executions


class CoveragePrediction(LineTask):
    name = "coverage"
    description = "per-line coverage: whether a line runs"
    summary = "whether a line runs"
    asks = "whether the line runs during the call (True/False)"

    def candidates(self, node: ast.stmt) -> list[Question]:
        return [Question(node.lineno)] if askable(node) else []

    def truth(self, question: Question, events: Sequence[dict[str, str]]) -> Any:
        return bool(executions(events, question.line))
