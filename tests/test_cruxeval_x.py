"""CRUXEval-X rows: read, answers put in place of ????, and CRUXEval-X's verdicts kept apart."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_llmexec.execution.native import NativeExecutor
from pytest_llmexec.languages import Cpp, Java
from pytest_llmexec.languages.cruxeval_x import Row, read_rows, verdict

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
    assert "CRUXEval-X files are named by language: cpp.jsonl, java.jsonl" in str(problems[0])
    _, problems = read_rows(write_rows(tmp_path, "java.jsonl"))
    assert "holds no rows" in str(problems[0])


@pytest.fixture(scope="module")
def executor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NativeExecutor]:
    if shutil.which("g++") is None or not Path("/usr/share/java/javatuples.jar").is_file():
        pytest.skip("needs g++, a JDK and javatuples (apt-get install libjavatuples-java)")
    native = NativeExecutor([Cpp(), Java()], cache_dir=tmp_path_factory.mktemp("cache"))
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
    assert verdict(executor.run(language, row.program(task, answer))) == expected


@pytest.mark.parametrize("name", ["cpp", "java"])
def test_a_row_is_a_native_case(name: str) -> None:
    from pytest_llmexec.languages.problem import NativeCase

    row: NativeCase = first_row(name)
    assert row.language == name and row.prints is False
    assert row.truth_program() == first_row(name).code
    for task in ("output", "input"):
        assert row.shown(task, None).count("????") == 1
        answer = row.oracle_answer(task, None)
        assert row.answer_program(task, answer, None) == row.truth_program()
