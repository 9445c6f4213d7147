"""Translations of suite snippets (``language: cpp | java``): read, loaded, put into programs.

The entry point is read from the translation's code by the language module;
the loader gives each translation its Python snippet's inputs and description;
`SuiteCase` makes the programs: the truth (prints the result), the one shown,
the one that scores an answer. Those run in the sandbox here, as in a run.
"""

from __future__ import annotations

import ast
import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.datasets import Snippet
from pytest_llmexec.datasets.suite import read_yaml
from pytest_llmexec.datasets.translation import SuiteCase
from pytest_llmexec.execution import make_executor
from pytest_llmexec.execution.api import OK, Call
from pytest_llmexec.execution.native import ASSERTION_FAILED, COMPILE_ERROR, NativeExecutor
from pytest_llmexec.languages import Cpp, Java, LanguageError, get, names
from pytest_llmexec.languages.base import Parameter, Signature

CPP_CLASS = """\
// class Decoy { public: int f() { return 0; } };
class Solution {
    int helper(int x) { return x; }
public:
    vector<vector<int>> merge(const vector<vector<int>>& intervals, long long k = 3) {
        string s = "}{ public: int g() {";
        auto f = [&](int a) { return a; };
        return {};
    }
private:
    static int other(map<int, int> m) { return 0; }
};
"""

JAVA_CLASS = """\
class Solution {
    private int helper(int x) { return x; }
    /* public int decoy() { } */
    public List<List<Integer>> merge(int[][] intervals, final List<String> words) {
        String s = "}{";
        return new ArrayList<>();
    }
}
"""


def test_cpp_signature_is_the_public_method_of_solution() -> None:
    assert Cpp().signature(CPP_CLASS) == Signature(
        "merge",
        "vector<vector<int>>",
        (Parameter("intervals", "vector<vector<int>>"), Parameter("k", "long long")),
        "Solution",
    )


def test_cpp_signature_of_a_free_function_a_struct_and_an_entry() -> None:
    free = Cpp().signature("long long twice(long long n) { return 2 * n; }\n")
    assert (free.entry, free.returns, free.names) == ("twice", "long long", ["n"])
    struct = Cpp().signature("struct Solution { bool f(string s) { return true; } };")
    assert struct.entry == "Solution.f"
    two = "class Solution { public: int a() { return 1; } int b() { return 2; } };"
    assert Cpp().signature(two, "b").name == "b"
    assert Cpp().signature(two, "Solution.a").name == "a"
    with pytest.raises(LanguageError, match=r"2 public methods \['a', 'b'\]; say which"):
        Cpp().signature(two)
    with pytest.raises(LanguageError, match="no C\\+\\+ function or Solution method named 'c'"):
        Cpp().signature(two, "c")


def test_java_signature_is_the_public_method_of_solution() -> None:
    signature = Java().signature(JAVA_CLASS)
    assert signature == Signature(
        "merge",
        "List<List<Integer>>",
        (Parameter("intervals", "int[][]"), Parameter("words", "List<String>")),
        "Solution",
    )
    with pytest.raises(LanguageError, match="class Solution with one public method"):
        Java().signature("class Other { public int f() { return 1; } }")


def test_the_call_and_the_program_in_each_language() -> None:
    cpp = Cpp()
    signature = cpp.signature(CPP_CLASS)
    call = cpp.call(signature, [cpp.argument([[1, 3], [2, 6]], "vector<vector<int>>"), "3"])
    assert call == "Solution().merge({{1, 3}, {2, 6}}, 3)"
    program = cpp.program(CPP_CLASS, [cpp.assertion(call, "????", signature.returns)])
    assert program.startswith("#include <bits/stdc++.h>\nusing namespace std;\n\n// class Decoy")
    assert program.endswith("int main() {\n    assert(" + call + " == ????);\n}\n")
    java = Java()
    signature = java.signature(JAVA_CLASS)
    arguments = [java.argument([[1]], "int[][]"), java.argument(["a"], "List<String>")]
    call = java.call(signature, arguments)
    assert call == (
        'new Solution().merge(new int[][]{new int[]{1}}, new ArrayList<String>(Arrays.asList("a")))'
    )
    program = java.program(JAVA_CLASS, [java.print_statement(call)], printing=True)
    assert program.startswith("import java.util.*;\nimport java.util.stream.*;\n\nclass Solution")
    assert java.main_class(program) == "Problem"
    assert java.assertion("a", "b", "int[]") == "assert Arrays.equals(a, b);"
    assert java.assertion("a", "b", "long") == "assert a == b;"
    assert java.assertion("a", "b", "List<Integer>") == "assert Objects.equals(a, b);"


# --------------------------------------------------------------------------- the loader

