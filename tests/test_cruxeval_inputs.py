"""CRUXEval as published: expression inputs, hostile inputs, one bad row costs one row."""

from __future__ import annotations

import json

import pytest
from cruxeval_rows import EXPRESSION_ROWS, rows, write_jsonl
from helpers import read_report

MODES = pytest.mark.parametrize(
    "mode",
    [("-p", "no:xdist"), pytest.param(("-n", "2"), marks=pytest.mark.slow)],
    ids=["plain", "xdist"],
)


@MODES
def test_expression_inputs_run_in_the_row_namespace(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    write_jsonl(pytester.path / "crux.jsonl")
    result = pytester.runpytest_subprocess(
        "crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "--llm-report=report.json", *mode
    )
    result.assert_outcomes(passed=len(rows()))
    report = read_report(pytester)
    assert report["summary"]["recorded_mismatches"] == []
    cases = {c["snippet"]: c for c in report["cases"]}
    # the prompt and the report show the input exactly as written
    assert cases["sample_10"]["input"] == "grid_rows[:], 2, 1, 0"
    assert cases["sample_9"]["call"] == "f([5, 0, 7, 1], lambda x: x > 3)"
    assert "grid_rows[:], 2, 1, 0" in cases["sample_10"]["conversation"][0]["content"]
    assert all(not c["recorded_mismatch"] for c in cases.values())


def test_every_published_input_shape_is_covered() -> None:
    inputs = " ".join(row["input"] for row in EXPRESSION_ROWS)
    for shape in ("''.join(", ".upper()", ".split(", "' + '", "dict(", "dict()", "range("):
        assert shape in inputs, shape
    assert "(lambda" in inputs and ", lambda" in inputs
    assert any(row["input"].split("[")[0] in row["code"] for row in EXPRESSION_ROWS)


def test_an_expression_input_is_evaluated_in_the_child_only(pytester: pytest.Pytester) -> None:
    """The input asks where it runs: the sandboxed child has no pytest imported."""
    write_jsonl(
        pytester.path / "crux.jsonl",
        [
            {
                "code": "def f(x):\n    return x\n",
                "input": "'pytest' in __import__('sys').modules",
                "output": "False",
                "id": "sample_0",
            }
        ],
    )
    result = pytester.runpytest_subprocess(
        "crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "--llm-report=report.json"
    )
    result.assert_outcomes(passed=1)
    assert read_report(pytester)["cases"][0]["expected"] == "False"


HOSTILE = [
    {"code": "def f(n):\n    return sum(range(n))\n", "input": "10**13", "output": "0"},
    {
        "code": "def f(g):\n    return g()\n",
        "input": "lambda: [0 for _ in iter(int, 1)]",
        "output": "0",
    },
    {"code": "def f(x):\n    return x\n", "input": "__import__('os')._exit(3)", "output": "0"},
    {"code": "def f(x):\n    return x\n", "input": "no_such_name", "output": "0"},
    {"code": "def f(x):\n    return x + 1\n", "input": "41", "output": "42"},
]


def test_hostile_expression_inputs_are_verdicts(pytester: pytest.Pytester) -> None:
    data = [{**row, "id": f"sample_{i}"} for i, row in enumerate(HOSTILE)]
    write_jsonl(pytester.path / "crux.jsonl", data)
    result = pytester.runpytest_subprocess(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-timeout=1",
        "--llm-report=report.json",
    )
    result.assert_outcomes(passed=1, failed=4)
    cases = {c["snippet"]: c for c in read_report(pytester)["cases"]}
    assert cases["sample_0"]["truth_status"] == "timeout"
    assert cases["sample_1"]["truth_status"] == "timeout"
    assert cases["sample_2"]["truth_status"].startswith("crashed")
    assert cases["sample_3"]["truth_status"] == "raised NameError"
    assert all(cases[f"sample_{i}"]["verdict"] == "error" for i in range(4))
    result.stdout.fnmatch_lines(["*crux.jsonl:1: snippet 'sample_0', input i0*"])
    assert "Traceback" not in result.stdout.str()


@MODES
def test_broken_lines_cost_only_themselves(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    lines = [json.dumps(row) for row in rows()]
    lines[2] = lines[2][:-5]  # cut: not JSON any more
    broken = json.loads(lines[5])
    broken["code"] = "def f(x):\n    return (x\n"
    lines[5] = json.dumps(broken)
    (pytester.path / "crux.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "crux.jsonl", "-p", "llmexec", "--llm-model=oracle", *mode
    )
    result.assert_outcomes(passed=len(lines) - 2, failed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random(
        [
            "FAILED crux.jsonl::line3 - crux.jsonl:3: invalid JSON*",
            "FAILED crux.jsonl::line6 - crux.jsonl:6: snippet 'sample_5': field 'code'*",
        ]
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"code": "def f(x): return x", "input": "1"}, "field 'output': row lacks ?'output'?*"),
        (
            {"code": "def f(x): return x", "input": 1, "output": "1"},
            "field 'input': must be a string*",
        ),
        ({"code": ["x"], "input": "1", "output": "1"}, "field 'code': must be a string*"),
        ({"code": "def f(x): return x", "input": "1", "output": "1 +"}, "field 'output': *"),
    ],
)
def test_each_kind_of_bad_row_names_line_and_field(
    pytester: pytest.Pytester, row: dict[str, object], message: str
) -> None:
    good = {"code": "def f(x):\n    return x\n", "input": "1", "output": "1", "id": "ok"}
    (pytester.path / "crux.jsonl").write_text(
        json.dumps(good) + "\n" + json.dumps({**row, "id": "bad"}) + "\n", encoding="utf-8"
    )
    result = pytester.runpytest("crux.jsonl", "-p", "llmexec", "--llm-model=oracle")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([f"crux.jsonl:2: snippet 'bad': {message}"])


def test_one_bad_yaml_snippet_costs_that_snippet(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        bench="""
category: math
snippets:
  - id: double
    code: |
      def double(x: int) -> int:
          return 2 * x
    inputs: ["3"]
    examples: 0
  - id: broken
    code: |
      def broken(x):
          return (x
    inputs: ["1"]
  - id: triple
    code: |
      def triple(x: int) -> int:
          return 3 * x
    inputs: ["3"]
    examples: 0
""",
    )
    result = pytester.runpytest("bench.yaml", "-p", "llmexec", "--llm-model=oracle")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*bench.yaml:9: snippet 'broken': field 'code': the code does not parse*"]
    )
    assert "Traceback" not in result.stdout.str()
