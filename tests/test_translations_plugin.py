"""Translations of the shipped suite through `pytest -p llmexec`: ids, markers, the oracle.

The whole translated suite is measured by the command in docs/results.md (The
shipped suite with the oracle); here a sample of one file, both
tasks, with and without xdist, sharing one build cache so that the second run
compiles little. `tests/test_translations.py` checks every translation's
results against Python's.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import read_report

from pytest_llmexec.datasets.suite import read_yaml

SHIPPED = Path(__file__).resolve().parent.parent / "pytest_llmexec" / "benchmarks"
FILES = ("stack_queue.yaml",)
#: the translated snippets of FILES that the oracle run takes: a string and a vector result
SAMPLE = ("valid_parentheses", "daily_temperatures")
pytestmark = [
    pytest.mark.slow,  # needs g++ and a JDK
    pytest.mark.skipif(
        shutil.which("g++") is None, reason="needs g++ (apt-get install g++; .ci/run does)"
    ),
]


def _cases(language: str, files: tuple[str, ...] = FILES, ids: tuple[str, ...] = ()) -> int:
    """The declared cases of *language* in *files* (of the snippets *ids*, if given)."""
    return sum(
        len(s.inputs)
        for name in files
        for s in read_yaml(SHIPPED / name).snippets
        if s.language == language and (not ids or s.id in ids)
    )


@pytest.fixture(scope="module")
def cache_dir(seeded_cache: Callable[..., Path]) -> Path:
    """One build cache for the module's runs: each program is compiled once.
    The session's prepared toolchains are in it.
    """
    return seeded_cache("cpp", "java")


def _copy(pytester: pytest.Pytester, *names: str) -> None:
    for name in names or FILES:
        shutil.copy(SHIPPED / name, pytester.path / name)


#: what each language's oracle answers, in its own syntax: (output case, value), (input case, call)
ORACLE_ANSWERS = {
    "cpp": ("{1, 1, 1, 0}", 'Solution().isValid("(]")'),
    "java": ("new int[]{1, 1, 1, 0}", 'new Solution().isValid("(]")'),
}


@pytest.mark.parametrize("mode", [("-n", "0"), ("-n", "2")], ids=["plain", "xdist"])
@pytest.mark.parametrize("language", ["cpp", "java"])
def test_oracle_scores_every_translated_case_on_both_tasks(
    pytester: pytest.Pytester, cache_dir: Path, mode: tuple[str, str], language: str
) -> None:
    if language == "java" and shutil.which("javac") is None:
        pytest.skip("needs javac (apt-get install openjdk-17-jdk-headless; .ci/run does)")
    _copy(pytester)
    result = pytester.runpytest_subprocess(
        *FILES,
        "-p",
        "llmexec",
        "--llm-model=oracle",
        f"--llm-language={language}",
        "--llm-task=output,input",
        f"--llm-cache-dir={cache_dir}",
        "--llm-report=report.json",
        "--strict-markers",
        "-k",
        " or ".join(SAMPLE),
        "-p",
        "no:randomly",
        *mode,
    )
    cases = read_report(pytester)["cases"]
    result.assert_outcomes(passed=2 * _cases(language, ids=SAMPLE))
    assert {c["verdict"] for c in cases} == {"correct"}
    assert {c["language"] for c in cases} == {language}
    by_id = {c["nodeid"]: c for c in cases}
    value, called = ORACLE_ANSWERS[language]
    output = by_id[f"stack_queue.yaml::daily_temperatures[oracle-vp-{language}-i1]"]
    assert output["predicted"] == value
    call = by_id[f"stack_queue.yaml::valid_parentheses[oracle-vp-input-{language}-i1]"]
    assert call["predicted"] == called


def test_ids_markers_and_languages_of_a_translated_file(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    _copy(pytester, "math.yaml")
    common = (
        *("-p", "llmexec", "--llm-model=oracle", "--llm-examples=0", "--strict-markers"),
        f"--llm-cache-dir={cache_dir}",  # the precompiled header is made once
    )
    every = pytester.runpytest_subprocess("math.yaml", *common, "--co", "-q")
    python, cpp, java = (_cases(name, ("math.yaml",)) for name in ("python", "cpp", "java"))
    every_test = python + cpp + java
    every.stdout.fnmatch_lines(
        [
            "math.yaml::reverse_integer[oracle-vp-i0]",
            "math.yaml::reverse_integer[oracle-vp-cpp-i0]",
            "math.yaml::reverse_integer[oracle-vp-java-i0]",
            f"{every_test} tests collected*",
        ]
    )
    only = pytester.runpytest_subprocess("math.yaml", *common, "--co", "-q", "-m", "cpp")
    only.stdout.fnmatch_lines(
        [f"{cpp}/{every_test} tests collected ({every_test - cpp} deselected)*"]
    )
    java_only = pytester.runpytest_subprocess("math.yaml", *common, "--co", "-q", "-m", "java")
    java_only.stdout.fnmatch_lines(
        [f"{java}/{every_test} tests collected ({every_test - java} deselected)*"]
    )
    chosen = pytester.runpytest_subprocess(
        "math.yaml", *common, "--co", "-q", "--llm-language=python"
    )
    chosen.stdout.fnmatch_lines([f"{python} tests collected*"])
    chosen.stdout.no_fnmatch_line("*-cpp-*")


def test_a_bad_translation_is_one_failing_test_of_its_language(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    text = (SHIPPED / "math.yaml").read_text(encoding="utf-8")
    broken = text.replace("int addDigits(int num)", "int addDigits(int number)", 1)
    assert broken != text
    (pytester.path / "math.yaml").write_text(broken, encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "math.yaml",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-language=cpp",
        f"--llm-cache-dir={cache_dir}",
        "-m",
        "cpp",
        "--co",
        "-q",
    )
    result.stdout.fnmatch_lines(["math.yaml::line*"])
    run = pytester.runpytest_subprocess(
        "math.yaml",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-language=cpp",
        f"--llm-cache-dir={cache_dir}",
        "-k",
        "line or add_digits",
        "-p",
        "no:randomly",
    )
    run.stdout.fnmatch_lines(
        [
            "*math.yaml:*: snippet 'add_digits': field 'code': the cpp entry "
            "addDigits(number) does not take input i0's arguments (num)*"
        ]
    )
    outcomes = run.parseoutcomes()
    assert outcomes.get("failed") == 1 and "passed" not in outcomes, outcomes
