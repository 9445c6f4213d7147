"""CRUXEval JSONL files: collected as benchmarks, recorded outputs checked, pass@k exact."""

from __future__ import annotations

import json
from math import comb

import pytest
from helpers import read_report, write_json

ROWS = [
    {
        "code": "def f(s):\n    return s[::-1] + s\n",
        "input": "'ab'",
        "output": "'baab'",
        "id": "sample_0",
    },
    {
        "code": "def f(xs, k):\n    return [x * k for x in xs if x % 2]\n",
        "input": "[1, 2, 3], 2",
        "output": "[2, 6]",
        "id": "sample_1",
    },
    # the recorded output is wrong on purpose: real execution gives 6
    {
        "code": "def f(n):\n    total = 0\n    for i in range(n):\n"
        "        total += i\n    return total\n",
        "input": "4",
        "output": "10",
        "id": "sample_2",
    },
    {
        "code": "def f(d):\n    return sorted(d.items())\n",
        "input": "{'b': 1, 'a': 2}",
        "output": "[('a', 2), ('b', 1)]",
        "id": "sample_3",
    },
]

# (answers, number correct) per row, 10 samples each
GENERATIONS = {
    "sample_0": ["'baab'"] * 10,
    "sample_1": ["[2, 6]"] * 3 + ["[2, 4, 6]"] * 6 + ["no idea"],
    "sample_2": ["10"] * 10,  # the dataset's wrong label: every sample is wrong against truth
    "sample_3": ["[('a', 2), ('b', 1)]"] + ["[['a', 2], ['b', 1]]"] * 9,
}
CORRECT = {"sample_0": 10, "sample_1": 3, "sample_2": 0, "sample_3": 1}


def _write(pytester: pytest.Pytester) -> None:
    (pytester.path / "crux.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8"
    )
    write_json(pytester, "generations.json", GENERATIONS)


def _hand_pass_at(k: int) -> float:
    return sum(1 - comb(10 - c, k) / comb(10, k) for c in CORRECT.values()) / len(CORRECT)


@pytest.mark.parametrize(
    "mode",
    [("-p", "no:xdist"), pytest.param(("-n", "2"), marks=pytest.mark.slow)],
    ids=["plain", "xdist"],
)
def test_replayed_generations_give_exact_pass_at_k(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    _write(pytester)
    result = pytester.runpytest_subprocess(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=generations.json",
        "--llm-samples=10",
        "--llm-report=report.json",
        *mode,
    )
    # majority rule: sample_0 passes; the others have fewer than 6 right answers of 10
    result.assert_outcomes(passed=1, failed=3)
    run = read_report(pytester)["summary"]["runs"]["replay/vp"]
    assert _hand_pass_at(1) == pytest.approx(0.35)
    assert _hand_pass_at(5) == pytest.approx((1 + (1 - 21 / 252) + 0 + 0.5) / 4)
    assert run["pass_at_k"]["pass@1"] == pytest.approx(_hand_pass_at(1))
    assert run["pass_at_k"]["pass@5"] == pytest.approx(_hand_pass_at(5))
    assert run["pass_at_k"]["pass@10"] == pytest.approx(_hand_pass_at(10))
    result.stdout.fnmatch_lines(["*pass@1*pass@5*pass@10", "replay/vp*35.00%*60.42%*75.00%"])


def test_recorded_mismatch_is_a_dataset_warning(pytester: pytest.Pytester) -> None:
    _write(pytester)
    result = pytester.runpytest(
        "crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "--llm-report=report.json"
    )
    result.assert_outcomes(passed=4)  # scored against real execution, not the label
    result.stdout.fnmatch_lines(
        ["WARNING: 1 recorded output(s) differ from real execution*", "*crux.jsonl::sample_2"]
    )
    cases = {c["snippet"]: c for c in read_report(pytester)["cases"]}
    assert cases["sample_2"]["recorded_mismatch"] is True
    assert cases["sample_2"]["expected"] == "6"
    assert cases["sample_2"]["recorded_output"] == "10"
    assert cases["sample_2"]["category"] == "cruxeval"
    assert cases["sample_2"]["language"] == "python"
    assert [c["recorded_mismatch"] for k, c in sorted(cases.items()) if k != "sample_2"] == [
        False,
        False,
        False,
    ]


def test_ids(pytester: pytest.Pytester) -> None:
    _write(pytester)
    result = pytester.runpytest("crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "--co", "-q")
    assert "crux.jsonl::sample_1[oracle-vp-i0]" in result.stdout.lines


def test_jsonl_not_given_explicitly_is_not_collected(pytester: pytest.Pytester) -> None:
    _write(pytester)
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "llmexec", "--llm-model=oracle")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "crux.jsonl:1: invalid JSON*"),
        (
            '{"code": "def f(x): return x", "input": "1", "id": "a"}',
            "crux.jsonl:1: snippet 'a': field 'output': row lacks*",
        ),
        (
            '{"code": "def g(x): return x", "input": "1", "output": "1", "id": "a"}',
            "crux.jsonl:1: snippet 'a': field 'code': CRUXEval code must define f",
        ),
        (
            '{"code": "def f(x): return x", "input": "1, (", "output": "1", "id": "a"}',
            "crux.jsonl:1: snippet 'a': field 'input': *is not a Python argument list",
        ),
    ],
)
def test_bad_rows_name_the_line(pytester: pytest.Pytester, line: str, message: str) -> None:
    (pytester.path / "crux.jsonl").write_text(line + "\n", encoding="utf-8")
    result = pytester.runpytest("crux.jsonl", "-p", "llmexec", "--llm-model=oracle")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([message])
    assert "Traceback" not in result.stdout.str()


