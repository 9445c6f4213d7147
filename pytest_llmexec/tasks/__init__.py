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
from .re2branch import Re2BranchPrediction
from .re2loop import Re2LoopPrediction
from .state import StatePrediction

__all__ = [
    "DEFAULT",
    "PYTHON_ONLY",
    "TASKS",
    "Expected",
    "Runner",
    "Scored",
    "Task",
    "get_task",
    "re2bench_strategies",
]

TASKS: Registry[Task] = Registry("task", "tasks")
for _builtin in (
    OutputPrediction(),
    InputPrediction(),
    # per-line tasks (tasks/lines.py): Python snippets only
    StatePrediction(),
    BranchPrediction(),
    CoveragePrediction(),
    PathPrediction(),
    # RE2-Bench's own annotated-code tasks: asked of its problems only, with its prompts
    Re2LoopPrediction(),
    Re2BranchPrediction(),
):
    TASKS.register(_builtin.name, _builtin)
#: the built-in tasks that trace Python line by line: not asked of compiled languages
PYTHON_ONLY = frozenset(
    name for name, task in TASKS.builtins() if getattr(task, "python_only", False)
)
DEFAULT = "output"


def re2bench_strategies(name: str) -> tuple[str, ...] | None:
    """The strategies that ask task *name* when only RE2-Bench's own prompts ask it
    (its loop and branch tasks), else None (a strategy asks the tasks it has templates for)."""
    found: tuple[str, ...] | None = getattr(TASKS[name], "re2bench_strategies", None)
    return found


def get_task(name: str) -> Task:
    return TASKS[name]
