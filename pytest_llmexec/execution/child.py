"""Runs one call inside an isolated child process and describes its result.

This file is self-contained (standard library only) because it runs in an
interpreter started with ``-I -S``: it must not import the plugin, pytest or
any SDK. Its protocol is one JSON request on stdin, one JSON result on stdout.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
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


def to_plain(value: Any, depth: int = 0) -> Any:
    """Turn ListNode/TreeNode results into LeetCode's list form, recursively."""
    if depth > 200:
        raise RecursionError("result nested too deeply")
    name = type(value).__name__
    if name == "ListNode" and hasattr(value, "next"):
        out, seen = [], set()
        node = value
        while node is not None:
            if id(node) in seen:
                raise ValueError("the linked list has a cycle")
            seen.add(id(node))
            out.append(to_plain(node.val, depth + 1))
            node = node.next
        return out
    if name == "TreeNode" and hasattr(value, "left"):
        out, queue = [], [value]
        while queue:
            node = queue.pop(0)
            if node is None:
                out.append(None)
                continue
            out.append(to_plain(node.val, depth + 1))
            queue.extend([node.left, node.right])
            if len(out) > 100_000:
                raise ValueError("tree too large")
        while out and out[-1] is None:
            out.pop()
        return out
    if isinstance(value, list):
        return [to_plain(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(to_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {to_plain(k, depth + 1): to_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, set):
        return {to_plain(v, depth + 1) for v in value}
    return value


def is_literal(value: Any, depth: int = 0) -> bool:
    if depth > 100:
        return False
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(is_literal(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(is_literal(k, depth + 1) and is_literal(v, depth + 1) for k, v in value.items())
    return False


def literal_repr(value: Any) -> str:
    """repr() whose inf/nan are written so the parent's parser reads them back."""
    text = repr(value)
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return text
    return text


def run_call(request: dict[str, Any]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__snippet__"}
    stdout = io.StringIO()
    steps_state: list[dict[str, str]] | None = None  # IIP truth, when traced
    try:
        with contextlib.redirect_stdout(stdout):
            exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
            exec(compile(request["code"], "<snippet>", "exec"), namespace)
            owner, _, name = request["entry"].rpartition(".")
            target = getattr(namespace[owner](), name) if owner else namespace[name]
            call = ast.parse(f"_({request['args']})", mode="eval").body
            assert isinstance(call, ast.Call)
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
            if request.get("trace"):
                # IIP step-level truth: tracer.py (stdlib only, beside this file) records the
                # entry's locals after each step; it returns the call's result unchanged.
                sys.path.insert(0, __import__("os").path.dirname(__file__))
                from tracer import run_traced  # type: ignore[import-not-found]

                result, steps_state = run_traced(target, args, kwargs, request.get("steps") or [])
            else:
                result = target(*args, **kwargs)
            if request.get("score"):
                names = [p for p in target.__code__.co_varnames[: target.__code__.co_argcount]]
                if names and names[0] == "self":
                    names = names[1:]
                position = names.index(request["score"])
                result = args[position] if position < len(args) else kwargs[request["score"]]
    except BaseException as exc:  # the snippet's exception is a result, not our crash
        return {
            "status": "raised",
            "exc_type": type(exc).__name__,
            "detail": f"{type(exc).__name__}: {exc}"[:2000],
            "stdout": stdout.getvalue()[:MAX_STDOUT],
            "steps": getattr(exc, "_llmexec_steps", None),  # set by tracer.run_traced
        }
    try:
        plain = to_plain(result)
    except (RecursionError, ValueError) as exc:
        return {"status": "not a literal", "detail": str(exc)}
    if not is_literal(plain):
        return {
            "status": "not a literal",
            "detail": f"the result is a {type(result).__name__}, not a Python literal",
            "stdout": stdout.getvalue()[:MAX_STDOUT],
        }
    try:
        text = literal_repr(plain)
    except (RecursionError, ValueError) as exc:
        return {"status": "output too large", "detail": str(exc)[:200]}
    if len(text) > request.get("max_repr", MAX_REPR):
        return {
            "status": "output too large",
            "detail": f"the result's repr has {len(text)} characters",
            "stdout": stdout.getvalue()[:MAX_STDOUT],
        }
    return {
        "status": "ok", "value": text, "stdout": stdout.getvalue()[:MAX_STDOUT],
        "steps": steps_state,
    }


def main() -> None:
    request = json.loads(sys.stdin.read())
    result = run_call(request)
    sys.stdout.write("\n" + json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