PYTHON_SNIPPET = """\
  - id: pair_sum
    difficulty: easy
    complexity: O(n)
    tags: [array]
    description: {en: Indices of two numbers adding up to target.}
    code: |
      class Solution:
          def twoSum(self, nums: List[int], target: int) -> List[int]:
              seen = {}
              for i, x in enumerate(nums):
                  if target - x in seen:
                      return [seen[target - x], i]
                  seen[x] = i
              return []
    inputs:
      - {nums: [2, 7, 11, 15], target: 9}
      - "[3, 2, 4], 6"
      - "[3, 3], target=6"
"""

CPP_TWO_SUM = """\
  - id: pair_sum
    language: cpp
    difficulty: medium
    code: |
      class Solution {
      public:
          vector<int> twoSum(vector<int> nums, int target) {
              unordered_map<int, int> seen;
              for (int i = 0; i < (int)nums.size(); i++) {
                  int x = nums[i];
                  if (seen.count(target - x)) return {seen[target - x], i};
                  seen[x] = i;
              }
              return {};
          }
      };
"""

JAVA_TWO_SUM = """\
  - id: pair_sum
    language: java
    code: |
      class Solution {
          public int[] twoSum(int[] nums, int target) {
              Map<Integer, Integer> seen = new HashMap<>();
              for (int i = 0; i < nums.length; i++) {
                  int x = nums[i];
                  if (seen.containsKey(target - x)) return new int[]{seen.get(target - x), i};
                  seen.put(x, i);
              }
              return new int[]{};
          }
      }
"""


def _file(tmp_path: Path, *snippets: str) -> Path:
    path = tmp_path / "hash_table.yaml"
    path.write_text("snippets:\n" + "".join(snippets))
    return path


def test_a_translation_takes_the_python_snippets_inputs_and_description(
    tmp_path: Path,
) -> None:
    loaded = read_yaml(_file(tmp_path, CPP_TWO_SUM, PYTHON_SNIPPET, JAVA_TWO_SUM))
    assert loaded.problems == []
    python, cpp, java = sorted(loaded.snippets, key=lambda s: s.language != "python")
    assert (python.language, cpp.language, java.language) == ("python", "cpp", "java")
    assert cpp.id == java.id == "pair_sum"
    assert cpp.entry == java.entry == "Solution.twoSum"
    assert cpp.input_ids == python.input_ids == ("i0", "i1", "i2")
    assert (cpp.category, cpp.complexity, cpp.tags) == ("hash_table", "O(n)", ("array",))
    assert cpp.difficulty == "medium" and java.difficulty == "easy"  # overridden, inherited
    assert dict(java.description) == {"en": "Indices of two numbers adding up to target."}
    assert cpp.examples == 0  # generated inputs are the Python snippet's
    assert [case.call for case in cpp.cases()] == [
        "Solution().twoSum({2, 7, 11, 15}, 9)",
        "Solution().twoSum({3, 2, 4}, 6)",
        "Solution().twoSum({3, 3}, 6)",
    ]
    natives = [case.native for case in java.cases()]
    assert all(isinstance(native, SuiteCase) for native in natives)
    assert [n.arguments for n in natives if isinstance(n, SuiteCase)][1] == {
        "nums": [3, 2, 4],
        "target": 6,
    }


@pytest.mark.parametrize(
    ("translation", "message"),
    [
        (CPP_TWO_SUM.replace("pair_sum", "other"), "needs a Python snippet with the id 'other'"),
        (
            CPP_TWO_SUM.replace("language: cpp", "language: rust"),
            "field 'language': unknown language 'rust'; known: " + ", ".join(names()),
        ),
        (
            CPP_TWO_SUM.replace("int target)", "int goal)"),
            "twoSum(nums, goal) does not take input i0's arguments (nums, target)",
        ),
        (
            CPP_TWO_SUM.replace("int target)", "string target)"),
            "input i0: cannot write 9 as the C++ type 'string': not a string",
        ),
        (CPP_TWO_SUM + "    inputs: [{nums: [1], target: 1}]\n", "no 'inputs' of its own"),
        (
            CPP_TWO_SUM.replace("public:", ""),
            "cannot read the cpp entry point: the C++ class Solution has 0 public methods",
        ),
        (CPP_TWO_SUM.replace("language: cpp", "language: java"), "the Java type 'vector<int>'"),
        (
            CPP_TWO_SUM.replace("language: cpp", "language: js"),
            "reading a suite snippet's signature is not supported for js",
        ),
    ],
)
def test_a_bad_translation_costs_only_itself(
    tmp_path: Path, translation: str, message: str
) -> None:
    loaded = read_yaml(_file(tmp_path, PYTHON_SNIPPET, translation, JAVA_TWO_SUM))
    assert [s.language for s in loaded.snippets] == ["python", "java"]
    (problem,) = loaded.problems
    assert str(problem).startswith(f"{tmp_path / 'hash_table.yaml'}:")
    assert message in str(problem)


