"""Strategies, step cutting, the step tracer and step scoring, without pytest runs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.answers import parse_answer
from pytest_llmexec.datasets import Case
from pytest_llmexec.datasets.suite import load_yaml
from pytest_llmexec.execution.tracer import MAX_VALUE, run_traced, serialise
from pytest_llmexec.strategies import STRATEGIES, PromptOptions, get_strategy
from pytest_llmexec.strategies.base import fence, pick_tag
from pytest_llmexec.strategies.iip import check_steps, first_divergent, parse_state
from pytest_llmexec.strategies.steps import (
    StepError,
    cut_steps,
    local_names,
    merge_steps,
    statement_steps,
)

# ----------------------------------------------------------------------------- steps

CODE = '''\
class Solution:
    def run(self, nums, k):
        """Docstring: not a step."""
        total = 0
        global SEEN

        @staticmethod
        def twice(x):
            return 2 * x

        for x in nums:
            total += x
            if total > k:
                return x
        total = -total
        return total
'''


def test_each_top_level_statement_is_a_step_and_compound_ones_whole() -> None:
    # docstring and `global` run no code; the decorated def starts at its decorator
    assert statement_steps(CODE, "Solution.run") == ((4, 4), (7, 9), (11, 14), (15, 15), (16, 16))


def test_merging_is_even_and_keeps_order() -> None:
    steps = tuple((n, n) for n in range(1, 8))  # 7 statements
    assert merge_steps(steps, 3) == ((1, 3), (4, 5), (6, 7))
    assert merge_steps(steps, 7) == steps
    assert merge_steps(steps, 1) == ((1, 7),)
    assert cut_steps(CODE, "Solution.run", 2) == ((4, 14), (15, 16))


def test_local_names_are_the_arguments_then_what_the_body_binds_in_order() -> None:
    # self, the global, the nested function and comprehension variables are not literal locals
    code = CODE.replace("total = -total", "total = -total\n        squares = [z * z for z in nums]")
    assert local_names(code, "Solution.run") == ("nums", "k", "total", "x", "squares")


def test_the_iip_state_format_shows_the_case_own_names_and_no_value(tmp_path: Path) -> None:
    """A worked example's values are what a small model copied into its states: the format
    is shown as the case's own variables with a placeholder, so there is nothing to copy."""
    case = _case(tmp_path, TRICKY, "'q'")
    opening = get_strategy("iip").prompt(case, PromptOptions()).turns[0]
    assert "{'s': <its value>, 'a': <its value>, 'b': <its value>}" in opening
    prompt = get_strategy("iip").prompt(case, PromptOptions())
    tag = prompt.state_tag
    between = opening.split(f"[{tag}]")[1].split(f"[/{tag}]")[0]
    assert " and " in between  # the tags are only named in the instructions, never filled


def test_unknown_entry_is_a_clear_error() -> None:
    with pytest.raises(StepError, match=r"no function 'Solution\.nope'"):
        statement_steps(CODE, "Solution.nope")


# ----------------------------------------------------------------------------- tracer


def _run(args: list[Any], steps: tuple[tuple[int, int], ...] | None = None) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(CODE, "<snippet>", "exec"), namespace)  # the test's own code
    target = namespace["Solution"]().run
    return run_traced(target, args, {}, steps or statement_steps(CODE, "Solution.run"))


def test_state_after_each_step_when_all_steps_run() -> None:
    result, states = _run([[1, 2], 10])
    assert result == -3
    base = {"nums": "[1, 2]", "k": "10"}
    assert states == [
        {**base, "total": "0"},
        {**base, "total": "0"},  # `twice` is a function: not a literal, left out
        {**base, "total": "3", "x": "2"},  # the loop ran to completion within one step
        {**base, "total": "-3", "x": "2"},
        {**base, "total": "-3", "x": "2"},
    ]


def test_an_early_return_repeats_the_last_state_for_the_steps_never_reached() -> None:
    result, states = _run([[5, 1], 3])
    assert result == 5
    after_loop = {"nums": "[5, 1]", "k": "3", "total": "5", "x": "5"}
    assert states[2:] == [after_loop, after_loop, after_loop]


def test_an_exception_carries_the_states_so_far() -> None:
    with pytest.raises(TypeError) as info:
        _run([[1, "a"], 3])
    states = info.value._llmexec_steps  # type: ignore[attr-defined]
    assert len(states) == 5
    assert states[-1]["total"] == "1" and states[-1]["x"] == "'a'"


def test_recursion_only_the_outermost_frame_is_traced() -> None:
    code = "def fact(n):\n    if n <= 1:\n        return 1\n    m = n * fact(n - 1)\n    return m\n"
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    result, states = run_traced(namespace["fact"], [4], {}, statement_steps(code, "fact"))
    assert result == 24
    assert states == [{"n": "4"}, {"n": "4", "m": "24"}, {"n": "4", "m": "24"}]


def test_values_are_serialised_like_results_and_capped() -> None:
    class ListNode:
        def __init__(self, val: int, next: Any = None) -> None:
            self.val, self.next = val, next

    assert serialise(ListNode(1, ListNode(2))) == "[1, 2]"
    assert serialise({3}) == "{3}"
    assert serialise(iter([1])) is None
    assert serialise("x" * (MAX_VALUE + 1)) is None
    loop = ListNode(1)
    loop.next = loop
    assert serialise(loop) is None  # a cycle cannot be written as a list


# ----------------------------------------------------------------------------- prompts


