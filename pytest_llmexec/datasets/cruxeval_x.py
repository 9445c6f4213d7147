"""CRUXEval-X rows (``<lang>.jsonl``): read them, put an answer in place of ``????``, score.

A row is ``{id, code, input_reasoning, output_reasoning}``: ``code`` is a whole
program whose ``main`` asserts the call's result against the recorded output;
each reasoning text is the end of that program with ``????`` in place of the
output (output prediction) or of the call (input prediction; where it stands
for the arguments, ``candidate(????)``, it is widened to the whole call, which
is what a model answers and what CRUXEval-X's published answers replace). The
language is
the file's stem. CRUXEval-X scores an answer by putting it in place of
``????`` and running the program: exit 0 is correct. Here the outcomes are kept
apart further: an answer that does not compile is unparseable, one that
compiles and fails is wrong (`tasks.native.verdict`).

This module only reads and writes program text; the programs run in the
sandbox (`pytest_llmexec.execution.native`). `read_snippets` makes each row a
`Snippet` of one case whose `NativeCase` is the row itself, which is how the
plugin collects these files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..languages import names
from ..languages.problem import PLACEHOLDER
from .base import Reader
from .model import BenchmarkError, Loaded, Snippet

FIELDS = ("id", "code", "input_reasoning", "output_reasoning")
TASKS = ("output", "input")
#: CRUXEval-X's file stems for the languages this package runs: the registered ones
LANGUAGES = tuple(name for name in names() if name != "python")
__all__ = [
    "LANGUAGES",
    "PLACEHOLDER",
    "Row",
    "is_cruxeval_x",
    "read_rows",
    "read_snippets",
]
#: the category of every CRUXEval-X row (as of a CRUXEval row)
CATEGORY = "cruxeval"


@dataclass(frozen=True)
class Row:
    """One CRUXEval-X row, split where its reasoning texts begin; a `NativeCase`.

    Its own ``assert`` is the truth, so it prints nothing (``truth`` is None):
    the truth program is the row's code, the shown program is the head with the
    task's reasoning text, and the oracle's answer is the row's own text where
    ``????`` stands (the recorded output, the recorded call).
    """

    id: str
    language: str
    code: str
    #: the program before the part the reasoning texts repeat (the function, the imports)
    head: str
    reasoning: Mapping[str, str]  # task -> the end of the program with ????
    #: task -> the row's own text where ???? stands: the recorded output, the call
    recorded: Mapping[str, str]
    line: int = 0
    prints: bool = False

    def program(self, task: str, answer: str) -> str:
        """The row's program with *answer* in place of ``????`` for *task*."""
        return self.head + self.reasoning[task].replace(PLACEHOLDER, answer, 1)

    # ------------------------------------------------------------------ NativeCase
    def truth_program(self) -> str:
        return self.code

    def shown(self, task: str, truth: str | None) -> str:
        return self.head + self.reasoning[task]

    def answer_program(self, task: str, answer: str, truth: str | None) -> str:
        return self.program(task, answer)

    def oracle_answer(self, task: str, truth: str | None) -> str:
        return self.recorded[task]


#: a call whose arguments are the placeholder: ``candidate(????)``, ``f(????)``
_CALLED = re.compile(r"(?<![\w.])([A-Za-z_]\w*\()$")


def is_cruxeval_x(path: Path) -> bool:
    """A ``.jsonl`` file named by a registered language (``cpp.jsonl``) holds CRUXEval-X rows."""
    return path.suffix.lower() == ".jsonl" and path.stem in LANGUAGES


