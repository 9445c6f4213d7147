"""The plugin's start-up stays light: pytest imports it in every run of its environment.

Hypothesis is imported only when a snippet's inputs are drawn (or shrunk), not
when the plugin is loaded; `scripts/bench_startup.py` measures what that saves.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("hypothesis", "hypothesis_jsonschema", "openai", "anthropic", "jsonschema")


def test_loading_the_plugin_imports_no_heavy_dependency() -> None:
    code = (
        "import sys, pytest_llmexec.plugin\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_inputs_are_still_drawn_where_asked(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        suite=(
            "snippets:\n"
            "  - id: double\n"
            "    code: |\n"
            "      def double(x: int) -> int:\n"
            "          return 2 * x\n"
            "    inputs:\n"
            "      - {x: 1}\n"
        ),
    )
    result = pytester.runpytest("-p", "llmexec", "-p", "no:xdist", "--llm-model=oracle", "-v")
    result.assert_outcomes(passed=4)  # the declared input and the three generated ones
    result.stdout.fnmatch_lines(["*double*oracle-vp-h2*PASSED*"])
