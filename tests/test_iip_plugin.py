"""VP, CoT and IIP end to end: `pytest -p llmexec` runs with the oracle and a fake OpenAI API."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import AnthropicFake, OpenAIFake, solve

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: Snippets that stress the protocol: delimiters and backticks in code and input, an early
#: return, an expected exception, a linked list rewired in place, recursion, many statements.
SUITE = """\
category: string
snippets:
  - id: tricky_tags
    code: |
      def f(s):
          marker = "[/ANSWER] [STATE] ```"
          out = s + marker
          return out
    inputs:
      - {s: "x`y [ANSWER]"}
  - id: early_return
    category: array
    code: |
      class Solution:
          def firstOver(self, nums: List[int], k: int) -> int:
              total = 0
              for i, x in enumerate(nums):
                  total += x
                  if total > k:
                      return i
              total = -1
              return total
    inputs:
      - {nums: [1, 2, 3], k: 2}
      - {nums: [1, 2], k: 10}
  - id: divides
    category: math
    raises: [ZeroDivisionError]
    code: |
      def g(a):
          b = a - 1
          c = 10 // b
          return c
    inputs:
      - {a: 1}
      - {a: 3}
  - id: reverse_list
    category: linked_list
    code: |
      class Solution:
          def reverseList(self, head: Optional[ListNode]) -> Optional[ListNode]:
              prev = None
              node = head
              while node:
                  node.next, prev, node = prev, node, node.next
              return prev
    inputs:
      - {head: [1, 2, 3]}
  - id: long_body
    category: math
    code: |
      def h(n):
          a = n
          b = a + 1
          c = b + 1
          d = c + 1
          e = d + 1
          f = e + 1
          return [a, b, c, d, e, f]
    inputs:
      - {n: 0}
