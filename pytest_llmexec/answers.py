"""Extract an answer from a model reply and compare it with the truth.

Nothing a model says is executed: answers are parsed by walking the AST and
accepting only literal nodes. The parser is lenient where models are
(``true``/``null``, ``inf``/``nan``, a trailing period) and strict everywhere
else (no names, no calls beyond ``set()``, no arithmetic beyond a sign and a
complex literal).
"""

from __future__ import annotations

import ast
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

_NAMES: dict[str, Any] = {
    "True": True,
    "False": False,
    "None": None,
    "true": True,
    "false": False,
    "null": None,
    "none": None,
    "inf": math.inf,
    "Infinity": math.inf,
    "nan": math.nan,
    "NaN": math.nan,
}


#: CPython 3.11 keeps the AST constructor's recursion depth per interpreter, not per thread
#: (python/cpython#106905): two threads parsing at once (the oracle on the model loop, the
#: engine on the main thread) can fail with "SystemError: AST constructor recursion depth
#: mismatch". Every parse that may run while conversations are in flight takes this lock.
AST_LOCK = threading.Lock()


class NotALiteral(ValueError):
    """The text is not a Python literal."""


def _eval_node(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.Tuple):
        return tuple(_eval_node(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_eval_node(e) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_eval_node(e) for e in node.elts}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise NotALiteral("dict unpacking is not a literal")
        return {_eval_node(k): _eval_node(v) for k, v in zip(node.keys, node.values, strict=True)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _eval_node(node.operand)
        if isinstance(operand, (int, float, complex)) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left, right = _eval_node(node.left), _eval_node(node.right)
        if (
            isinstance(left, (int, float))
            and not isinstance(left, bool)
            and isinstance(right, complex)
        ):
            return left + right if isinstance(node.op, ast.Add) else left - right
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("set", "frozenset", "float")
        and not node.keywords
    ):
        if node.func.id == "float" and len(node.args) == 1:
            arg = _eval_node(node.args[0])
            if isinstance(arg, str) and arg.strip().lower() in ("inf", "-inf", "nan", "infinity"):
                return float(arg)
        elif not node.args:
            return set() if node.func.id == "set" else frozenset()
        elif len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple, ast.Set)):
            items = _eval_node(node.args[0])
            return set(items) if node.func.id == "set" else frozenset(items)
    raise NotALiteral(f"not a literal: {ast.unparse(node)[:80]}")


