"""The per-line tasks (state, branch, coverage, path): definitions, scoring, the plugin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import read_report, write_demo

from pytest_llmexec.datasets import Snippet
from pytest_llmexec.execution import Executor, make_executor
from pytest_llmexec.tasks import TASKS
from pytest_llmexec.tasks.base import Expected
from pytest_llmexec.tasks.lines import traced

DIAL = (
    "def dial(code):\n    total = 0\n    for d in code:\n        if d > 4:\n"
    "            total += d\n        else:\n            total -= 1\n    return total * 2\n"
)
#: a CRUXEval file of our own: loops, branches, an early return and a raise
ROWS = [
    {"id": "r0", "code": DIAL.replace("dial(", "f("), "input": "[7, 2, 9]", "output": "30"},
    {
        "id": "r1",
        "code": "def f(s):\n    n = 0\n    while n < len(s):\n        if s[n] == 'x':\n"
        "            return n\n        n += 1\n    return -1\n",
        "input": "'abxd'",
        "output": "2",
    },
    {
        "id": "r2",
        "code": "def f(a):\n    b = a * 2\n    if b > 3:\n        c = b - 1\n    else:\n"
        "        c = 0\n    return c\n",
        "input": "1",
        "output": "0",
    },
]


@pytest.fixture(scope="module")
def executor() -> Iterator[Executor]:
    ex = make_executor()
    yield ex
    ex.close()


def case_of(code: str, entry: str, args: str) -> object:
    snippet = Snippet(
        id="s",
        code=code,
        entry=entry,
        category="x",
        path=Path("x"),
        inputs=(args,),
        input_ids=("i0",),
        recorded_outputs=(None,),
    )
    return snippet.cases()[0]


def test_the_definitions_on_the_templates_worked_example(executor: Executor) -> None:
    case = case_of(DIAL, "dial", "code=[7, 2, 9]")
    events = traced(case, executor.run, 5)  # type: ignore[arg-type]
    order = [e.get("@line") or e.get("@end") for e in events]
    # a for line runs once per item and once more when the loop ends
    assert order == ["2", "3", "4", "5", "3", "4", "7", "3", "4", "5", "3", "8", "return"]
    state = TASKS["state"]
    assert [q.label() for q in state.questions(case)] == [  # type: ignore[attr-defined]
        "line 2 (`total`)",
        "line 5 (`total`)",
        "line 7 (`total`)",
    ]
    questions = {q.line: q for q in state.questions(case)}  # type: ignore[attr-defined]
    assert state.truth(questions[5], events) == [7, 15]  # type: ignore[attr-defined]
    assert state.truth(questions[7], events) == [6]  # type: ignore[attr-defined]
    branch = TASKS["branch"]
    (test,) = branch.questions(case)  # type: ignore[attr-defined]
    assert branch.truth(test, events) == [True, False, True]  # type: ignore[attr-defined]
    path = TASKS["path"]
    asked = path.questions(case)  # type: ignore[attr-defined]
    lines = {q.line: path.truth(q, events) for q in asked}  # type: ignore[attr-defined]
    assert lines == {3: [4, 4, 4, 8], 5: [3, 3], 8: ["return"]}


def test_raise_ends_a_path_and_an_unrun_line_is_not_covered(executor: Executor) -> None:
    code = "def g(x):\n    y = 10 // x\n    if y:\n        y += 1\n    return y\n"
    case = case_of(code, "g", "x=0")
    events = traced(case, executor.run, 5)  # type: ignore[arg-type]
    path, coverage = TASKS["path"], TASKS["coverage"]
    by_line = {q.line: q for q in path.questions(case)}  # type: ignore[attr-defined]
    assert path.truth(by_line[2], events) == ["raise"]  # type: ignore[attr-defined]
    asked = coverage.questions(case)  # type: ignore[attr-defined]
    covered = {q.line: coverage.truth(q, events) for q in asked}  # type: ignore[attr-defined]
    assert covered == {2: True, 4: False, 5: False}


def test_scoring_is_exact_with_partial_credit_beside(executor: Executor) -> None:
    case = case_of(DIAL, "dial", "code=[7, 2, 9]")
    state = TASKS["state"]
    expected = Expected(value=30, text="30", check="30")

    def score(reply: str) -> object:
        return state.score(reply, "ANSWER", case, expected, executor.run, 5)  # type: ignore[arg-type]

    right = score("[ANSWER]{2: [0], 5: [7, 15], 7: [6]}[/ANSWER]")
    assert (right.verdict, right.partial) == ("correct", 1.0)  # type: ignore[attr-defined]
    wrong = score("[ANSWER]{2: [0], 5: [7, 14], 7: [6]}[/ANSWER]")
    assert wrong.verdict == "wrong"  # type: ignore[attr-defined]
    assert wrong.partial == pytest.approx(2 / 3)  # type: ignore[attr-defined]
    assert "line 5: expected [7, 15]" in wrong.problem  # type: ignore[attr-defined]
    assert score("[ANSWER]total is 15[/ANSWER]").verdict == "unparseable"  # type: ignore[attr-defined]


def write_rows(pytester: pytest.Pytester) -> None:
    lines = [json.dumps(row) for row in ROWS]
    (pytester.path / "rows.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("workers", ["0", "2"])
def test_oracle_scores_every_per_line_task_on_a_suite_and_a_cruxeval_file(
    pytester: pytest.Pytester, workers: str
) -> None:
    write_demo(pytester)
    write_rows(pytester)
    result = pytester.runpytest_subprocess(
        "demo.yaml",
        "rows.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-strategy=vp,cot",
        "--llm-task=state,branch,coverage,path",
        "--llm-examples=1",
        "--llm-report=report.json",
        "--strict-markers",
        "-n",
        workers,
    )
    assert result.ret == 0, result.stdout.str()[-3000:]
    cases = read_report(pytester)["cases"]
    assert {c["task"] for c in cases} == {"state", "branch", "coverage", "path"}
    assert {c["verdict"] for c in cases} == {"correct"}
    assert {c["partial"] for c in cases} == {1.0}
    # two_sum has an if: a branch test; count_bits has no line with a condition: none
    ids = {c["nodeid"].split("::")[1] for c in cases}
    assert "two_sum[oracle-vp-branch-i0]" in ids
    assert not any(i.startswith("count_bits[") and "-branch-" in i for i in ids)
    summary = read_report(pytester)["summary"]["tasks"]
    assert set(summary) == {"state", "branch", "coverage", "path"}


def test_markers_select_a_per_line_task_and_prompts_number_the_lines(
    pytester: pytest.Pytester,
) -> None:
    write_rows(pytester)
    result = pytester.runpytest_subprocess(
        "rows.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=output,state,path",
        "-m",
        "state",
        "--llm-report=report.json",
    )
    result.assert_outcomes(passed=3)
    cases = read_report(pytester)["cases"]
    assert {c["nodeid"].split("::")[1] for c in cases} == {
        "r0[oracle-vp-state-i0]",
        "r1[oracle-vp-state-i0]",
        "r2[oracle-vp-state-i0]",
    }
    prompt = next(c for c in cases if c["snippet"] == "r2")["conversation"][0]["content"]
    assert "2 |     b = a * 2" in prompt and "- line 2 (`b`)" in prompt


def test_a_replayed_answer_is_scored_with_partial_credit(pytester: pytest.Pytester) -> None:
    write_rows(pytester)
    answers = {"r2": ["{2: [2], 4: [], 6: [0]}"], "r0": ["{2: [0], 5: [7, 9], 7: [6]}"]}
    (pytester.path / "gen.json").write_text(json.dumps(answers), encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "rows.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "--llm-task=state",
        "--llm-report=report.json",
        "-k",
        "r0 or r2",
    )
    result.assert_outcomes(passed=1, failed=1)
    cases = {c["snippet"]: c for c in read_report(pytester)["cases"]}
    assert cases["r2"]["verdict"] == "correct"
    assert cases["r0"]["verdict"] == "wrong"
    assert cases["r0"]["partial"] == pytest.approx(2 / 3)
