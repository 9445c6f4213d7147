"""Chain of thought: the model traces the execution in prose, then gives the answer."""

from __future__ import annotations

from .base import SingleTurn


class ChainOfThought(SingleTurn):
    name = "cot"
    template = "cot.txt"
