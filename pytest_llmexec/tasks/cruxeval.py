"""CRUXEval's own scoring rule, for rows of a CRUXEval file, both tasks.

CRUXEval runs ``<code>\nassert <output> == <answer>`` and counts the answer
correct when that program completes: Python ``==`` after evaluating both sides
with the row's code, so ``1 == 1.0 == True`` and a tuple is not a list. The
answer text goes in as written, so the published figures come out exactly.
The program runs in the sandboxed child with a bare namespace, as CRUXEval's
does; only when the check is a comparison of two literals is it decided here
by parsing (never evaluating) them, which gives the same result without a run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from ..answers import AST_LOCK, answer_block, fence_content, open_fence_content
from ..datasets.model import Case
from ..execution import Call
from ..execution.api import OK, RAISED
from ..verdicts import CORRECT, UNPARSEABLE, WRONG
from .base import Expected, Runner, Scored


def answer_text(reply: str, tag: str, *, call: bool = False) -> str:
    """The answer: the last [TAG] block, else the last code fence, else the reply as written.

    CRUXEval's prompts ask for a completed assertion ``assert f(<input>) == <output>``:
    output prediction reads the value after ``==``, input prediction (*call*) the call
    before it, as CRUXEval's own extraction does.

    A fence that opens and never closes (a reply cut at its limit, or closing
    backticks forgotten) counts when its text to the end is a whole expression or
    assertion. A published generation (``"f('abc')"``, ``"[1, 2]"``) has neither,
    so it is used verbatim, as CRUXEval uses it.
    """
    side = _assertion_call if call else _assertion_value
    block = answer_block(reply, tag)
    text = block if block is not None else reply
    opened = _open_fence_answer(text, side)
    if opened is not None:
        return opened
    inner = fence_content(text)
    if block is not None:
        return side((inner if inner is not None else block).strip())
    return side(inner.strip() if inner is not None else reply)


def _open_fence_answer(text: str, side: Callable[[str], str]) -> str | None:
    """The answer in a fence left open at the end of *text*, when it is a whole expression."""
    content = open_fence_content(text)
    if content is None:
        return None
    value = side(content.strip())
    try:
        with AST_LOCK:
            ast.parse(value, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return value


def _assertion_value(text: str) -> str:
    """The right-hand side when *text* is one ``assert <call> == <value>`` statement.

    CRUXEval's own prompts ask for the completed assertion, and its scoring
    reads the value after ``==``; anything else is returned as it is.
    """
    return _assertion_side(text, call=False)


def _assertion_call(text: str) -> str:
    """The call when *text* is one ``assert <call> == <value>`` statement (input prediction:
    CRUXEval keeps what stands before ``==``); anything else is returned as it is."""
    return _assertion_side(text, call=True)


def _assertion_side(text: str, *, call: bool) -> str:
    try:
        with AST_LOCK:
            tree = ast.parse(text.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return text
    test = tree.body[0].test
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.left, ast.Call)
    ):
        return text
    value = ast.get_source_segment(text.strip(), test.left if call else test.comparators[0])
    return value if value is not None else text


def check(case: Case, expected: Expected, answer: str, run: Runner, timeout: float) -> Scored:
    """CRUXEval's verdict on *answer*: correct when ``assert <output> == <answer>`` holds."""
    statement = f"assert {expected.check} == {answer}"
    literal = _literal_comparison(statement)
    if literal is not None:
        return Scored(CORRECT if literal else WRONG, answer)
    program = f"{case.snippet.code}\n{statement}"
    outcome = run(
        Call(
            code=program,
            entry="",
            args="",
            timeout=timeout,
            prelude=case.snippet.prelude,
            program=True,
        )
    )
    if outcome.status == OK:
        return Scored(CORRECT, answer)
    if outcome.status == RAISED and outcome.exc_type == "SyntaxError":
        return Scored(UNPARSEABLE, answer, f"the answer does not parse: {outcome.detail}"[:300])
    if outcome.status == RAISED and outcome.exc_type == "AssertionError":
        return Scored(WRONG, answer)
    return Scored(
        WRONG, answer, f"checking the answer gave {outcome.verdict}: {outcome.detail}"[:300]
    )


def _literal_comparison(statement: str) -> bool | None:
    """``left == right`` of two literals, decided without running; None when it needs a run."""
    try:
        with AST_LOCK:
            module = ast.parse(statement)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None  # the child reports the SyntaxError as CRUXEval would see it
    if len(module.body) != 1 or not isinstance(module.body[0], ast.Assert):
        return None
    test = module.body[0]
    if test.msg is not None or not isinstance(test.test, ast.Compare):
        return None
    compare = test.test
    if len(compare.ops) != 1 or not isinstance(compare.ops[0], ast.Eq):
        return None
    try:
        left: Any = ast.literal_eval(compare.left)
        right: Any = ast.literal_eval(compare.comparators[0])
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    try:
        return bool(left == right)
    except RecursionError:
        return None
