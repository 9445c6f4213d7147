"""Input prediction (--llm-task=input): asked, read, scored, reported apart from outputs."""

from __future__ import annotations

import json
from math import comb

import pytest
from cruxeval_rows import rows, write_jsonl
from helpers import read_report, write_json

MODES = pytest.mark.parametrize(
    "mode",
    [("-p", "no:xdist"), pytest.param(("-n", "2"), marks=pytest.mark.slow)],
    ids=["plain", "xdist"],
)


@MODES
def test_oracle_scores_every_row_on_both_tasks(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_jsonl(pytester.path / "crux.jsonl")
    result = pytester.runpytest_subprocess(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=output,input",
        "--llm-strategy=vp,cot",
        "--llm-report=report.json",
        *mode,
    )
    result.assert_outcomes(passed=4 * len(rows()))
    report = read_report(pytester)
    runs = report["summary"]["runs"]
    assert sorted(runs) == ["oracle/cot", "oracle/cot/input", "oracle/vp", "oracle/vp/input"]
    assert runs["oracle/vp/input"]["task"] == "input"
    assert runs["oracle/vp/input"]["accuracy"] == 1.0
    assert report["summary"]["tasks"]["input"]["n"] == 2 * len(rows())
    ids = {c["nodeid"] for c in report["cases"]}
    assert "crux.jsonl::sample_0[oracle-vp-i0]" in ids  # output ids unchanged
    assert "crux.jsonl::sample_0[oracle-vp-input-i0]" in ids
    inputs = [c for c in report["cases"] if c["task"] == "input"]
    assert {c["predicted"] for c in inputs if c["snippet"] == "sample_10"} == {
        "f(grid_rows[:], 2, 1, 0)"
    }
    assert set(report["run"]["template_hashes"]) == {"vp", "cot", "vp/input", "cot/input"}


def test_task_markers_select(pytester: pytest.Pytester) -> None:
    write_jsonl(pytester.path / "crux.jsonl")
    result = pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=output,input",
        "-m",
        "input",
        "--strict-markers",
    )
    result.assert_outcomes(passed=len(rows()), deselected=len(rows()))


def test_the_prompt_shows_the_output_and_asks_for_a_call(pytester: pytest.Pytester) -> None:
    write_jsonl(pytester.path / "crux.jsonl", rows()[:1])
    result = pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=input",
        "--llm-report=report.json",
    )
    result.assert_outcomes(passed=1)
    prompt = read_report(pytester)["cases"][0]["conversation"][0]["content"]
    assert "7" in prompt and "call of `f`" in prompt
    assert "''.join(['B'] * 7)" not in prompt  # the input is what the model must find


INPUT_ROWS = [
    {"code": "def f(s):\n    return s.upper() + '!'\n", "input": "'hi'", "output": "'HI!'"},
    {"code": "def f(n):\n    return sum(range(n))\n", "input": "4", "output": "6"},
    {"code": "def f(xs):\n    return sorted(xs)\n", "input": "[2, 1]", "output": "[1, 2]"},
]
GENERATIONS = {
    # a different argument that gives the same output is right
    "sample_0": ["f('hi')", "f('Hi')", "f('ho')", "no idea", "g('hi')"],
    # the truth is 6: f(4) is right, 1.0 == 1 semantics do not matter here;
    # a call that never ends and one that raises are wrong
    "sample_1": ["f(4)", "f(10**13)", "f('x')", "f(n=4)", "f(3)"],
    # a tuple of the same items: sorted() gives a list, so it is right
    "sample_2": ["f((2, 1))", "f([1, 2])", "f([3])", "f([2, 1]) == [1, 2]", "f()"],
}
CORRECT = {"sample_0": 2, "sample_1": 2, "sample_2": 3}


def _write_input_case(pytester: pytest.Pytester) -> None:
    write_jsonl(
        pytester.path / "crux.jsonl",
        [{**row, "id": f"sample_{i}"} for i, row in enumerate(INPUT_ROWS)],
    )
    write_json(pytester, "input_generations.json", GENERATIONS)


def _pass_at(k: int) -> float:
    return sum(1 - comb(5 - c, k) / comb(5, k) for c in CORRECT.values()) / len(CORRECT)


