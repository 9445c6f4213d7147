"""CoT's answer-forcing turn: sent when the last reply gives no answer, recorded like any turn.

Unit checks of the strategy's decision, then `pytest -p llmexec` against the loopback
OpenAI fake (the real SDK), plain and with ``-n 2``: the turn is sent once, cached,
counted in usage and calls, in the conversation, and the case and summary say ``forced``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.datasets import Case
from pytest_llmexec.datasets.suite import load_yaml
from pytest_llmexec.strategies import PromptOptions, Templates, get_strategy
from pytest_llmexec.strategies.templating import builtin_dir
from tests.fakes import OpenAIFake, solve

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BENCH = """\
category: math
snippets:
  - id: digits
    code: |
      def digits(n):
          total = 0
          while n > 0:
              total += n % 10
              n //= 10
          return total
    inputs: [{n: 9041}, {n: 77}, {n: 5}]
"""
FORCING_OPENS = "Stop tracing here."


def _case(tmp_path: Path) -> Case:
    path = tmp_path / "b.yaml"
    path.write_text(BENCH, encoding="utf-8")
    return load_yaml(path)[0].cases()[0]


def test_cot_forces_an_answer_only_when_the_last_reply_gives_none(tmp_path: Path) -> None:
    prompt = get_strategy("cot").prompt(_case(tmp_path), PromptOptions())
    tag = prompt.answer_tag
    assert prompt.forcing.startswith(FORCING_OPENS) and "digits(n=9041)" in prompt.forcing
    assert f"[{tag}]" in prompt.forcing and len(prompt.turns) == 1
    # its stop and limit are those of the turn after the last
    assert prompt.stop(1) == (f"[/{tag}]",) and 0 < prompt.limit(1) < prompt.limit(0)
    assert prompt.follow_up(f"Step 1: total = 0\n[{tag}]14[/{tag}]", truncated=False) is None
    assert prompt.follow_up(f"[{tag}]raise KeyError[/{tag}]", truncated=False) is None
    for reply in (
        "Step 1: total = 0\nTherefore the output is 14.",  # no block
        f"i.e. [{tag}] = 14 [/{tag}]",  # a block without a whole answer
        f"[{tag}][/{tag}]",
    ):
        assert prompt.follow_up(reply, truncated=False) == prompt.forcing, reply
    # cut at the limit: even an answer block cut inside is no answer
    assert prompt.follow_up(f"[{tag}]14", truncated=True) == prompt.forcing
    assert get_strategy("vp").prompt(_case(tmp_path), PromptOptions()).forcing == ""


def test_a_templates_folder_without_the_forcing_file_runs_its_prompt_as_written(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "cot.txt").write_text((builtin_dir() / "cot.txt").read_text(), encoding="utf-8")
    own = get_strategy("cot", Templates(folder))
    prompt = own.prompt(_case(tmp_path), PromptOptions())
    assert prompt.forcing == "" and prompt.follow_up("no answer", truncated=True) is None
    # the forcing turn shapes requests: it is part of the built-in hash, not of this one
    assert own.template_hash != get_strategy("cot").template_hash
    (folder / "cot_force.txt").write_text("Answer now in [{{tag}}] and [/{{tag}}].\n")
    forced = get_strategy("cot", Templates(folder)).prompt(_case(tmp_path), PromptOptions())
    assert forced.forcing == "Answer now in [ANSWER] and [/ANSWER]."


LOOP = "Tracing it.\n" + "The loop ends; the function returns total.\n" * 40


def responder(messages: list[dict[str, Any]], model: str) -> str:
    """A small model: it loops (77), traces without answering (9041), or answers (5); forced,
    it answers."""
    last = messages[-1]["content"]
    if last.startswith(FORCING_OPENS):
        return solve(messages[:1], model)  # the first turn holds the case
    if "digits(n=9041)" in last:
        return "Step 1: total = 0\nStep 2: the loop adds the digits.\nSo the result is 14."
    if "digits(n=77)" in last:
        return LOOP
    return solve(messages, model)


class CuttingFake(OpenAIFake):
    """The OpenAI fake, whose looping replies end at the token limit (finish_reason length)."""

    def success(self, body: dict[str, Any], text: str, truncated: bool) -> dict[str, Any]:
        return super().success(body, text, truncated or text == LOOP)


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIFake]:
    with CuttingFake(responder=responder) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        yield server


def _run(pytester: pytest.Pytester, server: OpenAIFake, *extra: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-model=gpt-4o-mini",
        f"--llm-base-url={server.url}",
        "--llm-strategy=cot",
        "--llm-examples=0",
        "--llm-concurrency=1",
        "--llm-report=report.json",
        *extra,
    )


def _cases(pytester: pytest.Pytester) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data: dict[str, Any] = json.loads((pytester.path / "report.json").read_text())
    return data, data["cases"]


@pytest.mark.parametrize(
    "mode",
    [("-p", "no:xdist"), pytest.param(("-n", "2"), marks=pytest.mark.slow)],
    ids=["plain", "xdist"],
)
def test_a_reply_without_an_answer_gets_one_forcing_turn_recorded_like_any(
    pytester: pytest.Pytester, openai_fake: OpenAIFake, mode: tuple[str, str]
) -> None:
    pytester.makefile(".yaml", bench=BENCH)
    result = _run(pytester, openai_fake, *mode)
    result.assert_outcomes(passed=3)
    data, cases = _cases(pytester)
    by = {c["input"]: c for c in cases}
    forced = [c for c in cases if c["forced"]]
    assert sorted(c["input"] for c in forced) == ["n=77", "n=9041"]
    assert by["n=77"]["looped"] and by["n=77"]["truncated"]
    assert not by["n=9041"]["looped"] and not by["n=9041"]["truncated"]
    for case in forced:
        assert case["verdict"] == "correct" and case["calls"] == 2
        roles = [m["role"] for m in case["conversation"]]
        assert roles == ["user", "assistant", "user", "assistant"]
        assert case["conversation"][2]["content"].startswith(FORCING_OPENS)
        assert case["samples"][0]["reply"] == case["conversation"][3]["content"]
    assert by["n=5"]["calls"] == 1 and not by["n=5"]["forced"]
    # the forcing turn is a request like any: 3 first turns and 2 forcing turns were sent,
    # the second holding the first reply as it was (the loop included)
    assert len(openai_fake.requests) == 5
    assert by["n=77"]["conversation"][1]["content"] == LOOP
    assert data["summary"]["overall"]["forced"] == 2
    assert data["summary"]["runs"]["gpt-4o-mini/cot"]["forced"] == 2
    # both replies are counted: the forced case used more output tokens than its first turn
    first_turn = OpenAIFake.tokens(LOOP)
    assert by["n=77"]["usage"]["output_tokens"] > first_turn
    result.stdout.fnmatch_lines(["*truncated*looped*forced*", "gpt-4o-mini/cot * 1 * 1 * 2"])

    # a rerun is served from the cache, forcing turn included, and says the same
    rerun = _run(pytester, openai_fake, *mode)
    rerun.assert_outcomes(passed=3)
    assert len(openai_fake.requests) == 5
    _data, again = _cases(pytester)
    assert all(c["cache_hit"] for c in again)
    assert sorted((c["input"], c["forced"], c["calls"]) for c in again) == sorted(
        (c["input"], c["forced"], c["calls"]) for c in cases
    )


def test_a_forced_reply_that_still_gives_no_answer_is_unparseable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OpenAIFake(responder=lambda _messages, _model: "I keep thinking.") as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        pytester.makefile(".yaml", bench=BENCH)
        result = _run(pytester, server, "-k", "i0")  # n=9041
        assert len(server.requests) == 2  # one forcing turn, never a second
    _data, cases = _cases(pytester)
    assert [(c["verdict"], c["forced"], c["calls"]) for c in cases] == [("unparseable", True, 2)]
    result.stdout.fnmatch_lines(["*gpt-4o-mini/cot * 1 * 0 * 1"])


def test_every_sample_gets_its_own_forcing_turn(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    """With ``--llm-samples=2`` the first turns may go as one request (``n``); each sample
    that gave no answer is forced on its own."""
    pytester.makefile(".yaml", bench=BENCH)
    result = _run(pytester, openai_fake, "-k", "i0", "--llm-samples=2")  # n=9041
    result.assert_outcomes(passed=1)
    _data, cases = _cases(pytester)
    (case,) = cases
    assert case["forced"] and case["calls"] == 4 and case["n_correct"] == 2
    assert all(s["reply"] == "[ANSWER]14[/ANSWER]" for s in case["samples"])
    forcing = [r for r in openai_fake.requests if FORCING_OPENS in json.dumps(r.body)]
    assert len(forcing) == 2


CRUX_ROW = {
    "code": "def f(x, y):\n    return x - y",
    "input": "7, 3",
    "output": "4",
    "id": "sample_0",
}


@pytest.mark.parametrize(
    ("name", "text", "call"),
    [
        ("bench.yaml", BENCH, "digits(n=9041)"),
        ("rows.jsonl", json.dumps(CRUX_ROW) + "\n", "f(7, 3)"),
    ],
    ids=["own-format", "cruxeval-format"],
)
def test_the_forcing_turn_asks_for_the_completed_assertion_and_reads_it_fenced(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    text: str,
    call: str,
) -> None:
    """The real 0.5B model closes its trace with ``[ANSWER] = `[4]`[/ANSWER]`` (no whole
    answer); forced, it writes the assertion in a Python fence with no tags. Both rows' rules
    read that value: our literal parser and CRUXEval's extraction."""
    truth = {"digits(n=9041)": "14", "f(7, 3)": "4"}[call]

    def model(messages: list[dict[str, Any]], _model: str) -> str:
        last = messages[-1]["content"]
        if last.startswith(FORCING_OPENS):
            assert f"assert {call} == ??" in last  # the call, never a value to copy
            return f"```python\nassert {call} == {truth}\n```"
        return f"1. x = 7\nTherefore the output is `[{truth}]`, i.e. [ANSWER] = [{truth}][/ANSWER]"

    with OpenAIFake(responder=model) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        pytester.path.joinpath(name).write_text(text, encoding="utf-8")
        result = _run(pytester, server, name, "-p", "no:xdist", "-k", "i0")
        assert len(server.requests) == 2
    result.assert_outcomes(passed=1)
    _data, cases = _cases(pytester)
    assert [(c["verdict"], c["forced"], c["predicted"]) for c in cases] == [
        ("correct", True, truth)
    ]
