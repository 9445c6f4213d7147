"""Reading answers of compiled languages (tasks/native.py): the completed statement, the
call, and the answers refused before any run."""

from __future__ import annotations

import pytest

from pytest_llmexec.tasks.native import read_answer, refusal

ASSERTIONS = [
    (
        "assert(candidate(x) == std::vector<long>({1, 2}));",
        "candidate(x)",
        "std::vector<long>({1, 2})",
    ),
    (
        "assert(f(x).equals(new ArrayList<Long>(Arrays.asList(1l))));",
        "f(x)",
        "new ArrayList<Long>(Arrays.asList(1l))",
    ),
    ("assert_eq!(candidate(vec![1]), vec![2]);", "candidate(vec![1])", "vec![2]"),
    ("assert.deepEqual(candidate([1]),[2]);", "candidate([1])", "[2]"),
    ('assert(f("a==b") == "c")', 'f("a==b")', '"c"'),
]


@pytest.mark.parametrize(("reply", "call", "value"), ASSERTIONS)
def test_a_completed_assertion_gives_its_value_or_its_call(
    reply: str, call: str, value: str
) -> None:
    assert read_answer(f"[ANSWER]{reply}[/ANSWER]", "ANSWER", "output") == value
    assert read_answer(f"```\n{reply}\n```", "ANSWER", "input") == call


def test_anything_else_is_the_answer_as_written() -> None:
    assert (
        read_answer('I think [ANSWER] std::string("x)") [/ANSWER]', "ANSWER", "output")
        == 'std::string("x)")'
    )
    assert read_answer("a == b", "ANSWER", "output") == "a == b"  # not an assertion
    assert read_answer("assertEquals(1, f(2))", "ANSWER", "output") == "assertEquals(1, f(2))"


@pytest.mark.parametrize(
    ("task", "answer", "verdict", "why"),
    [
        ("output", "candidate(std::vector<long>({1}))", "wrong", "calls candidate(...) instead"),
        ("output", "1; return 0", "unparseable", "a ';' ends the statement"),
        ("output", "std::vector<long>({1, 2)", "unparseable", "an unmatched ')'"),
        ("input", "std::vector<long>({4, 8})", "unparseable", "no call of candidate(...)"),
        ("input", 'candidate(std::string("f("))', None, ""),
        ("output", 'std::string("candidate(x)")', None, ""),  # in a string: no call
    ],
)
def test_answers_that_would_pass_without_saying_anything_are_refused(
    task: str, answer: str, verdict: str | None, why: str
) -> None:
    refused = refusal(task, answer, "candidate((std::vector<long>({1, 2})))")
    if verdict is None:
        assert refused is None
    else:
        assert refused is not None and refused.verdict == verdict and why in refused.problem
