"""Accuracy per task, side by side for each model and strategy.

Is a model's output right for the right reasons? A row per model/strategy,
a column per task (output, input, and the per-line state, branch, coverage,
path): the same model's accuracy on each, with the mean partial credit of the
tasks that have one (the per-line tasks' share of lines right, RE2-Bench's
``partial_rs``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .group import Group
from .records import Record, scored

#: the order of the columns; a task not listed comes after them, by name
ORDER = ("output", "input", "state", "branch", "coverage", "path")


def model_strategy(record: Record) -> str:
    return f"{record['model']}/{record['strategy']}"


def task_of(record: Record) -> str:
    return record["task"]


@dataclass
class Cell:
    group: Group = field(default_factory=Group)
    partial_sum: float = 0.0
    partial_n: int = 0

    def add(self, record: Record) -> None:
        self.group.add(record)
        share = record["partial"]
        if share is None:
            share = record.get("partial_rs")
        if share is not None:
            self.partial_sum += share
            self.partial_n += 1

    @property
    def partial(self) -> float | None:
        return self.partial_sum / self.partial_n if self.partial_n else None

    def to_json(self) -> dict[str, Any]:
        return {**self.group.to_json(), "partial": self.partial}

    def text(self) -> str:
        g = self.group
        out = f"{g.correct}/{g.n} {100 * g.accuracy:5.1f}%"
        return out + (f" ({self.partial:.2f})" if self.partial is not None else "")


@dataclass
class TaskTable:
    rows: list[str]
    tasks: list[str]
    cells: dict[tuple[str, str], Cell]


def table(records: Sequence[Record]) -> TaskTable:
    cells: dict[tuple[str, str], Cell] = {}
    for record in records:
        if scored(record):
            cells.setdefault((model_strategy(record), task_of(record)), Cell()).add(record)
    tasks = sorted({t for _, t in cells}, key=lambda t: (ORDER.index(t) if t in ORDER else 99, t))
    rows = sorted({r for r, _ in cells})
    return TaskTable(rows, tasks, cells)


def summary(records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """The report's ``summary.by_task``: model/strategy -> task -> figures."""
    found = table(records)
    return {
        row: {
            task: found.cells[(row, task)].to_json()
            for task in found.tasks
            if (row, task) in found.cells
        }
        for row in found.rows
    }


def lines(records: Sequence[Record]) -> list[str]:
    """The terminal table; empty unless the run asks more than one task."""
    found = table(records)
    if len(found.tasks) < 2:
        return []
    header = ["model/strategy", *found.tasks]
    body = [
        [
            row,
            *(
                found.cells[(row, t)].text() if (row, t) in found.cells else "-"
                for t in found.tasks
            ),
        ]
        for row in found.rows
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    out = ["", "accuracy by task, side by side (in brackets: mean partial credit)"]
    for row in [header, *body]:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out
