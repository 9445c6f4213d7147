"""CRUXEval-X rows: read, answers put in place of ????, and CRUXEval-X's verdicts kept apart."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_llmexec.datasets.cruxeval_x import Row, read_rows
from pytest_llmexec.execution.native import ASSERTION_FAILED, NativeExecutor
from pytest_llmexec.languages import Cpp, Java, JavaScript, LanguageError, Rust
from pytest_llmexec.tasks.native import verdict

FIXTURES = Path(__file__).with_name("fixtures") / "cruxeval_x"


@pytest.mark.parametrize("name", ["cpp", "java"])
def test_fixture_rows_are_read_and_rebuilt(name: str) -> None:
    rows, problems = read_rows(FIXTURES / f"{name}.jsonl")
    assert problems == []
    assert len(rows) == 37
    assert {row.language for row in rows} == {name}
    for row in rows:
        assert row.program("output", row.recorded["output"]) == row.code
        assert row.program("input", row.recorded["input"]) == row.code
    first = rows[0]
    assert first.id == "CRUXEval/0"
    if name == "cpp":
        assert first.recorded["output"] == "(std::vector<long>({4, 8}))"
        assert first.recorded["input"] == "candidate((std::vector<long>({1, 2, 3, 4})))"
    else:
        assert first.recorded["output"] == "(new ArrayList<Long>(Arrays.asList(4l, 8l)))"
        assert first.recorded["input"].startswith("f((new ArrayList<Long>(")


def write_rows(tmp_path: Path, name: str, *rows: object) -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


GOOD = {
    "id": "X/1",
    "code": "int f() { return 1; }\nint main() {\n    assert(f() == 1);\n}\n",
    "input_reasoning": "int main() {\n    assert(???? == 1);\n}\n",
    "output_reasoning": "int main() {\n    assert(f() == ????);\n}\n",
}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "cpp.jsonl:2: invalid JSON"),
        ([1], "cpp.jsonl:2: each line must be a JSON object"),
        ({"id": "X/2", "code": "x"}, "field 'input_reasoning': row lacks"),
        ({**GOOD, "id": "X/2", "code": 5}, "field 'code': must be a string, not int"),
        ({**GOOD, "id": "X/1"}, "snippet 'X/1': field 'id': duplicate id (first at line 1)"),
        (
            {**GOOD, "id": "X/2", "output_reasoning": "int main() {}\n"},
            "field 'output_reasoning': must hold ???? exactly once",
        ),
        (
            {**GOOD, "id": "X/2", "output_reasoning": "int main() { g(????); }\n"},
            "field 'output_reasoning': is not the end of the row's code",
        ),
    ],
)
def test_a_bad_row_is_named_and_the_others_load(tmp_path: Path, row: object, message: str) -> None:
    rows, problems = read_rows(write_rows(tmp_path, "cpp.jsonl", GOOD, row))
    assert [r.id for r in rows] == ["X/1"]
    assert len(problems) == 1
    assert message in str(problems[0])


def test_the_language_is_the_file_stem(tmp_path: Path) -> None:
    rows, problems = read_rows(write_rows(tmp_path, "cobol.jsonl", GOOD))
    assert rows == []
    assert (
        "CRUXEval-X files are named by language: cpp.jsonl, java.jsonl, js.jsonl, rs.jsonl"
        in str(problems[0])
    )
    _, problems = read_rows(write_rows(tmp_path, "java.jsonl"))
    assert "holds no rows" in str(problems[0])


@pytest.fixture(scope="module")
def executor(seeded_cache: Callable[..., Path]) -> Iterator[NativeExecutor]:
    if shutil.which("g++") is None or not Path("/usr/share/java/javatuples.jar").is_file():
        pytest.skip("needs g++, a JDK and javatuples (apt-get install libjavatuples-java)")
    native = NativeExecutor([Cpp(), Java()], cache_dir=seeded_cache("cpp", "java"))
    yield native
    native.close()


def first_row(name: str) -> Row:
    return read_rows(FIXTURES / f"{name}.jsonl")[0][0]  # double_evens([1, 2, 3, 4]) == [4, 8]


@pytest.mark.parametrize(
    ("name", "task", "answer", "expected"),
    [
        ("cpp", "output", "std::vector<long>({4, 8})", "correct"),
        ("cpp", "output", "std::vector<long>({8, 4})", "wrong"),
        ("cpp", "output", "[4, 8]", "unparseable"),
        ("cpp", "input", "candidate(std::vector<long>({4, 3, 2}))", "wrong"),
        ("java", "output", "new ArrayList<Long>(Arrays.asList(4l, 8l))", "correct"),
        ("java", "input", "f(new ArrayList<Long>(Arrays.asList(2l, 4l)))", "correct"),
        ("java", "input", "f(new ArrayList<Long>(Arrays.asList(1l)))", "wrong"),
        ("java", "input", "f([1, 2])", "unparseable"),
    ],
)
def test_answers_are_scored_as_cruxeval_x_does_with_the_verdicts_apart(
    executor: NativeExecutor, name: str, task: str, answer: str, expected: str
) -> None:
    row = first_row(name)
    language = Cpp() if name == "cpp" else Java()
    assert verdict(executor.run_program(language, row.program(task, answer))) == expected


@pytest.mark.parametrize("name", ["cpp", "java", "js", "rs"])
def test_a_row_is_a_native_case(name: str) -> None:
    from pytest_llmexec.languages.problem import NativeCase

    row: NativeCase = first_row(name)
    assert row.language == name and row.prints is False
    assert row.truth_program() == first_row(name).code
    for task in ("output", "input"):
        assert row.shown(task, None).count("????") == 1
        answer = row.oracle_answer(task, None)
        assert row.answer_program(task, answer, None) == row.truth_program()


def test_a_placeholder_for_the_arguments_stands_for_the_whole_call(tmp_path: Path) -> None:
    """CRUXEval-X's own C++ rows write ``candidate(????)``; models answer the whole call."""
    row = {
        **GOOD,
        "input_reasoning": "int main() {\n    assert(f(????) == 1);\n}\n",
    }
    row["code"] = "int f() { return 1; }\nint main() {\n    assert(f() == 1);\n}\n"
    rows, problems = read_rows(write_rows(tmp_path, "cpp.jsonl", row))
    assert problems == []
    assert rows[0].recorded["input"] == "f()"
    assert rows[0].program("input", "f()") == row["code"]
    assert rows[0].shown("input", None).endswith("assert(???? == 1);\n}\n")


