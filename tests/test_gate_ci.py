"""The CI set-up of docs/gating.md, end to end against the loopback OpenAI fake.

Locally (with a key) the baseline is accepted and the reply cache exported;
the CI job (CI=true, no key, a fresh checkout holding only the committed
files) imports the replies and gates with ``--llm-cache=only``: it sends no
request and passes, and it cannot overwrite the baseline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.fakes import OpenAIFake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MODES = [
    pytest.param(("-p", "no:xdist"), id="plain"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]

SUITE = """\
category: math
snippets:
  - id: add
    code: |
      def add(a, b):
          return a + b
    inputs: ["1, 2", "3, 4", "5, 6"]
  - id: rev
    category: string
    code: |
      def rev(s):
          return s[::-1]
    inputs: ["'abc'", "'xy'"]
"""


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIFake]:
    with OpenAIFake() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        monkeypatch.delenv("CI", raising=False)
        yield server


def cache_cli(pytester: pytest.Pytester, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pytest_llmexec.cache", *args],
        cwd=pytester.path,
        check=True,
        capture_output=True,
    )


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_the_readme_ci_flow_replays_from_the_committed_cache(
    pytester: pytest.Pytester,
    openai_fake: OpenAIFake,
    monkeypatch: pytest.MonkeyPatch,
    mode: tuple[str, ...],
) -> None:
    pytester.makefile(".yaml", bench=SUITE)
    common = (
        "-p",
        "llmexec",
        "--llm-model=gpt-4o-mini",
        f"--llm-base-url={openai_fake.url}",
        "--llm-examples=0",
        *mode,
    )
    local = pytester.runpytest_subprocess(*common, "--llm-update-baseline")
    assert local.ret == 0, local.stdout.str()
    asked = len(openai_fake.requests)
    assert asked == 5
    cache_cli(pytester, "export", "llmexec-replies.jsonl")
    committed = (pytester.path / "llmexec-baseline.json").read_bytes()
    assert json.loads(committed)["model_ids"]["gpt-4o-mini"]  # the fake reports an id

    shutil.rmtree(pytester.path / ".llmexec")  # a fresh checkout in CI
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("CI", "true")
    cache_cli(pytester, "import", "llmexec-replies.jsonl")
    ci = pytester.runpytest_subprocess(
        *common,
        "--llm-baseline=llmexec-baseline.json",
        "--llm-cache=only",
        "--llm-report=report.json",
    )
    assert ci.ret == 0, ci.stdout.str()
    ci.assert_outcomes(passed=5)
    ci.stdout.fnmatch_lines(
        ["gpt-4o-mini/vp*5*100.0%*100.0%*+0.0*0*0*1.000*1.000*0*ok", "gate PASSED*"]
    )
    assert len(openai_fake.requests) == asked  # nothing was asked in CI
    cases = json.loads((pytester.path / "report.json").read_text())["cases"]
    assert all(c["cache_hit"] for c in cases)

    refused = pytester.runpytest_subprocess(*common, "--llm-cache=only", "--llm-update-baseline")
    assert refused.ret == 1
    assert (pytester.path / "llmexec-baseline.json").read_bytes() == committed
