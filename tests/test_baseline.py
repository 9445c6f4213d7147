"""The baseline file: reading, writing, and the rule that an update never loses a case silently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.gate.baseline import (
    FORMAT,
    Baseline,
    BaselineError,
    Selection,
    ci_is_set,
    narrowed_by,
    plan_update,
    relative_path,
)
from pytest_llmexec.report.json_report import write_atomic
from pytest_llmexec.report.records import CaseRecord, record_of


def record(
    nodeid: str, verdict: str = "correct", model: str = "m", strategy: str = "vp", **extra: Any
) -> CaseRecord:
    """A record as the plugin has it (`records.record_of` completes what is not given)."""
    return record_of(
        {
            "nodeid": nodeid,
            "model": model,
            "strategy": strategy,
            "snippet": "s",
            "category": "math",
            "verdict": verdict,
            "expected": "1",
            "predicted": "1" if verdict == "correct" else "2",
            "template_hash": "abc",
            "truth_status": "ok",
            "n_samples": 1,
            "n_correct": int(verdict == "correct"),
            "model_ids": ["m-2024"],
            "conversation": [{"role": "user", "content": "long"}],
            **extra,
        }
    )


FULL = Selection(paths=("bench",), models=("m",), strategies=("vp",))


def test_round_trip_keeps_what_pairing_needs_and_drops_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    records = [record("bench/a.yaml::x[m-vp-i0]"), record("bench/a.yaml::x[m-vp-i1]", "wrong")]
    write_atomic(path, Baseline.from_records(records, command="pytest bench").to_json())
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT
    assert data["summary"]["m/vp"]["correct"] == 1
    assert data["templates"] == {"vp": ["abc"]}
    assert data["model_ids"] == {"m": ["m-2024"]}
    assert "conversation" not in data["cases"][0]
    loaded = Baseline.load(path)
    assert set(loaded.cases) == {
        ("bench/a.yaml::x[m-vp-i0]", "m", "vp"),
        ("bench/a.yaml::x[m-vp-i1]", "m", "vp"),
    }
    assert loaded.cases[("bench/a.yaml::x[m-vp-i1]", "m", "vp")]["predicted"] == "2"
    assert loaded.command == "pytest bench"


def test_samples_keep_their_verdicts() -> None:
    samples = [{"verdict": "correct"}, {"verdict": "wrong"}, {"verdict": "correct"}]
    entry = Baseline.from_records(
        [record("a.yaml::x", n_samples=3, n_correct=2, samples=samples)]
    ).cases[("a.yaml::x", "m", "vp")]
    assert entry["sample_verdicts"] == ["correct", "wrong", "correct"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "b.json:1: invalid JSON in the baseline"),
        ('{"cases": []}', "not a pytest-llmexec baseline file"),
        (json.dumps({"format": FORMAT, "version": 99}), "baseline version 99"),
        (
            json.dumps({"format": FORMAT, "version": 1, "cases": [{"nodeid": "x"}]}),
            "case 0 needs string fields nodeid, model, strategy and verdict",
        ),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(BaselineError) as info:
        Baseline.load(path)
    assert message in str(info.value)
    assert str(path.name) in str(info.value)


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="--llm-update-baseline"):
        Baseline.load(tmp_path / "nope.json")


def test_selection_covers_by_path_prefix_model_and_strategy() -> None:
    assert FULL.covers(("bench/a.yaml::x[m-vp-i0]", "m", "vp"))
    assert FULL.covers(("bench/sub/a.yaml::x", "m", "vp"))
    assert not FULL.covers(("bench2/a.yaml::x", "m", "vp"))  # a sibling, not a child
    assert not FULL.covers(("bench/a.yaml::x", "other", "vp"))
    assert not FULL.covers(("bench/a.yaml::x", "m", "cot"))
    assert Selection((".",), ("m",), ("vp",)).covers(("anything.yaml::x", "m", "vp"))
    assert Selection(("bench/a.yaml",), ("m",), ("vp",)).covers(("bench/a.yaml::x", "m", "vp"))
    partial = Selection(("bench",), ("m",), ("vp",), filters=("-k x",))
    assert not partial.covers(("bench/a.yaml::x", "m", "vp"))


def test_narrowed_by_is_the_one_rule_for_a_partial_selection() -> None:
    full = narrowed_by([], shard=None, deselected=0, unfinished=0)
    assert full == ()  # also a run that stopped (-x) after its last test ran
    assert narrowed_by([], shard=None, deselected=3, unfinished=0) == ("3 deselected",)
    # -k already says why tests were deselected; the shard's own are not counted
    assert narrowed_by(["-k x"], shard="1/2", deselected=3, unfinished=2) == (
        "-k x",
        "shard 1/2",
        "stopped early (2 tests did not run)",
    )
    assert narrowed_by([], shard="2/4", deselected=1, unfinished=0) == (
        "shard 2/4",
        "1 deselected",
    )


def test_relative_path(tmp_path: Path) -> None:
    assert relative_path(tmp_path / "bench", tmp_path) == "bench"
    assert relative_path(tmp_path, tmp_path) == "."


def old_baseline() -> Baseline:
    return Baseline.from_records(
        [
            record("bench/a.yaml::x[m-vp-i0]"),
            record("bench/a.yaml::gone[m-vp-i0]"),
            record("other/b.yaml::y[m-vp-i0]"),
            record("bench/a.yaml::x[m2-vp-i0]", model="m2"),
        ]
    )


def test_full_run_drops_only_cases_it_would_have_run() -> None:
    plan = plan_update(
        old_baseline(),
        [record("bench/a.yaml::x[m-vp-i0]", "wrong"), record("bench/a.yaml::new[m-vp-i0]")],
        FULL,
        ci=False,
        force=False,
    )
    assert plan.refused is None and plan.baseline is not None
    assert plan.dropped == [("bench/a.yaml::gone[m-vp-i0]", "m", "vp")]
    assert plan.added == [("bench/a.yaml::new[m-vp-i0]", "m", "vp")]
    assert plan.changed == [("bench/a.yaml::x[m-vp-i0]", "m", "vp")]
    assert plan.kept == 2  # another path and another model: not covered by this run
    assert set(plan.baseline.cases) == {
        ("bench/a.yaml::x[m-vp-i0]", "m", "vp"),
        ("bench/a.yaml::new[m-vp-i0]", "m", "vp"),
        ("other/b.yaml::y[m-vp-i0]", "m", "vp"),
        ("bench/a.yaml::x[m2-vp-i0]", "m2", "vp"),
    }
    assert plan.baseline.cases[("bench/a.yaml::x[m-vp-i0]", "m", "vp")]["verdict"] == "wrong"


def test_partial_run_merges_and_keeps_everything_else() -> None:
    partial = Selection(("bench",), ("m",), ("vp",), filters=("-k x",))
    plan = plan_update(
        old_baseline(),
        [record("bench/a.yaml::x[m-vp-i0]", "wrong")],
        partial,
        ci=False,
        force=False,
    )
    assert plan.refused is None and plan.baseline is not None and plan.merged
    assert plan.dropped == []
    assert len(plan.baseline.cases) == 4
    assert plan.baseline.cases[("bench/a.yaml::x[m-vp-i0]", "m", "vp")]["verdict"] == "wrong"


def test_partial_run_cannot_start_a_baseline_unless_forced() -> None:
    partial = Selection(("bench",), ("m",), ("vp",), filters=("-m vp",))
    plan = plan_update(None, [record("bench/a.yaml::x")], partial, ci=False, force=False)
    assert plan.baseline is None
    assert plan.refused is not None and "partial selection (-m vp)" in plan.refused
    assert (
        plan_update(None, [record("bench/a.yaml::x")], partial, ci=False, force=True).baseline
        is not None
    )


def test_ci_refuses_unless_forced_and_blockers_always_refuse() -> None:
    refused = plan_update(old_baseline(), [record("bench/a.yaml::x")], FULL, ci=True, force=False)
    assert refused.baseline is None and refused.refused is not None
    assert "CI is set" in refused.refused and "=force" in refused.refused
    assert (
        plan_update(old_baseline(), [record("bench/a.yaml::x")], FULL, ci=True, force=True).baseline
        is not None
    )
    blocked = plan_update(
        old_baseline(),
        [record("bench/a.yaml::x")],
        FULL,
        ci=False,
        force=True,
        blockers=["2 collection error(s)"],
    )
    assert blocked.baseline is None and blocked.refused == "2 collection error(s)"


def test_no_records_writes_nothing() -> None:
    plan = plan_update(old_baseline(), [], FULL, ci=False, force=False)
    assert plan.baseline is None and plan.refused


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        ("true", True),
        ("1", True),
        ("yes", True),
    ],
)
def test_ci_is_set(value: str | None, expected: bool) -> None:
    env = {} if value is None else {"CI": value}
    assert ci_is_set(env) is expected
