"""The gate of a pytest run and ``pytest-llmexec gate`` on that run's report decide alike.

A conftest deselects some tests (``pytest_deselected``, as a plugin would): the
run is a partial selection, so its missing cases are "outside this selection",
an update keeps their baseline entries, and it cannot start a new baseline. The
command-line gate learns this from the report's ``session.deselected``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MODES = [
    pytest.param(("-p", "no:xdist"), id="plain"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]
ORACLE = ("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle")
SUITE = """\
category: math
snippets:
  - id: sq
    code: |
      def sq(x):
          return x * x
    inputs: ["1", "2", "3", "4"]
  - id: neg
    code: |
      def neg(x):
          return -x
    inputs: ["1", "2", "3"]
"""
DESELECT_NEG = (
    "def pytest_collection_modifyitems(config, items):\n"
    "    gone = [i for i in items if '::neg[' in i.nodeid]\n"
    "    items[:] = [i for i in items if i not in gone]\n"
    "    config.hook.pytest_deselected(items=gone)\n"
)


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


def gate_cli(pytester: pytest.Pytester, *args: str) -> tuple[int, list[str]]:
    """``pytest-llmexec gate ARGS``: its exit status and the lines of its decision."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest_llmexec.cli", "gate", *args],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.splitlines()
    assert lines[:1] == ["llmexec gate"], done.stdout + done.stderr
    return done.returncode, comparable(lines[1:])


def gate_section(result: pytest.RunResult) -> list[str]:
    """The "llmexec gate" section of a pytest run's terminal summary."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.strip("= ") == "llmexec gate")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("=")), len(lines))
    return comparable(lines[start + 1 : end])


def comparable(lines: list[str]) -> list[str]:
    """Without the command that accepts the results: it names pytest or pytest-llmexec."""
    out = []
    for line in lines:
        if out and out[-1].startswith("to accept these results"):
            continue
        out.append(line.rstrip())
    return out


def baseline_cases(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((pytester.path / "base.json").read_text())["cases"]
    return cases


def accept_full_run(pytester: pytest.Pytester) -> bytes:
    """The baseline of the whole suite, as accepted before the run under test."""
    full = pytester.runpytest_subprocess(
        *ORACLE, "-p", "no:xdist", "--llm-baseline=base.json", "--llm-update-baseline"
    )
    assert full.ret == 0, full.stdout.str()
    return (pytester.path / "base.json").read_bytes()


def updated_alike(pytester: pytest.Pytester, run: pytest.RunResult, accepted: bytes) -> None:
    """``pytest-llmexec gate u.json --update-baseline`` from the same accepted baseline as
    the pytest *run* (which wrote u.json) says and writes what that run did."""
    in_pytest = baseline_cases(pytester)
    (pytester.path / "base.json").write_bytes(accepted)
    on_report = gate_cli(pytester, "u.json", "--baseline", "base.json", "--update-baseline")
    assert on_report == (run.ret, gate_section(run))
    assert baseline_cases(pytester) == in_pytest


@pytest.mark.parametrize("mode", MODES)
def test_a_run_deselected_by_a_plugin_is_judged_alike_in_pytest_and_on_its_report(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    pytester.makefile(".yaml", bench=SUITE)
    accepted = accept_full_run(pytester)
    assert len(baseline_cases(pytester)) == 7
    pytester.makeconftest(DESELECT_NEG)

    # compare: the 3 deselected cases are outside this selection, not removed
    run = pytester.runpytest_subprocess(
        *ORACLE, *mode, "--llm-baseline=base.json", "--llm-report=r.json"
    )
    run.assert_outcomes(passed=4)  # (xdist does not show the workers' "deselected")
    section = gate_section(run)
    assert "partial selection (3 deselected): compared on the cases that ran" in section
    assert any("removed 0, outside this selection 3" in line for line in section), section
    report = json.loads((pytester.path / "r.json").read_text())
    assert report["session"]["deselected"] == 3
    assert gate_cli(pytester, "r.json", "--baseline", "base.json") == (run.ret, section)

    # update: both keep the deselected cases' entries and write the same baseline
    run = pytester.runpytest_subprocess(
        *ORACLE, *mode, "--llm-baseline=base.json", "--llm-update-baseline", "--llm-report=u.json"
    )
    section = gate_section(run)
    assert any("3 kept from cases this run did not cover" in line for line in section), section
    assert len(baseline_cases(pytester)) == 7
    updated_alike(pytester, run, accepted)

    # a partial selection cannot start a new baseline, in either
    run = pytester.runpytest_subprocess(
        *ORACLE, *mode, "--llm-baseline=new.json", "--llm-update-baseline"
    )
    assert run.ret == 1
    section = gate_section(run)
    assert any("a partial selection (3 deselected) cannot start" in line for line in section)
    assert gate_cli(pytester, "u.json", "--baseline", "new.json", "--update-baseline") == (
        run.ret,
        section,
    )
    assert not (pytester.path / "new.json").exists()


def test_a_run_stopped_after_its_last_test_ran_is_complete_in_both(
    pytester: pytest.Pytester,
) -> None:
    """-x stops at a broken test that is the run's last: every selected test ran, so
    a baseline case gone from the suite is dropped, by the session and on the report."""
    pytester.makefile(".yaml", bench=SUITE)
    accepted = accept_full_run(pytester)
    pytester.makefile(".yaml", bench=SUITE.replace('["1", "2", "3", "4"]', '["1", "2", "3"]'))
    pytester.makepyfile(test_zz="def test_broken():\n    assert False\n")
    run = pytester.runpytest_subprocess(
        *ORACLE,
        "-p",
        "no:xdist",
        "bench.yaml",
        "test_zz.py",
        "-x",
        "--llm-baseline=base.json",
        "--llm-update-baseline",
        "--llm-report=u.json",
    )
    run.assert_outcomes(passed=6, failed=1)
    assert run.ret == 1  # the broken test is never masked
    section = gate_section(run)
    assert "  dropped bench.yaml::sq[oracle-vp-i3]" in section, section
    assert len(baseline_cases(pytester)) == 6
    updated_alike(pytester, run, accepted)
