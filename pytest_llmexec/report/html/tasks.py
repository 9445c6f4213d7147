"""The accuracy-by-task section: each model/strategy's accuracy on every task it was asked."""

from __future__ import annotations

from .. import by_task
from ..svg import esc
from .markup import DASH, ci_text, table
from .page import Page


def _cell(cell: by_task.Cell | None) -> str:
    if cell is None:
        return DASH
    g = cell.group
    text = f"{g.correct}/{g.n} ({100 * g.accuracy:.1f}%, CI {ci_text(g)})"
    if cell.partial is not None:
        text += f", partial {cell.partial:.2f}"
    return esc(text)


def section(page: Page) -> str:
    """Empty unless the run asks more than one task."""
    found = by_task.table(page.scored)
    if len(found.tasks) < 2:
        return ""
    rows = [
        [esc(row), *(_cell(found.cells.get((row, task))) for task in found.tasks)]
        for row in found.rows
    ]
    return table(["model/strategy", *map(esc, found.tasks)], rows)
