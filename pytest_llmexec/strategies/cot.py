"""Chain of thought: the model traces the execution in prose, then gives the answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import SingleTurn


class ChainOfThought(SingleTurn):
    name = "cot"
    template = "cot.txt"
    task_templates: ClassVar[Mapping[str, str]] = {"input": "cot_input.txt"}
