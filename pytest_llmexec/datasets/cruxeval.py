"""CRUXEval JSONL: one row ``{"code", "input", "output", "id"}`` per line, entry ``f``.

A ``.jsonl`` file is read as CRUXEval when it is given as a path argument and
no narrower reader (CRUXEval-X's ``<language>.jsonl``) claims it.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from pathlib import Path

from .base import Reader
from .model import CRUXEVAL, PYTHON, BenchmarkError, Loaded, Snippet

CRUXEVAL_FIELDS = ("code", "input", "output")


def load_cruxeval(path: Path) -> list[Snippet]:
    """One snippet per JSONL row; raises the first row's problem (see `read_cruxeval`)."""
    loaded = read_cruxeval(path)
    if loaded.problems:
        raise loaded.problems[0]
    return loaded.snippets


def read_cruxeval(path: Path) -> Loaded:
    """One snippet per JSONL row ``{"code", "input", "output", "id"}``, entry ``f``.

    A bad row is one problem naming its line and field; the other rows load.
    The ``input`` is argument text kept exactly as written: it may be any Python
    expression, evaluated later in the row's own namespace in the sandboxed
    child (``dict(a=1), 'b'``, a global of the code, a lambda), never here.
    """
    loaded = Loaded()
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for lineno, raw_line in enumerate(handle, start=1):
            if not raw_line.strip():
                continue
            try:
                snippet = _cruxeval_row(path, lineno, raw_line, seen)
            except BenchmarkError as exc:
                loaded.problems.append(exc)
                continue
            seen[snippet.id] = lineno
            loaded.snippets.append(snippet)
    if not loaded.snippets and not loaded.problems:
        loaded.problems.append(BenchmarkError(path, "the file holds no rows"))
    return loaded


def _cruxeval_row(path: Path, lineno: int, raw_line: str, seen: Mapping[str, int]) -> Snippet:
    try:
        row = json.loads(raw_line)
    except json.JSONDecodeError as exc:
        raise BenchmarkError(
            path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=lineno
        ) from None
    if not isinstance(row, dict):
        raise BenchmarkError(path, "each line must be a JSON object", line=lineno)
    raw_id = row.get("id", f"line{lineno}")
    sid = str(raw_id) if isinstance(raw_id, (str, int)) else f"line{lineno}"

    def fail(message: str, fld: str | None) -> BenchmarkError:
        return BenchmarkError(path, message, line=lineno, snippet=sid, field=fld)

    missing = [k for k in CRUXEVAL_FIELDS if k not in row]
    if missing:
        raise fail(f"row lacks {missing}; CRUXEval rows have code, input, output, id", missing[0])
    for name in CRUXEVAL_FIELDS:
        if not isinstance(row[name], str):
            raise fail(f"must be a string, not {type(row[name]).__name__}", name)
    safe_id = re.sub(r"[^A-Za-z0-9_.]", "_", sid)
    if safe_id in seen:
        raise fail(f"duplicate id (first at line {seen[safe_id]})", "id")
    code = row["code"]
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError) as exc:
        detail = getattr(exc, "msg", str(exc))
        raise fail(f"the code does not parse: {detail}", "code") from None
    if not any(isinstance(n, ast.FunctionDef) and n.name == "f" for n in tree.body):
        raise fail("CRUXEval code must define f", "code")
    args = row["input"]
    try:
        call = ast.parse(f"f({args}\n)", mode="eval").body
    except (SyntaxError, ValueError):
        raise fail(f"{args!r} is not a Python argument list", "input") from None
    if not isinstance(call, ast.Call):  # e.g. "1)(2": parses, but not as one call of f
        raise fail(f"{args!r} is not a Python argument list", "input")
    try:
        ast.parse(row["output"], mode="eval")
    except (SyntaxError, ValueError):
        raise fail(f"{row['output']!r} is not a Python expression", "output") from None
    return Snippet(
        id=safe_id,
        code=code,
        entry="f",
        category="cruxeval",
        path=path,
        line=lineno,
        inputs=(args,),
        input_ids=("i0",),
        recorded_outputs=(row["output"],),
        examples=0,
        dialect=CRUXEVAL,
    )


class CRUXEvalReader(Reader):
    name = "cruxeval"
    order = 90  # any .jsonl no other reader claims

    def matches(self, path: Path) -> bool:
        return path.suffix.lower() == ".jsonl"

    def read(self, path: Path) -> Loaded:
        return read_cruxeval(path)

    def language(self, path: Path) -> str | None:
        return PYTHON


READER = CRUXEvalReader()
