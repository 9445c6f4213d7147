"""Chain of thought: the model traces the execution in prose, then gives the answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import (
    INPUT_OPTIONAL,
    INPUT_REQUIRED,
    LINE_TASKS,
    LINES_OPTIONAL,
    LINES_REQUIRED,
    NATIVE_OPTIONAL,
    NATIVE_REQUIRED,
    SINGLE_TURN_OPTIONAL,
    SINGLE_TURN_REQUIRED,
    SingleTurn,
)
from .templating import register, register_native

register("cot.txt", "the CoT prompt", SINGLE_TURN_REQUIRED, SINGLE_TURN_OPTIONAL)
register_native("cot.txt", "the CoT prompt", NATIVE_REQUIRED, NATIVE_OPTIONAL)
register_native(
    "cot_input.txt", "the CoT input-prediction prompt", NATIVE_REQUIRED, NATIVE_OPTIONAL
)
for _task in LINE_TASKS:
    register(f"cot_{_task}.txt", f"the CoT {_task} prompt", LINES_REQUIRED, LINES_OPTIONAL)
register("cot_input.txt", "the CoT input-prediction prompt", INPUT_REQUIRED, INPUT_OPTIONAL)


class ChainOfThought(SingleTurn):
    name = "cot"
    description = "chain-of-thought strategy"
    template = "cot.txt"
    task_templates: ClassVar[Mapping[str, str]] = {
        "input": "cot_input.txt",
        **{task: f"cot_{task}.txt" for task in LINE_TASKS},
    }
    #: a trace of every iteration before the answer
    max_tokens = 2048
