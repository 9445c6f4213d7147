"""Tasks: what a model is asked about a case, how the answer is read and scored.

A new task (per-step state, coverage, exception type) is a new module here
with the `Task` interface, registered in `TASKS`, and a template per strategy
that can ask it (strategies/templates/<strategy>_<task>.txt).
"""

from __future__ import annotations

from .base import Expected, Runner, Scored, Task
from .input import InputPrediction
from .output import OutputPrediction

__all__ = ["DEFAULT", "TASKS", "Expected", "Runner", "Scored", "Task", "get_task"]

TASKS: dict[str, Task] = {"output": OutputPrediction(), "input": InputPrediction()}
DEFAULT = "output"


def get_task(name: str) -> Task:
    return TASKS[name]
