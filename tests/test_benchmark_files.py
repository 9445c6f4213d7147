"""Bad benchmark files give one clear line naming the file, line, snippet and field."""

from __future__ import annotations

import pytest

GOOD_CODE = """\
    code: |
      def add(a: int, b: int) -> int:
          return a + b
"""


def _run(pytester: pytest.Pytester, text: str) -> pytest.RunResult:
    (pytester.path / "bench.yaml").write_text(text, encoding="utf-8")
    return pytester.runpytest("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "snippets:\n  - id: a\n    code: |\n      def f(x):\n        return x\n"
            "   inputs: [1]\n",
            "bench.yaml:6: YAML syntax error: *",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n" + GOOD_CODE,
            "bench.yaml:2: snippet 'a': field 'inputs': 'inputs' must be a non-empty list*",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    inputs: [{a: 1}]\n" + GOOD_CODE,
            "bench.yaml:2: snippet 'a': field 'inputs': input 0: missing argument(s) ['b']",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    inputs: [{a: 1, b: 2, c: 3}]\n"
            + GOOD_CODE,
            "bench.yaml:2: snippet 'a': field 'inputs': input 0: unknown argument(s) ['c']*",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    inputs: ['1, len(x)']\n" + GOOD_CODE,
            "bench.yaml:2: snippet 'a': field 'inputs': input 0: 'len(x)' is not a literal*",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    inputs: ['1, 2']\n    colour: red\n"
            + GOOD_CODE,
            "bench.yaml:2: snippet 'a': unknown field(s) ['colour']*",
        ),
        (
            "snippets:\n  - id: a\n    category: Dynamic Programming\n    inputs: ['1, 2']\n"
            + GOOD_CODE,
            "bench.yaml:2: snippet 'a': field 'category': *lower-case name*",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    difficulty: brutal\n"
            "    inputs: ['1, 2']\n" + GOOD_CODE,
            "bench.yaml:2: snippet 'a': field 'difficulty': *easy, medium, hard",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    inputs: ['1']\n    code: |\n"
            "      def f(x):\n          return x +\n",
            "bench.yaml:2: snippet 'a': field 'code': the code does not parse: *",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    inputs: ['1']\n    code: |\n"
            "      def f(x):\n          return x\n      def g(x):\n          return x\n",
            "bench.yaml:2: snippet 'a': field 'entry': cannot infer the entry point*say which*",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    entry: h\n    inputs: ['1']\n"
            "    code: |\n      def f(x):\n          return x\n",
            "bench.yaml:2: snippet 'a': field 'entry': no function or Solution method named 'h'",
        ),
        (
            "snippets:\n  - id: a\n    category: math\n    inputs: ['1, 2']\n"
            + GOOD_CODE
            + "  - id: a\n    category: math\n    inputs: ['1, 2']\n"
            + GOOD_CODE,
            "bench.yaml:8: snippet 'a': field 'id': duplicate snippet id (first defined at line 2)",
        ),
        (
            "snippets:\n  - code: x\n",
            "bench.yaml:2: field 'id': every snippet needs an 'id'*",
        ),
        ("snippets: []\n", "bench.yaml:1: 'snippets' must be a non-empty list"),
        ("snippets:\n  - 3\n", "bench.yaml: each entry of 'snippets' must be a mapping"),
    ],
    ids=[
        "yaml-syntax",
        "no-inputs",
        "missing-arg",
        "unknown-arg",
        "not-literal",
        "unknown-field",
        "bad-category",
        "bad-difficulty",
        "code-syntax",
        "ambiguous-entry",
        "missing-entry",
        "duplicate-id",
        "no-id",
        "empty",
        "not-mapping",
    ],
)
def test_bad_file(pytester: pytest.Pytester, text: str, message: str) -> None:
    result = _run(pytester, text)
    escaped = message.replace("[", "[[]")  # fnmatch: a bracket is a character class
    if "duplicate" in message:  # the first snippet of that id runs; the second is one failure
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        result.stdout.fnmatch_lines([escaped])
    else:  # nothing in the file loads: a collection error
        assert result.ret == pytest.ExitCode.INTERRUPTED
        result.stdout.fnmatch_lines(["*ERROR collecting bench.yaml*", escaped])
    assert "Traceback" not in result.stdout.str()


def test_entry_inference_and_explicit_entry(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """\
category: math
snippets:
  - id: solution_one_public_method
    code: |
      class Solution:
          def _helper(self, x):
              return x * 2
          def double(self, x: int) -> int:
              return self._helper(x)
    inputs: [{x: 2}]
  - id: explicit_method
    entry: triple
    code: |
      class Solution:
          def double(self, x: int) -> int:
              return 2 * x
          def triple(self, x: int) -> int:
              return 3 * x
    inputs: ['4']
  - id: tuples_and_sets
    code: |
      def pair(t: Tuple[int, int], s: Set[int]) -> List[int]:
          return [t[0] + t[1], len(s)]
    inputs: ['(1, 2), {3, 4, 4}']
""",
    )
    result.assert_outcomes(passed=3)


def test_defaults_block(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """\
defaults:
  category: math
  difficulty: hard
snippets:
  - id: a
    inputs: ['1, 2']
"""
        + GOOD_CODE,
    )
    result.assert_outcomes(passed=1)
