"""Our own input-prediction prompts for RE2-Bench problems (``--llm-re2bench-prompts=ours``).

RE2-Bench scores an input as its JSON structure (``{"self", "args",
"kwargs"}``, or ``{"input"}`` for a program reading stdin), not as a call, so
our usual input templates (which ask for a call of the entry) cannot serve: a
call cannot say what ``self`` holds. These templates (``vp_re2input.txt``,
``cot_re2input.txt``, with worked examples of our own) show the code, the
output and the shape to fill (the names of the attributes and arguments, as
the problem's stored input has them, never their values), and ask for one
Python dict literal: read as a literal, never run, then scored by RE2-Bench's
rule (tasks/re2bench.py) like its own prompts' answers.
"""

from __future__ import annotations

from typing import Any

from ..datasets.model import Case
from .base import Prompt, fence, pick_tag
from .templating import Templates, fill, register

REQUIRED = {"code", "output", "structure"}
OPTIONAL = {"description", "fence", "tag", "function"}
FILES = {"vp": "vp_re2input.txt", "cot": "cot_re2input.txt"}
#: output limits per strategy, as our other single-turn templates
MAX_TOKENS = {"vp": 1024, "cot": 2048}
PARTS = ("self", "args", "kwargs")

for _strategy, _name in FILES.items():
    register(_name, f"the {_strategy} RE2-Bench input prompt", REQUIRED, OPTIONAL)


def structure(truth_input: Any) -> str:
    """The shape an answer fills: each part's names with ``...`` for their values."""
    if isinstance(truth_input, dict) and set(truth_input) <= set(PARTS):
        parts = []
        for part in PARTS:
            names = truth_input.get(part)
            inner = ", ".join(f"{name!r}: ..." for name in names) if isinstance(names, dict) else ""
            parts.append(f"{part!r}: {{{inner}}}")
        return "{" + ", ".join(parts) + "}"
    return "{'input': ...}"


def answer_shape(truth_input: Any) -> Any:
    """The stored input as our templates ask for it (a program's stdin under ``input``)."""
    if isinstance(truth_input, dict) and set(truth_input) <= set(PARTS):
        return truth_input
    return {"input": truth_input}


def prompt(
    strategy: str, templates: Templates, case: Case, code: str, output: str, shape: str
) -> Prompt:
    """The question of *strategy* (vp or cot) for one problem."""
    function = f"`{case.snippet.entry}`" if case.snippet.entry != "main" else "the program"
    values = {"code": code.rstrip(), "output": output, "structure": shape}
    template = templates.text(FILES[strategy])
    tag = pick_tag("ANSWER", *values.values())
    text = fill(
        template,
        **values,
        description="",
        fence=fence(*values.values()),
        tag=tag,
        function=function,
    )
    return Prompt(
        turns=(text,), answer_tag=tag, stops=((f"[/{tag}]",),), max_tokens=(MAX_TOKENS[strategy],)
    )


def template_hash(strategy: str, templates: Templates) -> str:
    return templates.hash(FILES[strategy])
