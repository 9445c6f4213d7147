"""The plugin end to end, the way users reach it: ``pytest -p llmexec``."""

from __future__ import annotations

import json

import pytest
from helpers import read_report, write_demo, write_json

ORACLE = ("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle")
XDIST = [
    pytest.param(("-p", "no:xdist"), id="plain"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]


def test_silent_without_benchmarks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    assert True\n")
    pytester.makefile(".yaml", config="name: not a benchmark\nitems: [1, 2]\n")
    result = pytester.runpytest("-p", "llmexec", "--llm-examples=0")
    result.assert_outcomes(passed=1)
    shown = [line for line in result.stdout.lines if not line.startswith("plugins:")]
    assert not any("llmexec" in line for line in shown)


@pytest.mark.parametrize("mode", XDIST)
def test_oracle_is_perfect_and_summary_is_the_same(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_demo(pytester)
    result = pytester.runpytest_subprocess(*ORACLE, "--llm-report=report.json", *mode)
    result.assert_outcomes(passed=5)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*llmexec summary*",
            "model/strategy*n*correct*accuracy*95% CI*unparseable*error*truncated*looped*forced",
            "oracle/vp*5*5*100.0%*[56.6, 100.0]*0*0",
            "accuracy by category",
            "*bit_manipulation*2/2 100.0%",
            "*hash_table*2/2 100.0%",
            "accuracy by code length",
            "*1-10 lines*5/5 100.0%",
            "accuracy by complexity",
            "*O(n log n)*2/2 100.0%",
            "accuracy by difficulty",
            "*easy*3/3 100.0%",
            "*medium*2/2 100.0%",
        ]
    )
    assert "WARNING" not in out
    report = read_report(pytester)
    assert report["summary"]["overall"]["accuracy"] == 1.0
    run = report["summary"]["runs"]["oracle/vp"]
    assert (run["n"], run["correct"]) == (5, 5)
    assert run["ci95"][0] == pytest.approx(0.5655, abs=1e-3)
    case = next(c for c in report["cases"] if c["nodeid"] == "demo.yaml::two_sum[oracle-vp-i1]")
    for key in (
        "snippet",
        "model",
        "strategy",
        "category",
        "verdict",
        "expected",
        "predicted",
        "recorded_mismatch",
        "lines",
        "difficulty",
        "complexity",
        "input",
    ):
        assert key in case
    assert case["expected"] == "[1, 2]"
    assert case["predicted"] == "[1, 2]"
    assert case["input"] == "[3, 2, 4], 6"
    assert case["lines"] == 8
    assert case["verdict"] == "correct"
    assert case["recorded_mismatch"] is False
    assert case["language"] == "python"


def test_ids_and_models_multiply(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    write_json(pytester, "gen.json", {})
    result = pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-examples=0",
        "--llm-model=oracle,replay",
        "--llm-replay=gen.json",
        "--co",
        "-q",
    )
    ids = [line for line in result.stdout.lines if "::" in line]
    assert ids == [
        "demo.yaml::two_sum[oracle-vp-i0]",
        "demo.yaml::two_sum[replay-vp-i0]",
        "demo.yaml::two_sum[oracle-vp-i1]",
        "demo.yaml::two_sum[replay-vp-i1]",
        "demo.yaml::running_sum[oracle-vp-i0]",
        "demo.yaml::running_sum[replay-vp-i0]",
        "demo.yaml::count_bits[oracle-vp-i0]",
        "demo.yaml::count_bits[replay-vp-i0]",
        "demo.yaml::count_bits[oracle-vp-i1]",
        "demo.yaml::count_bits[replay-vp-i1]",
    ]
    repeated = pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-examples=0",
        "--llm-model=oracle",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "--co",
        "-q",
    )
    assert [line for line in repeated.stdout.lines if "::" in line] == ids


@pytest.mark.parametrize(
    ("expr", "count"),
    [
        ("vp", 5),
        ("oracle", 5),
        ("bit_manipulation", 2),
        ("llmexec and not hash_table", 3),
        ("cot", 0),
    ],
)
def test_markers_select(pytester: pytest.Pytester, expr: str, count: int) -> None:
    write_demo(pytester)
    result = pytester.runpytest(*ORACLE, "--strict-markers", "-m", expr, "-q")
    if count:
        result.assert_outcomes(passed=count, deselected=5 - count)
    else:
        assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    result = pytester.runpytest(*ORACLE, "--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.llmexec:*",
            "@pytest.mark.vp:*",
            "@pytest.mark.generated:*",
            "@pytest.mark.oracle:*",
        ]
    )