@MODES
def test_replayed_input_generations_are_scored_by_running_them(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    _write_input_case(pytester)
    result = pytester.runpytest_subprocess(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-task=input",
        "--llm-replay=input_generations.json",
        "--llm-samples=5",
        "--llm-timeout=1",
        "--llm-report=report.json",
        *mode,
    )
    result.assert_outcomes(passed=1, failed=2)  # majority: only sample_2 has 3 of 5 right
    report = read_report(pytester)
    cases = {c["snippet"]: c for c in report["cases"]}
    for sid, correct in CORRECT.items():
        assert cases[sid]["n_correct"] == correct, cases[sid]["samples"]
    verdicts = [s["verdict"] for s in cases["sample_0"]["samples"]]
    assert verdicts == ["correct", "correct", "wrong", "unparseable", "wrong"]
    assert cases["sample_1"]["samples"][1]["verdict"] == "wrong"  # a timeout
    run = report["summary"]["runs"]["replay/vp/input"]
    assert run["pass_at_k"]["pass@1"] == pytest.approx(_pass_at(1))
    assert run["pass_at_k"]["pass@5"] == pytest.approx(_pass_at(5))
    assert "C(n-c, k) / C(n, k)" in report["summary"]["pass_at_k_method"]
    result.stdout.fnmatch_lines(["pass@k: unbiased estimator*averaged over cases*"])


def test_one_replay_file_per_task(pytester: pytest.Pytester) -> None:
    _write_input_case(pytester)
    write_json(
        pytester,
        "output_generations.json",
        {f"sample_{i}": [r["output"]] for i, r in enumerate(INPUT_ROWS)},
    )
    result = pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-task=output,input",
        "--llm-replay=output=output_generations.json,input=input_generations.json",
        "--llm-report=report.json",
    )
    result.assert_outcomes(passed=6)
    assert sorted(read_report(pytester)["summary"]["runs"]) == ["replay/vp", "replay/vp/input"]


def test_iip_asks_outputs_only(pytester: pytest.Pytester) -> None:
    write_jsonl(pytester.path / "crux.jsonl", rows()[:2])
    only = pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=input",
        "--llm-strategy=iip",
    )
    assert only.ret == pytest.ExitCode.USAGE_ERROR
    only.stderr.fnmatch_lines(["*--llm-task=input: none of the strategies iip asks it*"])
    mixed = pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=output,input",
        "--llm-strategy=vp,iip",
    )
    mixed.assert_outcomes(passed=6)  # vp output, iip output, vp input; no iip input
    mixed.stdout.fnmatch_lines(["llmexec: iip does not ask input prediction*"])


def test_unknown_task_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_jsonl(pytester.path / "crux.jsonl", rows()[:1])
    result = pytester.runpytest(
        "crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "--llm-task=heap"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--llm-task=heap: unknown task; choose from output, input, state, branch, cov*"]
    )


