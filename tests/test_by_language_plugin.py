"""Accuracy by language through ``pytest -p llmexec``: summary, JSON report, HTML and gate.

The records travel the plugin's real path: a worker's test report, xdist's
transport to the controller, aggregation there, the JSON report, the HTML page
and the gate. Until C++ collection is on main, the C++ half of each problem is
a Python snippet whose record a conftest hook marks ``language: cpp`` (with
the snippet id of its Python twin), exactly the fields a C++ case's record
carries; the rest of the plugin cannot tell the difference.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

MODES = [
    pytest.param(("-p", "no:xdist"), id="plain"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]
REPLAY = ("-p", "llmexec", "--llm-examples=0", "--llm-model=replay", "--llm-replay=gen.json")
N = 20

MARK_CPP = """
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    for name, record in outcome.get_result().user_properties:
        if name == "llmexec" and record["snippet"].endswith("_cpp"):
            record["snippet"] = record["snippet"][: -len("_cpp")]
            record["language"] = "cpp"
"""


def suite() -> str:
    inputs = ", ".join(repr(str(i)) for i in range(N))
    code = "    code: |\n      def sq(x):\n          return x * x\n"
    return (
        "category: math\nsnippets:\n"
        f"  - id: sq\n{code}    inputs: [{inputs}]\n"
        f"  - id: sq_cpp\n{code}    inputs: [{inputs}]\n"
        f"  - id: only_py\n{code}    inputs: ['3']\n"
    )


def answers(wrong: Iterable[str] = ()) -> str:
    wrong = set(wrong)
    data: dict[str, list[str]] = {}
    for snippet in ("sq", "sq_cpp"):
        for i in range(N):
            case = f"{snippet}[i{i}]"
            data[case] = [str(i * i + (case in wrong))]
    data["only_py[i0]"] = ["9"]
    return json.dumps(data)


def setup(pytester: pytest.Pytester, wrong: Iterable[str] = ()) -> None:
    pytester.makeconftest(MARK_CPP)
    pytester.makefile(".yaml", bench=suite())
    pytester.makefile(".json", gen=answers(wrong))


def run(pytester: pytest.Pytester, mode: tuple[str, ...], *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*REPLAY, *mode, *args)


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


def summary_lines(result: pytest.RunResult) -> list[str]:
    """The llmexec summary section, up to the next section."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "llmexec summary" in line) + 1
    end = next(i for i, line in enumerate(lines[start:], start) if line.startswith("===="))
    return lines[start:end]


@pytest.mark.parametrize("mode", MODES)
def test_summary_json_and_html_by_language(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester, wrong=[f"sq_cpp[i{i}]" for i in range(5)] + ["sq[i0]"])
    result = run(pytester, mode, "--llm-report=report.json", "--llm-html=report.html")
    result.assert_outcomes(passed=35, failed=6)
    result.stdout.fnmatch_lines(
        [
            "accuracy by language",
            "  language * replay/vp",
            "  python * 20/21  95.2%",
            "  cpp * 15/20  75.0%",
            "",
            "accuracy by language on the same problems (those each run holds in python, cpp)",
            "  language * replay/vp",
            "  problems * 20",
            "  python * 19/20  95.0%",
            "  cpp * 15/20  75.0%",
        ]
    )
    data = json.loads((pytester.path / "report.json").read_text())
    languages = data["summary"]["languages"]
    assert {k: (v["n"], v["correct"]) for k, v in languages.items()} == {
        "python": (21, 20),
        "cpp": (20, 15),
    }
    assert data["summary"]["runs"]["replay/vp"]["languages"]["cpp"]["correct"] == 15
    assert data["summary"]["same_problems"]["runs"]["replay/vp"]["problems"] == N
    assert {c["language"] for c in data["cases"]} == {"python", "cpp"}
    page = (pytester.path / "report.html").read_text()
    assert 'id="languages"' in page and 'data-filter="language"' in page


@pytest.mark.slow  # a long pytester run
def test_summary_is_the_same_with_and_without_xdist(pytester: pytest.Pytester) -> None:
    setup(pytester, wrong=["sq_cpp[i1]"])
    plain, xdist = (summary_lines(run(pytester, mode.values[0])) for mode in MODES)
    assert [line for line in plain if "accuracy by language" in line]
    assert plain == xdist


def test_python_only_run_shows_no_language_table(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", bench=suite())
    pytester.makefile(".json", gen=answers())
    result = run(pytester, ("-p", "no:xdist"), "--llm-report=report.json")
    result.assert_outcomes(passed=41)
    lines = summary_lines(result)
    assert "accuracy by category" in lines
    assert not [line for line in lines if "language" in line and "written to" not in line]
    data = json.loads((pytester.path / "report.json").read_text())
    assert list(data["summary"]["languages"]) == ["python"]
    assert data["summary"]["same_problems"] is None
    assert {c["language"] for c in data["cases"]} == {"python"}


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_a_drop_in_one_language_fails_the_gate(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester, wrong=[f"sq[i{i}]" for i in range(8)])
    accepted = run(pytester, ("-p", "no:xdist"), "--llm-update-baseline")
    assert accepted.ret == 0, accepted.stdout.str()
    baseline: Any = json.loads((pytester.path / "llmexec-baseline.json").read_text())
    assert {c.get("language", "python") for c in baseline["cases"]} == {"python", "cpp"}
    # Python gains what C++ loses: the run as a whole is unchanged, C++ dropped 40 points
    pytester.makefile(".json", gen=answers([f"sq_cpp[i{i}]" for i in range(8)]))
    result = run(pytester, mode, "--llm-baseline", "--llm-report=report.json")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "replay/vp * 41 * 80.5% * 80.5% * +0.0 * ok",
            "by language (Holm across all model/strategy x language strata; gated)",
            "*replay/vp in cpp * 20 * 100.0% * 60.0% * -40.0 * 8 * 0 * REGRESSION",
            "*replay/vp in python * 21 * 61.9% * 100.0% * +38.1 * 0 * 8 * ok",
            "gate FAILED:",
            "  replay/vp in cpp: accuracy dropped 40.0 points (>= 2) on 20 paired cases*",
        ]
    )
    gate = json.loads((pytester.path / "report.json").read_text())["gate"]
    assert [s["language"] for s in gate["comparison"]["languages"]] == ["cpp", "python"]
