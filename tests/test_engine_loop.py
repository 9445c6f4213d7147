"""The engine's event loop is closed at the end of a run, not left for the garbage collector.

An unclosed loop warns when it is freed (``BaseEventLoop.__del__``), which
pytest shows as a ``PytestUnraisableExceptionWarning``.
"""

from __future__ import annotations

import pytest
from helpers import write_demo

# Records every event loop made in the run, and at the very end whether each was closed.
CONFTEST = """
import asyncio
import os
from pathlib import Path

import pytest

LOOPS = []
_new_event_loop = asyncio.new_event_loop


def _recording_new_event_loop():
    loop = _new_event_loop()
    LOOPS.append(loop)
    return loop


asyncio.new_event_loop = _recording_new_event_loop


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    closed = " ".join(str(loop.is_closed()) for loop in LOOPS)
    Path(f"loops-{os.getpid()}.txt").write_text(closed)
"""


@pytest.mark.parametrize(
    "mode",
    [("-p", "no:xdist"), pytest.param(("-n", "2"), marks=pytest.mark.slow)],
    ids=["plain", "xdist"],
)
def test_the_loop_is_closed_when_the_run_ends(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_demo(pytester)
    pytester.makeconftest(CONFTEST)
    # only the warning this test is about is an error: other plugins of the environment
    # (pytest-benchmark under xdist, say) may warn at start-up
    unraisable = "error::pytest.PytestUnraisableExceptionWarning"
    result = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-examples=0", "--llm-model=oracle", "-W", unraisable, *mode
    )
    result.assert_outcomes(passed=5)
    assert "Unraisable" not in result.stdout.str()
    # one file per process: under xdist the workers ask the model, the controller does not
    seen = [p.read_text().split() for p in pytester.path.glob("loops-*.txt")]
    assert len(seen) == (1 if mode[0] == "-p" else 3)
    assert sorted(len(loops) for loops in seen)[-1] == 1
    assert all(state == "True" for loops in seen for state in loops)
