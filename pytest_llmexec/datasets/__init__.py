"""Datasets: the case data model, and one reader per file format.

Each format is one module of this package that defines ``READER`` (a
`base.Reader`): the shipped YAML suite with its translations (`suite`),
CRUXEval JSONL (`cruxeval`), CRUXEval-X JSONL (`cruxeval_x`). The modules are
found here, so adding a format is adding one file. Readers know nothing of
pytest; the plugin asks `reader_for` which reader, if any, reads a file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from .base import Reader
from .model import (
    CRUXEVAL,
    DIFFICULTIES,
    LEETCODE,
    PYTHON,
    BenchmarkError,
    Case,
    Loaded,
    Snippet,
)

__all__ = [
    "CRUXEVAL",
    "DIFFICULTIES",
    "LEETCODE",
    "PYTHON",
    "BenchmarkError",
    "Case",
    "Loaded",
    "Reader",
    "Snippet",
    "file_language",
    "read_file",
    "reader_for",
    "readers",
]


@cache
def readers() -> tuple[Reader, ...]:
    """Every format's reader, in the order they are asked (the modules that define READER)."""
    found: list[Reader] = []
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        reader = getattr(loaded, "READER", None)
        if isinstance(reader, Reader):
            found.append(reader)
    return tuple(sorted(found, key=lambda r: (r.order, r.name)))


def reader_for(path: Path) -> Reader | None:
    """The reader of *path*'s format, or None when no format claims it."""
    return next((reader for reader in readers() if reader.matches(path)), None)


def read_file(path: Path) -> Loaded:
    """The snippets of *path*, and one problem per bad snippet or row."""
    reader = reader_for(path)
    if reader is None:
        return Loaded(problems=[BenchmarkError(path, "not a benchmark file of a known format")])
    return reader.read(path)


def file_language(path: Path) -> str | None:
    """The one language of every snippet of *path*, when its format fixes it (``cpp.jsonl``)."""
    reader = reader_for(path)
    return reader.language(path) if reader is not None else None