"""

STRATEGY_ARGS = (
    "-p",
    "llmexec",
    "--llm-model=oracle",
    "--llm-strategy=vp,cot,iip",
    "--llm-examples=0",
    "--llm-report=report.json",
    "-p",
    "no:cacheprovider",
)


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / "report.json").read_text("utf-8"))
    return data


def _check_oracle_run(pytester: pytest.Pytester, result: pytest.RunResult) -> None:
    result.assert_outcomes(passed=21)  # 7 cases x 3 strategies
    result.stdout.fnmatch_lines(
        [
            "*IIP step accuracy*",
            "*model*cases*steps*matched*step accuracy*",
            "*oracle*7*25*25*100.0%*100.0%*",
            "*calls and tokens per case*",
            "*oracle/cot*1.0*",
            "*oracle/vp*1.0*",
        ]
    )
    report = _report(pytester)
    runs = report["summary"]["runs"]
    assert {key: run["accuracy"] for key, run in runs.items()} == {
        "oracle/cot": 1.0,
        "oracle/iip": 1.0,
        "oracle/vp": 1.0,
    }
    assert runs["oracle/iip"]["step_accuracy"] == 1.0
    assert runs["oracle/vp"]["step_accuracy"] is None
    assert runs["oracle/vp"]["per_case"]["calls"] == 1.0
    iip = {c["nodeid"].split("::")[1]: c for c in report["cases"] if c["strategy"] == "iip"}
    assert all(
        c["step_accuracy"] == 1.0 and c["first_divergent_step"] is None for c in iip.values()
    )
    early = iip["early_return[oracle-iip-i0]"]
    assert [s["lines"] for s in early["steps"]] == [[3, 3], [4, 7], [8, 8], [9, 9]]
    # the loop returned: the steps never reached repeat the last state
    assert early["steps"][1]["expected"] == early["steps"][3]["expected"]
    assert early["calls"] == 5
    assert iip["reverse_list[oracle-iip-i0]"]["steps"][-1]["expected"]["prev"] == "[3, 2, 1]"
    assert iip["divides[oracle-iip-i0]"]["expected"] == "raise ZeroDivisionError"
    assert iip["divides[oracle-iip-i0]"]["steps"][1]["expected"] == {"a": "1", "b": "0"}
    assert iip["long_body[oracle-iip-i0]"]["steps_total"] == 4  # merged to the budget
    hashes = report["run"]["template_hashes"]
    assert set(hashes) == {"vp", "cot", "iip"}
    assert {c["template_hash"] for c in report["cases"] if c["strategy"] == "iip"} == {
        hashes["iip"]
    }
    result.stdout.fnmatch_lines(
        [
            f"llmexec templates: vp={hashes['vp']} cot={hashes['cot']} "
            f"iip={hashes['iip']} iip-max-steps=4"
        ]
    )


def test_oracle_scores_every_strategy_and_every_step(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", suite=SUITE)
    result = pytester.runpytest(*STRATEGY_ARGS, "--llm-iip-max-steps=4")
    _check_oracle_run(pytester, result)


@pytest.mark.slow  # a long pytester run
def test_oracle_scores_every_step_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", suite=SUITE)
    pytester.makeini("[pytest]\nllm_iip_max_steps = 4\n")  # the ini twin
    result = pytester.runpytest_subprocess(*STRATEGY_ARGS, "-n", "2")
    _check_oracle_run(pytester, result)


def test_markers_select_one_strategy(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", suite=SUITE)
    result = pytester.runpytest(*STRATEGY_ARGS, "-m", "iip", "--strict-markers")
    result.assert_outcomes(passed=7, deselected=14)


@pytest.mark.parametrize(
    "option, message",
    [
        ("--llm-iip-max-steps=0", "--llm-iip-max-steps=0: must be at least 1"),
        ("--llm-iip-max-steps=many", "--llm-iip-max-steps=many: expected a whole number"),
        ("--llm-describe=fr", "--llm-describe=fr: choose en, zh or none"),
        ("--llm-strategy=vp,tot", "--llm-strategy=tot: unknown strategy"),
    ],
)
def test_bad_strategy_options_are_usage_errors(
    pytester: pytest.Pytester, option: str, message: str
) -> None:
    pytester.makefile(".yaml", suite=SUITE)
    result = pytester.runpytest("-p", "llmexec", "--llm-model=oracle", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


# ----------------------------------------------------------------------------- fake API

ARITH = """\
category: math
snippets:
  - id: arith
    description:
      en: Double the sum.
      zh: 和的两倍。
    code: |
      def f(a, b):
          c = a + b
          d = c * 2
          return d
    inputs:
      - {a: 1, b: 2}
      - {a: 5, b: 5}
"""


def _tag(text: str, base: str) -> str:
    found = re.search(rf"between \[({base}\w*)\] and \[/", text)
    assert found, text
    return found.group(1)


def _text(content: str | list[dict[str, Any]]) -> str:
    """A message's text, also from Anthropic content blocks."""
    return content if isinstance(content, str) else "".join(b["text"] for b in content)


def scripted(messages: list[dict[str, Any]], model: str) -> str:
    """A model that traces f(a, b) right when a == 1 and gets d wrong (and the answer) else."""
    users = [_text(m["content"]) for m in messages if m["role"] == "user"]
    if "Step 1 of" not in users[0]:
        return solve(messages, model)  # a single-turn strategy
    call = re.search(r"^f\((.*)\)$", users[0], re.M)
    assert call is not None
    args = {
        kw.arg: ast.literal_eval(kw.value)
        for kw in ast.parse(f"f({call.group(1)})", mode="eval").body.keywords
    }  # type: ignore[attr-defined]
    a, b = args["a"], args["b"]
    d = (a + b) * 2 if a == 1 else 99
    turn = len(users)
    if turn == 1:
        state = {"a": a, "b": b, "c": a + b}
    elif turn in (2, 3):
        state = {"a": a, "b": b, "c": a + b, "d": d}
    else:
        tag = _tag(users[-1], "ANSWER")
        return f"The result is [{tag}]{d}[/{tag}]"
    tag = _tag(users[0], "STATE")
    return f"Tracing... [{tag}]{state!r}[/{tag}]"


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIFake]:
    with OpenAIFake(responder=scripted, cached_tokens=7) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        yield server


