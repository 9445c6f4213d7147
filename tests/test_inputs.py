"""Hypothesis-generated inputs, driven the way users reach them: ``pytest -p llmexec``."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from helpers import read_report

from pytest_llmexec.inputs.types import bind

ORACLE = ("-p", "llmexec", "--llm-model=oracle", "-p", "no:cacheprovider")

TYPED = """\
category: misc
snippets:
  - id: typed
    code: |
      def typed(nums: List[int], s: str, flag: bool, x: float, counts: Dict[str, int],
                t: Tuple[int, ...], head: Optional[ListNode], root: Optional[TreeNode],
                grid: "List[List[int]]", maybe: Optional[int]) -> int:
          n = 0
          while head:
              n += 1
              head = head.next
          return len(nums) + len(s) + n
    examples: 6
    inputs:
      - {nums: [1], s: "a", flag: true, x: 0.5, counts: {}, t: [], head: [1], root: [1],
         grid: [], maybe: null}
"""


def _write(pytester: pytest.Pytester, text: str, name: str = "bench.yaml") -> None:
    (pytester.path / name).write_text(text, encoding="utf-8")


def _generated(report: dict[str, Any], names: list[str]) -> dict[str, dict[str, Any]]:
    """nodeid -> the generated input bound to parameter names."""
    out = {}
    for case in report["cases"]:
        if case["generated"]:
            bound = bind(case["input"], names)
            assert bound is not None, case["input"]
            out[case["nodeid"]] = bound
    return out


def _tree_nodes(level_order: list[Any]) -> int:
    return sum(v is not None for v in level_order)


def test_annotations_give_small_inputs_of_the_declared_types(pytester: pytest.Pytester) -> None:
    _write(pytester, TYPED)
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json", "-v")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["*typed?oracle-vp-h0?*PASSED*", "*typed?oracle-vp-h5?*PASSED*"])
    report = read_report(pytester)
    names = ["nums", "s", "flag", "x", "counts", "t", "head", "root", "grid", "maybe"]
    values = list(_generated(report, names).values())
    assert len(values) == 6
    for v in values:
        assert isinstance(v["nums"], list) and len(v["nums"]) <= 6
        assert all(isinstance(n, int) and -10 <= n <= 10 for n in v["nums"])
        assert isinstance(v["s"], str) and len(v["s"]) <= 6 and set(v["s"]) <= set("abcde")
        assert isinstance(v["flag"], bool)
        assert isinstance(v["x"], float) and -10 <= v["x"] <= 10
        assert all(isinstance(k, str) and isinstance(n, int) for k, n in v["counts"].items())
        assert isinstance(v["t"], tuple) and all(isinstance(n, int) for n in v["t"])
        assert isinstance(v["head"], list) and all(isinstance(n, int) for n in v["head"])
        assert isinstance(v["root"], list) and _tree_nodes(v["root"]) <= 6
        assert not v["root"] or (v["root"][0] is not None and v["root"][-1] is not None)
        assert all(isinstance(row, list) for row in v["grid"])
        assert v["maybe"] is None or isinstance(v["maybe"], int)
    assert len({repr(v) for v in values}) == 6  # no duplicates
    # the linked list was built from its list form: the result counts its nodes
    for case in report["cases"]:
        bound = bind(case["input"], names)
        assert bound is not None
        assert case["expected"] == repr(len(bound["nums"]) + len(bound["s"]) + len(bound["head"]))
    assert all(c["verdict"] == "correct" for c in report["cases"])


TWO = """\
category: misc
snippets:
  - id: words
    code: |
      def words(xs: Set[str], d: Dict[str, int], k: int) -> int:
          return len(xs) + len(d) + k
    inputs:
      - "{'a'}, {}, 1"
  - id: total
    code: |
      class Solution:
          def total(self, nums: List[int]) -> int:
              return sum(nums)
    inputs:
      - {nums: [1, 2]}