def test_a_bad_translations_problem_knows_its_language(tmp_path: Path) -> None:
    """So that its failing test carries the language's marker (--llm-language selects it)."""
    bad = CPP_TWO_SUM.replace("int target)", "int goal)")
    (problem,) = read_yaml(_file(tmp_path, PYTHON_SNIPPET, bad)).problems
    assert problem.language == "cpp"
    unknown = CPP_TWO_SUM.replace("language: cpp", "language: rust")
    (problem,) = read_yaml(_file(tmp_path, PYTHON_SNIPPET, unknown)).problems
    assert problem.language is None


def test_translations_of_in_place_snippets_and_twins_are_refused(tmp_path: Path) -> None:
    in_place = PYTHON_SNIPPET.replace("    tags:", "    score: nums\n    tags:")
    loaded = read_yaml(_file(tmp_path, in_place, CPP_TWO_SUM, CPP_TWO_SUM))
    assert [str(p).split(": ", 1)[1] for p in loaded.problems] == [
        "snippet 'pair_sum': field 'language': the Python snippet has 'score': translations "
        "are of snippets scored on their return value only"
    ] * 2
    loaded = read_yaml(_file(tmp_path, PYTHON_SNIPPET, CPP_TWO_SUM, CPP_TWO_SUM))
    (problem,) = loaded.problems
    assert "duplicate cpp translation (first defined at line" in str(problem)


# --------------------------------------------------------------------------- the programs


@pytest.fixture(scope="module")
def executor(seeded_cache: Callable[..., Path]) -> Iterator[NativeExecutor]:
    if shutil.which("g++") is None or shutil.which("javac") is None:
        pytest.skip(
            "needs g++ and a JDK (apt-get install g++ openjdk-17-jdk-headless; .ci/run does)"
        )
    native = NativeExecutor([Cpp(), Java()], cache_dir=seeded_cache("cpp", "java", name="native"))
    yield native
    native.close()


@pytest.mark.parametrize(
    ("translation", "answers"),
    [
        (CPP_TWO_SUM, ["{1, 2}", "vector<int>({1, 2})", "vector<int>{1, 2}"]),
        (JAVA_TWO_SUM, ["new int[]{1, 2}", "{1, 2}"]),
    ],
)
def test_programs_give_the_truth_and_score_each_way_of_writing_it(
    tmp_path: Path, executor: NativeExecutor, translation: str, answers: list[str]
) -> None:
    loaded = read_yaml(_file(tmp_path, PYTHON_SNIPPET, translation))
    (snippet,) = [s for s in loaded.snippets if s.language != "python"]
    native = snippet.cases()[1].native
    assert isinstance(native, SuiteCase)
    language = get(native.language)
    truth = executor.run_program(language, native.truth_program())
    assert (truth.status, language.read_value(truth.value or "")) == (OK, [1, 2])
    assert "????" in native.shown("output", truth.value)
    assert "????" in native.shown("input", truth.value)

    def status(task: str, answer: str) -> str:
        return executor.run_program(
            language, native.answer_program(task, answer, truth.value)
        ).status

    for task in ("output", "input"):
        assert status(task, native.oracle_answer(task, truth.value)) == OK
    for answer in answers:
        assert status("output", answer) == OK, answer
    assert status("output", "{0, 2}" if native.language == "cpp" else "new int[]{0, 2}") == (
        ASSERTION_FAILED
    )
    assert status("output", "[1, 2]") == COMPILE_ERROR
    call = native.call()
    assert status("input", call.replace("{3, 2, 4}", "{2, 3, 4}")) == ASSERTION_FAILED
    assert status("input", call + ";") == OK


FREE_FUNCTION = """\
  - id: add_one
    code: |
      def add_one(n: int) -> int:
          return n + 1
    inputs: [{n: 2}, {n: 4000000000}]
  - id: add_one
    language: cpp
    code: |
      long long add_one(long long n) { return n + 1; }
"""


def test_a_number_that_does_not_fit_the_result_type_is_not_taken(
    tmp_path: Path, executor: NativeExecutor
) -> None:
    """``long long x = 3.7`` would compile to 3 and score a wrong answer as right."""
    loaded = read_yaml(_file(tmp_path, FREE_FUNCTION))
    (snippet,) = [s for s in loaded.snippets if s.language == "cpp"]
    assert [case.call for case in snippet.cases()] == ["add_one(2)", "add_one(4000000000LL)"]
    native = snippet.cases()[0].native
    assert isinstance(native, SuiteCase)
    language = get("cpp")
    truth = executor.run_program(language, native.truth_program()).value
    assert native.answer_program("output", "3", truth).count("long long llmexec_answer{3};") == 1

    def status(answer: str) -> str:
        return executor.run_program(language, native.answer_program("output", answer, truth)).status

    assert [status(a) for a in ("3", "3LL", "3.7", "3.0", "4")] == [
        OK,
        OK,
        COMPILE_ERROR,
        COMPILE_ERROR,
        ASSERTION_FAILED,
    ]


