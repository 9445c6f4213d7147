"""Prompting strategies: how a case is put to a model.

`STRATEGIES` is their registry: the built-ins here, outside ones through the
``pytest_llmexec.strategies`` entry-point group (a class or factory with a
``name`` and a ``description``, called with the run's `Templates`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ..registry import Registry
from .base import Prompt, PromptOptions, Strategy
from .cot import ChainOfThought
from .iip import Iterative
from .templating import TemplateError, Templates
from .vp import Vanilla

__all__ = [
    "STRATEGIES",
    "Prompt",
    "PromptOptions",
    "Strategy",
    "StrategyType",
    "TemplateError",
    "Templates",
    "check_templates",
    "get_strategy",
    "tasks_of",
    "template_hashes",
]


class StrategyType(Protocol):
    """What the registry holds: a strategy's name and marker text, and how to make it."""

    name: str
    description: str

    def __call__(self, templates: Templates | None, /) -> Strategy: ...


STRATEGIES: Registry[StrategyType] = Registry("strategy", "strategies")
for _builtin in (Vanilla, ChainOfThought, Iterative):  # the study's order: vp, cot, iip
    STRATEGIES.register(_builtin.name, _builtin)


def get_strategy(name: str, templates: Templates | None = None) -> Strategy:
    """The strategy *name*, reading its templates from *templates* (default: built-in)."""
    return STRATEGIES[name](templates)


def tasks_of(name: str) -> tuple[str, ...]:
    """The tasks strategy *name* can ask."""
    return STRATEGIES[name](None).tasks


def check_templates(names: Sequence[str], tasks: Sequence[str], folder: Path | None) -> None:
    """Read and check every template a run of *names* x *tasks* uses: a `TemplateError` now,
    not in the middle of the run."""
    templates = Templates(folder)
    for name in names:
        strategy = get_strategy(name, templates)
        for task in tasks:
            if task in strategy.tasks:
                strategy.template_hash_for(task)  # reads and checks the files


def template_hashes(
    names: Sequence[str], tasks: Sequence[str], folder: Path | None, default_task: str
) -> dict[str, str]:
    """Each strategy's template hash per task (``vp``, ``vp/input``): a prompt change shows
    in the header and the report."""
    templates = Templates(folder)
    hashes: dict[str, str] = {}
    for task in tasks:
        for name in names:
            strategy = get_strategy(name, templates)
            if task in strategy.tasks:
                label = name if task == default_task else f"{name}/{task}"
                hashes[label] = strategy.template_hash_for(task)
    return hashes
