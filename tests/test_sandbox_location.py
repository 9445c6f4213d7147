"""The sandbox's private /tmp depends on where the interpreter and the package live.

The server must keep seeing its own files, so when one of them is under /tmp
that directory is not replaced, and ``/`` is left writable with it. The header
says so rather than quietly listing fewer layers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import write_demo

import pytest_llmexec
from pytest_llmexec.execution.sandbox import under_tmp

ORACLE = ("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle")


def _executor_line(result: pytest.RunResult) -> str:
    return next(line for line in result.stdout.lines if line.startswith("llmexec: executor="))


def test_paths_under_tmp() -> None:
    assert under_tmp(["/usr", "/tmp/venv", "/tmp/venv", "/tmpfoo"]) == ["/tmp/venv"]
    assert under_tmp(["/usr/lib/python3", "/opt/x"]) == []


@pytest.mark.slow  # a long pytester run
def test_the_header_says_why_private_tmp_is_off(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_demo(pytester)
    here = _executor_line(pytester.runpytest_subprocess(*ORACLE, "demo.yaml"))
    if under_tmp([str(Path(next(iter(pytest_llmexec.__path__))))]):
        pytest.skip(f"the package under test is itself under /tmp: {here}")
    if "private-tmp" not in here.split()[2]:
        pytest.skip(f"no private /tmp on this machine in the first place: {here}")
    assert "under /tmp" not in here
    # the same plugin, imported from a copy under /tmp (pytester's directory is there)
    site = pytester.path / "site"
    source = Path(next(iter(pytest_llmexec.__path__)))
    shutil.copytree(source, site / "pytest_llmexec", ignore=shutil.ignore_patterns("__pycache__"))
    if not under_tmp([str(site)]):
        pytest.skip(f"pytester's directory {site} is not under /tmp")
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = pytester.runpytest_subprocess(*ORACLE, "demo.yaml")
    result.assert_outcomes(passed=5)
    line = _executor_line(result)
    assert "private-tmp" not in line.split()[2] and "read-only-root" not in line.split()[2]
    assert "netns" in line
    assert (
        "(private-tmp and read-only-root off: the interpreter or the package is under /tmp" in line
    )
    assert str((site / "pytest_llmexec" / "execution").resolve()) in line
