"""Prompting strategies: how a case is put to a model."""

from __future__ import annotations

from .base import Prompt, PromptOptions, Strategy
from .cot import ChainOfThought
from .iip import Iterative
from .vp import Vanilla

__all__ = ["STRATEGIES", "Prompt", "PromptOptions", "Strategy", "get_strategy"]

STRATEGIES: dict[str, type[Strategy]] = {
    "vp": Vanilla,
    "cot": ChainOfThought,
    "iip": Iterative,
}
#: Strategies a user may name; those not built yet are refused at start-up.
KNOWN = ("vp", "cot", "iip")


def get_strategy(name: str) -> Strategy:
    return STRATEGIES[name]()
