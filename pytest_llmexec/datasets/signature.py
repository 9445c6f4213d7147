"""A Python entry point read from its source: which function or method, and what it accepts.

The YAML suite names an entry (or leaves it to be inferred) and declares inputs
as argument mappings or argument text; this checks both against the ``def``
without running anything, so a typo is a message naming the input, not a
``TypeError`` from the sandbox.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def public_methods(cls: ast.ClassDef) -> list[str]:
    return [
        node.name
        for node in cls.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not node.name.startswith("_")
    ]


def resolve_entry(tree: ast.Module, entry: Any, fail: Any) -> str:
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    functions = [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    ]
    solution = classes.get("Solution")
    if entry is not None:
        if not isinstance(entry, str):
            raise fail("'entry' must be a method or function name", "entry")
        owner, _, name = entry.rpartition(".")
        if owner:
            cls = classes.get(owner)
            if cls is None or name not in public_methods(cls):
                raise fail(f"no method {name!r} in class {owner!r}", "entry")
            return entry
        if solution is not None and name in public_methods(solution):
            return f"Solution.{name}"
        if name in functions:
            return name
        raise fail(f"no function or Solution method named {name!r}", "entry")
    if solution is not None:
        methods = public_methods(solution)
        if len(methods) == 1:
            return f"Solution.{methods[0]}"
        raise fail(
            f"class Solution has {len(methods)} public methods {methods}; say which with 'entry'",
            "entry",
        )
    if len(functions) == 1:
        return functions[0]
    raise fail(
        f"cannot infer the entry point among functions {functions}; say which with 'entry'",
        "entry",
    )


@dataclass(frozen=True)
class EntrySignature:
    """What an entry point accepts, read from its ``def`` (without ``self``)."""

    positional: tuple[str, ...] = ()  # positional-only first, then positional-or-keyword
    positional_only: int = 0
    keyword_only: tuple[str, ...] = ()
    optional: frozenset[str] = frozenset()  # parameters with a default
    star_args: bool = False
    star_kwargs: bool = False
    known: bool = False  # False when the entry's def could not be found

    @property
    def names(self) -> list[str]:
        return [*self.positional, *self.keyword_only]

    def problem(self, n_positional: int, keywords: Sequence[str]) -> str | None:
        """Why a call with these arguments would not bind, in the words of the dict checks."""
        if not self.known:
            return None
        if n_positional > len(self.positional) and not self.star_args:
            return (
                f"{n_positional} positional arguments given; "
                f"the entry takes {len(self.positional)}: {list(self.positional)}"
            )
        given = set(self.positional[:n_positional])
        by_position = self.positional[self.positional_only :]
        accepted = {*by_position, *self.keyword_only}
        unknown = [k for k in keywords if k not in accepted]
        if unknown and not self.star_kwargs:
            return f"unknown argument(s) {unknown}; the entry takes {self.names}"
        twice = [k for k in keywords if k in given]
        if twice:
            return f"argument(s) {twice} given both by position and by name"
        given |= set(keywords)
        missing = [p for p in self.names if p not in given and p not in self.optional]
        if missing:
            return f"missing argument(s) {missing}"
        return None


def entry_signature(tree: ast.Module, entry: str) -> EntrySignature:
    owner, _, name = entry.rpartition(".")
    body: Sequence[ast.stmt] = tree.body
    if owner:
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner)
        body = cls.body
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            args = node.args
            positional = [a.arg for a in args.posonlyargs + args.args]
            positional_only = len(args.posonlyargs)
            defaults = positional[len(positional) - len(args.defaults) :] if args.defaults else []
            if owner and positional and positional[0] == "self":
                positional = positional[1:]
                positional_only = max(positional_only - 1, 0)
            keyword_only = [a.arg for a in args.kwonlyargs]
            optional = {*defaults}
            optional |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
            return EntrySignature(
                positional=tuple(positional),
                positional_only=positional_only,
                keyword_only=tuple(keyword_only),
                optional=frozenset(optional),
                star_args=args.vararg is not None,
                star_kwargs=args.kwarg is not None,
                known=True,
            )
    return EntrySignature()


def input_text(item: Any, index: int, signature: EntrySignature, fail: Any) -> str:
    """Turn one declared input into Python argument text, checking it binds to the entry."""
    params = signature.names
    if isinstance(item, dict):
        item = {k: v for k, v in item.items() if k != "__line__"}
        problem = signature.problem(0, list(item))
        if problem:
            raise fail(problem, index)
        return ", ".join(f"{k}={python_literal(v)}" for k, v in item.items())
    if isinstance(item, str):
        try:
            call = ast.parse(f"_({item})", mode="eval").body
        except SyntaxError:
            raise fail(f"{item!r} is not a Python argument list", index) from None
        assert isinstance(call, ast.Call)
        for node in [*call.args, *(kw.value for kw in call.keywords)]:
            try:
                ast.literal_eval(node)
            except ValueError:
                raise fail(
                    f"{ast.unparse(node)!r} is not a literal (no names or calls in inputs)",
                    index,
                ) from None
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            kw.arg is None for kw in call.keywords
        ):
            raise fail("star arguments are not allowed", index)
        problem = signature.problem(len(call.args), [kw.arg for kw in call.keywords if kw.arg])
        if problem:
            raise fail(problem, index)
        return item.strip()
    if isinstance(item, list) and len(params) == 1:
        return python_literal(item)
    raise fail(
        "an input is a mapping of argument names to values or a string such as '[1, 2], 3'",
        index,
    )


def python_literal(value: Any) -> str:
    """JSON value to Python literal text (``true`` → ``True``)."""
    return repr(value)
