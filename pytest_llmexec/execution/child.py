"""Runs one call inside an isolated process and describes its result.

This file is self-contained (standard library only) because it runs in an
interpreter started with ``-S`` and a cleared environment: it must not import
the plugin, pytest or any SDK. The fork server imports it once and calls
`run_call` in every forked child; run as a script (the process-per-call
executor) it reads one JSON request on stdin and writes one JSON result on
stdout.

The result is serialised here, inside the child, so that whatever the snippet
returns (a giant list, a cycle, an object with a hostile ``__repr__``) becomes
a verdict and never reaches the harness as a live object.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import json
import math
import os
import sys
from typing import Any

PRELUDE = """\
from typing import *
from collections import *
from heapq import *
from bisect import *
from itertools import *
from functools import *
from math import *
import collections, heapq, bisect, itertools, functools, math, string, re, operator
import typing


class ListNode:
    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next


class TreeNode:
    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right
"""

MAX_REPR = 100_000
MAX_STDOUT = 10_000
MAX_DEPTH = 100
MAX_NODES = 1_000_000

# Bound now, before any snippet runs, so a snippet that patches builtins cannot
# break the serialisation of its own result.
_repr, _len, _isinstance, _type, _id = repr, len, isinstance, type, id
_dumps = json.dumps


class ResultProblem(Exception):
    """The result cannot be written as a literal; ``status`` says which verdict."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class CappedWriter(io.TextIOBase):
    """A text stream that keeps the first *cap* characters and counts the rest."""

    def __init__(self, cap: int = MAX_STDOUT) -> None:
        self.cap = cap
        self.parts: list[str] = []
        self.kept = 0
        self.total = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        n = _len(text)
        self.total += n
        if self.kept < self.cap:
            piece = text[: self.cap - self.kept]
            self.parts.append(piece)
            self.kept += _len(piece)
        return n

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.total > self.kept:
            text += f"\n[... {self.total - self.kept} more characters]"
        return text


# --------------------------------------------------------------------------- LeetCode forms


def build_list(values: Any, node_type: Any) -> Any:
    """LeetCode's ``[1, 2, 3]`` as a linked list of *node_type*."""
    if not _isinstance(values, list):
        return values
    head = None
    for value in reversed(values):
        head = node_type(value, head)
    return head


def build_tree(values: Any, node_type: Any) -> Any:
    """LeetCode's level-order ``[1, None, 2, 3]`` as a binary tree of *node_type*."""
    if not _isinstance(values, list):
        return values
    if not values or values[0] is None:
        return None
    root = node_type(values[0])
    queue = [root]
    index = 1
    head = 0
    while head < _len(queue) and index < _len(values):
        node = queue[head]
        head += 1
        for side in ("left", "right"):
            if index < _len(values) and values[index] is not None:
                child = node_type(values[index])
                setattr(node, side, child)
                queue.append(child)
            index += 1
    return root


