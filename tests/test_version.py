"""One version, written in pyproject.toml, shown in the header and the JSON report."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from helpers import read_report, write_demo

import pytest_llmexec
from pytest_llmexec.version import __version__

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_the_package_version_is_pyprojects() -> None:
    declared = re.search(r'^version = "([^"]+)"$', PYPROJECT.read_text(encoding="utf-8"), re.M)
    assert declared is not None
    assert hasattr(pytest_llmexec, "__version__"), (
        "pytest_llmexec is imported as a namespace package: an editable install made before "
        'it had an __init__.py; run pip install -e ".[dev]" again'
    )
    assert pytest_llmexec.__version__ == __version__ == declared.group(1)
    assert __version__ == version("pytest-llmexec")


def test_the_version_is_in_the_header_and_the_json_report(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    result = pytester.runpytest(
        "-p", "llmexec", "--llm-examples=0", "--llm-model=oracle", "--llm-report=report.json"
    )
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines([f"llmexec: pytest-llmexec {__version__}"])
    assert read_report(pytester)["run"]["version"] == __version__
