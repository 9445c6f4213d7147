"""Cut the entry function's body into the steps that IIP walks through.

A step is a run of top-level statements of the entry function's body, given as
``(first_line, last_line)`` in 1-based lines of the snippet's code. Each
top-level statement is one step; a compound statement (``for``, ``while``,
``if``, ``with``, ``try``, a nested ``def``) is one step as a whole, whose
iterations the model traces inside one turn. A leading docstring and
``global`` / ``nonlocal`` declarations are not steps (they run no code).

When the body has more statements than the turn budget (``--llm-iip-max-steps``)
consecutive statements are merged so that there are exactly that many steps,
as even in size as possible (earlier steps get the extra statement), so every
turn covers a comparable stretch of code and the order is kept.
"""

from __future__ import annotations

import ast
import functools

from ..answers import AST_LOCK

Step = tuple[int, int]


class StepError(ValueError):
    """The entry function cannot be found in the code."""


def entry_function(tree: ast.Module, entry: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The ``def`` node of *entry* (``"Solution.method"`` or ``"function"``).

    The last definition wins, as it does when the code runs.
    """
    owner, _, name = entry.rpartition(".")
    body: list[ast.stmt] = tree.body
    if owner:
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner]
        if not classes:
            raise StepError(f"no class {owner!r} in the code")
        body = classes[-1].body
    found = [
        n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
    ]
    if not found:
        raise StepError(f"no function {entry!r} in the code")
    return found[-1]


@functools.lru_cache(maxsize=1024)
def statement_steps(code: str, entry: str) -> tuple[Step, ...]:
    """One step per top-level statement of the entry's body (docstring left out)."""
    with AST_LOCK:  # prompts are built while the oracle parses on another thread
        tree = ast.parse(code)
    function = entry_function(tree, entry)
    body = list(function.body)
    if (
        len(body) > 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    body = [s for s in body if not isinstance(s, (ast.Global, ast.Nonlocal))] or body
    return tuple((_first_line(s), s.end_lineno or s.lineno) for s in body)


def _first_line(statement: ast.stmt) -> int:
    """A decorated ``def``/``class`` starts at its first decorator."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(d.lineno for d in decorators)])


def merge_steps(steps: tuple[Step, ...], max_steps: int) -> tuple[Step, ...]:
    """Merge consecutive steps evenly so that at most *max_steps* remain."""
    if max_steps < 1:
        raise ValueError("max_steps must be at least 1")
    if len(steps) <= max_steps:
        return steps
    size, extra = divmod(len(steps), max_steps)
    merged: list[Step] = []
    start = 0
    for index in range(max_steps):
        end = start + size + (1 if index < extra else 0)
        merged.append((steps[start][0], steps[end - 1][1]))
        start = end
    return tuple(merged)


def cut_steps(code: str, entry: str, max_steps: int) -> tuple[Step, ...]:
    """The IIP steps of *entry* in *code*: its top-level statements, merged to the budget."""
    return merge_steps(statement_steps(code, entry), max_steps)


#: expressions with a scope of their own: what they bind is not the function's
SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@functools.lru_cache(maxsize=1024)
def local_names(code: str, entry: str) -> tuple[str, ...]:
    """The entry function's parameters (``self`` and ``cls`` left out) and the names its body
    binds, in the order they first appear: the keys a state of the function can have.

    Names bound only inside a nested function, a class or a comprehension are not its
    locals and are left out; so are names declared ``global`` or ``nonlocal``, and nested
    functions and classes (their values are never literals).
    """
    with AST_LOCK:
        tree = ast.parse(code)
    function = entry_function(tree, entry)
    arguments = function.args
    names = [
        a.arg
        for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        if a.arg not in ("self", "cls")
    ]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    declared: set[str] = set()
    order: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Global, ast.Nonlocal)):
                declared.update(child.names)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue  # binds a function or a class, never a literal; its body is not ours
            elif isinstance(child, SCOPES):
                continue  # a scope of its own
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                order.append(child.id)
            elif isinstance(child, ast.ExceptHandler) and child.name:
                order.append(child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                order.extend((a.asname or a.name).split(".")[0] for a in child.names)
            visit(child)

    for statement in function.body:
        visit(ast.Module(body=[statement], type_ignores=[]))
    for name in order:
        if name not in names and name not in declared:
            names.append(name)
    return tuple(names)
