"""What the per-line tasks share: which lines are asked, the traced truth, the scoring.

The four tasks (state.py, branch.py, coverage.py, path.py) ask, for a few
lines of the entry function and one call, what happens at those lines. The
definitions (the docs' per-line-tasks page says the same):

* **Lines.** The statement lines of the entry function's own body (nested
  blocks included; nested functions, classes, lambdas and comprehensions not),
  in line order. Each task keeps the lines it can ask about, and of those at
  most `K`, spread over the body: with *n* candidates, those at positions
  ``(2i+1)n // 2K`` for ``i < K``. The choice depends on the code only.
* **An execution of a line** is a line event of the entry function's
  outermost frame (recursive calls are not followed) at that line, as
  ``sys.settrace`` reports it, counted again only when control moved to
  another statement line or jumped back (a loop). Lists over executions hold
  the first `MAX_RUNS`.
* **What follows an execution** is the next execution of any statement line
  of the frame or, when there is none, the frame's end: ``'return'``, or
  ``'raise'`` when an exception leaves the function.
* **Values** are Python literals, read and compared as in output prediction
  (``answers.equal``); a value that is not a literal cannot be scored.

The truth comes from a traced run in the sandboxed child (``tracer.run_lines``).
An answer is one dict literal ``{line: answer}``; the verdict is exact (every
asked line right), and ``partial`` (the share of lines right) is reported
beside it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..answers import AST_LOCK, NotALiteral, equal, parse_answer, parse_literal
from ..datasets.model import Case
from ..execution import Call, Outcome
from ..strategies.base import numbered
from ..verdicts import CORRECT, ERROR, UNPARSEABLE, WRONG
from .base import Expected, Runner, Scored

K = 3  # lines asked per case
MAX_RUNS = 8  # executions listed per line
LINES_MARK = (0, 0)  # tracer.LINES_MARK: the steps ask for a per-line trace
LINE_KEY, END_KEY, CUT_KEY = "@line", "@end", "@cut"
_NO_ASK = (ast.Global, ast.Nonlocal, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NESTED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class Question:
    """One asked line: its number and, per task, the variable or the body it is about."""

    line: int
    variable: str | None = None  # state: the variable assigned
    body: tuple[int, int] | None = None  # branch: the lines of the body run when true

    def label(self) -> str:
        return f"line {self.line}" + (f" (`{self.variable}`)" if self.variable else "")


def entry_function(code: str, entry: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The ``def`` of *entry* (``Solution.method`` or a function) in *code*."""
    try:
        with AST_LOCK:
            tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    owner, _, name = entry.rpartition(".")
    body: Sequence[ast.stmt] = tree.body
    if owner:
        cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        body = cls.body if cls is not None else []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def statements(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The statements of the function's own body, nested blocks included, in line order."""
    found: list[ast.stmt] = []

    def visit(body: Sequence[ast.stmt]) -> None:
        for node in body:
            found.append(node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for name in ("body", "orelse", "finalbody"):
                visit(getattr(node, name, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                visit(handler.body)
            for case in getattr(node, "cases", []) or []:
                visit(case.body)

    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring runs no code
    visit(body)
    return sorted(found, key=lambda n: n.lineno)


def watched_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, ...]:
    """The lines whose executions the tracer records: every statement's first line."""
    return tuple(sorted({n.lineno for n in statements(function) if not isinstance(n, _NO_ASK)}))


def askable(node: ast.stmt) -> bool:
    """A statement a question can be about: code of its own, no nested scope in it."""
    if isinstance(node, _NO_ASK):
        return False
    head: list[ast.AST] = [node]
    if isinstance(node, (ast.If, ast.While)):
        head = [node.test]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        head = [node.target, node.iter]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        head = list(node.items)
    return not any(isinstance(sub, _NESTED) for part in head for sub in ast.walk(part))


def spread(items: Sequence[Question], k: int = K) -> list[Question]:
    """At most *k* of *items*, spread over them (deterministic)."""
    n = len(items)
    if n <= k:
        return list(items)
    return [items[(2 * i + 1) * n // (2 * k)] for i in range(k)]


# --------------------------------------------------------------------------- truth


def executions(events: Sequence[dict[str, str]], line: int) -> list[int]:
    return [i for i, e in enumerate(events) if e.get(LINE_KEY) == str(line)]


def following(events: Sequence[dict[str, str]], index: int) -> dict[str, str]:
    """The record after execution *index*: the next line's, or the frame's end."""
    return events[index + 1] if index + 1 < len(events) else {}


def next_line(record: dict[str, str]) -> int | str | None:
    if LINE_KEY in record:
        return int(record[LINE_KEY])
    return record.get(END_KEY)


class TraceProblem(Exception):
    """The traced run gives no truth for these questions; the message says why."""


def traced(case: Case, run: Runner, timeout: float) -> list[dict[str, str]]:
    """The statement-line events of the case's call, run traced in the sandboxed child."""
    function = entry_function(case.snippet.code, case.snippet.entry)
    if function is None:
        raise TraceProblem(f"no def of {case.snippet.entry} to trace")
    outcome = run(trace_call(case, timeout, watched_lines(function)))
    return events_of(outcome)


def trace_call(case: Case, timeout: float, lines: Sequence[int]) -> Call:
    snippet = case.snippet
    return Call(
        code=snippet.code,
        entry=snippet.entry,
        args=case.args,
        timeout=timeout,
        score=snippet.score,
        trace=True,
        steps=(LINES_MARK, *((line, 0) for line in lines)),
        expressions=snippet.expression_inputs,
        prelude=snippet.prelude,
    )


def events_of(outcome: Outcome) -> list[dict[str, str]]:
    events = list(outcome.steps or ())
    if not events:
        raise TraceProblem(f"the traced run recorded no line of the entry ({outcome.verdict})")
    if any(CUT_KEY in e for e in events):
        raise TraceProblem("the traced run kept 20000 line records: too long to ask about")
    return events


def literal(record: dict[str, str], name: str) -> Any:
    """The value of *name* in a record, or raise `NotALiteral` when it cannot be scored."""
    if name not in record:
        raise NotALiteral(f"{name} has no literal value here")
    return parse_literal(record[name])


# --------------------------------------------------------------------------- the task


class LineTask:
    """The shared behaviour of the four per-line tasks; each says what a line's answer is."""

    name = ""
    needs_truth = True  # fields() needs the case's truth to be known (the engine's rule)
    python_only = True
    #: what the prompt asks of each line, after its label
    asks = ""

    def questions(self, case: Case) -> list[Question]:
        function = entry_function(case.snippet.code, case.snippet.entry)
        if function is None:
            return []
        return spread([q for n in statements(function) for q in self.candidates(n)])

    def candidates(self, node: ast.stmt) -> list[Question]:
        raise NotImplementedError

    def truth(self, question: Question, events: Sequence[dict[str, str]]) -> Any:
        """The right answer for *question* (`NotALiteral`: it cannot be scored)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ Task protocol
    def trace_steps(self, case: Case) -> tuple[tuple[int, int], ...] | None:
        """The reference run the oracle needs: a per-line trace of the entry."""
        function = entry_function(case.snippet.code, case.snippet.entry)
        if function is None:
            return None
        return (LINES_MARK, *((line, 0) for line in watched_lines(function)))

    def fields(self, case: Case, expected: Expected) -> dict[str, str]:
        asked = self.questions(case)
        listed = "\n".join(f"- {q.label()}: {self.asks}" for q in asked)
        return {
            "code": numbered(case.snippet.code),
            "call": case.call,
            "questions": listed or "- (no line of this function can be asked about)",
        }

    def applies(self, case: Case) -> bool:
        """Whether the case's entry has a line this task can ask about (else no test)."""
        return bool(self.questions(case))

    def oracle_answer(self, case: Case, reference: Outcome) -> str:
        try:
            events = events_of(reference)
        except TraceProblem as exc:
            return f"(the oracle's own run gives no answer: {exc})"
        answers: dict[int, Any] = {}
        for question in self.questions(case):
            try:
                answers[question.line] = self.truth(question, events)
            except NotALiteral:
                continue  # not scored: left out
        return repr(answers)

    def score(
        self, reply: str, tag: str, case: Case, expected: Expected, run: Runner, timeout: float
    ) -> Scored:
        asked = self.questions(case)
        if not asked:
            return Scored(ERROR, None, f"no line of {case.snippet.entry} can be asked about")
        parsed = parse_answer(reply, tag)
        if not parsed.ok or not isinstance(parsed.value, dict):
            problem = parsed.problem or "the answer is not a dict of line numbers"
            return Scored(UNPARSEABLE, parsed.text, problem)
        answer = {_line_key(k): v for k, v in parsed.value.items()}
        try:
            events = traced(case, run, timeout)
        except TraceProblem as exc:
            return Scored(ERROR, parsed.text, str(exc))
        right = scored = 0
        wrong: list[str] = []
        for question in asked:
            try:
                truth = self.truth(question, events)
            except NotALiteral:
                continue  # a value that is not a literal: not scored
            scored += 1
            if question.line in answer and equal(answer[question.line], truth):
                right += 1
            else:
                wrong.append(f"line {question.line}: expected {truth!r}")
        if not scored:
            return Scored(ERROR, parsed.text, "no asked line has a literal truth to score")
        verdict = CORRECT if right == scored else WRONG
        return Scored(verdict, parsed.text, "; ".join(wrong)[:300], partial=right / scored)


def _line_key(key: Any) -> Any:
    if isinstance(key, str) and key.strip().isdigit():
        return int(key.strip())
    return key


def truth_runs(
    events: Sequence[dict[str, str]], line: int, value: Callable[[dict[str, str]], Any]
) -> list[Any]:
    """*value* of what follows each of the first `MAX_RUNS` executions of *line*."""
    return [value(following(events, i)) for i in executions(events, line)[:MAX_RUNS]]
