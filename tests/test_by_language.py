"""Accuracy by language in the summary, the JSON report, the gate and the baseline.

Built on records made by hand, in the shape `CaseResult.to_json` gives them:
the same snippet id and input id in several languages, as the shipped suite's
translations and CRUXEval-X's files have them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.gate.baseline import Baseline, Selection, case_entry, key_of, plan_update
from pytest_llmexec.gate.decide import compare, decide
from pytest_llmexec.report import terminal
from pytest_llmexec.report.aggregate import summary
from pytest_llmexec.report.by_language import same_problems
from pytest_llmexec.report.gate import render
from pytest_llmexec.report.records import language, record_of

SELECTION = Selection(paths=(".",), models=("m",), strategies=("vp",))


def rec(
    snippet: str,
    i: int,
    lang: str = "python",
    right: bool = True,
    *,
    strategy: str = "vp",
    **extra: Any,
) -> dict[str, Any]:
    """A record as the plugin writes it; the id carries the language after the task part."""
    tag = "" if lang == "python" else f"{lang}-"
    record: dict[str, Any] = {
        "nodeid": f"b.yaml::{snippet}[m-{strategy}-{tag}i{i}]",
        "file": "b.yaml",
        "snippet": snippet,
        "input_id": f"i{i}",
        "model": "m",
        "strategy": strategy,
        "task": "output",
        "category": "math",
        "lines": 4,
        "verdict": "correct" if right else "wrong",
        "expected": str(i),
        "predicted": str(i) if right else "?",
        "truth_status": "ok",
        "n_samples": 1,
        "n_correct": int(right),
        "template_hash": f"t-{lang}",
        "language": lang,
    }
    record.update(extra)
    return record_of(record)


def suite(cpp_right: int = 3) -> list[dict[str, Any]]:
    """Python holds a0-a3 and b0; C++ holds a0-a3 (``cpp_right`` of them right); Java a0 and b0."""
    records = [rec("a", i) for i in range(4)] + [rec("b", 0, right=False)]
    records += [rec("a", i, "cpp", i < cpp_right) for i in range(4)]
    records += [rec("a", 0, "java"), rec("b", 0, "java", False)]
    return records


# --------------------------------------------------------------------------- records


def test_a_record_without_language_is_python() -> None:
    """A record from before languages (an old report, an old baseline) is read as Python."""
    bare = {"nodeid": "x", "snippet": "s", "model": "m", "strategy": "vp", "verdict": "wrong"}
    assert language(record_of(bare)) == "python"
    assert language(record_of({**bare, "language": None})) == "python"
    assert language(record_of({**bare, "language": "cpp"})) == "cpp"


# --------------------------------------------------------------------------- summary and JSON


def test_json_summary_per_language_and_per_run() -> None:
    data = summary(suite())
    assert list(data["languages"]) == ["python", "cpp", "java"]  # Python first, then by name
    cpp = data["languages"]["cpp"]
    assert (cpp["n"], cpp["correct"], cpp["accuracy"]) == (4, 3, 0.75)
    assert len(cpp["ci95"]) == 2 and cpp["ci95"][0] < 0.75 < cpp["ci95"][1]
    assert cpp["runs"]["m/vp"]["correct"] == 3
    run = data["runs"]["m/vp"]
    assert run["n"] == 11  # existing fields unchanged
    assert {k: v["n"] for k, v in run["languages"].items()} == {"python": 5, "cpp": 4, "java": 2}
    json.dumps(data)  # plain JSON


def test_same_problems_are_those_held_in_every_language() -> None:
    data = summary(suite())["same_problems"]
    assert data["languages"] == ["python", "cpp", "java"]
    shared = data["runs"]["m/vp"]
    assert shared["problems"] == 1  # a/i0 alone is in all three (b is not in C++)
    assert {k: (v["n"], v["correct"]) for k, v in shared["languages"].items()} == {
        "python": (1, 1),
        "cpp": (1, 1),
        "java": (1, 1),
    }
    assert data["overall"]["cpp"]["n"] == 1


def test_same_problems_skip_generated_inputs_and_name_ambiguous_ones() -> None:
    records = [rec("a", 0), rec("a", 0, "cpp"), rec("a", 1), rec("a", 1, "cpp")]
    records += [rec("g", 0, generated=True), rec("g", 0, "cpp", generated=True)]
    records.append(rec("a", 1, "cpp", file="other.yaml", nodeid="other.yaml::a[m-vp-cpp-i1]"))
    shared = same_problems(records)
    assert shared is not None
    run = shared.runs["m/vp"]
    assert (run.problems, run.ambiguous) == (1, 1)  # a/i0; a/i1 twice in C++; g generated


def test_runs_are_compared_apart() -> None:
    records = suite() + [rec("a", i, strategy="cot") for i in range(2)]
    data = summary(records)["same_problems"]["runs"]
    assert data["m/cot"]["problems"] == 0  # the cot run holds Python only
    assert data["m/vp"]["problems"] == 1


def test_python_only_summary_has_no_comparison_and_no_new_lines() -> None:
    old = [record_of({k: v for k, v in rec("a", i).items() if k != "language"}) for i in range(3)]
    data = summary(old)
    assert data["same_problems"] is None
    assert list(data["languages"]) == ["python"]
    lines = terminal.render(old)
    assert not any("language" in line for line in lines)
    assert lines == terminal.render([rec("a", i) for i in range(3)])


def test_terminal_tables() -> None:
    lines = terminal.render(suite())
    text = "\n".join(lines)
    start = lines.index("accuracy by language")
    assert lines[start + 1].split() == ["language", "m/vp"]
    assert lines[start + 2].split() == ["python", "4/5", "80.0%"]
    assert lines[start + 3].split() == ["cpp", "3/4", "75.0%"]
    assert lines[start + 4].split() == ["java", "1/2", "50.0%"]
    assert (
        "accuracy by language on the same problems (those each run holds in python, cpp, java)"
        in lines
    )
    same = lines.index(
        "accuracy by language on the same problems (those each run holds in python, cpp, java)"
    )
    assert lines[same + 2].split() == ["problems", "1"]
    assert lines[same + 4].split() == ["cpp", "1/1", "100.0%"]
    assert text.index("accuracy by language") < text.index("accuracy by category")


def test_terminal_says_when_no_problem_is_shared() -> None:
    lines = terminal.render([rec("a", 0), rec("z", 0, "cpp")])
    same = lines.index(
        "accuracy by language on the same problems (those each run holds in python, cpp)"
    )
    assert lines[same + 1] == (
        "  no problem (snippet id and declared input) is held in every language: "
        "the languages above are measured on different problems"
    )


# --------------------------------------------------------------------------- baseline


def test_pairing_key_adds_the_language_only_outside_python() -> None:
    assert key_of(rec("a", 0)) == ("b.yaml::a[m-vp-i0]", "m", "vp")
    old = record_of({k: v for k, v in rec("a", 0).items() if k != "language"})
    assert key_of(old) == key_of(rec("a", 0))  # a baseline from before languages pairs
    same_id = rec("a", 0, "cpp", nodeid="b.yaml::a[m-vp-i0]")
    assert key_of(same_id) == ("b.yaml::a[m-vp-i0]", "m", "vp", "cpp")  # never with Python's


def test_baseline_entries_keep_the_language_of_other_languages_only(tmp_path: Path) -> None:
    assert "language" not in case_entry(rec("a", 0))
    assert case_entry(rec("a", 0, "cpp"))["language"] == "cpp"
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(Baseline.from_records(suite()).to_json()))
    data = json.loads(path.read_text())
    assert data["languages"]["m/vp"]["cpp"]["correct"] == 3
    assert data["templates"] == {
        "vp": ["t-python"],
        "vp in cpp": ["t-cpp"],
        "vp in java": ["t-java"],
    }
    loaded = Baseline.load(path)
    assert set(loaded.cases) == {key_of(r) for r in suite()}


def test_python_baseline_has_no_language_section_and_an_update_changes_nothing() -> None:
    old = Baseline.from_records(
        [record_of({k: v for k, v in rec("a", i).items() if k != "language"}) for i in range(3)]
    )
    assert "languages" not in old.to_json()
    plan = plan_update(old, [rec("a", i) for i in range(3)], SELECTION, ci=False, force=False)
    assert plan.refused is None and plan.changed == [] and plan.added == []


def test_selection_covers_only_the_languages_run() -> None:
    selection = Selection((".",), ("m",), ("vp",), languages=("python",))
    assert selection.covers(key_of(rec("a", 0)))
    assert not selection.covers(key_of(rec("a", 0, "cpp")))
    assert SELECTION.covers(key_of(rec("a", 0, "cpp")))  # None: every language


def test_a_run_of_fewer_languages_keeps_the_others_in_the_baseline() -> None:
    old = Baseline.from_records(suite())
    selection = Selection((".",), ("m",), ("vp",), languages=("python",))
    plan = plan_update(
        old, [r for r in suite() if r["language"] == "python"], selection, ci=False, force=False
    )
    assert plan.dropped == [] and plan.kept == 6


# --------------------------------------------------------------------------- gate


def gate_of(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> Any:
    comparison = compare(Baseline.from_records(before), now, SELECTION, 0.05)
    return decide(now, comparison, tolerance=2.0, alpha=0.05, fail_under=None)


def two_languages(py_right: list[bool], cpp_right: list[bool]) -> list[dict[str, Any]]:
    return [rec("p", i, right=r) for i, r in enumerate(py_right)] + [
        rec("c", i, "cpp", r) for i, r in enumerate(cpp_right)
    ]


def test_a_drop_in_one_language_fails_even_when_the_run_holds() -> None:
    before = two_languages([True] * 52 + [False] * 8, [True] * 20)
    now = two_languages([True] * 60, [True] * 12 + [False] * 8)
    result = gate_of(before, now)
    (run,) = result.comparison.runs
    assert run.delta == 0.0 and run.p == 1.0  # overall 8 right->wrong, 8 wrong->right
    names = [s.name for s in result.comparison.languages]
    assert names == ["m/vp in cpp", "m/vp in python"]
    cpp = result.comparison.languages[0]
    assert (cpp.language, cpp.right_to_wrong, cpp.n) == ("cpp", 8, 20)
    assert cpp.p_holm < 0.05
    assert not result.passed
    (failure,) = result.failures
    assert failure.startswith("m/vp in cpp: accuracy dropped 40.0 points")
    text = "\n".join(render(result, Baseline.from_records(before)))
    assert "by language (Holm across all model/strategy x language strata; gated)" in text
    assert "REGRESSION" in text
    shape = result.to_json()["comparison"]["languages"]
    assert [(s["language"], s["right_to_wrong"]) for s in shape] == [("cpp", 8), ("python", 0)]
    flip = result.comparison.right_to_wrong[0].to_json()
    assert flip["language"] == "cpp"


def test_unchanged_languages_pass() -> None:
    records = two_languages([True] * 10, [True] * 5 + [False] * 5)
    result = gate_of(records, records)
    assert result.passed, result.failures
    assert len(result.comparison.languages) == 2


def test_python_only_gate_has_no_language_strata() -> None:
    records = [rec("p", i) for i in range(5)]
    result = gate_of(records, records)
    assert result.passed and result.comparison.languages == []
    assert "by language" not in "\n".join(render(result, Baseline.from_records(records)))


def test_an_old_python_baseline_pairs_and_a_new_language_must_be_accepted() -> None:
    old = [record_of({k: v for k, v in rec("p", i).items() if k != "language"}) for i in range(5)]
    now = [rec("p", i) for i in range(5)] + [rec("p", i, "cpp") for i in range(5)]
    result = gate_of(old, now)
    (run,) = result.comparison.runs
    assert run.n == 5  # the Python cases paired with the old entries
    assert len(result.comparison.added) == 5
    assert result.failures == [
        "m/vp in cpp: none of its cases is in the baseline, so this language was not "
        "compared; accept its results with --llm-update-baseline"
    ]


def test_a_cpp_case_never_pairs_with_a_python_case_of_the_same_id() -> None:
    before = [rec("p", 0, nodeid="x::p[m-vp-i0]")]
    now = [rec("p", 0, nodeid="x::p[m-vp-i0]"), rec("p", 0, "cpp", False, nodeid="x::p[m-vp-i0]")]
    comparison = compare(Baseline.from_records(before), now, SELECTION, 0.05)
    assert comparison.added == [("x::p[m-vp-i0]", "m", "vp", "cpp")]
    assert comparison.right_to_wrong == []


@pytest.mark.parametrize("lang", ["cpp", "java"])
def test_removed_cases_of_a_language_name_it(lang: str) -> None:
    before = [rec("p", 0), rec("p", 0, lang)]
    comparison = compare(Baseline.from_records(before), [rec("p", 0)], SELECTION, 0.05)
    assert comparison.to_json()["removed"] == [f"b.yaml::p[m-vp-{lang}-i0]::m::vp::{lang}"]