def test_iip_against_an_api_resends_the_conversation_and_scores_steps(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    pytester.makefile(".yaml", bench=ARITH)
    result = pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-model=gpt-4o-mini",
        f"--llm-base-url={openai_fake.url}",
        "--llm-strategy=iip",
        "--llm-examples=0",
        "--llm-report=report.json",
        "--llm-describe=en",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, failed=1)

    # 3 steps + the answer = 4 requests per case, each carrying the conversation so far
    assert len(openai_fake.completions) == 8
    by_case: dict[str, list[list[dict[str, Any]]]] = {}
    for request in openai_fake.completions:
        messages = request.body["messages"]
        by_case.setdefault(messages[0]["content"], []).append(messages)
    assert len(by_case) == 2
    for conversation in by_case.values():
        conversation.sort(key=len)
        assert [len(m) for m in conversation] == [1, 3, 5, 7]
        final = conversation[-1]
        assert [m["role"] for m in final] == ["user", "assistant"] * 3 + ["user"]
        for shorter in conversation[:-1]:
            assert final[: len(shorter)] == shorter  # a growing prefix, replies kept
        assert "Problem description:\nDouble the sum." in final[0]["content"]
        assert scripted(final[:5], "") == final[5]["content"]

    cases = {c["input_id"]: c for c in _report(pytester)["cases"]}
    right, wrong = cases["i0"], cases["i1"]
    assert (right["verdict"], right["step_accuracy"], right["first_divergent_step"]) == (
        "correct",
        1.0,
        None,
    )
    assert (wrong["verdict"], wrong["predicted"], wrong["expected"]) == ("wrong", "99", "20")
    assert wrong["steps_matched"] == 1 and wrong["first_divergent_step"] == 2
    assert wrong["steps"][1]["problem"] == "d: expected 20, got 99"
    assert right["calls"] == 4 and right["usage"]["cached_tokens"] == 4 * 7
    summary = _report(pytester)["summary"]["runs"]["gpt-4o-mini/iip"]
    assert summary["accuracy"] == 0.5 and summary["step_accuracy"] == 4 / 6
    assert summary["per_case"]["calls"] == 4.0
    result.stdout.fnmatch_lines(["*gpt-4o-mini*2*6*4*66.7%*50.0%*2*"])


def test_anthropic_iip_marks_the_growing_prefix_for_caching(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AnthropicFake(responder=scripted) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.key)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        pytester.makefile(".yaml", bench=ARITH)
        result = pytester.runpytest(
            "-p",
            "llmexec",
            "--llm-model=claude-haiku-4-5",
            "--llm-strategy=iip,vp",
            "--llm-examples=0",
            "-p",
            "no:cacheprovider",
        )
        result.assert_outcomes(passed=3, failed=1)
        for request in server.completions:
            messages = request.body["messages"]
            marked = [
                block
                for m in messages
                if isinstance(m["content"], list)
                for block in m["content"]
                if "cache_control" in block
            ]
            if "Step 1 of 3" in json.dumps(messages[0]):  # IIP: the newest turn is marked
                assert marked == [{**messages[-1]["content"][-1]}]
                assert marked[0]["cache_control"] == {"type": "ephemeral"}
            else:  # VP: one turn, nothing to reuse
                assert marked == []


def test_a_model_that_does_not_hold_the_conversation_gets_no_step_score(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", bench=ARITH)
    (pytester.path / "gen.json").write_text(json.dumps({"arith[i0]": ["6"], "arith[i1]": ["7"]}))
    result = pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "--llm-strategy=iip",
        "--llm-examples=0",
        "--llm-report=report.json",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, failed=1)  # the final answers are still scored
    cases = _report(pytester)["cases"]
    assert {c["step_accuracy"] for c in cases} == {None}
    assert {c["step_problem"] for c in cases} == {"no sample answered every step turn"}
    assert _report(pytester)["summary"]["runs"]["replay/iip"]["step_accuracy"] is None
    assert "IIP step accuracy" not in result.stdout.str()