# --------------------------------------------------------------------------- JavaScript and Rust

#: CRUXEval-X's own js.jsonl / rs.jsonl shape: integer ids, the input reasoning writes
#: ``candidate(????)`` (the answer is the whole call, as published), Rust's reasoning texts
#: start at f's closing brace
JSRS_ROWS = 28


@pytest.fixture(scope="module")
def jsrs(seeded_cache: Callable[..., Path]) -> Iterator[NativeExecutor]:
    languages = []
    for language in (JavaScript(), Rust()):
        with contextlib.suppress(LanguageError):
            language.toolchain()
            languages.append(language)
    if not languages:
        pytest.skip("needs node or rustc (.ci/run installs them)")
    native = NativeExecutor(languages, cache_dir=seeded_cache("js", "rs", name="jsrs-cache"))
    yield native
    native.close()


def wrong(output: str, name: str) -> str:
    """A different value of the same type, by editing the recorded output's text: the first
    boolean flipped, else the first digit moved on, else the first quoted character, else an
    empty collection given an item."""
    for text, other in (("true", "false"), ("false", "true")):
        if re.search(rf"\b{text}\b", output):
            return re.sub(rf"\b{text}\b", other, output, count=1)
    digit = re.search(r"\d", output)
    if digit:
        moved = str((int(digit.group()) + 1) % 10)
        return output[: digit.start()] + moved + output[digit.end() :]
    quoted = re.search(r"[\"'](\w)", output)
    if quoted:
        moved = "a" if quoted.group(1) == "z" else chr(ord(quoted.group(1)) + 1)
        return output[: quoted.start(1)] + moved + output[quoted.end(1) :]
    empties = {
        "[]": "[0]",
        "{}": '{"x": 0}',
        "Vec::<isize>::new()": "vec![0]",
        "HashMap::<String, isize>::new()": 'HashMap::from([(String::from("x"), 0)])',
    }
    return empties[output.strip()]