"""


def _inputs_by_id(pytester: pytest.Pytester, *args: str) -> dict[str, str]:
    result = pytester.runpytest_subprocess(*ORACLE, "--llm-report=report.json", *args)
    result.assert_outcomes(passed=8)
    return {c["nodeid"]: c["input"] for c in read_report(pytester)["cases"]}


@pytest.mark.slow  # a long pytester run
def test_same_ids_and_inputs_in_every_process_and_under_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(pytester, TWO)
    listings = []
    for hash_seed in ("1", "2"):  # sets of strings iterate differently under each
        monkeypatch.setenv("PYTHONHASHSEED", hash_seed)
        listing = pytester.runpytest_subprocess(*ORACLE, "--co", "-q")
        listings.append([line for line in listing.outlines if "::" in line])
    assert listings[0] == listings[1]
    listing = pytester.runpytest_subprocess(*ORACLE, "--co", "-q", "-n", "2")
    assert [line for line in listing.outlines if "::" in line] == listings[0]
    assert "bench.yaml::words[oracle-vp-h2]" in listings[0]
    first = _inputs_by_id(pytester)
    monkeypatch.setenv("PYTHONHASHSEED", "1")
    assert _inputs_by_id(pytester) == first
    # a real -n 2 run: xdist checks that both workers collected the same ids, and each
    # worker ran some of the tests with the inputs it generated itself
    assert _inputs_by_id(pytester, "-n", "2") == first
    assert sorted(first) == sorted(listings[0])
    other_seed = _inputs_by_id(pytester, "--llm-seed=1")
    assert other_seed.keys() == first.keys()
    generated = [k for k in first if "-h" in k]
    assert len(generated) == 6
    assert sum(first[k] != other_seed[k] for k in generated) >= 4
    assert all(first[k] == other_seed[k] for k in first if "-i0" in k)


def test_seed_and_examples_are_in_the_header_and_report(pytester: pytest.Pytester) -> None:
    _write(pytester, TWO)
    result = pytester.runpytest(*ORACLE, "--llm-seed=7", "--llm-report=report.json")
    result.stdout.fnmatch_lines(["llmexec: models=oracle*examples=3 seed=7*"])
    run = read_report(pytester)["run"]
    assert run["seed"] == 7 and run["examples"] == 3


def test_examples_option_ini_twin_and_snippet_override(pytester: pytest.Pytester) -> None:
    text = TWO.replace("  - id: total\n", "  - id: total\n    examples: 2\n")
    _write(pytester, text)

    def ids(*args: str) -> list[str]:
        result = pytester.runpytest(*ORACLE, "--co", "-q", *args)
        return [line.split("::")[1] for line in result.outlines if "::" in line]

    # 0 turns generation off everywhere, the snippet's override included
    assert ids("--llm-examples=0") == ["words[oracle-vp-i0]", "total[oracle-vp-i0]"]
    assert ids("--llm-examples=1") == [
        "words[oracle-vp-i0]",
        "words[oracle-vp-h0]",
        "total[oracle-vp-i0]",
        "total[oracle-vp-h0]",
        "total[oracle-vp-h1]",
    ]
    pytester.makeini("[pytest]\nllm_examples = 0\n")
    assert len(ids()) == 2
    assert len(ids("--llm-examples=4")) == 8  # the command line wins over the ini file
    generated = ids("-m", "generated", "--llm-examples=1")
    assert generated == ["words[oracle-vp-h0]", "total[oracle-vp-h0]", "total[oracle-vp-h1]"]
    result = pytester.runpytest(*ORACLE, "--llm-examples=-1")
    assert "--llm-examples=-1: must be at least 0" in result.stderr.str()


CONSTRAINED = """\
category: misc
snippets:
  - id: constrained
    code: |
      def constrained(nums: List[int], s: str, k: int, rows: List[List[int]],
                      spans: List[List[int]]) -> int:
          return len(nums) + len(s) + k + len(rows) + sum(b - a for a, b in spans)
    examples: 8
    constraints:
      max_size: 3
      nums: {min_size: 2, max_size: 5, min_value: 0, max_value: 50, sorted: true,
             unique: true}
      s: {alphabet: "()", min_size: 1}
      k: {values: [1, 2, 30]}
      rows: {min_value: 100}
      spans: {min_size: 1, sorted: true, unique: true,
              items: {min_size: 2, max_size: 2, sorted: true, min_value: 0}}
    inputs:
      - {nums: [1, 2], s: "(", k: 1, rows: [], spans: [[0, 1]]}