def read_snippets(path: Path) -> Loaded:
    """Every row of *path* as a snippet of one case (``i0``); one problem per bad row.

    The snippet id is the row's own id; its input is the recorded call and its
    recorded output the row's, both as the row writes them in its language.
    """
    rows, problems = read_rows(path)
    snippets = [
        Snippet(
            id=row.id,
            code=row.code,
            entry="f",
            category=CATEGORY,
            path=path,
            line=row.line,
            inputs=(row.recorded["input"],),
            input_ids=("i0",),
            recorded_outputs=(row.recorded["output"],),
            examples=0,
            language=row.language,
            natives=(row,),
        )
        for row in rows
    ]
    return Loaded(snippets=snippets, problems=problems)


def read_rows(path: Path) -> tuple[list[Row], list[BenchmarkError]]:
    """Every row of *path*, and a problem naming the line and field of each bad one."""
    language = path.stem
    if language not in LANGUAGES:
        known = ", ".join(f"{name}.jsonl" for name in LANGUAGES)
        return [], [BenchmarkError(path, f"CRUXEval-X files are named by language: {known}")]
    rows: list[Row] = []
    problems: list[BenchmarkError] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for lineno, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = _row(path, lineno, text, language, seen)
            except BenchmarkError as exc:
                problems.append(exc)
                continue
            seen[row.id] = lineno
            rows.append(row)
    if not rows and not problems:
        problems.append(BenchmarkError(path, "the file holds no rows"))
    return rows, problems


def _row(path: Path, lineno: int, text: str, language: str, seen: Mapping[str, int]) -> Row:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg} (column {exc.colno})"
        raise BenchmarkError(path, message, line=lineno) from None
    if not isinstance(raw, dict):
        raise BenchmarkError(path, "each line must be a JSON object", line=lineno)
    rid = str(raw.get("id", f"line{lineno}"))

    def fail(message: str, field: str | None) -> BenchmarkError:
        return BenchmarkError(path, message, line=lineno, snippet=rid, field=field)

    missing = [name for name in FIELDS if name not in raw]
    if missing:
        raise fail(f"row lacks {missing}; CRUXEval-X rows have {', '.join(FIELDS)}", missing[0])
    for name in FIELDS:
        if name == "id" and isinstance(raw[name], int) and not isinstance(raw[name], bool):
            continue  # CRUXEval-X's own files number their rows: {"id": 0, ...}
        if not isinstance(raw[name], str):
            raise fail(f"must be a string, not {type(raw[name]).__name__}", name)
    if rid in seen:
        raise fail(f"duplicate id (first at line {seen[rid]})", "id")
    code = raw["code"]
    head: str | None = None
    recorded: dict[str, str] = {}
    reasoning: dict[str, str] = {}
    for task in TASKS:
        end = raw[f"{task}_reasoning"]
        field = f"{task}_reasoning"
        if end.count(PLACEHOLDER) != 1:
            raise fail(f"must hold {PLACEHOLDER} exactly once", field)
        before, after = end.split(PLACEHOLDER)
        if task == "input":  # candidate(????): the answer is the whole call, as published
            called = _CALLED.search(before)
            if called is not None and after.startswith(")"):
                before, after = before[: called.start(1)], after[1:]
                end = before + PLACEHOLDER + after
        start = code.rfind(before)
        if start < 0 or not code.endswith(after) or start + len(before) > len(code) - len(after):
            raise fail(f"is not the end of the row's code with {PLACEHOLDER} in one place", field)
        if head is not None and code[:start] != head:
            raise fail("the two reasoning texts start at different places in the code", field)
        head = code[:start]
        recorded[task] = code[start + len(before) : len(code) - len(after)]
        reasoning[task] = end
    assert head is not None
    return Row(rid, language, code, head, reasoning, recorded, lineno)


class CRUXEvalXReader(Reader):
    name = "cruxeval-x"
    order = 10  # before CRUXEval: cpp.jsonl is a CRUXEval-X file, not a CRUXEval one

    def matches(self, path: Path) -> bool:
        return is_cruxeval_x(path)

    def read(self, path: Path) -> Loaded:
        return read_snippets(path)

    def language(self, path: Path) -> str | None:
        return path.stem


READER = CRUXEvalXReader()
