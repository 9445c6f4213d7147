"""Vanilla prompting: the code, the call, and a request for the result."""

from __future__ import annotations

from ..benchmark import Case
from .base import Prompt, PromptOptions, description_block, fill, load_template, pick_tag, templates_hash

TEMPLATE = "vp.txt"


class Vanilla:
    name = "vp"

    @property
    def template_hash(self) -> str:
        return templates_hash(TEMPLATE)

    def prompt(self, case: Case, options: PromptOptions) -> Prompt:
        tag = pick_tag("ANSWER", case.snippet.code, case.args)
        text = fill(
            load_template(TEMPLATE),
            description=description_block(case, options),
            code=case.snippet.code.rstrip(),
            call=case.call,
            tag=tag,
        )
        return Prompt(turns=(text,), answer_tag=tag)