"""


def test_constraints_bound_each_parameter(pytester: pytest.Pytester) -> None:
    _write(pytester, CONSTRAINED)
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    result.assert_outcomes(passed=9)
    names = ["nums", "s", "k", "rows", "spans"]
    values = list(_generated(read_report(pytester), names).values())
    assert len(values) == 8
    for v in values:
        assert 2 <= len(v["nums"]) <= 5
        assert v["nums"] == sorted(set(v["nums"])) and all(0 <= n <= 50 for n in v["nums"])
        assert 1 <= len(v["s"]) <= 3 and set(v["s"]) <= set("()")
        assert v["k"] in (1, 2, 30)
        assert len(v["rows"]) <= 3
        assert all(len(row) <= 3 and all(100 <= n <= 120 for n in row) for row in v["rows"])
        spans = v["spans"]  # items: each element has its own bounds; the rest are inherited
        assert 1 <= len(spans) <= 3 and spans == sorted(spans)
        assert len({tuple(span) for span in spans}) == len(spans)
        assert all(len(span) == 2 and 0 <= span[0] <= span[1] <= 20 for span in spans)


@pytest.mark.parametrize(
    ("constraints", "message"),
    [
        ("{nmus: {max_size: 3}}", "unknown constraint or parameter 'nmus'"),
        ("{nums: {max_len: 3}}", "'nums': unknown constraint(s) ['max_len']"),
        ("{nums: {min_size: 4, max_size: 2}}", "'nums': min_size 4 is larger than max_size 2"),
        ("{min_value: a}", "'min_value' must be a number"),
        ("{s: {alphabet: ''}}", "'s': 'alphabet' must be a non-empty string"),
        ("{k: {values: []}}", "'k': 'values' must be a non-empty list"),
        ("{nums: 3}", "'nums': expected a mapping of constraints"),
        ("{max_result: 0}", "'max_result' must be a positive integer"),
        (
            "{spans: {items: {min_size: 3, max_size: 2}}}",
            "'spans': items: min_size 3 is larger than max_size 2",
        ),
        ("{spans: {items: {size: 2}}}", "'spans': items: unknown constraint(s) ['size']"),
        ("{k: {min_value: 0.2, max_value: 0.7}}", "'k': no value fits the constraints"),
    ],
)
def test_bad_constraints_are_clear_collection_errors(
    pytester: pytest.Pytester, constraints: str, message: str
) -> None:
    text = (
        CONSTRAINED.split("    constraints:")[0]
        + f"    constraints: {constraints}\n"
        + ("    inputs:\n      - {nums: [1, 2], s: '(', k: 1, rows: [], spans: []}\n")
    )
    _write(pytester, text)
    result = pytester.runpytest(*ORACLE)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = result.stdout.str()
    assert "bench.yaml:3: snippet 'constrained': field 'constraints': " in output
    assert message in output
    assert "Traceback" not in output


SCHEMA = """\
category: misc
snippets:
  - id: schema
    code: |
      def schema(n: int, words: List[str], flag: bool) -> int:
          return n + sum(len(w) for w in words) + flag
    examples: 5
    schema:
      type: object
      properties:
        n: {type: integer, minimum: 3, maximum: 7, multipleOf: 2}
        words:
          type: array
          minItems: 1
          items: {type: string, pattern: "^[xy]+$", maxLength: 3}
    inputs:
      - {n: 4, words: [x], flag: false}
