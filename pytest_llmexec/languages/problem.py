"""A problem in a compiled language, as the engine asks and scores it: `NativeCase`.

A Python case is a function and an argument list that the fork server calls;
a case in another language is a whole program that the native executor builds
and runs (`pytest_llmexec.execution.native`). The engine and the tasks see
such a case only through this protocol, so a new source of native problems
(CRUXEval-X rows, the shipped suite's translations) is one class implementing
it, not a branch in the engine.

``truth`` is the JSON line the truth program printed when `prints` is true
(the suite's snippets print their result), else None (a CRUXEval-X row's own
``assert`` is its truth). Scoring is CRUXEval-X's rule for every language:
the answer's program exits 0 -> correct; it does not compile -> unparseable;
any other end -> wrong; a harness failure -> error (`tasks/native.py`).
"""

from __future__ import annotations

from typing import Protocol

#: where the answer goes in the program a model is shown
PLACEHOLDER = "????"


class NativeCase(Protocol):
    """One runnable problem of a compiled language (one input of one snippet)."""

    # read-only members, so that a frozen dataclass implements them as fields

    @property
    def language(self) -> str:
        """The `Language`'s name (``cpp``, ``java``): the marker, the id part, the record."""
        ...

    @property
    def prints(self) -> bool:
        """Whether `truth_program` prints the result as one JSON line."""
        ...

    def truth_program(self) -> str:
        """The program that runs the case; exit 0 means it holds."""
        ...

    def shown(self, task: str, truth: str | None) -> str:
        """The program text the model sees for *task*, with ``????`` for the answer."""
        ...

    def answer_program(self, task: str, answer: str, truth: str | None) -> str:
        """The program that scores *answer*: it exits 0 exactly when the answer is right."""
        ...

    def oracle_answer(self, task: str, truth: str | None) -> str:
        """A correct answer: the recorded output (output task) or call (input task)."""
        ...
