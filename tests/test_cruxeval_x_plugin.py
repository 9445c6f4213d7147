"""CRUXEval-X files through `pytest -p llmexec`: ids, markers, languages, truth, oracle."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import read_report

FIXTURES = Path(__file__).with_name("fixtures") / "cruxeval_x"
pytestmark = [
    pytest.mark.slow,  # needs g++ and a JDK
    pytest.mark.skipif(
        shutil.which("g++") is None or not Path("/usr/share/java/javatuples.jar").is_file(),
        reason="needs g++, a JDK and javatuples "
        "(apt-get install g++ default-jdk libjavatuples-java)",
    ),
]


@pytest.fixture(scope="module")
def cache_dir(seeded_cache: Callable[..., Path]) -> Path:
    """One build cache for the module's runs: the rows are compiled once.
    The session's prepared toolchains are in it.
    """
    return seeded_cache("cpp", "java")


def copy_fixtures(pytester: pytest.Pytester, *names: str) -> None:
    for name in names:
        shutil.copy(FIXTURES / name, pytester.path / name)


def cpp_row(rid: str, body: str, call: str, output: str) -> dict[str, str]:
    """A small C++ row in CRUXEval-X's shape: ``f``, called through ``candidate``."""
    head = f"#include<assert.h>\n#include<bits/stdc++.h>\n{body}\n"
    end = "int main() {{\n    auto candidate = f;\n    assert({} == {});\n}}\n"
    return {
        "id": rid,
        "code": head + end.format(call, output),
        "input_reasoning": end.format("????", output),
        "output_reasoning": end.format(call, "????"),
    }


INC = cpp_row("X/0", "long f(long x) { return x + 1; }", "candidate(1)", "2")


def write_rows(pytester: pytest.Pytester, name: str, *rows: object) -> None:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    (pytester.path / name).write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("mode", [("-n", "0"), ("-n", "2")], ids=["plain", "xdist"])
def test_oracle_scores_every_row_of_both_files_on_both_tasks(
    pytester: pytest.Pytester, cache_dir: Path, mode: tuple[str, str]
) -> None:
    copy_fixtures(pytester, "cpp.jsonl", "java.jsonl")
    result = pytester.runpytest_subprocess(
        "cpp.jsonl",
        "java.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=output,input",
        f"--llm-cache-dir={cache_dir}",
        "--llm-report=report.json",
        "-p",
        "no:randomly",
        *mode,
    )
    result.assert_outcomes(passed=4 * 37)
    cases = read_report(pytester)["cases"]
    assert len(cases) == 4 * 37
    assert {c["verdict"] for c in cases} == {"correct"}
    assert {c["language"] for c in cases} == {"cpp", "java"}
    assert not any(c["recorded_mismatch"] for c in cases)
    first = next(c for c in cases if c["nodeid"] == "cpp.jsonl::CRUXEval/0[oracle-vp-input-cpp-i0]")
    assert first["predicted"] == "candidate((std::vector<long>({1, 2, 3, 4})))"
    assert first["expected"] == "(std::vector<long>({4, 8}))"
    assert first["category"] == "cruxeval" and first["snippet"] == "CRUXEval/0"


def test_ids_markers_and_the_language_option(pytester: pytest.Pytester, cache_dir: Path) -> None:
    copy_fixtures(pytester, "cpp.jsonl", "java.jsonl")
    common = ["-p", "llmexec", "--llm-model=oracle", f"--llm-cache-dir={cache_dir}"]
    result = pytester.runpytest(
        "cpp.jsonl", "java.jsonl", *common, "--co", "-q", "--strict-markers"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["cpp.jsonl::CRUXEval/0[oracle-vp-cpp-i0]", "java.jsonl::CRUXEval/36[oracle-vp-java-i0]"]
    )
    result = pytester.runpytest("cpp.jsonl", "java.jsonl", *common, "--co", "-q", "-m", "java")
    result.stdout.fnmatch_lines(["*37/74 tests collected (37 deselected)*"])
    assert "cpp.jsonl::" not in result.stdout.str()
    result = pytester.runpytest("cpp.jsonl", "java.jsonl", *common, "--co", "-q", "-m", "cruxeval")
    result.stdout.fnmatch_lines(["74 tests collected*"])
    result = pytester.runpytest(
        "cpp.jsonl", "java.jsonl", *common, "--co", "-q", "--llm-language=cpp"
    )
    result.stdout.fnmatch_lines(["37 tests collected*"])
    assert "java.jsonl::" not in result.stdout.str()
    result = pytester.runpytest("cpp.jsonl", *common, "--co", "--llm-language=cpp,cobol")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--llm-language=cpp,cobol: unknown language 'cobol'; choose from python, cpp, java*"]
    )