def test_keyword_selection(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    result = pytester.runpytest(*ORACLE, "-k", "two_sum and i1", "-q")
    result.assert_outcomes(passed=1, deselected=4)


def _replay_answers() -> dict[str, list[str]]:
    return {
        "two_sum[i0]": ["[0, 1]"],
        "two_sum[i1]": ["[2, 1]"],  # wrong
        "running_sum": ["[1, 3, 6]"],
        "count_bits[i0]": ["[0, 1, 1, 2, 1, 2]"],
        # count_bits[i1] is missing: an error verdict
    }


def test_failure_shows_file_code_call_expected_predicted(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    write_json(pytester, "gen.json", _replay_answers())
    result = pytester.runpytest(
        "-p", "llmexec", "--llm-examples=0", "--llm-model=replay", "--llm-replay=gen.json"
    )
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "wrong: predicted [2, 1], expected [1, 2] (replay/vp)",
            "*demo.yaml:3: snippet 'two_sum', input i1",
            "*1 | class Solution:",
            "call:      Solution().twoSum([3, 2, 4], 6)",
            "expected:  [1, 2]",
            "predicted: [2, 1]  [wrong]",
        ]
    )
    assert "error: gen.json has no generations for 'count_bits[i1]'" in result.stdout.str()
    result.stdout.fnmatch_lines(["replay/vp*5*3*60.0%*0*1*0"])


