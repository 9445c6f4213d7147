"""Tasks: what a model is asked about a case, how the answer is read and scored.

A new task (per-step state, coverage, exception type) is a new module here
with the `Task` interface, registered in `TASKS`, and a template per strategy
that can ask it (strategies/templates/<strategy>_<task>.txt). An outside
package adds one through the ``pytest_llmexec.tasks`` entry-point group.
"""

from __future__ import annotations

from ..registry import Registry
from .base import Expected, Runner, Scored, Task
from .branch import BranchPrediction
from .coverage import CoveragePrediction
from .input import InputPrediction
from .output import OutputPrediction
from .path import PathPrediction
from .state import StatePrediction

__all__ = ["DEFAULT", "PYTHON_ONLY", "TASKS", "Expected", "Runner", "Scored", "Task", "get_task"]

TASKS: Registry[Task] = Registry("task", "tasks")
for _builtin in (
    OutputPrediction(),
    InputPrediction(),
    # per-line tasks (tasks/lines.py): Python snippets only
    StatePrediction(),
    BranchPrediction(),
    CoveragePrediction(),
    PathPrediction(),
):
    TASKS.register(_builtin.name, _builtin)
#: the built-in tasks that trace Python line by line: not asked of compiled languages
PYTHON_ONLY = frozenset(
    name for name, task in TASKS.builtins() if getattr(task, "python_only", False)
)
DEFAULT = "output"


def get_task(name: str) -> Task:
    return TASKS[name]