def test_ini_llm_task(pytester: pytest.Pytester) -> None:
    write_jsonl(pytester.path / "crux.jsonl", rows()[:1])
    pytester.makeini("[pytest]\nllm_task = input\n")
    result = pytester.runpytest("crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "-v")
    result.stdout.fnmatch_lines(["*sample_0?oracle-vp-input-i0? PASSED*"])


YAML = """
category: linked_list
snippets:
  - id: second_half
    code: |
      class Solution:
          def secondHalf(self, head: Optional[ListNode], skip: int) -> Optional[ListNode]:
              for _ in range(skip):
                  head = head.next
              return head
    inputs:
      - {head: [1, 2, 3, 4], skip: 2}
    examples: 0
  - id: checked
    raises: [ValueError]
    code: |
      def checked(x: int) -> int:
          if x < 0:
              raise ValueError("negative")
          return x
    inputs: ["-1", "3"]
    examples: 0
"""


@MODES
def test_yaml_snippets_take_the_entry_arguments(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    pytester.makefile(".yaml", bench=YAML)
    result = pytester.runpytest_subprocess(
        "bench.yaml",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=input",
        "--llm-report=report.json",
        *mode,
    )
    result.assert_outcomes(passed=3)
    predicted = {c["nodeid"].split("::")[1]: c["predicted"] for c in read_report(pytester)["cases"]}
    assert predicted["second_half[oracle-vp-input-i0]"] == "secondHalf(head=[1, 2, 3, 4], skip=2)"


def test_yaml_input_replies_are_read_and_run(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", bench=YAML)
    write_json(
        pytester,
        "generations.json",
        {
            # any list whose tail after `skip` nodes is [3, 4] is right; a method call form too
            "second_half[i0]": [
                "[ANSWER]Solution().secondHalf([9, 3, 4], 1)[/ANSWER]",
                "[ANSWER]secondHalf([1, 2, 3, 4], 1)[/ANSWER]",
                "```python\nassert secondHalf(head=[0, 0, 3, 4], skip=2) == [3, 4]\n```",
            ],
            # the truth raises ValueError: a call that raises it is right
            "checked[i0]": ["checked(-5)", "checked(5)", "checked('a')"],
            "checked[i1]": ["checked(3)", "checked(x=3)", "checked(-3)"],
        },
    )
    result = pytester.runpytest(
        "bench.yaml",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=generations.json",
        "--llm-task=input",
        "--llm-samples=3",
        "--llm-report=report.json",
    )
    cases = {c["snippet"] + c["input_id"]: c for c in read_report(pytester)["cases"]}
    assert [s["verdict"] for s in cases["second_halfi0"]["samples"]] == [
        "correct",
        "wrong",
        "correct",
    ]
    assert [s["verdict"] for s in cases["checkedi0"]["samples"]] == ["correct", "wrong", "wrong"]
    assert [s["verdict"] for s in cases["checkedi1"]["samples"]] == ["correct", "correct", "wrong"]
    result.assert_outcomes(passed=2, failed=1)  # a test passes when most samples are right


def test_gate_keeps_tasks_apart(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)  # CI refuses to write a baseline
    write_jsonl(pytester.path / "crux.jsonl")
    args = ["crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "--llm-task=output,input"]
    pytester.runpytest(*args, "--llm-update-baseline").assert_outcomes(passed=2 * len(rows()))
    baseline = json.loads((pytester.path / "llmexec-baseline.json").read_text())
    assert set(baseline["summary"]) == {"oracle/vp", "oracle/vp/input"}
    assert set(baseline["templates"]) == {"vp", "vp/input"}
    result = pytester.runpytest(*args, "--llm-baseline")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*oracle/vp/input*"])


def test_html_report_keeps_tasks_apart(pytester: pytest.Pytester) -> None:
    write_jsonl(pytester.path / "crux.jsonl", rows()[:3])
    result = pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=output,input",
        "--llm-html=report.html",
    )
    result.assert_outcomes(passed=6)
    page = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert "oracle/vp/input" in page
    assert '<select data-filter="task">' in page
    assert page.count('data-task="input"') == 3


@pytest.mark.parametrize("name", ["vp_input.txt", "cot_input.txt"])
def test_input_templates_hold_worked_examples_not_placeholders(name: str) -> None:
    """Each worked example is a function of its own, and its reply really returns the value."""
    import ast
    import re

    from pytest_llmexec.strategies.templating import builtin_dir

    text = (builtin_dir() / name).read_text(encoding="utf-8")
    assert "f(" not in text.replace("{{function}}", "")  # nothing a CRUXEval row could copy
    examples = re.findall(
        r"\{\{fence\}\}python\n(def (?:.|\n)*?)\{\{fence\}\}\nReturned value: (.*)\n"
        r"(?:Reasoning: .*\n)?Reply: \[\{\{tag\}\}\](.*)\[/\{\{tag\}\}\]",
        text,
    )
    assert len(examples) == 2
    for code, value, call in examples:
        namespace: dict[str, object] = {}
        exec(code, namespace)  # the template's own example, not model output
        assert eval(call, namespace) == ast.literal_eval(value), call


def test_a_template_folder_needs_the_input_templates(pytester: pytest.Pytester) -> None:
    from pytest_llmexec.strategies.templating import builtin_dir

    folder = pytester.path / "prompts"
    folder.mkdir()
    (folder / "vp.txt").write_text((builtin_dir() / "vp.txt").read_text())
    write_jsonl(pytester.path / "crux.jsonl", rows()[:1])
    args = ["crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "--llm-templates=prompts"]
    pytester.runpytest(*args).assert_outcomes(passed=1)
    result = pytester.runpytest(*args, "--llm-task=output,input")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no vp_input.txt (the VP input-prediction prompt)*"])
