"""Vanilla prompting: the code, the call, and a request for the result."""

from __future__ import annotations

from ..benchmark import Case
from .base import (
    Prompt,
    PromptOptions,
    case_texts,
    description_block,
    fence,
    fill,
    load_template,
    pick_tag,
    templates_hash,
)

TEMPLATE = "vp.txt"


class Vanilla:
    name = "vp"

    @property
    def template_hash(self) -> str:
        return templates_hash(TEMPLATE)

    def prompt(self, case: Case, options: PromptOptions) -> Prompt:
        texts = case_texts(case, options)
        tag = pick_tag("ANSWER", *texts)
        text = fill(
            load_template(TEMPLATE),
            description=description_block(case, options),
            fence=fence(*texts),
            code=case.snippet.code.rstrip(),
            call=case.call,
            tag=tag,
        )
        return Prompt(turns=(text,), answer_tag=tag)
