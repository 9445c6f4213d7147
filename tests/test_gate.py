"""Pairing a run with its baseline and the gate's decision, on records built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_llmexec.gate.baseline import Baseline, Selection
from pytest_llmexec.gate.decide import compare, decide
from pytest_llmexec.report.gate import render
from pytest_llmexec.report.records import record_of

SELECTION = Selection(paths=(".",), models=("m",), strategies=("vp",))


def rec(
    i: int,
    right: bool,
    *,
    category: str = "math",
    model: str = "m",
    samples: tuple[int, int] = (1, -1),
    **extra: Any,
) -> dict[str, Any]:
    n, c = samples
    if c < 0:
        c = int(right) * n
    return record_of(
        {
            "nodeid": f"b.yaml::s[{model}-vp-i{i}]",
            "snippet": "s",
            "model": model,
            "strategy": "vp",
            "category": category,
            "verdict": "correct" if right else "wrong",
            "expected": str(i),
            "predicted": str(i) if right else str(-i),
            "template_hash": "t1",
            "truth_status": "ok",
            "n_samples": n,
            "n_correct": c,
            "model_ids": ["m-1"],
            **extra,
        }
    )


def runs(before: list[bool], now: list[bool]) -> tuple[Baseline, list[dict[str, Any]]]:
    return (
        Baseline.from_records([rec(i, r) for i, r in enumerate(before)]),
        [rec(i, r) for i, r in enumerate(now)],
    )


def gate(
    before: list[bool], now: list[bool], *, tolerance: float = 2.0, fail_under: float | None = None
) -> Any:
    baseline, records = runs(before, now)
    comparison = compare(baseline, records, SELECTION, 0.05)
    return decide(records, comparison, tolerance=tolerance, alpha=0.05, fail_under=fail_under)


def test_unchanged_run_holds() -> None:
    result = gate([True] * 30 + [False] * 5, [True] * 30 + [False] * 5)
    assert result.passed
    (stratum,) = result.comparison.runs
    assert (stratum.n, stratum.both, stratum.neither) == (35, 30, 5)
    assert stratum.p == 1.0 and stratum.delta == 0.0


def test_flips_both_ways_hold() -> None:
    before = [True] * 30 + [False] * 10
    now = list(before)
    for i in (0, 1, 2):
        now[i] = False
    for i in (30, 31):
        now[i] = True
    result = gate(before, now)
    assert result.passed
    comparison = result.comparison
    assert len(comparison.right_to_wrong) == 3 and len(comparison.wrong_to_right) == 2
    (stratum,) = comparison.runs
    assert stratum.delta == pytest.approx(-1 / 40)
    assert stratum.p == 1.0


def test_real_regression_fails_and_names_the_flips() -> None:
    before = [True] * 40
    now = [False] * 10 + [True] * 30
    result = gate(before, now)
    assert not result.passed
    assert "m/vp: accuracy dropped 25.0 points" in result.failures[0]
    assert "10 right->wrong vs 0 wrong->right" in result.failures[0]
    lines = render(result, Baseline.from_records([rec(i, True) for i in range(40)]))
    text = "\n".join(lines)
    assert "gate FAILED:" in text
    assert "right -> wrong (10):" in text
    assert "b.yaml::s[m-vp-i0]: expected 0; was 0, now 0" in text  # -0 prints as 0
    assert "b.yaml::s[m-vp-i9]: expected 9; was 9, now -9" in text


def test_significant_drop_smaller_than_the_tolerance_holds() -> None:
    before = [True] * 1000
    now = [False] * 15 + [True] * 985  # p < 0.001 but only 1.5 points
    assert gate(before, now).passed
    assert not gate(before, now, tolerance=1.0).passed


def test_large_drop_that_is_not_significant_holds() -> None:
    before = [True] * 10
    now = [False] * 3 + [True] * 7  # 30 points, but 3 flips: p = 0.25
    result = gate(before, now)
    assert result.passed
    assert result.comparison.runs[0].p == pytest.approx(0.25)


def test_fail_under_is_absolute() -> None:
    result = gate([True] * 8 + [False] * 2, [True] * 8 + [False] * 2, fail_under=90)
    assert not result.passed
    assert result.failures == ["m/vp: accuracy 80.0% is below --llm-fail-under=90%"]
    assert gate([True] * 9 + [False], [True] * 9 + [False], fail_under=90).passed


def test_holm_is_applied_across_model_strategy_strata() -> None:
    baseline = Baseline.from_records(
        [rec(i, True, model=m) for m in ("a", "b", "c") for i in range(12)]
    )
    records = [rec(i, i >= 6, model="a") for i in range(12)]  # 6 flips: raw p = 0.031
    records += [rec(i, True, model=m) for m in ("b", "c") for i in range(12)]
    selection = Selection((".",), ("a", "b", "c"), ("vp",))
    comparison = compare(baseline, records, selection, 0.05)
    a = comparison.runs[0]
    assert a.p == pytest.approx(2 / 64)
    assert a.p_holm == pytest.approx(3 * 2 / 64)  # the smallest of three p-values, times 3
    assert decide(records, comparison, tolerance=2, alpha=0.05, fail_under=None).passed
    assert not decide(records, comparison, tolerance=2, alpha=0.1, fail_under=None).passed


def test_categories_are_strata_of_their_own() -> None:
    baseline = Baseline.from_records(
        [rec(i, True, category="dp" if i < 10 else "array") for i in range(20)]
    )
    records = [rec(i, i >= 8, category="dp" if i < 10 else "array") for i in range(20)]
    comparison = compare(baseline, records, SELECTION, 0.05)
    by = {s.category: s for s in comparison.categories}
    assert by["dp"].right_to_wrong == 8 and by["array"].right_to_wrong == 0
    assert by["dp"].p_holm == pytest.approx(min(1.0, 2 * by["dp"].p))


def test_unstable_cases_are_listed_not_counted() -> None:
    baseline = Baseline.from_records([rec(i, True, samples=(5, 5)) for i in range(12)])
    records = [rec(i, False, samples=(5, 2)) for i in range(8)]  # samples disagree
    records += [rec(i, True, samples=(5, 5)) for i in range(8, 12)]
    comparison = compare(baseline, records, SELECTION, 0.05)
    (stratum,) = comparison.runs
    assert stratum.unstable == 8 and stratum.n == 4 and stratum.right_to_wrong == 0
    assert len(comparison.unstable) == 8 and not comparison.right_to_wrong
    samples = stratum.samples_json()
    assert samples is not None
    assert samples["before"]["pass_all_k"] == 1.0
    assert samples["now"]["pass_all_k"] == pytest.approx(4 / 12)
    assert samples["now"]["sample_flip_rate"] == pytest.approx(8 * (2 * 2 * 3 / 20) / 12)
    assert decide(records, comparison, tolerance=2, alpha=0.05, fail_under=None).passed
    assert "unstable: samples disagree, not counted as flips (8):" in "\n".join(
        render(decide(records, comparison, tolerance=2, alpha=0.05, fail_under=None), baseline)
    )


def test_added_removed_outside_selection_and_unscored() -> None:
    baseline = Baseline.from_records(
        [
            rec(0, True),
            rec(1, True),
            rec(2, True, truth_status="nondeterministic"),
            rec(0, True, model="other"),
        ]
    )
    records = [rec(0, True), rec(2, True), rec(5, False)]
    comparison = compare(baseline, records, SELECTION, 0.05)
    assert [k[0] for k in comparison.added] == ["b.yaml::s[m-vp-i5]"]
    assert [k[0] for k in comparison.removed] == ["b.yaml::s[m-vp-i1]"]
    assert comparison.not_selected == 1  # model "other" was not run
    assert comparison.not_scored == 1
    assert comparison.runs[0].n == 1


def test_changes_name_templates_and_model_ids() -> None:
    baseline = Baseline.from_records([rec(0, True)])
    records = [rec(0, True, template_hash="t2", model_ids=["m-2"])]
    comparison = compare(baseline, records, SELECTION, 0.05)
    assert comparison.changes == ["template of vp: t1 -> t2", "model id of m: m-1 -> m-2"]


def test_errors_count_as_not_correct() -> None:
    baseline = Baseline.from_records([rec(i, True) for i in range(12)])
    records = [dict(rec(i, False), verdict="error", predicted=None) for i in range(12)]
    comparison = compare(baseline, records, SELECTION, 0.05)
    result = decide(records, comparison, tolerance=2, alpha=0.05, fail_under=None)
    assert not result.passed
    assert comparison.runs[0].errors == 12
    text = "\n".join(render(result, baseline))
    assert "12 paired case(s) ended in error in this run; they count as not correct" in text
    assert "was 0, now (error)" in text


def test_json_shape() -> None:
    result = gate([True] * 12, [False] * 7 + [True] * 5)
    data = result.to_json()
    assert data["passed"] is False
    run = data["comparison"]["runs"]["m/vp"]
    assert (run["right_to_wrong"], run["wrong_to_right"], run["n"]) == (7, 0, 12)
    assert run["delta"] == pytest.approx(-7 / 12)
    assert run["delta_interval"][0] < run["delta"] < run["delta_interval"][1]
    assert data["comparison"]["right_to_wrong"][0]["now"] == {"verdict": "wrong", "predicted": "0"}


def test_a_model_strategy_absent_from_the_baseline_fails_rather_than_passing_unseen() -> None:
    baseline = Baseline.from_records([rec(i, True) for i in range(5)])
    records = [rec(i, True) for i in range(5)] + [rec(i, True, model="new") for i in range(5)]
    selection = Selection((".",), ("m", "new"), ("vp",))
    comparison = compare(baseline, records, selection, 0.05)
    result = decide(records, comparison, tolerance=2, alpha=0.05, fail_under=None)
    assert result.failures == [
        "new/vp: none of its cases is in the baseline, so nothing was compared; accept its "
        "results with --llm-update-baseline"
    ]
    assert comparison.changes == ["new/vp: not in the baseline (nothing to compare)"]
