"""The executor as users reach it: ``pytest -p llmexec --llm-model=oracle`` on hostile benchmarks.

Verdicts are read from the JSON report (``truth_status``); after every run no
process of ours may be left, also after Ctrl-C or a killed pytest.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import read_report
from test_executor import tagged_processes

ORACLE = ("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle", "--llm-report=report.json")
XDIST = [
    pytest.param(("-n", "0"), id="n0"),
    pytest.param(("-n", "2"), id="n2", marks=pytest.mark.slow),
]
SANDBOX = [pytest.param("auto", id="sandbox"), pytest.param("off", id="no-sandbox")]

HOSTILE = """\
category: hostile
snippets:
  - id: two_sum
    code: |
      class Solution:
          def twoSum(self, nums: List[int], target: int) -> List[int]:
              seen = {}
              for i, x in enumerate(nums):
                  if target - x in seen:
                      return [seen[target - x], i]
                  seen[x] = i
              return []
    inputs:
      - {nums: [2, 7, 11, 15], target: 9}
  - id: declared_raise
    raises: [ValueError]
    code: |
      def f(x):
          return int(x)
    inputs:
      - "'seven'"
  - id: python_loop
    timeout: 1
    code: |
      def f(n):
          while True:
              n += 1
    inputs:
      - "0"
  - id: c_loop
    timeout: 1
    code: |
      def f(n):
          return sum(itertools.count(n))
    inputs:
      - "0"
  - id: swallower
    timeout: 1
    code: |
      def f(n):
          import signal
          signal.signal(signal.SIGTERM, signal.SIG_IGN)
          while True:
              try:
                  while True:
                      n += 1
              except BaseException:
                  pass
    inputs:
      - "0"
  - id: memory_bomb
    code: |
      def f(n):
          return [0] * n
    inputs:
      - "10000000000"
  - id: deep_recursion
    code: |
      def f(n):
          return f(n + 1) + 1
    inputs:
      - "0"
  - id: exits
    code: |
      def f(n):
          import os
          os._exit(n)
    inputs:
      - "3"
  - id: kills_parent
    code: |
      def f(n):
          import os
          os.kill(os.getppid(), 9)
          return n
    inputs:
      - "1"
  - id: patches_builtins
    code: |
      def f(n):
          import builtins
          builtins.len = lambda x: 0
          builtins.sorted = None
          return n
    inputs:
      - "5"
  - id: uses_builtins
    code: |
      def f(xs):
          return len(sorted(xs))
    inputs:
      - "[3, 1, 2]"
  - id: huge_result
    code: |
      def f(n):
          return list(range(n))
    inputs:
      - "1000000"
  - id: writes_files
    code: |
      def f(name):
          with open(name, "w") as handle:
              handle.write("data")
          return open(name).read()
    inputs:
      - "'out.txt'"
  - id: set_order
    code: |
      def f(words):
          return list(set(words))
    inputs:
      - "['apple', 'banana', 'cherry', 'date', 'elder', 'fig']"
"""

EXPECTED = {
    "two_sum": "ok",
    "declared_raise": "raised ValueError",
    "python_loop": "timeout",
    "c_loop": "timeout",
    "swallower": "timeout",
    "memory_bomb": "memory",
    "deep_recursion": "raised RecursionError",
    "exits": "crashed exit(3)",
    "patches_builtins": "ok",
    "uses_builtins": "ok",
    "huge_result": "output too large",
    "writes_files": "ok",
    "set_order": "nondeterministic",
}


def by_snippet(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {case["snippet"]: case for case in report["cases"]}


def run_hostile(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str, sandbox: str = "auto"
) -> tuple[pytest.RunResult, str]:
    tag = f"llmexec-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("LLMEXEC_SERVER_TAG", tag)
    monkeypatch.setenv("LLMEXEC_SANDBOX", sandbox)
    pytester.makefile(".yaml", hostile=HOSTILE)
    result = pytester.runpytest_subprocess(*ORACLE, *args)
    return result, tag


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("sandbox", SANDBOX)
@pytest.mark.parametrize("mode", XDIST)
def test_hostile_battery(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    mode: tuple[str, ...],
    sandbox: str,
) -> None:
    result, tag = run_hostile(pytester, monkeypatch, *mode, sandbox=sandbox)
    out = result.stdout.str()
    seccomp = "seccomp" in next(line for line in result.stdout.lines if "executor=" in line)
    cases = by_snippet(read_report(pytester))
    for snippet, status in EXPECTED.items():
        assert cases[snippet]["truth_status"] == status, (snippet, cases[snippet]["error"])
    if seccomp:
        assert cases["kills_parent"]["truth_status"] == "raised PermissionError"
    else:  # the server died for this call; the run went on with a fresh one
        assert cases["kills_parent"]["truth_status"] in ("harness error", "raised PermissionError")
    # correct: two_sum, declared_raise, patches_builtins, uses_builtins, writes_files;
    # skipped: set_order; everything else is the snippet's own error verdict
    result.assert_outcomes(passed=5, failed=8, skipped=1)
    assert "nondeterministic cases (1)" in out
    assert "hostile.yaml::set_order[i0]" in out
    assert tagged_processes(tag) == []
    assert not (pytester.path / "out.txt").exists()


def test_header_names_the_executor_and_its_layers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", hostile=HOSTILE.split("  - id: declared_raise")[0])
    result = pytester.runpytest(*ORACLE, "-p", "no:xdist")
    result.stdout.fnmatch_lines(["llmexec: executor=forkserver sandbox=process,limits,*"])
    monkeypatch.setenv("LLMEXEC_SANDBOX", "off")
    result = pytester.runpytest(*ORACLE, "-p", "no:xdist")
    result.stdout.fnmatch_lines(
        ["llmexec: executor=forkserver sandbox=process,limits,clean-env,tmpdir"]
    )


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", XDIST)
def test_a_rerun_executes_nothing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mode: tuple[str, ...]
) -> None:
    """The second run reads every truth from ``.llmexec/truth.sqlite``; with the cache off
    it executes again. Counted with a conftest that wraps the executor in every process."""
    pytester.makefile(".yaml", hostile=HOSTILE.split("  - id: python_loop")[0])
    pytester.makeconftest(
        """
        import os
        from pytest_llmexec.execution import forkserver

        original = forkserver.ForkServerExecutor.run

        def counting(self, call):
            with open(os.path.join(os.environ["COUNT_DIR"], f"{os.getpid()}.count"), "a") as f:
                f.write("x")
            return original(self, call)

        forkserver.ForkServerExecutor.run = counting
        """
    )
    counts = pytester.path / "counts"

    def executed(*extra: str) -> int:
        counts.mkdir(exist_ok=True)
        for old in counts.iterdir():
            old.unlink()
        result = pytester.runpytest_subprocess(*ORACLE, *mode, *extra)
        result.assert_outcomes(passed=2)
        return sum(len(p.read_text()) for p in counts.iterdir())

    monkeypatch.setenv("COUNT_DIR", str(counts))
    monkeypatch.setenv("LLMEXEC_SANDBOX", "auto")
    assert executed() > 0
    assert (pytester.path / ".llmexec" / "truth.sqlite").exists()
    assert executed() == 0
    if mode[-1] == "0":  # (once is enough: it is the same switch with xdist)
        assert executed("--llm-cache=off") > 0
        monkeypatch.setenv("LLMEXEC_SANDBOX", "off")  # other layers: other outcomes possible
        assert executed() > 0


LONG = """\
snippets:
  - id: forever
    category: hostile
    timeout: 300
    code: |
      def f(n):
          while True:
              n += 1
    inputs:
      - "0"