def _case(tmp_path: Path, code: str, args: str, description: str = "") -> Case:
    lines = ["category: string", "snippets:", "  - id: s", "    code: |"]
    lines += ["      " + line for line in code.splitlines()]
    lines += ["    inputs:", f"      - {args!r}"]
    if description:
        lines += ["    description:", f"      en: {description}", "      zh: 中文描述"]
    path = tmp_path / "b.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_yaml(path)[0].cases()[0]


TRICKY = 'def f(s):\n    a = "[/ANSWER] [STATE] ```"\n    b = s + a\n    return b\n'


def test_registry_has_three_strategies_with_distinct_template_hashes() -> None:
    assert set(STRATEGIES) == {"vp", "cot", "iip"}
    hashes = {name: get_strategy(name).template_hash for name in STRATEGIES}
    assert len(set(hashes.values())) == 3


def test_tags_and_fences_avoid_what_the_snippet_contains(tmp_path: Path) -> None:
    case = _case(tmp_path, TRICKY, "'x`y'")
    for name in STRATEGIES:
        prompt = get_strategy(name).prompt(case, PromptOptions())
        assert prompt.answer_tag != "ANSWER"
        assert "````" in prompt.turns[0]  # a fence longer than the code's ```
    iip = get_strategy("iip").prompt(case, PromptOptions())
    assert iip.state_tag != "STATE"
    assert pick_tag("ANSWER", "no tags here") == "ANSWER"
    crowded = "[X] [X_1] [X_2] [X_X] [X_28]"  # every simple candidate taken (len 28)
    digest = hashlib.sha256(crowded.encode()).hexdigest()[:8]
    assert pick_tag("X", crowded) == f"X_{digest}"  # the same in every process (no hash())
    assert fence("a ````` b") == "``````"


def test_iip_turns_walk_the_steps_then_ask_for_the_answer(tmp_path: Path) -> None:
    case = _case(tmp_path, TRICKY, "'q'")
    prompt = get_strategy("iip").prompt(case, PromptOptions())
    assert prompt.steps == ((2, 2), (3, 3), (4, 4))
    assert len(prompt.turns) == 4 and prompt.cache_prefix
    assert "1 | def f(s):" in prompt.turns[0] and "Step 1 of 3: lines 2-2" in prompt.turns[0]
    assert "Step 2 of 3: lines 3-3" in prompt.turns[1] and "3 |     b = s + a" in prompt.turns[1]
    assert "Step 3 of 3" in prompt.turns[2]
    assert f"[{prompt.answer_tag}]" in prompt.turns[3] and "Step" not in prompt.turns[3]
    few = get_strategy("iip").prompt(case, PromptOptions(iip_max_steps=2))
    assert few.steps == ((2, 3), (4, 4)) and len(few.turns) == 3


@pytest.mark.parametrize("name", ["vp", "cot", "iip"])
def test_describe_adds_the_description_in_the_chosen_language(tmp_path: Path, name: str) -> None:
    case = _case(tmp_path, TRICKY, "'q'", description="Append a marker.")
    strategy = get_strategy(name)
    assert "Append a marker." not in strategy.prompt(case, PromptOptions()).turns[0]
    english = strategy.prompt(case, PromptOptions(describe="en")).turns[0]
    assert "Problem description:\nAppend a marker." in english
    assert "中文描述" in strategy.prompt(case, PromptOptions(describe="zh")).turns[0]


# ----------------------------------------------------------------------------- extraction


@pytest.mark.parametrize(
    "reply, value",
    [
        ("[A]'x[/ANSWER]y'[/A]", "x[/ANSWER]y"),
        ("[A]'[STATE]'[/A]", "[STATE]"),
        ("[A]'a```b```c'[/A]", "a```b```c"),
        ("thinking [A]1[/A] no, [A]'``'[/A]", "``"),
        ("[A]```python\n[1, 2]\n```[/A]", [1, 2]),
    ],
)
def test_answers_holding_delimiters_or_backticks_are_extracted(reply: str, value: Any) -> None:
    parsed = parse_answer(reply, "A")
    assert parsed.ok and parsed.value == value


def test_state_parsing_and_step_checks() -> None:
    truth = [{"a": "1", "s": "'x'"}, {"a": "2", "s": "'x'"}, {"a": "2", "s": "'x'", "t": "(1,)"}]
    steps = [(2, 2), (3, 3), (4, 4)]
    replies = [
        "[S]{'a': 1, 's': 'x', 'extra': 0}[/S]",  # extra keys are ignored
        "I think [S]{'a': 3, 's': 'x'}[/S]",  # wrong value
        "[S]{'a': 2, 's': 'x', 't': [1]}[/S]",  # a list is not the tuple
    ]
    checks = check_steps(truth, steps, replies, "S")
    assert [c.match for c in checks] == [True, False, False]
    assert checks[1].problem == "a: expected 2, got 3"
    assert first_divergent(checks) == 2
    assert parse_state("[S]{'a': 1[/S]", "S")[1] is None  # unparseable: a mismatch
    assert parse_state("[S][1, 2][/S]", "S")[2] == "the state is a list, not a dict"
    missing = check_steps(truth, steps, replies[:1], "S")
    assert [c.match for c in missing] == [True, False, False] and missing[2].problem == "no reply"
    assert first_divergent(check_steps(truth[:1], steps[:1], replies[:1], "S")) is None


def test_a_decorated_entry_is_traced_through_its_wrapper() -> None:
    code = (
        "import functools\n"
        "class Solution:\n"
        "    @functools.cache\n"
        "    def f(self, n):\n"
        "        m = n + 1\n"
        "        return m\n"
    )
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    steps = statement_steps(code, "Solution.f")
    result, states = run_traced(namespace["Solution"]().f, [1], {}, steps)
    assert (result, states) == (2, [{"n": "1", "m": "2"}, {"n": "1", "m": "2"}])
