"""What a dataset format implements to be read: a `Reader`, one per file in this package.

A module of `pytest_llmexec.datasets` that defines a module-level ``READER``
adds a format; nothing else needs to change. For every file pytest meets, the
readers are asked in ``order`` (a narrower pattern first: ``cpp.jsonl`` is
CRUXEval-X before any ``.jsonl`` is CRUXEval) and the first that `matches`
reads it.
"""

from __future__ import annotations

from pathlib import Path

from .model import Loaded


class Reader:
    """One dataset format: which files it reads, and how."""

    #: a short name for messages and listings (``suite``, ``cruxeval``, ``cruxeval-x``)
    name: str = ""
    #: readers are asked in this order; lower first
    order: int = 50
    #: whether a matching file found by pytest's directory walk is collected, or only a
    #: file given as a path argument (a ``.jsonl`` file is not a benchmark by its suffix)
    discovered: bool = False

    def matches(self, path: Path) -> bool:
        """Whether *path* is a file of this format (cheap: by name, or a sniff of the text)."""
        raise NotImplementedError

    def read(self, path: Path) -> Loaded:
        """The snippets of *path*, and one problem per bad snippet or row."""
        raise NotImplementedError

    def language(self, path: Path) -> str | None:
        """The one language every snippet of *path* is in, when the format fixes it."""
        return None
