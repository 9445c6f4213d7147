"""RE2-Bench through `pytest -p llmexec`: a checkout read in place, ids, markers, oracle,
replay of published predictions scored by RE2-Bench's rule, and the agreement script.

The checkout is our own, in RE2-Bench's shape (tests/re2bench_fixture.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import re2bench_fixture as fx
from helpers import read_report

DATASET = "checkout/dataset/re2-bench"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "re2bench_agreement.py"


@pytest.fixture
def checkout(pytester: pytest.Pytester) -> Path:
    return fx.build(pytester.path / "checkout")


def test_ids_and_markers_follow_the_other_formats(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    result = pytester.runpytest_subprocess(
        DATASET,
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-strategy=vp,cot,iip",
        "--llm-task=output,input",
        "--collect-only",
        "-q",
        "--strict-markers",
    )
    ids = [line for line in result.outlines if "::" in line]
    assert f"{DATASET}::sample_1[oracle-vp-i1]" in ids
    assert f"{DATASET}::sample_1[oracle-cot-input-i1]" in ids
    # 7 problems x (vp, cot) x (output, input): iip does not ask RE2-Bench
    assert len(ids) == 28
    assert not any("iip" in i for i in ids)
    # the source benchmark and the difficulty are markers
    picked = pytester.runpytest_subprocess(
        DATASET,
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--collect-only",
        "-q",
        "--strict-markers",
        "-m",
        "re2bench and difficult and swebench",
    )
    chosen = [line for line in picked.outlines if "::" in line]
    assert chosen == [f"{DATASET}::proj__proj-1@@pkg.mod.py@@scale[oracle-vp-i1]"]


@pytest.mark.parametrize("workers", ["0", pytest.param("2", marks=pytest.mark.slow)])
def test_oracle_scores_every_problem_on_both_tasks(
    pytester: pytest.Pytester, checkout: Path, workers: str
) -> None:
    result = pytester.runpytest_subprocess(
        DATASET,
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-strategy=vp,cot",
        "--llm-task=output,input",
        "--llm-report=report.json",
        "-n",
        workers,
    )
    result.assert_outcomes(passed=28)
    report = read_report(pytester)
    assert {c["verdict"] for c in report["cases"]} == {"correct"}
    assert {c["rs"] for c in report["cases"]} == {1}
    assert {c["partial_rs"] for c in report["cases"]} == {1.0}
    by = report["summary"]["by"]
    assert set(by["difficulty"]) == {"easy", "difficult"}
    assert set(by["category"]) == {
        "cruxeval",
        "humaneval",
        "classeval",
        "avatar",
        "swebench",
        "real",
    }
    # the record holds what a model was asked: RE2-Bench's own prompt file
    case = next(c for c in report["cases"] if c["nodeid"].endswith("sample_1[oracle-cot-i1]"))
    assert "Think step by step" in case["conversation"][0]["content"]
    assert case["template_hash"] == "re2bench:output_prediction"


def _replay(pytester: pytest.Pytester, task: str, source: Path, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        DATASET,
        "-p",
        "llmexec",
        "--llm-model=replay",
        f"--llm-replay={task}={source}",
        "--llm-strategy=cot",
        f"--llm-task={task}",
        "--llm-report=report.json",
        *extra,
    )


@pytest.mark.parametrize("task", ["output", "input"])
@pytest.mark.parametrize("source", ["summary", "raw"])
def test_replay_gives_the_published_rs_partial_rs_and_is_fn(
    pytester: pytest.Pytester, checkout: Path, task: str, source: str
) -> None:
    if source == "summary":
        path = checkout / "results" / "summary" / f"{fx.MODEL}_{task}_prediction.jsonl"
    else:
        path = checkout / "results" / f"{task}_prediction" / fx.MODEL
    _replay(pytester, task, path, "-n", "0")
    cases = {c["problem_id"]: c for c in read_report(pytester)["cases"]}
    assert set(cases) == set(fx.PROBLEMS)
    for pid, (rs, partial, fn) in fx.VERDICTS[task].items():
        case = cases[pid]
        if pid == "repo@@src_mod.py@@merge_L10" and task == "input":
            # a repository problem's false-negative check needs its environment
            assert case["verdict"] == "error" and case["rs"] is None
            assert "environment" in case["error"]
            continue
        assert (case["rs"], case["partial_rs"], case["is_fn"]) == (rs, pytest.approx(partial), fn)
        assert case["verdict"] == ("correct" if rs == 1 else "wrong")


def test_the_summary_reports_partial_rs_and_counts_errors_apart(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    path = checkout / "results" / "summary" / f"{fx.MODEL}_input_prediction.jsonl"
    result = _replay(pytester, "input", path)
    result.stdout.fnmatch_lines(
        [
            "*RE2-Bench*",
            "*replay/cot/input  rs 4/6*partial_rs*error 1",
        ]
    )
    summary = read_report(pytester)["summary"]["re2bench"]
    run = summary["runs"]["replay/cot/input"]
    assert run["scored"] == 6 and run["errors"] == 1 and run["rs"] == 4
    expected = [v[1] for k, v in fx.VERDICTS["input"].items() if k != "repo@@src_mod.py@@merge_L10"]
    assert run["partial_rs"] == pytest.approx(sum(expected) / 6)
    assert set(summary["by"]["difficulty"]) == {"easy", "difficult"}


@pytest.mark.slow  # a long pytester run
def test_agreement_script_compares_every_row(checkout: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(checkout), "--models", fx.MODEL],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {
        line.split()[1]: line.split()
        for line in done.stdout.splitlines()
        if line.startswith(fx.MODEL)
    }
    # output: 7 of 7 rows agree; input: 6 of the 6 scored (1 needs its project: counted apart)
    assert lines["output"][2:5] == ["7/7", "7", "0"]
    assert lines["input"][2:5] == ["6/6", "6", "1"]
    assert lines["input"][5] == "5/5"  # every self-contained row, false negatives included


def test_a_problem_whose_files_are_missing_fails_alone(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    (checkout / "dataset/re2-bench/input-output/HumanEval/HumanEval_7.jsonl").unlink()
    result = pytester.runpytest_subprocess(DATASET, "-p", "llmexec", "--llm-model=oracle")
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(["*HumanEval_7.jsonl*no such file*"])


@pytest.mark.slow  # a long pytester run
def test_checkout_given_by_option_and_prompt_choices(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    pytester.makeini("[pytest]\nllm_re2bench = checkout\n")
    result = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-model=oracle", "--llm-strategy=cot", "--llm-re2bench-prompts=ours"
    )
    result.assert_outcomes(passed=7)
    bad = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-model=oracle", "--llm-re2bench-prompts=nohint"
    )
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--llm-re2bench-prompts=nohint: choose from re2, re2-nohint, ours*"])
    vp = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-model=oracle", "--llm-re2bench-prompts=re2-nohint"
    )
    vp.stdout.fnmatch_lines(["*publishes no prompt without the hint and without CoT*"])
    missing = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-model=oracle", "--llm-re2bench=nowhere"
    )
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*--llm-re2bench=nowhere: not an RE2-Bench checkout*"])


def test_without_a_model_the_dataset_is_one_clear_error(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    result = pytester.runpytest_subprocess(DATASET, "-p", "llmexec")
    result.stdout.fnmatch_lines(["*RE2-Bench's dataset but no model was given*"])
