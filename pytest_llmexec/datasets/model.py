"""The case data model every dataset reader produces: `Snippet`, `Case`, `Loaded`.

Readers know nothing of pytest: they turn a file into `Snippet` objects or
report a `BenchmarkError` naming the file, the snippet, the field and the line,
so a typo in a benchmark is a one-line message, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..languages.problem import NativeCase

#: the language of every snippet that does not say otherwise
PYTHON = "python"
DIFFICULTIES = ("easy", "medium", "hard")


class BenchmarkError(Exception):
    """A benchmark file is malformed; the message says where and what to do."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        snippet: str | None = None,
        field: str | None = None,
        language: str | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
        parts = [where]
        if snippet is not None:
            parts.append(f"snippet {snippet!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        super().__init__(": ".join(parts) + ": " + message)
        self.path = Path(path)
        self.line = line
        self.snippet = snippet
        self.field = field
        #: the language of the bad snippet, where known (a translation's): its test's marker
        self.language = language


#: How a snippet's inputs are read, in which namespace it runs and how answers are scored.
LEETCODE = "leetcode"  # literal inputs, LeetCode's imports, answers compared as literals
CRUXEVAL = "cruxeval"  # expression inputs, a bare namespace, CRUXEval's assert checks


@dataclass(frozen=True)
class Snippet:
    """One piece of code and the ways to call it."""

    id: str
    code: str
    entry: str  # "Solution.method" or "function"
    category: str
    path: Path
    line: int = 1
    difficulty: str | None = None
    complexity: str | None = None
    space: str | None = None
    tags: tuple[str, ...] = ()
    description: Mapping[str, str] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()  # Python argument text, e.g. "nums=[1, 2], k=3"
    input_ids: tuple[str, ...] = ()
    recorded_outputs: tuple[str | None, ...] = ()
    raises: tuple[str, ...] = ()
    timeout: float | None = None
    examples: int | None = None
    schema: Mapping[str, Any] | None = None
    constraints: Mapping[str, Any] | None = None
    score: str | None = None  # name of an argument scored instead of the return value
    dialect: str = LEETCODE
    #: ``python``, or the `Language` name of a compiled snippet (``cpp``, ``java``)
    language: str = PYTHON
    #: per input (aligned with *inputs*): the runnable problem of a compiled snippet
    natives: tuple[NativeCase, ...] = ()

    @property
    def expression_inputs(self) -> bool:
        """Inputs are Python expressions evaluated in the snippet's namespace (CRUXEval)."""
        return self.dialect == CRUXEVAL

    @property
    def prelude(self) -> bool:
        """The code runs with LeetCode's imports and node classes."""
        return self.dialect == LEETCODE

    @property
    def lines(self) -> int:
        """Non-blank lines of code: the study's 'code length'."""
        return sum(1 for line in self.code.splitlines() if line.strip())

    @property
    def function_name(self) -> str:
        return self.entry.rpartition(".")[2]

    def call_text(self, args: str) -> str:
        """How the call looks in a prompt: ``Solution().twoSum(nums=[2, 7], target=9)``.

        A compiled snippet's inputs are already whole calls in its language.
        """
        if self.language != PYTHON:
            return args
        owner, _, name = self.entry.rpartition(".")
        target = f"{owner}().{name}" if owner else name
        return f"{target}({args})"

    def cases(self) -> list[Case]:
        natives: tuple[NativeCase | None, ...] = self.natives or (None,) * len(self.inputs)
        return [
            Case(self, input_id, args, recorded_output=recorded, native=native)
            for input_id, args, recorded, native in zip(
                self.input_ids, self.inputs, self.recorded_outputs, natives, strict=True
            )
        ]


@dataclass(frozen=True)
class Case:
    """A snippet and one input: the unit that is executed and predicted."""

    snippet: Snippet
    input_id: str
    args: str
    generated: bool = False
    recorded_output: str | None = None
    #: the runnable problem when the snippet is not Python (`languages.problem`)
    native: NativeCase | None = None

    @property
    def call(self) -> str:
        return self.snippet.call_text(self.args)

    @property
    def key(self) -> str:
        return f"{self.snippet.id}[{self.input_id}]"


@dataclass
class Loaded:
    """What a benchmark file gave: the snippets that loaded and one problem per bad one."""

    snippets: list[Snippet] = field(default_factory=list)
    problems: list[BenchmarkError] = field(default_factory=list)
