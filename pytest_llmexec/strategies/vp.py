"""Vanilla prompting: the code, the call, and a request for the result."""

from __future__ import annotations

from .base import SINGLE_TURN_OPTIONAL, SINGLE_TURN_REQUIRED, SingleTurn
from .templating import register

register("vp.txt", "the VP prompt", SINGLE_TURN_REQUIRED, SINGLE_TURN_OPTIONAL)


class Vanilla(SingleTurn):
    name = "vp"
    template = "vp.txt"
    #: a literal answer in its tags: the longest result of the shipped suite is 470
    #: characters (about 200 tokens)
    max_tokens = 512
