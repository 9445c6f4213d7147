"""Vanilla prompting: the code, the call, and a request for the result."""

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

register("vp.txt", "the VP prompt", SINGLE_TURN_REQUIRED, SINGLE_TURN_OPTIONAL)
register_native("vp.txt", "the VP prompt", NATIVE_REQUIRED, NATIVE_OPTIONAL)
register_native("vp_input.txt", "the VP input-prediction prompt", NATIVE_REQUIRED, NATIVE_OPTIONAL)
for _task in LINE_TASKS:
    register(f"vp_{_task}.txt", f"the VP {_task} prompt", LINES_REQUIRED, LINES_OPTIONAL)
register("vp_input.txt", "the VP input-prediction prompt", INPUT_REQUIRED, INPUT_OPTIONAL)


class Vanilla(SingleTurn):
    name = "vp"
    description = "vanilla prompting strategy"
    template = "vp.txt"
    task_templates: ClassVar[Mapping[str, str]] = {
        "input": "vp_input.txt",
        **{task: f"vp_{task}.txt" for task in LINE_TASKS},
    }
    #: a literal answer in its tags: the longest result of the shipped suite is 470
    #: characters (about 200 tokens)
    max_tokens = 512
