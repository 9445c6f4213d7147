"""``python -m pytest_llmexec.cli``: the same as the ``pytest-llmexec`` command."""

from . import entry_point

entry_point()
