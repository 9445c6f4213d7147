"""``--llm-re2bench-prompts=ours`` for input prediction, through `pytest -p llmexec`:
our own templates ask for RE2-Bench's input structure as a dict literal, and the
answer is scored by RE2-Bench's rule (the false-negative check in the sandbox).

The checkout is our own, in RE2-Bench's shape (tests/re2bench_fixture.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import re2bench_fixture as fx
from helpers import read_report, write_json

DATASET = "checkout/dataset/re2-bench"
OURS = ("--llm-re2bench-prompts=ours", "--llm-task=input", "--strict-markers")


@pytest.fixture
def checkout(pytester: pytest.Pytester) -> Path:
    return fx.build(pytester.path / "checkout")


def _cases(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    return {c["nodeid"].split("::")[1]: c for c in read_report(pytester)["cases"]}


@pytest.mark.parametrize("workers", ["0", pytest.param("2", marks=pytest.mark.slow)])
def test_oracle_answers_our_input_templates_on_every_problem(
    pytester: pytest.Pytester, checkout: Path, workers: str
) -> None:
    result = pytester.runpytest_subprocess(
        DATASET,
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-strategy=vp,cot",
        *OURS,
        "--llm-report=report.json",
        "-n",
        workers,
    )
    # every problem but the repository one, whose stored input the oracle answers: rs 1
    result.assert_outcomes(passed=2 * len(fx.PROBLEMS))
    cases = _cases(pytester)
    asked = cases["ClassEval_3@Counter.bump[oracle-cot-input-i1]"]
    question = asked["conversation"][0]["content"]
    # our template: the shape to fill (names, never values), the output, the code
    assert "{'self': {'count': ...}, 'args': {'step': ...}, 'kwargs': {}}" in question
    assert "Think step by step" in question and "self.count += step" in question
    assert "Structure" not in question and "[STRUCTURE]" not in question
    assert (
        asked["template_hash"]
        != cases["ClassEval_3@Counter.bump[oracle-vp-input-i1]"]["template_hash"]
    )
    assert not asked["template_hash"].startswith("re2bench:")
    stdin = cases["atcoder_ABC001_A[oracle-vp-input-i1]"]["conversation"][0]["content"]
    assert "{'input': ...}" in stdin and "The run is of the program." in stdin


#: replies in our templates' form, and the verdicts RE2-Bench's rule gives them
REPLIES: dict[str, tuple[str, str, int | None, bool | None]] = {
    # another input with the same output: the false-negative check (in the sandbox) says 1
    "sample_1": ("[ANSWER]{'self': {}, 'args': {'nums': (3, 3, 1)}, 'kwargs': {}}[/ANSWER]",
                 "correct", 1, True),
    # a list, not the dict asked for: scored as {} (the check's run of f() fails)
    "sample_2": ("[ANSWER][1, 2, 2][/ANSWER]", "wrong", 0, False),
    "HumanEval_7": ("[ANSWER]{'self': {}, 'args': {'a': 1, 'b': 4}, 'kwargs': {}}[/ANSWER]",
                    "correct", 1, True),
    "ClassEval_3@Counter.bump": (
        "[ANSWER]{'self': {'count': 2}, 'args': {'step': 3}, 'kwargs': {}}[/ANSWER]",
        "correct", 1, False),
    # the stored stdin itself, in our {'input': ...} form: right
    "atcoder_ABC001_A": ("[ANSWER]{'input': '3 4'}[/ANSWER]", "correct", 1, None),
    "proj__proj-1@@pkg.mod.py@@scale": (
        "[ANSWER]{'self': {'factor': 2}, 'args': {'x': [1, 2]}, 'kwargs': {}}[/ANSWER]",
        "correct", 1, False),
    # wrong by comparison; its false-negative check needs the project: an error
    "repo@@src_mod.py@@merge_L10": (
        "[ANSWER]{'self': {}, 'args': {'a': {'k': 1}, 'b': {}}, 'kwargs': {}}[/ANSWER]",
        "error", None, None),
}  # fmt: skip


def test_replayed_answers_in_our_form_are_scored_by_the_rule(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    generations = write_json(pytester, "gen.json", {k: [v[0]] for k, v in REPLIES.items()})
    pytester.runpytest_subprocess(
        DATASET,
        "-p",
        "llmexec",
        "--llm-model=replay",
        f"--llm-replay=input={generations}",
        "--llm-strategy=vp",
        *OURS,
        "--llm-report=report.json",
        "-n",
        "0",
    )
    cases = {c["problem_id"]: c for c in read_report(pytester)["cases"]}
    for pid, (_, verdict, rs, fn) in REPLIES.items():
        case = cases[pid]
        assert (case["verdict"], case["rs"]) == (verdict, rs), (pid, case)
        if fn is not None:
            assert case["is_fn"] is fn, pid
    assert "not the dict asked for" in cases["sample_2"]["samples"][0]["problem"]


def test_re2_prompts_keep_upstream_scoring_of_the_exact_stdin_in_its_own_structure(
    pytester: pytest.Pytester, checkout: Path
) -> None:
    """RE2-Bench's own rule: ``{"input": <the stored stdin>}`` compares unequal to the stored
    text, and its false-negative check wants an input other than the stored one: rs 0.
    Kept for its own prompts (the published verdicts do the same)."""
    summary = checkout / "results" / "summary" / "exact.jsonl"
    summary.write_text(
        '{"prediction": {"input": "3 4"}, "problem_id": "atcoder_ABC001_A", '
        '"difficulty": "easy"}\n',
        encoding="utf-8",
    )
    pytester.runpytest_subprocess(
        DATASET,
        "-p",
        "llmexec",
        "--llm-model=replay",
        f"--llm-replay=input={summary}",
        "--llm-strategy=cot",
        "--llm-task=input",
        "--llm-report=report.json",
        "-k",
        "atcoder",
    )
    (case,) = read_report(pytester)["cases"]
    assert (case["verdict"], case["rs"], case["is_fn"]) == ("wrong", 0, False)
