"""The executor's contract: a `Call` goes in, an `Outcome` comes out.

The pytest layer only sees this module; how a call is run (a process per
call, a warm fork server, a sandbox) is the executor's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

#: Status values an `Outcome` can carry.
OK = "ok"
RAISED = "raised"
TIMEOUT = "timeout"
MEMORY = "memory"
CRASHED = "crashed"
TOO_LARGE = "output too large"
NOT_LITERAL = "not a literal"
NONDETERMINISTIC = "nondeterministic"
HARNESS = "harness error"


@dataclass(frozen=True)
class Call:
    """Run ``entry(*args)`` of *code*; *args* is Python argument text.

    *args* is read as literals, or with *expressions* evaluated in the module's
    namespace after the code ran (CRUXEval inputs such as ``dict(a=1), 'b'``).
    *prelude* gives the code LeetCode's imports; a CRUXEval row runs without them.
    A *program* call runs the code alone (CRUXEval's ``assert`` checks): ``ok``
    with the value ``None`` when it completes, ``raised`` otherwise. A call of
    another *language* (``cpp``) is always a whole *program*, run by the native
    executor (`execution.native`), never by the Python server.
    """

    code: str
    entry: str
    args: str
    timeout: float = 5.0
    score: str | None = None  # score this argument (after the call) instead of the result
    trace: bool = False  # record locals after each step of the entry (for IIP)
    #: the IIP steps as (first line, last line) of the entry's body, 1-based lines of the code;
    #: a first step (0, 0) asks instead for the per-line trace of the statement lines named
    #: by the steps after it, as (line, 0) (tracer.run_lines, for the per-line tasks)
    steps: tuple[tuple[int, int], ...] | None = None
    expressions: bool = False
    prelude: bool = True
    program: bool = False
    language: str = "python"

    def options(self) -> dict[str, bool]:
        """The evaluation flags that differ from the defaults (requests and cache keys)."""
        flags = {"expressions": self.expressions, "prelude": self.prelude, "program": self.program}
        defaults = {"expressions": False, "prelude": True, "program": False}
        return {k: v for k, v in flags.items() if v != defaults[k]}


@dataclass(frozen=True)
class Outcome:
    """What running a call gave: a literal value, or why there is none."""

    status: str
    value: str | None = None  # repr of the result: a Python literal, when status is ok
    detail: str = ""  # exception type and message, signal name, limit hit
    exc_type: str | None = None
    stdout: str = ""
    duration: float = 0.0
    steps: tuple[dict[str, str], ...] | None = field(default=None)
    value_type: str | None = None  # the result's type name before LeetCode conversion

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def verdict(self) -> str:
        """``ok``, ``raised ValueError``, ``timeout``, ``crashed SIGSEGV`` ..."""
        if self.status == RAISED and self.exc_type:
            return f"raised {self.exc_type}"
        if self.status == CRASHED and self.detail:
            return f"crashed {self.detail.split()[0]}"
        return self.status

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "value": self.value,
            "detail": self.detail,
            "exc_type": self.exc_type,
            "stdout": self.stdout,
            "duration": self.duration,
            "steps": list(self.steps) if self.steps is not None else None,
            "value_type": self.value_type,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        steps = data.get("steps")
        return cls(
            status=data["status"],
            value=data.get("value"),
            detail=data.get("detail", ""),
            exc_type=data.get("exc_type"),
            stdout=data.get("stdout", ""),
            duration=data.get("duration", 0.0),
            steps=tuple(steps) if steps is not None else None,
            value_type=data.get("value_type"),
        )


class Executor(Protocol):
    """Runs calls in isolation. One instance per pytest process."""

    @property
    def layers(self) -> tuple[str, ...]:
        """The sandbox layers in force, for the report header."""
        ...

    def run(self, call: Call) -> Outcome: ...

    def close(self) -> None: ...
