"""RE2-Bench's output and input tasks: read a reply, score it by RE2-Bench's rule.

The rule itself is `re2rule` (a faithful port). This module decides where it
runs: in the pytest process while no ``eval`` of a non-literal is needed,
otherwise in the sandboxed child, as a program made of `re2rule`'s source and
the row. Output prediction never runs the problem's code: it compares with
the stored truth. Input prediction adds RE2-Bench's false-negative check when
the comparison gives ``rs`` 0: the predicted input is run in the sandboxed
child for the self-contained problems (15 s, as upstream); a repository
problem (SWE-bench, real projects) would need its project's environment,
which this run does not have, so it gets the verdict ``error`` with that
reason instead of a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..answers import Raised, parse_answer
from ..execution import Call, Outcome
from ..execution.api import OK, TIMEOUT
from ..verdicts import CORRECT, ERROR, UNPARSEABLE, WRONG
from . import re2parse, re2rule
from .base import Runner

#: upstream's subprocess timeout for the false-negative check, in seconds
FN_TIMEOUT = 15.0
PARSED_KEY = re2rule.PARSED_KEY
NO_ENVIRONMENT = (
    "the false-negative check of a {benchmark} problem runs the predicted input in that "
    "project's environment, which this run does not have; rs before the check is 0 "
    "(partial_rs {partial:.3f})"
)


@dataclass(frozen=True)
class Row:
    """What the rule needs of one problem (plain data: it travels to the child as JSON)."""

    task: str  # output | input
    benchmark: str
    truth_input: Any
    truth_output: Any
    function_name: str | None
    class_name: str | None
    code_path: str
    code_file: Path

    @property
    def self_contained(self) -> bool:
        return self.benchmark in re2rule.SELF_CONTAINED


@dataclass(frozen=True)
class Score:
    """One reply's verdict and RE2-Bench's figures (``rs`` None: no verdict could be had)."""

    verdict: str
    rs: int | None
    partial_rs: float | None
    is_fn: bool | None = None
    predicted: str | None = None
    problem: str = ""


def read_prediction(reply: str, task: str) -> tuple[Any, str]:
    """The prediction of a reply, as RE2-Bench's parser reads it, and why it read none.

    A reply that could not be read is ``{}``, as upstream scores it; the second
    value then says why (the verdict is ``unparseable`` unless ``{}`` is right).
    A replayed published prediction arrives already parsed (`PARSED_KEY`).
    """
    try:
        envelope = json.loads(reply)
    except (ValueError, RecursionError):
        envelope = None
    if isinstance(envelope, dict) and set(envelope) == {PARSED_KEY}:
        return envelope[PARSED_KEY], ""
    result = re2parse.extract_output_json_easy(reply, task)
    if result["json"] is None:
        return {}, str(result["error"])
    return result["json"], ""


def read_literal_prediction(reply: str, tag: str) -> tuple[Any, str]:
    """Our templates' answer (a Python literal in [TAG]) as RE2's output structure.

    Tuples become lists, as the stored JSON truth holds them; a reply that does
    not read is ``{}`` with the reason, as for RE2-Bench's own parser.
    """
    parsed = parse_answer(reply, tag)
    if not parsed.ok or isinstance(parsed.value, Raised):
        return {}, parsed.problem or "the answer is not a literal value"
    return {"output": _json_shape(parsed.value)}, ""


def read_literal_input(reply: str, tag: str, truth_input: Any) -> tuple[Any, str]:
    """Our RE2 input templates' answer (a dict literal in [TAG]) as RE2's input structure.

    Read as a literal, never run; tuples become lists. A reply that does not read,
    or reads as something other than a dict, is ``{}`` with the reason. A program's
    stdin answered as ``{'input': text}`` with the stored text itself is handed over
    as that bare text, the form RE2-Bench's comparison matches: its false-negative
    check counts an input equal to the stored one as no false negative, so the dict
    form of the exact stored stdin would score 0 (docs/re2bench.md).
    """
    parsed = parse_answer(reply, tag)
    if not parsed.ok or isinstance(parsed.value, Raised):
        return {}, parsed.problem or "the answer is not a literal value"
    if not isinstance(parsed.value, dict):
        return {}, f"the answer is a {type(parsed.value).__name__}, not the dict asked for"
    value = _json_shape(parsed.value)
    stdin = value.get("input") if set(value) == {"input"} else None
    same_type = not isinstance(truth_input, dict) and type(stdin) is type(truth_input)
    if same_type and stdin == truth_input:  # the type first: 1.0 == 1 must not pass
        return truth_input, ""
    return value, ""


def _json_shape(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_json_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_shape(v) for k, v in value.items()}
    return value


def score(row: Row, prediction: Any, run: Runner, unread: str = "") -> Score:
    """RE2-Bench's verdict on *prediction*; *run* executes in the sandboxed child."""
    shown = json.dumps(prediction, ensure_ascii=False)[:2000]
    try:
        figures = _compare(row, prediction, run)
    except _RuleError as exc:
        return Score(ERROR, None, None, predicted=shown, problem=str(exc))
    rs, partial = int(figures["rs"]), float(figures["partial_rs"])
    if row.task == "output" or rs == 1:
        return _scored(rs, partial, shown, unread, None if row.task == "output" else False)
    if not row.self_contained:
        problem = NO_ENVIRONMENT.format(benchmark=row.benchmark, partial=partial)
        return Score(ERROR, None, None, predicted=shown, problem=problem)
    try:
        found = _child(row, "fn", prediction, run, FN_TIMEOUT)
    except _Timeout:
        return Score(WRONG, 0, partial, False, shown, "the predicted input ran out of time")
    except _RuleError as exc:
        return Score(ERROR, None, None, predicted=shown, problem=str(exc))
    if found.get("is_fn"):
        return Score(CORRECT, 1, 1.0, True, shown)
    return Score(WRONG, 0, partial, False, shown, unread or str(found.get("problem") or ""))


