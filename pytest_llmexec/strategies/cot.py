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
#: the turn sent when a CoT reply gave no answer block (see `base.Prompt.forcing`)
register("cot_force.txt", "the CoT answer-forcing turn", {"tag"}, {"call", "function"})
register(
    "cot_force_input.txt", "the CoT input answer-forcing turn", {"tag"}, {"function", "output"}
)


class ChainOfThought(SingleTurn):
    name = "cot"
    description = "chain-of-thought strategy"
    template = "cot.txt"
    task_templates: ClassVar[Mapping[str, str]] = {
        "input": "cot_input.txt",
        **{task: f"cot_{task}.txt" for task in LINE_TASKS},
    }
    #: a trace of every iteration before the answer; a reply cut here gets the forcing turn
    #: (on the 0.5B model such replies were loops; `--llm-max-tokens` sets another limit)
    max_tokens = 1024
    forcing_templates: ClassVar[Mapping[str, str]] = {
        "output": "cot_force.txt",
        "input": "cot_force_input.txt",
    }
    #: the answer alone
    forcing_max_tokens = 256