def _annotation_text(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    return annotation if _isinstance(annotation, str) else _repr(annotation)


def leetcode_argument(annotation: Any, value: Any, namespace: dict[str, Any]) -> Any:
    """Convert a list-form argument for a ``ListNode``/``TreeNode`` parameter."""
    text = _annotation_text(annotation).replace("typing.", "")
    for kind, build in (("ListNode", build_list), ("TreeNode", build_tree)):
        node_type = namespace.get(kind)
        position = text.find(kind)
        if node_type is None or position < 0 or not _isinstance(value, list):
            continue
        outer = text[:position]
        if ("List[" in outer or "list[" in outer) and all(
            v is None or _isinstance(v, list) for v in value
        ):
            return [build(v, node_type) for v in value]
        return build(value, node_type)
    return value


def to_plain(value: Any, depth: int = 0, path: set[int] | None = None) -> Any:
    """Turn ListNode/TreeNode results into LeetCode's list form, recursively.

    Raises `ResultProblem` for a result nested too deeply or containing itself.
    """
    if depth > MAX_DEPTH:
        raise ResultProblem("output too large", f"the result is nested over {MAX_DEPTH} levels")
    if value is None or _type(value) in (bool, int, float, complex, str, bytes):
        return value
    path = set() if path is None else path
    key = _id(value)
    if key in path:
        raise ResultProblem("not a literal", "the result contains itself")
    name = _type(value).__name__
    path.add(key)
    try:
        if name == "ListNode" and hasattr(value, "next"):
            out, seen, node = [], set(), value
            while node is not None:
                if _id(node) in seen:
                    raise ResultProblem("not a literal", "the linked list has a cycle")
                seen.add(_id(node))
                out.append(to_plain(node.val, depth + 1, path))
                node = node.next
            return out
        if name == "TreeNode" and hasattr(value, "left"):
            out, queue, head = [], [value], 0
            while head < _len(queue):
                node = queue[head]
                head += 1
                if node is None:
                    out.append(None)
                    continue
                out.append(to_plain(node.val, depth + 1, path))
                queue.extend([node.left, node.right])
                if _len(queue) > MAX_NODES:
                    raise ResultProblem("output too large", "the tree has too many nodes")
            while out and out[-1] is None:
                out.pop()
            return out
        if _isinstance(value, list):
            return [to_plain(v, depth + 1, path) for v in value]
        if _isinstance(value, tuple):
            return tuple(to_plain(v, depth + 1, path) for v in value)
        if _isinstance(value, dict):
            return {
                to_plain(k, depth + 1, path): to_plain(v, depth + 1, path) for k, v in value.items()
            }
        if _isinstance(value, frozenset):
            return frozenset(to_plain(v, depth + 1, path) for v in value)
        if _isinstance(value, set):
            return {to_plain(v, depth + 1, path) for v in value}
        return value
    finally:
        path.discard(key)


_LITERAL_TYPES = (bool, int, float, complex, str, bytes, list, tuple, set, frozenset, dict)


def is_literal(value: Any, depth: int = 0) -> bool:
    """Exactly the builtin literal types (a subclass' repr may not read back)."""
    if depth > MAX_DEPTH:
        return False
    if value is None:
        return True
    kind = _type(value)
    if kind not in _LITERAL_TYPES:
        return False
    if kind in (list, tuple, set, frozenset):
        return all(is_literal(v, depth + 1) for v in value)
    if kind is dict:
        return all(is_literal(k, depth + 1) and is_literal(v, depth + 1) for k, v in value.items())
    return True


def type_name(value: Any) -> str:
    """The result's type, e.g. ``list`` or ``ListNode``: kept beside the repr."""
    return _type(value).__name__


def literal_repr(value: Any) -> str:
    """repr() of a literal; inf and nan come out as names the parent's parser reads."""
    text = _repr(value)
    if _isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return text
    return text


# --------------------------------------------------------------------------- running


def prelude_namespace() -> dict[str, Any]:
    """The globals every snippet starts from: LeetCode's imports and node classes."""
    namespace: dict[str, Any] = {"__name__": "__snippet__", "__builtins__": __builtins__}
    exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
    return namespace


def bare_namespace() -> dict[str, Any]:
    """The globals of a CRUXEval row: nothing but the builtins, as CRUXEval runs it."""
    return {"__name__": "__snippet__", "__builtins__": __builtins__}


def compile_snippet(text: str) -> Any:
    return compile(text, "<snippet>", "exec")


def _parse_args(text: str) -> tuple[list[Any], dict[str, Any]]:
    call = ast.parse(f"_({text})", mode="eval").body
    if not _isinstance(call, ast.Call):
        raise ValueError(f"not an argument list: {text[:80]!r}")
    assert isinstance(call, ast.Call)  # for the type checker (the snippet may patch it)
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {str(kw.arg): ast.literal_eval(kw.value) for kw in call.keywords}
    return args, kwargs


def _eval_args(text: str, namespace: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Evaluate argument text in the module's namespace, as CRUXEval's ``f(<input>)`` does.

    The collector is a lambda compiled here, so the namespace gains no name; the
    line break lets a trailing comment in the text end before the parenthesis.
    """
    collect = compile(f"(lambda *a, **k: (a, k))({text}\n)", "<input>", "eval")
    args, kwargs = eval(collect, namespace)
    return list(args), dict(kwargs)


def _needs_binding(target: Any) -> bool:
    """Whether a parameter is annotated with a node type (cheap: no `inspect`)."""
    function = getattr(target, "__func__", target)
    annotations = getattr(function, "__annotations__", None)
    if not isinstance(annotations, dict):
        return True
    return any(
        "ListNode" in text or "TreeNode" in text
        for text in map(_annotation_text, annotations.values())
    )


def _bind(
    target: Any, args: list[Any], kwargs: dict[str, Any], namespace: dict[str, Any]
) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
    """Convert LeetCode-form arguments by annotation; also return them by name."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # a builtin or an odd callable: pass through
        return args, kwargs, {}
    bound = signature.bind(*args, **kwargs)
    for name, value in list(bound.arguments.items()):
        annotation = signature.parameters[name].annotation
        bound.arguments[name] = leetcode_argument(annotation, value, namespace)
    return list(bound.args), dict(bound.kwargs), dict(bound.arguments)


def run_call(
    request: dict[str, Any], namespace: dict[str, Any] | None = None, code: Any = None
) -> dict[str, Any]:
    """Run ``entry(*args)`` of the request's code and describe the outcome as JSON data.

    *namespace* is a prepared prelude namespace and *code* the snippet already
    compiled (the fork server keeps both); the namespace is copied, never changed.
    """
    if not request.get("prelude", True):
        namespace = bare_namespace()
    else:
        namespace = prelude_namespace() if namespace is None else dict(namespace)
    stdout = CappedWriter()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = stdout
    steps_state: Any = None
    try:
        exec(code if code is not None else compile_snippet(request["code"]), namespace)
        if request.get("program"):  # the code was the whole check: it completed
            sys.stdout, sys.stderr = saved
            return {"status": "ok", "value": "None", "stdout": stdout.getvalue()}
        owner, _, name = request["entry"].rpartition(".")
        target = getattr(namespace[owner](), name) if owner else namespace[name]
        if request.get("expressions"):
            args, kwargs = _eval_args(request["args"], namespace)
        else:
            args, kwargs = _parse_args(request["args"])
        score = request.get("score")
        by_name: dict[str, Any] = {}
        if score or _needs_binding(target):
            args, kwargs, by_name = _bind(target, args, kwargs, namespace)
        if request.get("trace"):
            # IIP step-level truth: tracer.py (stdlib only, beside this file) records the
            # entry's locals after each step; it returns the call's result unchanged.
            here = os.path.dirname(os.path.abspath(__file__))
            if here not in sys.path:
                sys.path.insert(0, here)
            from tracer import run_lines, run_traced  # type: ignore[import-not-found]

            steps = request.get("steps") or []
            if steps and list(steps[0]) == [0, 0]:  # a per-line trace (tracer.LINES_MARK)
                lines = [step[0] for step in steps[1:]]
                result, steps_state = run_lines(target, args, kwargs, lines)
            else:
                result, steps_state = run_traced(target, args, kwargs, steps)
        else:
            result = target(*args, **kwargs)
        if score:
            if score not in by_name:
                raise TypeError(f"the entry has no argument {score!r} to score")
            result = by_name[score]
    except MemoryError:
        namespace.clear()
        sys.stdout, sys.stderr = saved
        return {"status": "memory", "detail": "MemoryError: the memory limit was reached"}
    except BaseException as exc:  # the snippet's exception is a result, not our crash
        sys.stdout, sys.stderr = saved
        kind = _type(exc).__name__
        try:
            message = str(exc)
        except BaseException:
            message = "(the exception's message could not be read)"
        raised: dict[str, Any] = {
            "status": "raised",
            "exc_type": kind,
            "detail": f"{kind}: {message}"[:2000],
            "stdout": stdout.getvalue(),
        }
        if request.get("trace"):  # IIP truth up to the exception, set by tracer.run_traced
            with contextlib.suppress(BaseException):
                raised["steps"] = exc.__dict__.get("_llmexec_steps")
        return raised
    sys.stdout, sys.stderr = saved
    out = describe(result, request.get("max_repr", MAX_REPR))
    out["stdout"] = stdout.getvalue()
    if steps_state is not None:
        out["steps"] = steps_state
    return out


def describe(result: Any, max_repr: int = MAX_REPR) -> dict[str, Any]:
    """The verdict and literal text of a result (``ok`` / ``not a literal`` / too large)."""
    kind = type_name(result)
    try:
        plain = to_plain(result)
        if not is_literal(plain):
            return {
                "status": "not a literal",
                "detail": f"the result is a {kind}, not a Python literal",
                "value_type": kind,
            }
        text = literal_repr(plain)
    except ResultProblem as exc:
        return {"status": exc.status, "detail": exc.detail, "value_type": kind}
    except MemoryError:
        return {"status": "memory", "detail": "MemoryError while writing the result"}
    except RecursionError:
        return {"status": "output too large", "detail": "the result is nested too deeply"}
    except Exception as exc:  # e.g. a set whose elements' __hash__ raises
        return {
            "status": "not a literal",
            "detail": f"the result could not be read: {_type(exc).__name__}: {exc}"[:500],
            "value_type": kind,
        }
    if _len(text) > max_repr:
        return {
            "status": "output too large",
            "detail": f"the result's repr has {_len(text)} characters (limit {max_repr})",
            "value_type": kind,
        }
    return {"status": "ok", "value": text, "value_type": kind}


def encode(result: dict[str, Any]) -> bytes:
    """The child's answer as bytes; never raises (a hostile result becomes a verdict)."""
    try:
        return _dumps(result).encode()
    except BaseException as exc:
        return _dumps(
            {"status": "harness error", "detail": f"the result could not be encoded: {exc!r}"[:500]}
        ).encode()


def main() -> None:
    request = json.loads(sys.stdin.read())
    out = sys.stdout
    result = run_call(request)
    out.write("\n" + encode(result).decode())
    out.flush()


if __name__ == "__main__":
    main()
