"""Both tasks for a case of a compiled language (`NativeCase`): read, ask, score.

The truth is the case's own program run in the sandbox: exit 0 means it holds
(a row's ``assert`` passed); a program that prints gives its result as one
JSON line. A truth program that does not build or does not pass is a dataset
error for that case, never a model's mistake.

An answer is scored by CRUXEval-X's rule, in every language: it goes into the
case's program in place of ``????`` (`NativeCase.answer_program`) and the
program runs in the sandbox. Exit 0 is correct; a program that does not
compile is unparseable; any other end (a failed assert, a crash, a limit) is
wrong; a broken harness is an error. Two answers are refused before any run,
because their program would pass without saying anything: an output answer
that calls the function instead of giving its value, and an input answer that
calls nothing. An answer must also be one expression (its brackets balanced,
no ``;`` outside them), so that it cannot end the statement it is put into.

The answer is read from the last ``[ANSWER]`` block, else the last code
fence, else the reply. A completed statement (``assert(candidate(x) == y);``,
``assert(f(x).equals(y));``, ``assert_eq!(f(x), y);``) gives its right side
for output prediction and its left side, the call, for input prediction.
"""

from __future__ import annotations

import re

from ..answers import answer_block, fence_content
from ..datasets.model import Case
from ..execution import Call, Outcome
from ..execution.api import HARNESS, OK
from ..execution.native import ASSERTION_FAILED, COMPILE_ERROR
from ..languages.problem import NativeCase
from ..verdicts import CORRECT, ERROR, UNPARSEABLE, WRONG
from .base import Expected, Runner, Scored

_OPEN, _CLOSE = "([{", ")]}"


def native(case: Case) -> NativeCase:
    assert case.native is not None, "a native task is asked of a compiled snippet only"
    return case.native


def truth_call(case: Case, timeout: float) -> Call:
    """The run of the case's own program: its truth (and, run again, the oracle's)."""
    problem = native(case)
    return program_call(problem.language, problem.truth_program(), timeout)


def program_call(language: str, program: str, timeout: float) -> Call:
    return Call(code=program, entry="", args="", timeout=timeout, program=True, language=language)


def printed(problem: NativeCase, outcome: Outcome) -> str | None:
    """The JSON line a printing truth program gave (its last line), else None."""
    if not problem.prints or outcome.value is None:
        return None
    lines = [line for line in outcome.value.splitlines() if line.strip()]
    return lines[-1] if lines else None


def expected(case: Case, truth: Outcome) -> Expected | str:
    """The truth as the tasks use it, or why the case's own program gave none."""
    problem = native(case)
    if not truth.ok:
        what = (
            "does not compile"
            if truth.status == COMPILE_ERROR
            else "fails its own assert"
            if not problem.prints and truth.status == ASSERTION_FAILED
            else f"gave {truth.verdict}"
        )
        detail = f": {truth.detail[:600]}" if truth.detail else ""
        return f"dataset error: the {problem.language} program of this case {what}{detail}"
    line = printed(problem, truth)
    if problem.prints and line is None:
        return f"dataset error: the {problem.language} program of this case printed no result"
    text = problem.oracle_answer("output", line)
    return Expected(value=line, text=text, check=text, printed=line)


def fields(case: Case, task: str, truth: Expected | None) -> dict[str, str]:
    """The template's fields: the program shown, with ``????`` where the answer goes."""
    shown = native(case).shown(task, truth.printed if truth is not None else None)
    return {"code": shown, "function": case.snippet.function_name}


def oracle_answer(case: Case, task: str, reference: Outcome) -> str:
    """A correct answer, but only when the oracle's own run of the program held."""
    problem = native(case)
    if not reference.ok:
        return f"(the oracle's own run gave {reference.verdict}: {reference.detail[:200]})"
    return problem.oracle_answer(task, printed(problem, reference))


def verdict(outcome: Outcome) -> str:
    """The verdict of an answer's program: exit 0 is correct, not compiling is unparseable,
    any other end (a failed assert, a crash, a limit) is wrong, a broken harness an error."""
    if outcome.status == OK:
        return CORRECT
    if outcome.status == COMPILE_ERROR:
        return UNPARSEABLE
    if outcome.status == HARNESS:
        return ERROR
    return WRONG


def score(
    case: Case, task: str, reply: str, tag: str, truth: Expected, run: Runner, timeout: float
) -> Scored:
    """The verdict of one reply, by running the answer's program in the sandbox."""
    problem = native(case)
    answer = read_answer(reply, tag, task)
    refused = refusal(task, answer, problem.oracle_answer("input", truth.printed))
    if refused is not None:
        return refused
    outcome = run(
        program_call(problem.language, problem.answer_program(task, answer, truth.printed), timeout)
    )
    result = verdict(outcome)
    if result == CORRECT:
        return Scored(CORRECT, answer)
    what = "does not compile" if result == UNPARSEABLE else f"gave {outcome.verdict}"
    detail = f": {outcome.detail}" if outcome.detail else ""
    return Scored(result, answer, f"the answer's program {what}{detail}"[:400])