"""


def _default_sigint() -> None:
    """A background shell may have left SIGINT ignored; a terminal's pytest has it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_long_run(pytester: pytest.Pytester, tag: str, *args: str) -> subprocess.Popen[bytes]:
    pytester.makefile(".yaml", long=LONG)
    env = dict(os.environ, LLMEXEC_SERVER_TAG=tag)
    log = open(pytester.path / "inner.log", "wb")  # noqa: SIM115 - closed with the test dir
    command = [sys.executable, "-m", "pytest", "-p", "llmexec", "--llm-examples=0"]
    command += ["--llm-model=oracle", "-p", "no:cacheprovider", *args, "long.yaml"]
    proc = subprocess.Popen(
        command,
        cwd=pytester.path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it
        preexec_fn=_default_sigint,
    )
    # wait until the snippet runs: one of our processes spends CPU time in its loop
    for _ in range(1200):
        if _cpu_seconds(tagged_processes(tag)) >= 0.5 or proc.poll() is not None:
            break
        time.sleep(0.1)
    found = tagged_processes(tag)
    inner = (pytester.path / "inner.log").read_text(errors="replace")
    assert proc.poll() is None, f"pytest ended before the snippet started:\n{inner}"
    assert _cpu_seconds(found) >= 0.5, f"no snippet running in {found}; pytest said:\n{inner}"
    return proc


def _cpu_seconds(pids: list[int]) -> float:
    """The largest CPU time (user + system) among *pids*."""
    most = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        most = max(most, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return most


def _wait_until_gone(tag: str) -> list[int]:
    for _ in range(300):
        left = tagged_processes(tag)
        if not left:
            return left
        time.sleep(0.1)
    return tagged_processes(tag)


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize(
    "mode",
    [("-p", "no:xdist"), pytest.param(("-n", "2"), marks=pytest.mark.slow)],
    ids=["plain", "n2"],
)
def test_nothing_is_left_after_ctrl_c(pytester: pytest.Pytester, mode: tuple[str, ...]) -> None:
    tag = f"llmexec-test-{uuid.uuid4().hex[:12]}"
    proc = _start_long_run(pytester, tag, *mode)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    assert proc.wait(timeout=120) != 0
    assert _wait_until_gone(tag) == []


@pytest.mark.slow  # a long pytester run
def test_nothing_is_left_when_pytest_is_killed(pytester: pytest.Pytester) -> None:
    tag = f"llmexec-test-{uuid.uuid4().hex[:12]}"
    proc = _start_long_run(pytester, tag, "-p", "no:xdist")
    proc.kill()
    proc.wait(timeout=60)
    assert _wait_until_gone(tag) == []


ENVIRON = """\
snippets:
  - id: environ
    category: hostile
    code: |
      def f(n):
          import os
          return sorted(os.environ)[:n]
    inputs:
      - "100"
"""


def test_api_keys_never_reach_a_snippet(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-shown-1234")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-never-shown-5678")
    pytester.makefile(".yaml", environ=ENVIRON)
    result = pytester.runpytest_subprocess(*ORACLE)
    result.assert_outcomes(passed=1)
    (case,) = read_report(pytester)["cases"]
    names = ast.literal_eval(case["expected"])
    assert "PATH" in names
    assert not [name for name in names if "API_KEY" in name]
    assert "never-shown" not in (pytester.path / "report.json").read_text()
