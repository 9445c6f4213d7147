"""RE2-Bench's scoring rule as ported (tasks/re2rule.py), on values of our own."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_llmexec.execution import make_executor
from pytest_llmexec.tasks import re2bench, re2parse, re2rule


def ratio(predicted: Any, truth: Any) -> float:
    return re2rule.ratio(predicted, truth)


@pytest.mark.parametrize(
    ("predicted", "truth", "expected"),
    [
        (5, 5, 1.0),
        (5.0, 5, 0.0),  # type-strict
        (True, 1, 0.0),
        ([1, 2], [1, 2], 1.0),
        ([1, 9], [1, 2], 0.5),  # element by element
        ([1, 2, 3], [1, 2], 0.0),  # a longer prediction scores 0
        ([1], [1, 2], 1.0),  # a shorter one: the missing element is not counted
        ([], [1, 2], 0.0),
        ({"a": 1, "b": 2}, {"a": 1, "b": 3}, 0.5),  # per ground-truth key
        ({"a": 1, "b": 2, "c": 0}, {"a": 1, "b": 2}, 0.0),  # an extra key scores 0
        ({"a": 1}, {"a": 1, "b": 2}, 0.5),
        ("{1, 3}", "{1, 2}", 0.5),  # set-looking strings: by intersection
        ("5", 5, 1.0),  # a string read back (a literal, so in this process)
        ("[1.0 2.0]", [1.0, 2.0], 1.0),  # a numpy dump
        (None, None, 1.0),
        ({}, {}, 1.0),
    ],
)
def test_partial_compare(predicted: Any, truth: Any, expected: float) -> None:
    assert ratio(predicted, truth) == pytest.approx(expected)


def test_an_eval_of_a_non_literal_moves_to_the_child() -> None:
    with pytest.raises(re2rule.NeedsChild):
        ratio("sorted([2, 1])", [1, 2])
    with pytest.raises(re2rule.NeedsChild):  # looks like a dict: upstream evals it
        ratio({"output": "{Q.integer}"}, {"output": "x"})


def test_the_child_evaluates_as_upstream_does() -> None:
    executor = make_executor()
    try:
        row = re2bench.Row("output", "cruxeval", {}, [1, 2], "f", None, "x.py", __file__)  # type: ignore[arg-type]
        assert re2bench.score(row, {"output": "sorted([2, 1])"}, executor.run).rs == 1
        named = re2bench.score(row, {"output": "undefined_name"}, executor.run)
        assert (named.verdict, named.rs, named.partial_rs) == ("wrong", 0, 0.0)
        # an eval that would touch the machine runs only in the sandbox; it scores 0 here
        hostile = re2bench.score(row, {"output": "__import__('os').getpid()"}, executor.run)
        assert hostile.rs == 0
    finally:
        executor.close()


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('[OUTPUT]\n```\n{"output": [1, 2]}\n```\n[/OUTPUT]', {"output": [1, 2]}),
        ('[THOUGHT]x[/THOUGHT]\n[OUTPUT]\n{"output": 3,}\n[/OUTPUT]', {"output": 3}),
        # an unquoted value is quoted until the block parses
        ('[OUTPUT]\n{"output": Q.positive}\n[/OUTPUT]', {"output": "Q.positive"}),
        ('[OUTPUT]\n{"output": 1} # why\n', {"output": 1}),  # a comment, no closing tag
        ('[output]\n```json\n{"a": "#1"}\n```', {"a": "#1"}),  # '#' inside a string stays
    ],
)
def test_extract_output_json_easy(reply: str, expected: Any) -> None:
    assert re2parse.extract_output_json_easy(reply, "output")["json"] == expected


def test_a_reply_without_the_block_reads_as_an_empty_prediction() -> None:
    prediction, unread = re2bench.read_prediction("the answer is 3", "output")
    assert prediction == {} and "not found" in unread
    parsed, _ = re2bench.read_prediction('{"re2bench_parsed_prediction": [1]}', "output")
    assert parsed == [1]


def test_build_call_code_writes_the_call_as_upstream() -> None:
    code = re2rule.build_call_code("f", {"s": 'say "hi"', "n": 2}, {"k": "v"})
    assert code == 'f(s=\'say "hi"\',n=2,k="v",)'
