"""Accuracy by language on real C++ and Java cases: CRUXEval-X rows through ``pytest -p llmexec``.

The same rows in ``cpp.jsonl`` and ``java.jsonl`` (CRUXEval-X's files share
row ids), compiled and run in the sandbox, answered by ``oracle`` or replayed
from CRUXEval-X's published shape: the summary, the JSON report and the gate
compare the two languages on the same problems, with and without xdist. A
YAML snippet with its C++ and Java translations is the same problem in three
languages on its declared inputs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.datasets.cruxeval_x import read_rows

FIXTURES = Path(__file__).with_name("fixtures") / "cruxeval_x"
ROWS = 7  # enough flips for a significant drop in one language (p = 2/2^7)
pytestmark = [
    pytest.mark.slow,  # needs g++ and a JDK
    pytest.mark.skipif(
        shutil.which("g++") is None or not Path("/usr/share/java/javatuples.jar").is_file(),
        reason="needs g++, a JDK and javatuples "
        "(apt-get install g++ default-jdk libjavatuples-java)",
    ),
]
MODES = [
    pytest.param(("-n", "0"), id="plain"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]


@pytest.fixture(scope="module")
def cache_dir(seeded_cache: Callable[..., Path]) -> Path:
    """One build cache for the module's runs: the rows are compiled once.
    The session's prepared toolchains are in it.
    """
    return seeded_cache("cpp", "java")


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


def setup(pytester: pytest.Pytester) -> None:
    for name in ("cpp.jsonl", "java.jsonl"):
        rows = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[:ROWS]
        (pytester.path / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


def published(pytester: pytest.Pytester, folder: str, broken: str | None = None) -> None:
    """Answers in CRUXEval-X's ``infer_results/<model>`` shape: every row's recorded output,
    except that every answer of the language *broken* does not compile."""
    out = pytester.path / folder
    out.mkdir()
    for name in ("cpp", "java"):
        rows, problems = read_rows(pytester.path / f"{name}.jsonl")
        assert not problems
        answers = [
            {"id": row.id, "answer": "(((" if name == broken else row.recorded["output"]}
            for row in rows
        ]
        (out / f"{name}_output.json").write_text(json.dumps(answers), encoding="utf-8")


def run(
    pytester: pytest.Pytester, cache_dir: Path, *args: str, model: str = "oracle"
) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "cpp.jsonl",
        "java.jsonl",
        "-p",
        "llmexec",
        f"--llm-model={model}",
        f"--llm-cache-dir={cache_dir}",
        "-p",
        "no:randomly",
        *args,
    )


def report(pytester: pytest.Pytester) -> Any:
    return json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", MODES)
def test_summary_and_json_compare_cpp_and_java_on_the_same_rows(
    pytester: pytest.Pytester, cache_dir: Path, mode: tuple[str, str]
) -> None:
    setup(pytester)
    result = run(pytester, cache_dir, "--llm-report=report.json", *mode)
    result.assert_outcomes(passed=2 * ROWS)
    result.stdout.fnmatch_lines(
        [
            "accuracy by language",
            "  language * oracle/vp",
            f"  cpp * {ROWS}/{ROWS} 100.0%",
            f"  java * {ROWS}/{ROWS} 100.0%",
            "",
            "accuracy by language on the same problems (those each run holds in cpp, java)",
            "  language * oracle/vp",
            f"  problems * {ROWS}",
            f"  cpp * {ROWS}/{ROWS} 100.0%",
            f"  java * {ROWS}/{ROWS} 100.0%",
        ]
    )
    summary = report(pytester)["summary"]
    assert {k: (v["n"], v["correct"]) for k, v in summary["languages"].items()} == {
        "cpp": (ROWS, ROWS),
        "java": (ROWS, ROWS),
    }
    assert summary["same_problems"]["runs"]["oracle/vp"]["problems"] == ROWS


def test_the_gate_pairs_each_language_with_its_own_baseline_entries(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    setup(pytester)
    accepted = run(pytester, cache_dir, "--llm-update-baseline")
    assert accepted.ret == 0, accepted.stdout.str()
    baseline = json.loads((pytester.path / "llmexec-baseline.json").read_text(encoding="utf-8"))
    assert sorted(c["language"] for c in baseline["cases"]) == ["cpp"] * ROWS + ["java"] * ROWS
    result = run(pytester, cache_dir, "--llm-baseline", "--llm-report=report.json", "-n", "2")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            f"baseline llmexec-baseline.json ({2 * ROWS} cases, written *); paired {2 * ROWS}*",
            "by language (Holm across all model/strategy x language strata; gated)",
            f"*oracle/vp in cpp * {ROWS} * 100.0% * 100.0% * +0.0 * ok",
            f"*oracle/vp in java * {ROWS} * 100.0% * 100.0% * +0.0 * ok",
            "gate PASSED: no significant regression",
        ]
    )
    languages = report(pytester)["gate"]["comparison"]["languages"]
    assert [(s["language"], s["n"]) for s in languages] == [("cpp", ROWS), ("java", ROWS)]


def test_a_drop_in_one_language_fails_the_gate(pytester: pytest.Pytester, cache_dir: Path) -> None:
    setup(pytester)
    published(pytester, "before")
    published(pytester, "now", broken="cpp")
    accepted = run(
        pytester, cache_dir, "--llm-replay=before", "--llm-update-baseline", model="replay"
    )
    assert accepted.ret == 0, accepted.stdout.str()
    result = run(
        pytester,
        cache_dir,
        "--llm-replay=now",
        "--llm-baseline",
        "--llm-report=report.json",
        "-n",
        "2",
        model="replay",
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "by language (Holm across all model/strategy x language strata; gated)",
            f"*replay/vp in cpp * {ROWS} * 100.0% * 0.0% * -100.0 * {ROWS} * 0 * REGRESSION",
            f"*replay/vp in java * {ROWS} * 100.0% * 100.0% * +0.0 * 0 * 0 * ok",
            "gate FAILED:",
        ]
    )
    result.stdout.fnmatch_lines(
        [f"  replay/vp in cpp: accuracy dropped 100.0 points (>= 2) on {ROWS} paired cases*"]
    )
    cases = report(pytester)["cases"]
    assert {c["verdict"] for c in cases if c["language"] == "cpp"} == {"unparseable"}


TRANSLATED = """\
category: array
snippets:
  - id: total
    code: |
      class Solution:
          def total(self, nums: List[int]) -> int:
              return sum(nums)
    inputs:
      - {nums: [1, 2, 3]}
      - {nums: []}
  - id: total
    language: cpp
    code: |
      class Solution { public: long long total(vector<long long> nums) {
          long long s = 0; for (auto x : nums) s += x; return s; } };
  - id: total
    language: java
    code: |
      class Solution { public long total(long[] nums) {
          long s = 0; for (long x : nums) s += x; return s; } }
"""


def test_suite_translations_are_the_same_problems(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    pytester.makefile(".yaml", bench=TRANSLATED)
    result = pytester.runpytest_subprocess(
        "bench.yaml",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        f"--llm-cache-dir={cache_dir}",
        "--llm-report=report.json",
        "-p",
        "no:randomly",
        "-n",
        "2",
    )
    assert result.ret == 0, result.stdout.str()
    summary = report(pytester)["summary"]
    generated = sum(1 for c in report(pytester)["cases"] if c["generated"])
    assert summary["languages"]["cpp"]["n"] == summary["languages"]["java"]["n"] == 2
    assert summary["languages"]["python"]["n"] == 2 + generated
    shared = summary["same_problems"]["runs"]["oracle/vp"]
    assert shared["problems"] == 2  # the declared inputs; generated ones are Python's own
    assert {k: v["correct"] for k, v in shared["languages"].items()} == {
        "python": 2,
        "cpp": 2,
        "java": 2,
    }
    result.stdout.fnmatch_lines(
        [
            "accuracy by language on the same problems (those each run holds in python, cpp, java)",
            "  language * oracle/vp",
            "  problems * 2",
        ]
    )
