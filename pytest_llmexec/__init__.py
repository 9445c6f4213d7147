"""pytest-llmexec: a pytest plugin that measures how well language models execute code.

The plugin itself is `pytest_llmexec.plugin` (loaded with ``-p llmexec``).
PYTEST_DONT_REWRITE: the package holds no test assertions for pytest to rewrite,
and an in-process run (pytester) that finds it already imported need not warn.
"""

from __future__ import annotations

from .version import __version__

__all__ = ["__version__"]
