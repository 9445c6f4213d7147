"""Chain of thought: the model traces the execution in prose, then gives the answer."""

from __future__ import annotations

from .base import SINGLE_TURN_OPTIONAL, SINGLE_TURN_REQUIRED, SingleTurn
from .templating import register

register("cot.txt", "the CoT prompt", SINGLE_TURN_REQUIRED, SINGLE_TURN_OPTIONAL)


class ChainOfThought(SingleTurn):
    name = "cot"
    template = "cot.txt"
    #: a trace of every iteration before the answer
    max_tokens = 2048
