"""The pieces of input generation that need no pytest run: types, literals, drawing."""

from __future__ import annotations

import ast
from random import Random

import pytest
from hypothesis import strategies as st

from pytest_llmexec.inputs.draw import Rejected, draw, snippet_seed
from pytest_llmexec.inputs.types import (
    Kind,
    bind,
    kind_from_annotation,
    kind_of_value,
    literal,
    merge_kinds,
)

INT, STR, NONE = Kind("int"), Kind("str"), Kind("none")


def _kind(text: str) -> Kind | None:
    return kind_from_annotation(ast.parse(text, mode="eval").body)


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [
        ("int", INT),
        ("List[int]", Kind("list", (INT,))),
        ("list[list[str]]", Kind("list", (Kind("list", (STR,)),))),
        ("typing.Dict[str, int]", Kind("dict", (STR, INT))),
        ("Tuple[int, str]", Kind("tuple", (INT, STR))),
        ("Tuple[int, ...]", Kind("tuple...", (INT,))),
        ("Optional[int]", Kind("union", (INT, NONE))),
        ("int | None", Kind("union", (INT, NONE))),
        ("Union[int, str, int]", Kind("union", (INT, STR))),
        ("Optional[ListNode]", Kind("listnode")),  # [] already stands for None
        ("List[Optional[TreeNode]]", Kind("list", (Kind("treenode"),))),
        ("'Set[str]'", Kind("set", (STR,))),
        ("Callable[[int], int]", None),
        ("List", None),
        ("Deque[int]", None),
    ],
)
def test_annotations_name_kinds(annotation: str, kind: Kind | None) -> None:
    assert _kind(annotation) == kind


def test_kinds_of_declared_values_merge() -> None:
    values = [[1, 2], [], [3.5]]
    assert merge_kinds([kind_of_value(v) for v in values]) == Kind("list", (Kind("float"),))
    assert merge_kinds([kind_of_value(None), kind_of_value("a")]) == Kind("union", (NONE, STR))
    assert kind_of_value(True) == Kind("bool")
    assert kind_of_value(object()) is None


def test_literals_are_canonical_and_read_back() -> None:
    value = {"b": [1, (2,)], "a": {"y", "x", "z"}, "c": set(), "d": 0.1, "e": None}
    text = literal(value)
    assert text == "{'b': [1, (2,)], 'a': {'x', 'y', 'z'}, 'c': set(), 'd': 0.1, 'e': None}"
    assert ast.literal_eval(text) == value
    with pytest.raises(ValueError):
        literal(float("inf"))
    with pytest.raises(ValueError):
        literal(object())


def test_bind_maps_positional_and_keyword_arguments() -> None:
    assert bind("[1, 2], k=3", ["nums", "k"]) == {"nums": [1, 2], "k": 3}
    assert bind("1, 2, 3", ["a", "b"]) is None
    assert bind("a=1, a=2", ["a"]) is None
    assert bind("x", ["a"]) is None


def test_draws_depend_only_on_the_seed() -> None:
    strategy = st.lists(st.text(min_size=1), max_size=4)  # "any character": kept readable
    first = [draw(strategy, Random(5)) for _ in range(20)]
    again = [draw(strategy, Random(5)) for _ in range(20)]
    other = [draw(strategy, Random(6)) for _ in range(20)]
    assert first == again != other
    assert all(c in "abcdefghijklmnopqrstuvwxyz" for xs in first for s in xs for c in s)
    assert snippet_seed(0, "two_sum") == snippet_seed(0, "two_sum") != snippet_seed(1, "two_sum")


def test_a_filter_that_never_passes_is_a_rejection() -> None:
    with pytest.raises(Rejected):
        draw(st.integers(0, 3).filter(lambda n: n > 5), Random(0))
