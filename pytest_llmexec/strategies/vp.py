"""Vanilla prompting: the code, the call, and a request for the result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .base import SingleTurn


class Vanilla(SingleTurn):
    name = "vp"
    template = "vp.txt"
    task_templates: ClassVar[Mapping[str, str]] = {"input": "vp_input.txt"}
