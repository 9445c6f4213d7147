"""Vanilla prompting: the code, the call, and a request for the result."""

from __future__ import annotations

from .base import SingleTurn


class Vanilla(SingleTurn):
    name = "vp"
    template = "vp.txt"
