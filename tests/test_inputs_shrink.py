"""--llm-shrink: a smaller generated input the model still gets wrong, within a call budget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import read_report

from tests.fakes import OpenAIFake

COUNT = """\
category: misc
snippets:
  - id: count
    code: |
      def count(nums: List[int]) -> int:
          return len(nums)
    examples: 2
    constraints: {nums: {min_size: 2}}
    inputs:
      - {nums: []}
"""


@pytest.fixture
def zero_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIFake]:
    """A model that always answers 0: right on empty lists only."""
    with OpenAIFake() as server:
        server.responder = lambda messages, model: "[ANSWER]0[/ANSWER]"
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        yield server


def _run(pytester: pytest.Pytester, server: OpenAIFake, *extra: str) -> pytest.RunResult:
    (pytester.path / "bench.yaml").write_text(COUNT, encoding="utf-8")
    return pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-model=gpt-4o-mini",
        f"--llm-base-url={server.url}",
        "--llm-cache=off",
        "--llm-report=report.json",
        *extra,
    )


def _generated(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    return [c for c in read_report(pytester)["cases"] if c["generated"]]


def test_a_smaller_failing_input_is_reported_beside_the_original(
    pytester: pytest.Pytester, zero_model: OpenAIFake
) -> None:
    result = _run(pytester, zero_model, "--llm-shrink=5")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["llmexec: models=gpt-4o-mini*seed=0 shrink=5*"])
    cases = _generated(pytester)
    for case in cases:
        assert case["verdict"] == "wrong" and len(case["input"]) > len("nums=[0]")
        # min_size 2 bounds the search too: the smallest list the model gets wrong
        assert case["shrunk"]["input"] == "nums=[0, 0]"
        assert case["shrunk"]["expected"] == "2" and case["shrunk"]["predicted"] == "0"
        assert 1 <= case["shrunk"]["calls"] <= 5
    result.stdout.fnmatch_lines(
        [
            "*smaller input still predicted wrong (* extra model call(s)):",
            "call:      count(nums=[0, 0])",
            "expected:  2",
            "predicted: 0",
        ]
    )
    # the original calls plus at most the budget per wrong case, never more
    assert len(zero_model.requests) <= 3 + 2 * 5


def test_the_budget_bounds_the_model_calls_and_zero_turns_it_off(
    pytester: pytest.Pytester, zero_model: OpenAIFake
) -> None:
    _run(pytester, zero_model, "--llm-shrink=1").assert_outcomes(passed=1, failed=2)
    assert len(zero_model.requests) <= 3 + 2 * 1
    for case in _generated(pytester):
        assert "shrunk" not in case or case["shrunk"]["calls"] == 1
    zero_model.requests.clear()
    _run(pytester, zero_model).assert_outcomes(passed=1, failed=2)
    assert len(zero_model.requests) == 3
    assert all("shrunk" not in case for case in _generated(pytester))