"""


def test_schema_bounds_its_parameters_and_annotations_fill_the_rest(
    pytester: pytest.Pytester,
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    _write(pytester, SCHEMA)
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    result.assert_outcomes(passed=6)
    values = list(_generated(read_report(pytester), ["n", "words", "flag"]).values())
    assert len(values) == 5
    properties = {
        "n": {"type": "integer", "minimum": 3, "maximum": 7, "multipleOf": 2},
        "words": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^[xy]+$", "maxLength": 3},
        },
    }
    for v in values:
        jsonschema.validate(
            {"n": v["n"], "words": v["words"]}, {"type": "object", "properties": properties}
        )
        assert isinstance(v["flag"], bool)
        assert len(v["words"]) <= 6  # the schema left maxItems open: kept small


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            "{type: object, properties: {n: {type: integer, minimum: 5, maximum: 1}}}",
            "the schema is unsatisfiable: no value matches it",
        ),
        ("{type: object, properties: {n: {type: integr}}}", "not a valid JSON Schema"),
        ("{type: object, properties: {m: {type: integer}}}", "unknown parameter(s) ['m']"),
        ("{type: integer}", "expected an object schema whose 'properties'"),
    ],
)
def test_bad_schema_is_a_clear_collection_error_naming_the_snippet(
    pytester: pytest.Pytester, schema: str, message: str
) -> None:
    _write(
        pytester,
        (
            "snippets:\n"
            "  - id: bounded\n"
            "    category: misc\n"
            "    code: |\n"
            "      def bounded(n: int) -> int:\n"
            "          return n\n"
            f"    schema: {schema}\n"
            "    inputs: ['1']\n"
        ),
    )
    result = pytester.runpytest(*ORACLE)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = result.stdout.str()
    assert "bench.yaml:2: snippet 'bounded': field 'schema': " in output
    assert message in output
    assert "Traceback" not in output


DISCARDS = """\
category: misc
snippets:
  - id: inverse
    code: |
      def inverse(x: int) -> float:
          return 1 / x
    examples: 4
    constraints: {x: {min_value: -2, max_value: 2}}
    inputs: ['1']
  - id: inverse_raises
    code: |
      def inverse_raises(x: int) -> float:
          return 1 / x
    raises: [ZeroDivisionError]
    examples: 4
    constraints: {x: {min_value: -2, max_value: 2}}
    inputs: ['1']
  - id: big
    code: |
      def big(n: int) -> List[int]:
          return list(range(n * 100))
    constraints: {n: {min_value: 5, max_value: 9}}
    inputs: ['0']
  - id: unknown
    code: |
      def unknown(xs):
          return xs
    inputs: ['[]']