# --------------------------------------------------------------------------- the shipped suite

BENCHMARKS = Path(__file__).resolve().parent.parent / "pytest_llmexec" / "benchmarks"


def _shipped() -> tuple[dict[tuple[str, str], Snippet], list[Snippet]]:
    """The shipped suite's Python snippets by (file, id), and its translations."""
    python: dict[tuple[str, str], Snippet] = {}
    translations: list[Snippet] = []
    for path in sorted(BENCHMARKS.glob("*.yaml")):
        loaded = read_yaml(path)
        assert loaded.problems == [], loaded.problems
        for snippet in loaded.snippets:
            if snippet.language == "python":
                python[(path.name, snippet.id)] = snippet
            else:
                translations.append(snippet)
    return python, translations


PYTHON_SNIPPETS, TRANSLATIONS = _shipped()


def test_the_shipped_translations_cover_the_list_in_each_language() -> None:
    """C++ translates >= 60 snippets, >= 3 in each of 15 categories; the other languages
    translate the same ones (a part of them while they are being written)."""
    by_language: dict[str, set[tuple[str, str]]] = {}
    for snippet in TRANSLATIONS:
        by_language.setdefault(snippet.language, set()).add((snippet.path.name, snippet.id))
    cpp = by_language.get("cpp", set())
    assert len(cpp) >= 60
    categories = Counter(name for name, _ in cpp)
    assert len(categories) == 15 and min(categories.values()) >= 3, categories
    assert not {"linked_list.yaml", "tree.yaml"} & set(categories)
    for language, chosen in by_language.items():
        assert chosen <= cpp, (language, sorted(chosen - cpp))
    assert by_language.get("java", set()) == cpp, "Java translates the same snippets as C++"


@pytest.fixture(scope="module")
def python_truths() -> Iterator[dict[tuple[str, str], list[Any]]]:
    """Each translated snippet's Python results (run by the fork server), as JSON values."""
    executor = make_executor()
    truths: dict[tuple[str, str], list[Any]] = {}
    try:
        for snippet in TRANSLATIONS:
            key = (snippet.path.name, snippet.id)
            if key in truths:
                continue
            values = []
            for case in PYTHON_SNIPPETS[key].cases():
                call = Call(code=case.snippet.code, entry=case.snippet.entry, args=case.args)
                outcome = executor.run(call)
                assert outcome.status == OK, (key, case.input_id, outcome)
                values.append(json.loads(json.dumps(ast.literal_eval(outcome.value or ""))))
            truths[key] = values
        yield truths
    finally:
        executor.close()


@pytest.mark.parametrize(
    "snippet",
    TRANSLATIONS,
    ids=[f"{s.language}-{s.path.stem}-{s.id}" for s in TRANSLATIONS],
)
def test_a_translation_gives_the_python_result_on_every_input(
    snippet: Snippet,
    executor: NativeExecutor,
    python_truths: dict[tuple[str, str], list[Any]],
) -> None:
    """One program per translation prints every input's result; each equals Python's as JSON."""
    language = get(snippet.language)
    natives = [case.native for case in snippet.cases()]
    assert all(isinstance(native, SuiteCase) for native in natives)
    calls = [native.call() for native in natives if isinstance(native, SuiteCase)]
    program = language.program(
        snippet.code, [language.print_statement(call) for call in calls], printing=True
    )
    outcome = executor.run_program(language, program, timeout=30)
    assert outcome.status == OK, outcome.detail
    printed = [json.loads(line) for line in (outcome.value or "").splitlines() if line.strip()]
    expected = python_truths[(snippet.path.name, snippet.id)]
    assert len(printed) == len(expected)
    for input_id, call, got, want in zip(snippet.input_ids, calls, printed, expected, strict=True):
        assert _same(got, want), f"{snippet.path.name}::{snippet.id} [{input_id}] {call}: {got}"


def _same(a: Any, b: Any) -> bool:
    """JSON equality that tells booleans, integers and floats apart (Python: True == 1 == 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def test_results_are_compared_with_their_json_types() -> None:
    assert _same([1, [True, "a"]], [1, [True, "a"]]) and _same({"k": 2.5}, {"k": 2.5})
    assert not _same(1, True) and not _same(1, 1.0) and not _same([1], [1, 2])
    assert not _same({"k": 1}, {"k": True}) and not _same([[0]], [[False]])