def test_the_header_says_what_runs_and_iip_asks_python_only(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    write_rows(pytester, "cpp.jsonl", INC)
    common = ["-p", "llmexec", "--llm-model=oracle", f"--llm-cache-dir={cache_dir}"]
    result = pytester.runpytest("cpp.jsonl", *common, "--llm-strategy=vp,iip", "--co", "-q")
    assert result.ret == 0
    result = pytester.runpytest("cpp.jsonl", *common, "--llm-strategy=vp,iip", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "llmexec languages: every language the collected files hold",
            "llmexec templates cpp: vp=*",
            "llmexec: iip does not ask cpp: it traces Python only*",
            "llmexec native: sandbox=*seccomp-profiles=build:exec+fork,run:exec toolchains: cpp=*",
            "*cpp.jsonl::X/0?oracle-vp-cpp-i0? PASSED*",
        ]
    )
    result = pytester.runpytest("cpp.jsonl", *common, "--llm-strategy=iip")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--llm-strategy=iip does not ask cpp: IIP traces Python only*"])


def test_a_broken_row_and_a_row_whose_own_program_fails_cost_only_themselves(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    wrong_record = cpp_row("X/1", "long f(long x) { return x * 2; }", "candidate(3)", "7")
    no_compile = cpp_row("X/2", "long f(long x) { return x +; }", "candidate(3)", "7")
    write_rows(pytester, "cpp.jsonl", INC, "{not json", wrong_record, no_compile)
    result = pytester.runpytest(
        "cpp.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        f"--llm-cache-dir={cache_dir}",
        "--llm-report=report.json",
        "-m",
        "cpp",
    )
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*cpp.jsonl:2: invalid JSON*"])
    cases = {c["snippet"]: c for c in read_report(pytester)["cases"]}
    assert cases["X/0"]["verdict"] == "correct"
    for rid, what in (("X/1", "fails its own assert"), ("X/2", "does not compile")):
        assert cases[rid]["verdict"] == "error"
        assert cases[rid]["recorded_mismatch"] is True
        assert f"dataset error: the cpp program of this case {what}" in cases[rid]["error"]
        assert cases[rid]["conversation"] == []  # no model is asked about a broken row


def test_replaying_published_results_agrees_with_their_res_row_by_row(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    """Our own results in CRUXEval-X's published shape (infer_results/<model>/<lang>_<task>
    .json): re-scored, every row's verdict agrees with the ``res`` published beside it."""
    copy_fixtures(pytester, "cpp.jsonl", "java.jsonl")
    shutil.copytree(FIXTURES / "infer_results", pytester.path / "infer_results")
    result = pytester.runpytest(
        "cpp.jsonl",
        "java.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=infer_results/demo",
        "--llm-task=output,input",
        f"--llm-cache-dir={cache_dir}",
        "--llm-report=report.json",
        "-p",
        "no:randomly",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    verdicts = {(c["language"], c["task"], c["snippet"]): c for c in read_report(pytester)["cases"]}
    assert len(verdicts) == 4 * 37
    disagreements = []
    seen: dict[str, int] = {}
    for language in ("cpp", "java"):
        for task in ("output", "input"):
            published = json.loads(
                (FIXTURES / "infer_results" / "demo" / f"{language}_{task}.json").read_text()
            )
            for item in published:
                case = verdicts[(language, task, item["id"])]
                seen[case["verdict"]] = seen.get(case["verdict"], 0) + 1
                if "answer" not in item:  # published without an answer: nothing to score
                    assert case["verdict"] == "error" and "no generations" in case["error"]
                elif (case["verdict"] == "correct") != (item["res"] is True):
                    disagreements.append((language, task, item["id"], item["res"], case))
    assert not disagreements, "\n".join(
        f"{lang}_{task}.json id {rid}: res={res}, re-scored {c['verdict']} ({c['predicted']!r}: "
        f"{c['samples'][0]['problem']})"
        for lang, task, rid, res, c in disagreements
    )
    # the verdicts stay apart: a wrong value, an answer that does not compile
    assert seen["correct"] == 4 * 18 and seen["error"] == 4
    assert seen["wrong"] > 0 and seen["unparseable"] > 0
    result.stdout.fnmatch_lines(["*unparseable*[[]1, 2*", "*wrong: predicted*"])


def test_a_language_that_cannot_run_here_is_skipped_in_a_suite_and_an_error_when_asked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_translations import CPP_TWO_SUM, PYTHON_SNIPPET

    from pytest_llmexec.languages import LanguageError
    from pytest_llmexec.languages.cpp import Cpp

    def missing(self: Cpp) -> str:
        raise LanguageError("C++ needs 'g++' on PATH (Debian: apt-get install g++)")

    monkeypatch.setattr(Cpp, "toolchain", missing)
    (pytester.path / "hash_table.yaml").write_text("snippets:\n" + PYTHON_SNIPPET + CPP_TWO_SUM)
    common = ["-p", "llmexec", "--llm-model=oracle", "--llm-examples=0", "-rs"]
    result = pytester.runpytest("hash_table.yaml", *common)
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(
        ["*cpp cannot run here: C++ needs 'g++' on PATH*(install it, or run --llm-language=python)"]
    )
    result = pytester.runpytest("hash_table.yaml", *common, "--llm-language=cpp")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*hash_table.yaml: cpp cannot run here: C++ needs 'g++'*"])