"""


def test_invalid_inputs_are_discarded_and_a_shortfall_is_said_once(
    pytester: pytest.Pytester,
) -> None:
    _write(pytester, DISCARDS)
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    result.assert_outcomes(passed=11)
    cases = read_report(pytester)["cases"]
    inverse = sorted(
        ast.literal_eval(c["input"][2:])
        for c in cases
        if c["snippet"] == "inverse" and c["generated"]
    )
    assert inverse == [-2, -1, 2]  # 0 raised; 1 is a declared input
    raising = [c for c in cases if c["snippet"] == "inverse_raises" and c["generated"]]
    assert sorted(c["input"] for c in raising) == ["x=-1", "x=-2", "x=0", "x=2"]
    assert [c["expected"] for c in raising if c["input"] == "x=0"] == ["raise ZeroDivisionError"]
    assert not [c for c in cases if c["snippet"] in ("big", "unknown") and c["generated"]]
    output = result.stdout.str()
    assert output.count("got fewer than asked for") == 1
    result.stdout.fnmatch_lines(
        [
            "generated inputs: 3 snippet(s) got fewer than asked for:",
            "  bench.yaml::big: 0 of 3 generated inputs (*drawn; discarded: "
            "* result longer than 200 characters*",
            "  bench.yaml::inverse: 3 of 4 generated inputs (50 drawn; discarded: *duplicates*"
            "1 raised ZeroDivisionError*",
            "  bench.yaml::unknown: 0 of 3 generated inputs: no type for xs: annotate it*",
        ]
    )
    assert output.count("bench.yaml::inverse:") == 1


@pytest.mark.slow  # a long pytester run
def test_shortfall_is_said_once_under_xdist(pytester: pytest.Pytester) -> None:
    _write(pytester, DISCARDS)
    result = pytester.runpytest_subprocess(*ORACLE, "-n", "2")
    result.assert_outcomes(passed=11)
    output = result.stdout.str()
    assert output.count("bench.yaml::inverse: 3 of 4 generated inputs") == 1
    assert output.count("bench.yaml::big: 0 of 3") == 1


UNSTABLE = """\
category: misc
snippets:
  - id: noisy
    code: |
      import random
      def noisy(n: int) -> int:
          return random.randrange(10 ** 12) + n
    inputs: ['1']
  - id: spin
    timeout: 0.3
    code: |
      def spin(n: int) -> int:
          while True:
              n += 1
    inputs: ['1']
  - id: large_ok
    code: |
      def large_ok(n: int) -> List[int]:
          return list(range(n * 100))
    constraints: {n: {min_value: 5, max_value: 9}, max_result: 100000}
    inputs: ['0']
"""


def test_nondeterministic_and_timing_out_inputs_are_discarded(pytester: pytest.Pytester) -> None:
    _write(pytester, UNSTABLE)
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    generated = [c for c in read_report(pytester)["cases"] if c["generated"]]
    assert {c["snippet"] for c in generated} == {"large_ok"}
    assert len(generated) == 3
    result.stdout.fnmatch_lines(
        [
            "  bench.yaml::noisy: 0 of 3 generated inputs (*nondeterministic*",
            "  bench.yaml::spin: 0 of 3 generated inputs (1 drawn; discarded: 1 timeout)",
        ]
    )


def test_summary_and_report_compare_declared_with_generated(pytester: pytest.Pytester) -> None:
    _write(pytester, TWO)
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    result.stdout.fnmatch_lines(
        [
            "accuracy on declared vs generated inputs",
            "  inputs * oracle/vp",
            "  declared * 2/2 100.0%",
            "  generated * 6/6 100.0%",
        ]
    )
    report = read_report(pytester)
    inputs = report["summary"]["inputs"]
    assert inputs["declared"]["oracle/vp"]["n"] == 2
    assert inputs["generated"]["oracle/vp"]["n"] == 6
    assert {c["generated"] for c in report["cases"]} == {True, False}
    assert all(c["input"] for c in report["cases"])
    quiet = pytester.runpytest(*ORACLE, "--llm-examples=0")
    assert "declared vs generated" not in quiet.stdout.str()


def test_inputs_are_inferred_from_declared_values_without_annotations(
    pytester: pytest.Pytester,
) -> None:
    _write(
        pytester,
        (
            "snippets:\n"
            "  - id: plain\n"
            "    category: misc\n"
            "    code: |\n"
            "      def plain(xs, k, label=None):\n"
            "          return [x * k for x in xs]\n"
            "    inputs: ['[1, 2], 3', '[], 1']\n"
        ),
    )
    result = pytester.runpytest(*ORACLE, "--llm-report=report.json")
    result.assert_outcomes(passed=5)
    values = list(_generated(read_report(pytester), ["xs", "k", "label"]).values())
    assert len(values) == 3
    for v in values:
        assert set(v) == {"xs", "k"}  # a parameter with a default keeps it
        assert all(isinstance(x, int) for x in v["xs"]) and isinstance(v["k"], int)
