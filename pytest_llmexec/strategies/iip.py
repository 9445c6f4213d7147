"""Iterative Instruction Prompting: the code is executed with the model one step per turn.

Turn 1 shows the numbered program, the call and the rules, then step 1; turns
2..n give the next step's lines; each of these turns asks for the entry
function's local variables after the step as a dict literal in a ``[STATE]``
block. The model's replies stay in the conversation. The last turn asks for
the returned value in the ``[ANSWER]`` block. Steps come from
`pytest_llmexec.strategies.steps` (top-level statements, merged to ``--llm-iip-max-steps``).

Scoring a step: the reported dict matches when every true local (see
``execution/tracer.py`` for which locals are true and when) is present with an
equal value (``answers.equal``); keys that are not true locals are ignored; a
missing or unparseable ``[STATE]`` block is a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..answers import NotALiteral, equal, extract_answer, parse_literal
from ..datasets.model import PYTHON, Case
from .base import (
    Prompt,
    PromptOptions,
    case_texts,
    description_block,
    fence,
    numbered,
    pick_tag,
)
from .steps import cut_steps, local_names
from .templating import Templates, fill, register

FIRST, STEP, FINAL = "iip_first.txt", "iip_step.txt", "iip_final.txt"
_STEP_VALUES = {"fence", "function", "n", "state"}
register(
    FIRST,
    "the first IIP turn",
    {"numbered", "call", "step"},
    {"description", "skeleton", *_STEP_VALUES},
)
register(STEP, "an IIP step turn", {"lines"}, {"index", "first", "last", *_STEP_VALUES})
register(FINAL, "the last IIP turn", set(), {"tag", "function", "call"})
#: a state dict, or the trace of a loop before it; and the final answer
STEP_MAX_TOKENS = 1024
FINAL_MAX_TOKENS = 512


class Iterative:
    """Output prediction only: the steps trace a run forwards from a known input, which
    input prediction does not have (it must find the input), so ``iip`` with
    ``--llm-task=input`` collects no tests and says so."""

    name = "iip"
    description = "iterative instruction prompting strategy (multi-turn)"
    tasks = ("output",)
    #: the steps are Python statements and the states Python locals: no other language
    python_only = True

    def __init__(self, templates: Templates | None = None) -> None:
        self.templates = templates or Templates()

    @property
    def files(self) -> tuple[str, ...]:
        return (FIRST, STEP, FINAL)

    @property
    def template_hash(self) -> str:
        return self.templates.hash(*self.files)

    def template_hash_for(self, task: str, language: str = PYTHON) -> str:
        return self.template_hash

    def prompt(
        self,
        case: Case,
        options: PromptOptions,
        task: str = "output",
        fields: Mapping[str, str] | None = None,
    ) -> Prompt:
        snippet = case.snippet
        steps = cut_steps(snippet.code, snippet.entry, options.iip_max_steps)
        texts = case_texts(case, options)
        answer_tag = pick_tag("ANSWER", *texts)
        state_tag = pick_tag("STATE", *texts)
        if not any("{{state}}" in self.templates.text(name) for name in (FIRST, STEP)):
            state_tag = "STATE"  # a template of the user's that writes the tag itself
        common = {
            "fence": fence(*texts),
            "function": snippet.function_name,
            "n": str(len(steps)),
            "state": state_tag,
        }
        step_turns = [
            fill(
                self.templates.text(STEP),
                index=str(index),
                first=str(first),
                last=str(last),
                lines=numbered(snippet.code, first, last),
                **common,
            ).rstrip()
            for index, (first, last) in enumerate(steps, 1)
        ]
        opening = fill(
            self.templates.text(FIRST),
            description=description_block(case, options),
            numbered=numbered(snippet.code),
            call=case.call,
            step=step_turns[0],
            skeleton=skeleton(local_names(snippet.code, snippet.entry)),
            **common,
        )
        final_template = self.templates.text(FINAL)
        if "{{tag}}" not in final_template:
            answer_tag = "ANSWER"  # a template of the user's that writes the tag itself
        final = fill(final_template, tag=answer_tag, function=snippet.function_name, call=case.call)
        return Prompt(
            turns=(opening.rstrip(), *step_turns[1:], final.rstrip()),
            answer_tag=answer_tag,
            state_tag=state_tag,
            steps=steps,
            cache_prefix=True,
            stops=(*[(f"[/{state_tag}]",)] * len(steps), (f"[/{answer_tag}]",)),
            max_tokens=(*[STEP_MAX_TOKENS] * len(steps), FINAL_MAX_TOKENS),
        )


def skeleton(names: Sequence[str]) -> str:
    """The shape of a state for this case's own variables, with no value in it: a format
    shown with values is a format a small model copies (it reported a worked example's
    values as its own states), and one shown on another program's names invites the same."""
    return "{" + ", ".join(f"{name!r}: <its value>" for name in names) + "}"


@dataclass(frozen=True)
class StepCheck:
    """How one reported state compares with the true locals after that step."""

    step: int  # 1-based
    lines: tuple[int, int]
    expected: dict[str, str]  # the true locals, as literal reprs
    reported: str | None  # the text of the reported state, None when there was none
    match: bool
    problem: str = ""  # why it does not match

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "lines": list(self.lines),
            "expected": self.expected,
            "reported": self.reported,
            "match": self.match,
            "problem": self.problem,
        }


def parse_state(reply: str, tag: str) -> tuple[str, dict[str, Any] | None, str]:
    """The reported state of a reply: (its text, the dict or None, the problem)."""
    text = extract_answer(reply, tag)
    try:
        value = parse_literal(text)
    except NotALiteral as exc:
        return text, None, f"unparseable state: {exc}"
    if not isinstance(value, dict):
        return text, None, f"the state is a {type(value).__name__}, not a dict"
    return text, value, ""


def check_state(expected: dict[str, str], reported: dict[str, Any]) -> str:
    """Empty when *reported* holds every expected local with an equal value, else why not."""
    problems: list[str] = []
    for name, text in expected.items():
        try:
            truth = parse_literal(text)
        except NotALiteral:  # cannot happen for the tracer's reprs; never score it
            continue
        if name not in reported:
            problems.append(f"{name} missing")
        elif not equal(reported[name], truth):
            problems.append(f"{name}: expected {text[:60]}, got {reported[name]!r:.60}")
    return "; ".join(problems)


def check_steps(
    truth: Sequence[dict[str, str]],
    steps: Sequence[tuple[int, int]],
    replies: Sequence[str],
    tag: str,
) -> list[StepCheck]:
    """One check per step; *replies* are the model's replies to the step turns, in order."""
    checks: list[StepCheck] = []
    for index, (expected, lines) in enumerate(zip(truth, steps, strict=True)):
        if index >= len(replies):
            checks.append(StepCheck(index + 1, lines, expected, None, False, "no reply"))
            continue
        text, state, problem = parse_state(replies[index], tag)
        if state is not None:
            problem = check_state(expected, state)
        checks.append(StepCheck(index + 1, lines, expected, text, not problem, problem))
    return checks


def first_divergent(checks: Sequence[StepCheck]) -> int | None:
    """The 1-based number of the first step whose state does not match, or None."""
    return next((c.step for c in checks if not c.match), None)
