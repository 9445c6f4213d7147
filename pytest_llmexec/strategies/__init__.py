"""Prompting strategies: how a case is put to a model."""

from __future__ import annotations

from collections.abc import Callable

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
    "TemplateError",
    "Templates",
    "get_strategy",
]

STRATEGIES: dict[str, Callable[[Templates | None], Strategy]] = {
    "vp": Vanilla,
    "cot": ChainOfThought,
    "iip": Iterative,
}
#: Strategies a user may name; those not built yet are refused at start-up.
KNOWN = ("vp", "cot", "iip")


def get_strategy(name: str, templates: Templates | None = None) -> Strategy:
    """The strategy *name*, reading its templates from *templates* (default: built-in)."""
    return STRATEGIES[name](templates)