def refusal(task: str, answer: str, call: str) -> Scored | None:
    """The verdict of an answer refused before any run (None: run it); *call* is the
    case's own call, which names the function a call must call."""
    if not answer:
        return Scored(UNPARSEABLE, answer, "no answer in the reply")
    unbalanced = _one_expression(answer)
    if unbalanced:
        return Scored(UNPARSEABLE, answer, f"not one expression: {unbalanced}")
    callee = _callee(call)
    if callee is None:
        return None
    calls = re.search(rf"(?<![\w$]){re.escape(callee)}\s*\(", _code_only(answer))
    if task == "output" and calls:
        return Scored(WRONG, answer, f"the answer calls {callee}(...) instead of its value")
    if task == "input" and not calls:
        return Scored(UNPARSEABLE, answer, f"the answer is no call of {callee}(...)")
    return None


# --------------------------------------------------------------------------- reading


def read_answer(reply: str, tag: str, task: str) -> str:
    """The answer text of *reply* for *task* (see the module's docstring)."""
    block = answer_block(reply, tag)
    text = block if block is not None else reply
    inner = fence_content(text)
    text = (inner if inner is not None else text).strip()
    sides = _assertion_sides(text)
    if sides is not None:
        text = sides[1] if task == "output" else sides[0]
    return text.strip()


#: assertion calls of two arguments, (actual, expected): Rust's and node's
_TWO_ARGUMENTS = (
    "assert_eq!",
    "assert.deepEqual",
    "assert.deepStrictEqual",
    "assert.equal",
    "assert.strictEqual",
)


def _assertion_sides(text: str) -> tuple[str, str] | None:
    """(left, right) of one completed assertion statement, else None.

    ``assert(a == b);``, ``assert a == b;``, ``assert(a.equals(b));``, and the
    two-argument ``assert_eq!(a, b)`` / ``assert.deepEqual(a, b)``.
    """
    body = text.strip().rstrip(";").strip()
    head = re.match(r"(assert(?:_eq!|\.\w+)?)\s*", body)
    if head is None:
        return None
    rest = body[head.end() :]
    inner = _parenthesised(rest)
    if head.group(1) != "assert":
        if head.group(1) not in _TWO_ARGUMENTS or inner is None:
            return None
        parts = _split_top(inner, ",")
        return (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else None
    expression = inner if inner is not None else rest
    if _one_expression(expression):
        return None
    parts = _split_top(expression, "==")
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    last = _last_call(expression)
    if last is not None and last[0].rstrip().endswith(".equals"):
        return last[0].rstrip()[: -len(".equals")].strip(), last[1].strip()
    return None


def _last_call(text: str) -> tuple[str, str] | None:
    """(what is called, the argument text) when *text* ends with a call's ``( ... )``."""
    text = text.strip()
    if not text.endswith(")"):
        return None
    depth = 0
    for index, char in reversed(_code_chars(text)):
        if char in _CLOSE:
            depth += 1
        elif char in _OPEN:
            depth -= 1
            if depth == 0:
                return text[:index], text[index + 1 : -1]
    return None


def _parenthesised(text: str) -> str | None:
    """The inside of *text* when all of it is one ``( ... )``."""
    last = _last_call(text)
    return last[1] if last is not None and not last[0].strip() else None


def _split_top(text: str, separator: str) -> list[str]:
    """*text* split at *separator* outside brackets and quotes."""
    parts: list[str] = []
    depth, start = 0, 0
    skip = 0
    code = dict(_code_chars(text))
    for index in range(len(text)):
        if skip:
            skip -= 1
            continue
        char = code.get(index)
        if char is None:
            continue
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            after = text[index + len(separator) : index + len(separator) + 1]
            before = text[index - 1 : index] if index else ""
            if separator == "==" and (after == "=" or before in "=!<>"):
                continue
            parts.append(text[start:index])
            start = index + len(separator)
            skip = len(separator) - 1
    parts.append(text[start:])
    return parts


def _one_expression(text: str) -> str:
    """Why *text* cannot be one expression put into a statement ("" when it can)."""
    depth: list[str] = []
    for _, char in _code_chars(text):
        if char in _OPEN:
            depth.append(_CLOSE[_OPEN.index(char)])
        elif char in _CLOSE:
            if not depth or depth.pop() != char:
                return f"an unmatched {char!r}"
        elif char == ";" and not depth:
            return "a ';' ends the statement"
    if depth:
        return f"an unclosed bracket (expected {depth[-1]!r})"
    return ""


def _code_chars(text: str) -> list[tuple[int, str]]:
    """The characters of *text* outside string and character literals, with their index."""
    out: list[tuple[int, str]] = []
    quote: str | None = None
    escaped = False
    for index, char in enumerate(text):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
            continue
        out.append((index, char))
    return out


def _code_only(text: str) -> str:
    """*text* with its string and character literals blanked out."""
    kept = dict(_code_chars(text))
    return "".join(kept.get(index, " ") for index in range(len(text)))


def _callee(call: str) -> str | None:
    """The name called by the outermost call of *call*: ``candidate`` in
    ``candidate(x)``, ``maxSub`` in ``new Solution().maxSub(v)``."""
    last = _last_call(call.strip().rstrip(";"))
    if last is None:
        return None
    name = re.search(r"([A-Za-z_$][\w$]*)\s*!?\s*$", last[0])
    return name.group(1) if name else None