def parse_literal(text: str) -> Any:
    """Parse *text* as a Python literal, leniently; raise `NotALiteral` otherwise."""
    cleaned = text.strip()
    if cleaned.endswith(".") and not re.search(r"\d\.$", cleaned):
        cleaned = cleaned[:-1].rstrip()
    if not cleaned:
        raise NotALiteral("empty answer")
    try:
        with AST_LOCK:
            tree = ast.parse(cleaned, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise NotALiteral(f"does not parse: {cleaned[:80]!r}") from None
    try:
        return _eval_node(tree.body)
    except (TypeError, RecursionError) as exc:  # unhashable set/dict keys, too deep
        raise NotALiteral(str(exc)) from None


_FENCE_RE = re.compile(r"```[ \t]*[\w+-]*[ \t]*\n?(.*?)```", re.DOTALL)
#: a fence that opens and never closes: its text runs to the end of the reply
_OPEN_FENCE_RE = re.compile(r"```[ \t]*[\w+-]*[ \t]*\n?(.*)\Z", re.DOTALL)
_ASSERT_RE = re.compile(r"^\s*assert\s+.+?==\s*(.+?)\s*$", re.MULTILINE)


def answer_block(text: str, tag: str = "ANSWER") -> str | None:
    """The content of the last ``[TAG]...[/TAG]`` block (or an unclosed last one)."""
    close = f"[/{tag}]"
    open_ = f"[{tag}]"
    end = text.rfind(close)
    if end != -1:
        start = text.rfind(open_, 0, end)
        if start != -1:
            return text[start + len(open_) : end]
    start = text.rfind(open_)
    if start != -1 and close not in text[start:]:
        return text[start + len(open_) :]
    return None


def fence_content(text: str) -> str | None:
    """The content of the last fenced code block of *text*, if any."""
    fences = _FENCE_RE.findall(text)
    return str(fences[-1]) if fences else None


def open_fence_content(text: str) -> str | None:
    """The text after a code fence that opens and never closes, if *text* ends inside one.

    A reply cut at its token limit, or a model that forgot the closing backticks,
    leaves its last fence open; what follows it may still be the whole answer.
    """
    match = _OPEN_FENCE_RE.search(_FENCE_RE.sub("", text))
    return match.group(1) if match else None


def _open_fence_answer(text: str) -> str | None:
    """The open fence's text when it is a whole answer (a literal, an assertion of one, or a
    raise), else None: a fence cut in the middle of its value is not guessed at."""
    content = open_fence_content(text)
    if content is None:
        return None
    answer = _strip_assert(content).strip()
    return answer if _RAISE_RE.match(answer) or _is_literal(answer) else None


def extract_answer(reply: str, tag: str = "ANSWER") -> str:
    """The answer text of a reply: last [ANSWER] block, fence (closed, or open to the end of
    the reply when its text is a whole answer), assert, or the whole reply."""
    block = answer_block(reply, tag)
    if block is not None:
        if _RAISE_RE.match(block.strip()) or _is_literal(block):
            return block.strip()  # e.g. a string holding backticks: no fence to unwrap
        opened = _open_fence_answer(block)  # an open fence is the block's last one
        if opened is not None:
            return opened
        inner = _FENCE_RE.findall(block)
        block = inner[-1] if inner else block
        return _strip_assert(block).strip()
    opened = _open_fence_answer(reply)
    if opened is not None:
        return opened
    fences = _FENCE_RE.findall(reply)
    if fences:
        return _strip_assert(fences[-1]).strip()
    asserts = _ASSERT_RE.findall(reply)
    if asserts:
        return str(asserts[-1]).strip()
    return reply.strip()


def answers_in_block(reply: str, tag: str = "ANSWER") -> bool:
    """Whether *reply* holds a ``[TAG]`` block whose content is a whole answer: a Python
    expression (a literal, a call), an assertion of one, or a raise. ``[TAG] = 3`` and an
    empty block are not, nor a reply without the block."""
    if answer_block(reply, tag) is None:
        return False
    text = extract_answer(reply, tag)
    if _RAISE_RE.match(text):
        return True
    try:
        with AST_LOCK:
            ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return bool(text)


def _strip_assert(text: str) -> str:
    matches = _ASSERT_RE.findall(text)
    return str(matches[-1]) if matches else text


@dataclass(frozen=True)
class Parsed:
    """An extracted answer: its text and, when it parsed, its value."""

    text: str
    ok: bool
    value: Any = None
    problem: str = ""


@dataclass(frozen=True)
class Raised:
    """The outcome "the call raises this exception type", as truth or as an answer."""

    type_name: str

    def __repr__(self) -> str:
        return f"raise {self.type_name}"


_RAISE_RE = re.compile(r"^(?:raises?|raised|exception:?)\s+([A-Za-z_][\w.]*)\b", re.IGNORECASE)


def parse_answer(reply: str, tag: str = "ANSWER") -> Parsed:
    text = extract_answer(reply, tag)
    raised = _RAISE_RE.match(text)
    if raised:
        return Parsed(text, True, Raised(raised.group(1).rpartition(".")[2]))
    try:
        return Parsed(text, True, parse_literal(text))
    except NotALiteral as exc:
        return Parsed(text, False, problem=str(exc))


def equal(predicted: Any, truth: Any) -> bool:
    """Python ``==``, except that NaN equals NaN (also inside containers)."""
    if (
        isinstance(truth, float)
        and isinstance(predicted, float)
        and math.isnan(truth)
        and math.isnan(predicted)
    ):
        return True
    if isinstance(truth, (list, tuple)) and isinstance(predicted, (list, tuple)):
        if type(truth) is not type(predicted) or len(truth) != len(predicted):
            return False
        return all(equal(p, t) for p, t in zip(predicted, truth, strict=True))
    if isinstance(truth, dict) and isinstance(predicted, dict):
        if truth.keys() != predicted.keys():
            return False
        return all(equal(predicted[k], truth[k]) for k in truth)
    try:
        return bool(predicted == truth)
    except Exception:  # pragma: no cover - exotic __eq__
        return False


def _is_literal(text: str) -> bool:
    try:
        parse_literal(text)
    except NotALiteral:
        return False
    return True
