"""Answer extraction and comparison: unit cases, then the same through a pytest run."""

from __future__ import annotations

import math

import pytest
from helpers import read_report, write_json

from pytest_llmexec.answers import (
    NotALiteral,
    Raised,
    equal,
    extract_answer,
    parse_answer,
    parse_literal,
)


@pytest.mark.parametrize(
    ("reply", "text"),
    [
        ("[ANSWER][1, 2][/ANSWER]", "[1, 2]"),
        ("first [ANSWER]1[/ANSWER] then, on reflection, [ANSWER] 2 [/ANSWER]", "2"),
        ("Tracing...\n```python\n[3, 4]\n```\n", "[3, 4]"),
        ("```\nx\n```\nactually:\n```py\n'b'\n```", "'b'"),
        ("so:\nassert f('ab') == 'baab'\n", "'baab'"),
        ("[ANSWER]\n```python\nassert f(1) == {1: 2}\n```\n[/ANSWER]", "{1: 2}"),
        ("The answer is 42", "The answer is 42"),
        ("[ANSWER]7", "7"),  # unclosed final block
        ("  {'a': 1}  ", "{'a': 1}"),
        ("So the result is:\n```python\n[3, 4]\n", "[3, 4]"),  # cut before closing
        ("[ANSWER]\n```python\nassert f(1) == {1: 2}", "{1: 2}"),
        ("```\n1\n```\nno, it is:\n```python\n2", "2"),  # the open fence is the last
        ("```python\n[3, 4", "```python\n[3, 4"),  # cut inside its value: not guessed
        ("```python\n'a'\nbecause the loop", "```python\n'a'\nbecause the loop"),
        ("[ANSWER]```\nraise KeyError", "raise KeyError"),
    ],
    ids=[
        "tags",
        "last-tag",
        "fence",
        "last-fence",
        "assert",
        "assert-in-fence-in-tag",
        "prose",
        "unclosed",
        "whitespace",
        "open-fence",
        "open-fence-assert-in-tag",
        "open-fence-after-a-closed-one",
        "open-fence-cut-in-its-value",
        "open-fence-then-prose",
        "open-fence-raise",
    ],
)
def test_extraction(reply: str, text: str) -> None:
    assert extract_answer(reply) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[1, 2]", [1, 2]),
        ("(1,)", (1,)),
        ("{1, 2}", {1, 2}),
        ("set()", set()),
        ("{'a': [True, None]}", {"a": [True, None]}),
        ("true", True),
        ("null", None),
        ("[false, true]", [False, True]),
        ("-3.5", -3.5),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("1+2j", 1 + 2j),
        ("'x'.", "x"),
        ("42.", 42.0),  # a float literal, not a trailing period
        ("  'spaced'  ", "spaced"),
        ("b'xy'", b"xy"),
    ],
)
def test_lenient_literals(text: str, value: object) -> None:
    assert parse_literal(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "len([1])",
        "1 + 1",
        "x",
        "[1, 2",
        "",
        "lambda: 1",
        "{**a}",
        "[i for i in range(3)]",
        "print(1)",
        "open('f')",
    ],
)
def test_expressions_are_never_evaluated(text: str) -> None:
    with pytest.raises(NotALiteral):
        parse_literal(text)


def test_nan_and_raise_answers() -> None:
    assert math.isnan(parse_literal("nan"))
    assert equal(parse_literal("[nan, 1]"), [math.nan, 1])
    assert equal(float("nan"), float("nan"))
    assert not equal([1, 2], (1, 2))
    assert equal(1, 1.0)
    assert parse_answer("[ANSWER]raise ValueError[/ANSWER]").value == Raised("ValueError")
    assert not parse_answer("[ANSWER]the list [1, 2[/ANSWER]").ok


def test_custom_tag() -> None:
    reply = "[ANSWER_1]'[/ANSWER]'[/ANSWER_1]"
    assert parse_answer(reply, "ANSWER_1").value == "[/ANSWER]"


BENCH = """\
category: string
snippets:
  - id: rev
    code: |
      def rev(s: str) -> str:
          return s[::-1]
    inputs: [{s: "abc"}]
"""


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("[ANSWER]'cba'[/ANSWER]", "correct"),
        ("Let me think. [ANSWER]'abc'[/ANSWER] no wait [ANSWER]'cba'[/ANSWER]", "correct"),
        ("```python\n'cba'\n```", "correct"),
        ("The call returns\n```python\n'cba'\n", "correct"),  # a fence left open
        ("```python\n'cb", "unparseable"),  # cut inside the value
        ("assert rev('abc') == 'cba'", "correct"),
        ("'cba'.", "correct"),
        ("[ANSWER]'abc'[/ANSWER]", "wrong"),
        ("The result is the string cba.", "unparseable"),
        ("[ANSWER]rev('abc')[/ANSWER]", "unparseable"),
        ("[ANSWER]''.join(reversed('abc'))[/ANSWER]", "unparseable"),
    ],
    ids=[
        "tag",
        "prose-around-tags",
        "fence",
        "open-fence",
        "open-fence-cut",
        "assert",
        "period",
        "wrong",
        "prose",
        "call",
        "expression",
    ],
)
def test_verdicts_through_a_run(pytester: pytest.Pytester, reply: str, verdict: str) -> None:
    pytester.makefile(".yaml", bench=BENCH)
    write_json(pytester, "gen.json", {"rev": [reply]})
    result = pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-examples=0",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "--llm-report=report.json",
    )
    case = read_report(pytester)["cases"][0]
    assert case["verdict"] == verdict
    assert result.ret == (0 if verdict == "correct" else 1)
    if verdict == "unparseable":
        result.stdout.fnmatch_lines(["unparseable: *is not a literal*"])
        result.stdout.fnmatch_lines(["replay/vp*1*0*0.0%*1*0"])
