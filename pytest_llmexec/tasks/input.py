"""Input prediction (CRUXEval-I): the model sees the code and an output, and gives a call.

The answer is a call of the entry function (``f('abc')``, ``twoSum([2, 7], 9)``).
It is parsed here, never evaluated: its arguments run in the sandboxed child,
in the snippet's namespace, and the answer is correct when the call's result
equals the real output, compared as outputs are compared (`answers.equal`). A
reply with no readable call is ``unparseable``; a call of another function, a
call that raises (unless the truth raises the same) or times out is ``wrong``.
Rows of a CRUXEval file are scored by CRUXEval's own rule (tasks/cruxeval.py),
cases of compiled languages by CRUXEval-X's (tasks/native.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..answers import (
    AST_LOCK,
    NotALiteral,
    Raised,
    answer_block,
    equal,
    fence_content,
    parse_literal,
)
from ..datasets.model import CRUXEVAL, Case
from ..execution import Call, Outcome
from ..execution.api import OK, RAISED
from ..verdicts import CORRECT, UNPARSEABLE, WRONG
from . import cruxeval, native
from .base import Expected, Runner, Scored


@dataclass(frozen=True)
class ReadCall:
    """A call read from a reply: its text, and its argument text when it calls the entry."""

    text: str
    args: str | None = None
    callee: str | None = None  # the function it calls, when it is a call
    problem: str = ""


def read_call(reply: str, tag: str, function: str) -> ReadCall:
    """The last [TAG] block (else fence, else the reply), as one call of *function*.

    ``assert f(x) == y`` gives ``f(x)``; ``Solution().f(x)`` and ``obj.f(x)``
    count as calls of ``f``.
    """
    block = answer_block(reply, tag)
    text = block if block is not None else reply
    inner = fence_content(text)
    text = (inner if inner is not None else text).strip()
    if text.startswith("assert "):
        text = text[len("assert ") :].strip()
    try:
        with AST_LOCK:
            node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ReadCall(text, problem=f"not a call: {text[:80]!r} does not parse")
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        node = node.left  # "f(x) == y": the call is the left side
        text = ast.get_source_segment(text, node) or ast.unparse(node)
    if not isinstance(node, ast.Call):
        return ReadCall(text, problem=f"not a call of {function}(...): {text[:80]!r}")
    callee = _callee(node.func)
    if callee != function:
        return ReadCall(
            text, callee=callee, problem=f"calls {callee or 'something'}, not {function}"
        )
    parts = [ast.unparse(a) for a in node.args]
    parts += [
        f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}"
        for k in node.keywords
    ]
    return ReadCall(text, args=", ".join(parts), callee=callee)


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


class InputPrediction:
    name = "input"
    description = "input prediction: the model gives a call that returns a given output"
    summary = "a call that returns a given output"
    needs_truth = True

    def fields(self, case: Case, expected: Expected) -> dict[str, str]:
        if case.native is not None:
            return native.fields(case, self.name, expected)
        return {"output": expected.text, "function": case.snippet.function_name}

    def oracle_answer(self, case: Case, reference: Outcome) -> str:
        if case.native is not None:
            return native.oracle_answer(case, self.name, reference)
        return f"{case.snippet.function_name}({case.args})"

    def score(
        self, reply: str, tag: str, case: Case, expected: Expected, run: Runner, timeout: float
    ) -> Scored:
        if case.native is not None:
            return native.score(case, self.name, reply, tag, expected, run, timeout)
        function = case.snippet.function_name
        if case.snippet.dialect == CRUXEVAL:
            answer = cruxeval.answer_text(reply, tag, call=True)
            if f"{function}(" not in answer:  # CRUXEval's rule: an answer must call f
                read = read_call(reply, tag, function)
                verdict = WRONG if read.callee else UNPARSEABLE
                return Scored(verdict, answer, read.problem or f"no call of {function}(...)")
            return cruxeval.check(case, expected, answer, run, timeout)
        read = read_call(reply, tag, function)
        if read.args is None:
            return Scored(WRONG if read.callee else UNPARSEABLE, read.text, read.problem)
        snippet = case.snippet
        outcome = run(
            Call(
                code=snippet.code,
                entry=snippet.entry,
                args=read.args,
                timeout=timeout,
                score=snippet.score,
                expressions=True,  # the model's arguments, evaluated in the sandbox only
                prelude=snippet.prelude,
            )
        )
        verdict = _verdict(outcome, expected)
        return Scored(verdict, read.text, "" if verdict == CORRECT else _problem(outcome))


def _verdict(outcome: Outcome, expected: Expected) -> str:
    if isinstance(expected.value, Raised):
        same = outcome.status == RAISED and outcome.exc_type == expected.value.type_name
        return CORRECT if same else WRONG
    if outcome.status != OK or outcome.value is None:
        return WRONG
    try:
        return CORRECT if equal(parse_literal(outcome.value), expected.value) else WRONG
    except NotALiteral:
        return WRONG


def _problem(outcome: Outcome) -> str:
    if outcome.status == OK:
        return f"the call returns {outcome.value}"[:300] if outcome.value is not None else ""
    return f"the call gave {outcome.verdict}: {outcome.detail}"[:300]