def _scored(rs: int, partial: float, shown: str, unread: str, is_fn: bool | None) -> Score:
    if rs == 1:
        return Score(CORRECT, 1, partial, is_fn, shown)
    return Score(UNPARSEABLE if unread else WRONG, 0, partial, is_fn, shown, unread)


class _RuleError(Exception):
    """The rule could not score the row (upstream's script would have stopped on it)."""


class _Timeout(Exception):
    """The false-negative run exceeded upstream's 15 s."""


def _compare(row: Row, prediction: Any, run: Runner) -> dict[str, Any]:
    """rs and partial_rs by comparison: here when no eval is needed, else in the child."""
    try:
        if row.task == "output":
            return re2rule.score_output(prediction, row.truth_output)
        return re2rule.score_input_compare(prediction, row.truth_input, row.self_contained)
    except re2rule.NeedsChild:
        pass
    except RecursionError:
        raise _RuleError("the scoring rule recursed too deeply on this prediction") from None
    except Exception as exc:
        raise _RuleError(f"the scoring rule raised {type(exc).__name__}: {exc}"[:300]) from None
    try:
        return _child(row, "compare", prediction, run, 10.0)
    except _Timeout:
        raise _RuleError("scoring in the sandbox ran out of time") from None


def _child(row: Row, mode: str, prediction: Any, run: Runner, timeout: float) -> dict[str, Any]:
    """Run the rule on *row* in the sandboxed child; its result, or why there is none."""
    payload: dict[str, Any] = {
        "mode": mode,
        "task": row.task,
        "benchmark": row.benchmark,
        "prediction": prediction,
        "truth_input": row.truth_input,
        "truth_output": row.truth_output,
        "self_contained": row.self_contained,
        "function_name": row.function_name,
        "class_name": row.class_name,
        "code_path": row.code_path,
        "sources": {},
    }
    if mode == "fn":
        try:
            source = row.code_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _RuleError(f"cannot read the problem's code {row.code_file}: {exc}") from None
        payload["sources"] = {row.code_path: source}
    program = f"{rule_source()}\n\nchild_main(json.loads({json.dumps(payload)!r}))\n"
    outcome = run(
        Call(code=program, entry="", args="", timeout=timeout, prelude=False, program=True)
    )
    return _result(outcome)


def _result(outcome: Outcome) -> dict[str, Any]:
    if outcome.status == TIMEOUT:
        raise _Timeout
    if outcome.status != OK:
        raise _RuleError(f"the sandboxed scoring gave {outcome.verdict}: {outcome.detail}"[:300])
    for line in reversed(outcome.stdout.splitlines()):
        if line.startswith(re2rule.RESULT_MARK):
            data = json.loads(line[len(re2rule.RESULT_MARK) :])
            if "error" in data:
                raise _RuleError(str(data["error"]))
            return dict(data)
    raise _RuleError("the sandboxed scoring printed no result")


@cache
def rule_source() -> str:
    """`re2rule`'s source: sent whole to the child, which runs it as a program."""
    return Path(re2rule.__file__).read_text(encoding="utf-8")