def test_last_failed_and_exitfirst(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    write_json(pytester, "gen.json", _replay_answers())
    args = (
        "-p",
        "llmexec",
        "--llm-examples=0",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "-p",
        "cacheprovider",
    )
    pytester.runpytest(*args).assert_outcomes(passed=3, failed=2)
    again = pytester.runpytest(*args, "--lf")
    again.assert_outcomes(failed=2)
    first = pytester.runpytest(*args, "-x")
    first.assert_outcomes(passed=1, failed=1)


def test_snippet_problems_are_errors_not_crashes(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        broken="""\
category: misc
snippets:
  - id: divides
    code: |
      def divide(a: int, b: int) -> float:
          return a / b
    inputs:
      - {a: 1, b: 0}
      - {a: 1, b: 2}
  - id: hangs
    timeout: 0.5
    code: |
      def spin(n: int) -> int:
          while True:
              n += 1
    inputs: [{n: 1}]
  - id: opaque
    code: |
      def make(n: int) -> object:
          return object()
    inputs: [{n: 1}]
""",
    )
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    result.assert_outcomes(passed=1, failed=3)
    cases = {c["nodeid"]: c for c in read_report(pytester)["cases"]}
    assert cases["broken.yaml::divides[oracle-vp-i0]"]["verdict"] == "error"
    assert "raised ZeroDivisionError" in cases["broken.yaml::divides[oracle-vp-i0]"]["error"]
    assert cases["broken.yaml::divides[oracle-vp-i1]"]["verdict"] == "correct"
    assert "timeout" in cases["broken.yaml::hangs[oracle-vp-i0]"]["error"]
    assert "not a literal" in cases["broken.yaml::opaque[oracle-vp-i0]"]["error"]
    result.stdout.fnmatch_lines(["errors (3): infrastructure or benchmark problems*"])


def test_declared_exception_is_the_expected_outcome(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        raising="""\
category: misc
snippets:
  - id: first
    raises: [IndexError]
    code: |
      def first(xs: List[int]) -> int:
          return xs[0]
    inputs: [{xs: []}, {xs: [4]}]
""",
    )
    write_json(
        pytester,
        "gen.json",
        {"first[i0]": ["[ANSWER]raise IndexError[/ANSWER]"], "first[i1]": ["4"]},
    )
    result = pytester.runpytest(
        "-p", "llmexec", "--llm-examples=0", "--llm-model=oracle,replay", "--llm-replay=gen.json"
    )
    result.assert_outcomes(passed=4)


def test_no_model_is_a_clear_error(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    result = pytester.runpytest("-p", "llmexec", "--llm-examples=0")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*demo.yaml is a pytest-llmexec benchmark but no model was given*"]
    )
    assert "Traceback" not in result.stdout.str()


def test_ini_twin_and_command_line_precedence(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    write_json(pytester, "gen.json", {})
    pytester.makeini("[pytest]\nllm_model = replay\nllm_replay = gen.json\n")
    from_ini = pytester.runpytest("-p", "llmexec", "--llm-examples=0", "--co", "-q")
    assert "demo.yaml::two_sum[replay-vp-i0]" in from_ini.stdout.lines
    from_cli = pytester.runpytest(
        "-p", "llmexec", "--llm-examples=0", "--llm-model=oracle", "--co", "-q"
    )
    assert "demo.yaml::two_sum[oracle-vp-i0]" in from_cli.stdout.lines
    assert not any("replay" in line for line in from_cli.stdout.lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--llm-model=gpt-nonexistent-model",), "*--llm-model=gpt-nonexistent-model*"),
        (("--llm-model=replay",), "*needs --llm-replay=PATH*"),
        (("--llm-model=replay", "--llm-replay=missing.json"), "*no such file*missing.json*"),
        (("--llm-model=oracle", "--llm-strategy=vp,telepathy"), "*telepathy*unknown strategy*"),
        (("--llm-model=oracle", "--llm-samples=0"), "*--llm-samples=0: must be at least 1*"),
        (
            ("--llm-model=oracle", "--llm-samples=many"),
            "*--llm-samples=many: expected a whole number*",
        ),
        (
            ("--llm-model=oracle", "--llm-samples=3.5"),
            "*--llm-samples=3.5: expected a whole number*",
        ),
        (("--llm-model=oracle", "--llm-timeout=soon"), "*--llm-timeout=soon: expected a number*"),
    ],
)
def test_usage_errors(pytester: pytest.Pytester, args: tuple[str, ...], message: str) -> None:
    write_demo(pytester)
    result = pytester.runpytest("-p", "llmexec", "--llm-examples=0", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_samples_majority_and_pass_at_k(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    answers = {
        "two_sum[i0]": ["[0, 1]", "[0, 1]", "[1, 0]"],  # 2/3 right: passes
        "two_sum[i1]": ["[1, 2]", "nope", "[2, 1]"],  # 1/3: fails
        "running_sum": ["[1, 3, 6]"] * 3,
        "count_bits[i0]": ["[0]"] * 3,
        "count_bits[i1]": ["[0]", "[0]", "[0]"],
    }
    write_json(pytester, "gen.json", answers)
    result = pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-examples=0",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "--llm-samples=3",
        "--llm-report=report.json",
    )
    result.assert_outcomes(passed=3, failed=2)
    run = read_report(pytester)["summary"]["runs"]["replay/vp"]
    # pass@1 = mean of c/n = (2/3 + 1/3 + 1 + 0 + 1) / 5
    assert run["pass_at_k"]["pass@1"] == pytest.approx((2 / 3 + 1 / 3 + 1 + 0 + 1) / 5)
    result.stdout.fnmatch_lines(["model/strategy*pass@1", "replay/vp*60.0%*60.00%"])


def test_json_report_is_valid_json_even_with_odd_values(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        odd="""\
category: math
snippets:
  - id: odd
    code: |
      def odd(x: float) -> List[float]:
          return [x * 2, float("inf"), float("nan")]
    inputs: [{x: 1.5}]
""",
    )
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    result.assert_outcomes(passed=1)
    case = read_report(pytester)["cases"][0]
    assert case["expected"] == "[3.0, inf, nan]"
    json.dumps(case)


@pytest.mark.parametrize(
    ("model", "marker"),
    [
        ("oracle", "oracle"),
        ("openai:gpt-4o", "gpt-4o"),
        ("anthropic:claude-x", "claude-x"),
        ("qwen2.5-coder:7b", "qwen2.5-coder_7b"),
        ("meta-llama/Llama-3", "meta-llama_Llama-3"),
    ],
)
def test_model_marker_names(model: str, marker: str) -> None:
    from pytest_llmexec.plugin.markers import marker_name

    assert marker_name(model) == marker