SEMANTICS_ROWS = [
    {"code": "def f(x):\n    return x + 1\n", "input": "0", "output": "1", "id": "sample_0"},
    {
        "code": "def f(xs):\n    return list(xs)\n",
        "input": "(1, 2)",
        "output": "[1, 2]",
        "id": "sample_1",
    },
    {
        "code": "def f(s):\n    return s * 2\n",
        "input": "'ab'",
        "output": "'abab'",
        "id": "sample_2",
    },
]
# (generation, correct as CRUXEval's `assert <output> == <generation>` says)
SEMANTICS = {
    "sample_0": [
        ("True", True),  # 1 == True
        ("1.0", True),  # 1 == 1.0
        ("true", False),  # a NameError in CRUXEval: no lenient literals here
        ("f(0)", False),  # the call itself is no answer
        ("2 - 1", True),  # an expression, evaluated with the row's code
        ("1, 'anything'", True),  # `assert 1 == 1, 'anything'`: the text is CRUXEval's
        ("\n1", False),  # a leading line break breaks CRUXEval's assert
        ("[/ANSWER]", False),
    ],
    "sample_1": [
        ("(1, 2)", False),
        ("[1, 2]", True),
        ("[1, 2.0]", True),
        ("[x for x in (1, 2)]", True),
    ],
    "sample_2": [
        ("'ab' * 2", True),
        ("'ab' + 'ab'", True),
        ('"abab"', True),
        ("'ABAB'.lower()", True),
        ("It doubles it:\n```python\n'abab'\n", True),  # a fence left open, whole
        ("```python\n'ab", False),  # cut inside the value: not guessed at
    ],
}


def test_cruxeval_rows_are_scored_as_cruxeval_scores_them(pytester: pytest.Pytester) -> None:
    (pytester.path / "crux.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in SEMANTICS_ROWS), encoding="utf-8"
    )
    samples = max(len(v) for v in SEMANTICS.values())
    generations = {
        sid: [g for g, _ in pairs] + ["0"] * (samples - len(pairs))
        for sid, pairs in SEMANTICS.items()
    }
    write_json(pytester, "generations.json", generations)
    pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=generations.json",
        f"--llm-samples={samples}",
        "--llm-report=report.json",
    )
    for case in read_report(pytester)["cases"]:
        got = [s["verdict"] == "correct" for s in case["samples"]]
        want = [c for _, c in SEMANTICS[case["snippet"]]]
        assert got[: len(want)] == want, (case["snippet"], case["samples"])


# Input prediction on a CRUXEval row (f(s) = s[::-1] + s, output 'baab'): CRUXEval's own
# prompts ask for the completed assertion, and its extraction keeps the call before `==`.
INPUT_REPLIES = [
    ("f('ab')", True),  # a published direct generation, as written
    ("[ANSWER]\nassert f('ab') == 'baab'\n[/ANSWER]", True),  # CRUXEval's CoT answer
    ("Working backwards...\n[ANSWER]\nassert f('ab') == 'baab'\n", True),  # stopped at the tag
    ("[ANSWER]\nassert f('ab') == 'not this'\n[/ANSWER]", True),  # the call is what is scored
    ("[ANSWER]\n```python\nassert f('ab') == 'baab'\n```\n[/ANSWER]", True),
    ("[ANSWER]\nassert f('ba') == 'baab'\n[/ANSWER]", False),  # f('ba') is 'abba'
    ("[ANSWER]\nassert 'baab' == 'baab'\n[/ANSWER]", False),  # no call of f
]


def test_cruxeval_input_answers_are_read_as_cruxeval_reads_them(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "crux.jsonl").write_text(json.dumps(ROWS[0]) + "\n", encoding="utf-8")
    write_json(pytester, "generations.json", {"sample_0": [r for r, _ in INPUT_REPLIES]})
    pytester.runpytest(
        "crux.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=generations.json",
        "--llm-task=input",
        f"--llm-samples={len(INPUT_REPLIES)}",
        "--llm-report=report.json",
    )
    (case,) = read_report(pytester)["cases"]
    got = [s["verdict"] == "correct" for s in case["samples"]]
    assert got == [want for _, want in INPUT_REPLIES], case["samples"]
