"""What a benchmark file gets checked for when it loads, seen the way users meet it.

Arity of string inputs, the default category, where a YAML error starts, and
the wording of a bad number option.
"""

from __future__ import annotations

import json

import pytest

ORACLE = ("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle")


def _run(pytester: pytest.Pytester, name: str, text: str, *args: str) -> pytest.RunResult:
    (pytester.path / name).write_text(text, encoding="utf-8")
    return pytester.runpytest(*ORACLE, *args)


ARITY = """\
category: math
snippets:
  - id: good
    inputs: ['1, 2', '1', {a: 1}, 'a=1, b=2', '1, b=3']
    code: |
      def add(a: int, b: int = 5) -> int:
          return a + b
  - id: SNIPPET
    inputs: [GIVEN]
    code: |
      def CODE
"""


@pytest.mark.parametrize(
    ("snippet", "given", "code", "message"),
    [
        (
            "too_few",
            "'1, 2'",
            "add3(a, b, c):\n          return a + b + c",
            "input 0: missing argument(s) ['c']",
        ),
        (
            "too_few_by_name",
            "'1, c=3'",
            "add3(a, b, c):\n          return a + b + c",
            "input 0: missing argument(s) ['b']",
        ),
        (
            "as_dict",
            "{a: 1, b: 2}",
            "add3(a, b, c):\n          return a + b + c",
            "input 0: missing argument(s) ['c']",
        ),
        (
            "too_many",
            "'1, 2, 3'",
            "add(a, b):\n          return a + b",
            "input 0: 3 positional arguments given; the entry takes 2: ['a', 'b']",
        ),
        (
            "unknown_name",
            "'1, d=2'",
            "add(a, b):\n          return a + b",
            "input 0: unknown argument(s) ['d']; the entry takes ['a', 'b']",
        ),
        (
            "twice",
            "'1, a=2'",
            "add(a, b=0):\n          return a + b",
            "input 0: argument(s) ['a'] given both by position and by name",
        ),
    ],
)
def test_string_inputs_must_bind_to_the_entry(
    pytester: pytest.Pytester, snippet: str, given: str, code: str, message: str
) -> None:
    text = ARITY.replace("SNIPPET", snippet).replace("GIVEN", given).replace("CODE", code)
    result = _run(pytester, "bench.yaml", text, "--llm-report=report.json")
    result.assert_outcomes(passed=5, failed=1)  # the bad snippet is one failure, not a 0%
    line = text.splitlines().index(f"  - id: {snippet}") + 1
    expected = f"bench.yaml:{line}: snippet '{snippet}': field 'inputs': {message}"
    result.stdout.fnmatch_lines([f"*{expected.replace('[', '[[]')}*"])
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["overall"]["accuracy"] == 1.0  # the oracle is not dragged down
    assert "Traceback" not in result.stdout.str()


def test_star_parameters_take_what_they_take(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "bench.yaml",
        """\
category: math
snippets:
  - id: star
    inputs: ['1', '1, 2, 3', '1, x=4']
    code: |
      def total(a, *rest, **named):
          return a + sum(rest) + sum(named.values())
  - id: keyword_only
    inputs: ['1, k=2', '1']
    code: |
      def f(a, *, k=7):
          return a * k
""",
    )
    result.assert_outcomes(passed=5)


def test_a_missing_category_comes_from_the_file_name(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "Dynamic-Programming.yaml",
        """\
snippets:
  - id: fib
    inputs: ['10']
    code: |
      def fib(n: int) -> int:
          a, b = 0, 1
          for _ in range(n):
              a, b = b, a + b
          return a
  - id: told
    category: math
    inputs: ['3']
    code: |
      def sq(x: int) -> int:
          return x * x
""",
        "--llm-report=report.json",
    )
    result.assert_outcomes(passed=2)
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    categories = {case["snippet"]: case["category"] for case in report["cases"]}
    assert categories == {"fib": "dynamic_programming", "told": "math"}
    result.stdout.fnmatch_lines(["*dynamic_programming*1/1 100.0%"])


def test_a_file_name_that_makes_no_category_says_what_to_add(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "2024.yaml",
        "snippets:\n  - id: a\n    inputs: ['1']\n    code: |\n"
        "      def f(x):\n          return x\n",
    )
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*2024.yaml:2: snippet 'a': field 'category': no 'category' given, and the file name "
            "'2024.yaml' does not make one; add 'category: <name>'*"
        ]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (  # an unclosed bracket: PyYAML finds the problem at the end of the file
            "category: math\nsnippets:\n  - id: a\n    code: |\n      def f(x):\n"
            "          return x\n    inputs:\n      - [1, 2\n      - '3'\n",
            "bench.yaml:8: YAML syntax error: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence at line 8)",
        ),
        (  # an unclosed quote
            'category: math\nsnippets:\n  - id: a\n    code: "def f(x)\n    inputs: [1]\n',
            "bench.yaml:4: YAML syntax error: found unexpected end of stream "
            "(while scanning a quoted scalar at line 4)",
        ),
        (  # a bad indent is marked where it is, with the block it breaks
            "snippets:\n  - id: a\n    code: |\n      def f(x):\n        return x\n"
            "   inputs: [1]\n",
            "bench.yaml:6: YAML syntax error: expected <block end>, but found "
            "'<block mapping start>' (while parsing a block collection at line 2)",
        ),
    ],
    ids=["unclosed-bracket", "unclosed-quote", "bad-indent"],
)
def test_yaml_errors_name_the_line_where_the_problem_starts(
    pytester: pytest.Pytester, text: str, message: str
) -> None:
    assert text.count("\n") < 10
    result = _run(pytester, "bench.yaml", text)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*ERROR collecting bench.yaml*", f"*{message.replace('[', '[[]')}"]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--llm-samples=3.5", "--llm-samples=3.5: expected a whole number"),
        ("--llm-examples=two", "--llm-examples=two: expected a whole number"),
        ("--llm-timeout=soon", "--llm-timeout=soon: expected a number"),
    ],
)
def test_a_bad_number_option_says_which_kind_of_number(
    pytester: pytest.Pytester, option: str, message: str
) -> None:
    (pytester.path / "bench.yaml").write_text(
        "category: math\nsnippets:\n  - id: a\n    inputs: ['1']\n    code: |\n"
        "      def f(x):\n          return x\n",
        encoding="utf-8",
    )
    result = pytester.runpytest("-p", "llmexec", "--llm-model=oracle", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
