"""Which loader reads a benchmark file: CRUXEval-X by its language stem, else the others.

`benchmark` reads the Python formats (YAML suites, CRUXEval JSONL) and knows
nothing of other languages; the language-specific loaders build on it. This
module sits above both, so the arrows keep pointing one way.
"""

from __future__ import annotations

from pathlib import Path

from .benchmark import Loaded, read_benchmark
from .languages import cruxeval_x


def read_file(path: Path) -> Loaded:
    """The snippets of *path*, and one problem per bad snippet or row."""
    if cruxeval_x.is_cruxeval_x(path):
        return cruxeval_x.read_snippets(path)
    return read_benchmark(path)