@pytest.mark.parametrize("name", ["js", "rs"])
def test_js_and_rs_rows_are_read_in_cruxeval_x_shape(name: str) -> None:
    rows, problems = read_rows(FIXTURES / f"{name}.jsonl")
    assert problems == []
    assert len(rows) == JSRS_ROWS
    assert [row.id for row in rows] == [str(n) for n in range(JSRS_ROWS)]
    for row in rows:
        assert row.program("output", row.recorded["output"]) == row.code
        assert row.program("input", row.recorded["input"]) == row.code
    first = rows[0]
    if name == "js":
        assert first.recorded == {"output": "[4, 8]", "input": "candidate([1, 2, 3, 4])"}
        assert first.reasoning["output"].startswith("const assert = require('node:assert');")
    else:
        assert first.recorded == {"output": "vec![4, 8]", "input": "candidate(vec![1, 2, 3, 4])"}
        assert first.reasoning["input"].startswith("}\n\nfn main() {\n")


@pytest.mark.parametrize("name", ["js", "rs"])
def test_every_js_and_rs_row_passes_and_a_wrong_answer_fails(
    jsrs: NativeExecutor, name: str
) -> None:
    language = jsrs.languages.get(name) or pytest.skip(f"no {name} toolchain here")
    rows, _ = read_rows(FIXTURES / f"{name}.jsonl")
    for row in rows:
        outcome = jsrs.run_program(language, row.code)
        assert outcome.status == "ok", (row.id, outcome)
        answer = wrong(row.recorded["output"], name)
        assert answer != row.recorded["output"]
        failed = jsrs.run_program(language, row.program("output", answer))
        assert failed.status == ASSERTION_FAILED, (row.id, answer, failed)
        assert verdict(failed) == "wrong"


@pytest.mark.parametrize(
    ("name", "task", "answer", "expected"),
    [
        ("js", "output", "[4, 8]", "correct"),
        ("js", "output", "[8, 4]", "wrong"),
        ("js", "output", "[4, 8", "unparseable"),
        ("js", "input", "candidate([2, 4, 5])", "correct"),
        ("js", "input", "candidate([2])", "wrong"),
        ("js", "input", "candidate(undefinedName)", "wrong"),  # parses; fails when run
        ("rs", "output", "vec![4, 8]", "correct"),
        ("rs", "output", "vec![8, 4]", "wrong"),
        ("rs", "output", "[4, 8]", "correct"),  # Vec == array: Rust compares them
        ("rs", "output", 'String::from("4, 8")', "unparseable"),  # a type error
        ("rs", "input", "candidate(vec![2, 4, 5])", "correct"),
        ("rs", "input", "candidate(vec![1])", "wrong"),
        ("rs", "input", "candidate([1, 2, 3, 4])", "unparseable"),
    ],
)
def test_js_and_rs_answers_are_scored_as_cruxeval_x_does(
    jsrs: NativeExecutor, name: str, task: str, answer: str, expected: str
) -> None:
    language = jsrs.languages.get(name) or pytest.skip(f"no {name} toolchain here")
    row = read_rows(FIXTURES / f"{name}.jsonl")[0][0]  # double_evens([1, 2, 3, 4]) == [4, 8]
    assert verdict(jsrs.run_program(language, row.program(task, answer))) == expected


def test_cruxeval_x_files_number_their_rows(tmp_path: Path) -> None:
    """CRUXEval-X's own files have integer ids ({"id": 0, ...}); a boolean is no id."""
    rows, problems = read_rows(write_rows(tmp_path, "cpp.jsonl", {**GOOD, "id": 0}))
    assert ([row.id for row in rows], problems) == (["0"], [])
    _, problems = read_rows(write_rows(tmp_path, "cpp.jsonl", {**GOOD, "id": True}))
    assert "field 'id': must be a string, not bool" in str(problems[0])
