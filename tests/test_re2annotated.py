"""RE2-Bench's loop and branch tasks (``re2loop``, ``re2branch``) through
`pytest -p llmexec`: ids, markers, the oracle, replay of raw replies scored by
RE2-Bench's rule, and the refusals; and the ported rule on its own.

The checkout is our own, in RE2-Bench's shape (tests/re2annotated_fixture.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import re2annotated_fixture as ax
import re2bench_fixture as fx
from helpers import read_report

from pytest_llmexec.datasets.model import Snippet
from pytest_llmexec.tasks import TASKS
from pytest_llmexec.tasks.re2annotated import AnnotatedTask
from pytest_llmexec.tasks.re2branch import compare_branch, parse_branch
from pytest_llmexec.tasks.re2loop import compare_loop, parse_loop, read_ground_truth

DATASET = "checkout/dataset/re2-bench"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "re2bench_agreement.py"
N_PROBLEMS = {task: len(problems) for task, problems in ax.PROBLEMS.items()}


@pytest.fixture
def checkout(pytester: pytest.Pytester) -> Path:
    return fx.build(pytester.path / "checkout")


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(DATASET, "-p", "llmexec", "--strict-markers", *args)


def test_ids_and_markers_name_the_task_apart_from_our_branch_task(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    result = _run(
        pytester,
        "--llm-model=oracle",
        "--llm-strategy=vp,cot",
        "--llm-task=output,re2loop,re2branch",
        "--collect-only",
        "-q",
    )
    ids = [line for line in result.outlines if "::" in line]
    assert f"{DATASET}::sample_9[oracle-cot-re2loop-i0]" in ids
    assert f"{DATASET}::sample_9[oracle-cot-re2branch-i0]" in ids
    # RE2-Bench publishes its loop and branch prompts with CoT only: no vp test of them
    assert not any("vp-re2" in i for i in ids)
    assert len(ids) == 2 * len(fx.PROBLEMS) + sum(N_PROBLEMS.values())
    picked = _run(
        pytester, "--llm-model=oracle", "--llm-strategy=cot", "--llm-task=re2branch",
        "--collect-only", "-q",
        "-m", "re2branch and difficult and real",
    )  # fmt: skip
    chosen = [line for line in picked.outlines if "::" in line]
    assert chosen == [f"{DATASET}::repo@@src_gate.py@@open_L9[oracle-cot-re2branch-i0]"]
    # our per-line branch task asks nothing of RE2-Bench, and selects none of its tests
    ours = _run(pytester, "--llm-model=oracle", "--llm-task=branch", "--collect-only", "-q")
    assert not [line for line in ours.outlines if "::" in line]


@pytest.mark.parametrize("workers", ["0", pytest.param("2", marks=pytest.mark.slow)])
def test_oracle_scores_every_loop_and_branch_problem(
    pytester: pytest.Pytester, checkout: Path, workers: str
) -> None:
    result = _run(
        pytester,
        "--llm-model=oracle",
        "--llm-strategy=cot",
        "--llm-task=re2loop,re2branch",
        "--llm-report=report.json",
        "-n",
        workers,
    )
    result.assert_outcomes(passed=sum(N_PROBLEMS.values()))
    report = read_report(pytester)
    assert {c["verdict"] for c in report["cases"]} == {"correct"}
    assert {(c["rs"], c["partial_rs"]) for c in report["cases"]} == {(1, 1.0)}
    runs = report["summary"]["re2bench"]["runs"]
    assert set(runs) == {"oracle/cot/re2loop", "oracle/cot/re2branch"}
    case = next(
        c for c in report["cases"] if c["nodeid"].endswith("HumanEval_8[oracle-cot-re2loop-i0]")
    )
    # RE2-Bench's own prompt file was asked; the truth keeps the tracer's line numbers
    assert "## [STATE]j=??[/STATE]" in case["conversation"][0]["content"]
    assert case["template_hash"] == "re2bench:loop_prediction"
    assert '"6": {"j": [0, 1]}' in case["expected"]
    assert case["benchmark"] == "HumanEval" and case["category"] == "humaneval"


@pytest.mark.parametrize("task", ax.TASKS)
@pytest.mark.parametrize("workers", ["0", pytest.param("2", marks=pytest.mark.slow)])
def test_replay_of_raw_replies_gives_the_rule_s_rs_and_partial_rs(
    pytester: pytest.Pytester, checkout: Path, task: str, workers: str
) -> None:
    replies = checkout / "results" / f"{ax.FOLDER[task]}_prediction" / ax.MODEL
    result = _run(
        pytester,
        "--llm-model=replay",
        f"--llm-replay={task}={replies}",
        "--llm-strategy=cot",
        f"--llm-task={task}",
        "--llm-report=report.json",
        "-n",
        workers,
    )
    right = sum(v[0] for v in ax.VERDICTS[task].values())
    result.assert_outcomes(passed=right, failed=N_PROBLEMS[task] - right)
    cases = {c["problem_id"]: c for c in read_report(pytester)["cases"]}
    assert set(cases) == set(ax.VERDICTS[task])
    for pid, (rs, partial, verdict) in ax.VERDICTS[task].items():
        assert (cases[pid]["rs"], cases[pid]["partial_rs"], cases[pid]["verdict"]) == (
            rs,
            pytest.approx(partial),
            verdict,
        ), pid
    result.stdout.fnmatch_lines([f"*replay/cot/{task}  rs {right}/{N_PROBLEMS[task]}*"])


def test_refusals_name_what_to_do(pytester: pytest.Pytester, checkout: Path) -> None:
    vp = _run(pytester, "--llm-model=oracle", "--llm-strategy=vp", "--llm-task=re2loop")
    assert vp.ret == pytest.ExitCode.USAGE_ERROR
    vp.stderr.fnmatch_lines(["*--llm-task=re2loop: RE2-Bench asks it with its own cot prompt*"])
    ours = _run(
        pytester,
        "--llm-model=oracle",
        "--llm-strategy=cot",
        "--llm-task=re2branch",
        "--llm-re2bench-prompts=ours",
    )
    ours.stdout.fnmatch_lines(["*re2branch task is asked with its own prompt only*use re2*"])


def test_a_problem_without_its_truth_fails_alone(pytester: pytest.Pytester, checkout: Path) -> None:
    (checkout / "dataset/re2-bench/loop/easy/HumanEval_8.json").unlink()
    result = _run(pytester, "--llm-model=oracle", "--llm-strategy=cot", "--llm-task=re2loop")
    result.assert_outcomes(passed=N_PROBLEMS["re2loop"] - 1, failed=1)
    result.stdout.fnmatch_lines(["*loop/easy/HumanEval_8.json*no such file*"])


# --------------------------------------------------------------------------- the rule alone


def test_loop_rule_reads_states_by_the_line_number_written() -> None:
    reply = "[ANSWER]\n7 for a in b: ## [STATE]a=[1, 2][/STATE] [STATE]b=oops[/STATE]\n"
    prediction = parse_loop(reply)
    assert prediction == {"7": {"a": [1, 2], "b": "oops"}}  # unreadable: kept as a string
    assert compare_loop(prediction, {"7": {"a": [1, 2]}}) == (1, 1.0)
    assert compare_loop(prediction, {"7": {"a": [1, 2]}, "9": {"c": [0]}}) == (0, 0.5)
    assert compare_loop({}, {}) == (1, 1.0)
    # plain ==, as upstream: 1.0 and True are 1
    assert compare_loop({"7": {"a": [1.0, True]}}, {"7": {"a": [1, 1]}}) == (1, 1.0)
    truth = read_ground_truth(
        {"loops": {"x": {"line": 3, "iterations": [
            {"loop_variables": {"i": 0}, "control_variable": {"name": "r", "value": None}},
            {"loop_variables": {"i": 1}, "control_variable": {"name": "r", "value": [0, 1]}},
        ]}}}
    )  # fmt: skip
    assert truth == {"3": {"i": [0, 1], "r": [None, [0, 1]]}}


def test_branch_rule_reads_only_lines_that_start_with_their_number() -> None:
    reply = (
        "before [ANSWER]\n4 if a: ## [BRANCH]taken=[Y, 'N', x][/BRANCH]\n"
        " 6 if b: ## [BRANCH]taken=[Y][/BRANCH]\n8 if c: ## [BRANCH]taken=[][/BRANCH]\n"
        "[/ANSWER]\n[ANSWER]\n9 if d: ## [BRANCH]taken=[Y][/BRANCH]\n[/ANSWER]"
    )
    prediction = parse_branch(reply)
    assert prediction == {"4": [True, False]}  # the first block only
    assert compare_branch(prediction, {"4": [True, False], "6": [True]}) == (0, 0.5)
    assert compare_branch({}, {}) == (1, 1.0)


def test_the_tasks_are_registered_and_ask_no_snippet_of_another_format() -> None:
    snippet = Snippet(
        id="s", code="def f(x):\n    return x\n", entry="f", category="c", path=Path("s.yaml"),
        inputs=("1",), input_ids=("i0",), recorded_outputs=(None,),
    )  # fmt: skip
    case = snippet.cases()[0]
    for name in ax.TASKS:
        task = TASKS[name]
        assert isinstance(task, AnnotatedTask) and task.name == name
        assert task.re2bench_strategies == ("cot",)
        assert not task.applies(case)
    assert getattr(TASKS["branch"], "re2bench_strategies", None) is None


@pytest.mark.slow  # two pytester runs of the script
def test_agreement_script_prints_the_loop_and_branch_figures(checkout: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(checkout), "--models", ax.MODEL, "--tasks",
         "re2loop,re2branch"],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {
        line.split()[1]: line for line in done.stdout.splitlines() if line.startswith(ax.MODEL)
    }
    for task, verdicts in ax.VERDICTS.items():
        rs = sum(v[0] for v in verdicts.values()) / len(verdicts)
        partial = sum(v[1] for v in verdicts.values()) / len(verdicts)
        assert (
            f"scored    {len(verdicts)}  error 0  rs {rs:.3f}  partial_rs {partial:.3f}"
            in (lines[task])
        )
        assert "no published verdicts" in lines[task]


@pytest.mark.parametrize("workers", ["0", pytest.param("2", marks=pytest.mark.slow)])
def test_checkout_named_by_option_runs_every_task(
    pytester: pytest.Pytester, checkout: Path, workers: str
) -> None:
    """As a user names it: ``--llm-re2bench=PATH`` (no path argument), all four tasks."""
    result = pytester.runpytest_subprocess(
        "-p",
        "llmexec",
        "--llm-re2bench=checkout",
        "--llm-model=oracle",
        "--llm-strategy=cot",
        "--llm-task=output,input,re2loop,re2branch",
        "--strict-markers",
        "--llm-report=report.json",
        "-n",
        workers,
    )
    result.assert_outcomes(passed=2 * len(fx.PROBLEMS) + sum(N_PROBLEMS.values()))
    by_task = read_report(pytester)["summary"]["re2bench"]["runs"]
    # output prediction's run key has no task part, as elsewhere
    assert set(by_task) == {"oracle/cot", *(f"oracle/cot/{t}" for t in ("input", *ax.TASKS))}
    result.stdout.fnmatch_lines(["*oracle/cot/re2loop *rs 4/4*"])
    result.stdout.fnmatch_lines(["*oracle/cot/re2branch *rs 3/3*"])
    # cot asks RE2-Bench's loop and branch tasks: the header does not say otherwise
    result.stdout.no_fnmatch_line("*does not ask re2*")
