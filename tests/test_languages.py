"""Language modules: types are read, JSON values are written as each language's literals.

That the literals compile and mean what they say is checked by running them
(`tests/test_native.py`, the CRUXEval-X-format fixture rows); here the text.
"""

from __future__ import annotations

import re

import pytest

from pytest_llmexec import languages
from pytest_llmexec.languages import Cpp, Java, LanguageError
from pytest_llmexec.languages.base import Type, parse_type


def test_types_are_read_with_nested_arguments() -> None:
    parsed = parse_type("std::map<std::string, std::vector<std::tuple<long, char>>>")
    assert parsed == Type(
        "std::map",
        (
            Type("std::string"),
            Type("std::vector", (Type("std::tuple", (Type("long"), Type("char"))),)),
        ),
    )
    assert str(parse_type("HashMap<String,Long>")) == "HashMap<String, Long>"
    assert parse_type("unsigned  long long") == Type("unsigned long long")


@pytest.mark.parametrize("text", ["", "std::vector<long", "Pair<Long,>", "List<Long>>"])
def test_a_bad_type_is_named(text: str) -> None:
    with pytest.raises(LanguageError, match="type"):
        parse_type(text)


@pytest.mark.parametrize(
    ("value", "type_", "literal"),
    [
        (True, "bool", "true"),
        (-3, "long", "-3"),
        (3_000_000_000, "long", "3000000000LL"),
        (2.5, "float", "2.5f"),
        (2, "double", "2.0"),
        (float("inf"), "double", "std::numeric_limits<double>::infinity()"),
        ('a"b\\\n?', "std::string", 'std::string("a\\"b\\\\\\n\\077")'),
        ("é", "std::string", 'std::string("é")'),
        ("x", "char", "'x'"),
        ([1, 2], "std::vector<long>", "std::vector<long>({1, 2})"),
        ([], "std::vector<std::string>", "std::vector<std::string>({})"),
        (
            {"a": 1},
            "std::map<std::string,long>",
            'std::map<std::string, long>({{std::string("a"), 1}})',
        ),
        (
            {"7": "x"},
            "std::map<long, std::string>",
            'std::map<long, std::string>({{7, std::string("x")}})',
        ),
        (
            [1, "x"],
            "std::tuple<long, std::string>",
            'std::tuple<long, std::string>(1, std::string("x"))',
        ),
        (None, "std::optional<long>", "std::optional<long>()"),
        (
            [[1, 2]],
            "std::vector<std::pair<long, long>>",
            "std::vector<std::pair<long, long>>({std::pair<long, long>(1, 2)})",
        ),
    ],
)
def test_cpp_literals(value: object, type_: str, literal: str) -> None:
    assert Cpp().literal(value, type_) == literal


@pytest.mark.parametrize(
    ("value", "type_", "literal"),
    [
        (False, "boolean", "false"),
        (5, "long", "5l"),
        (-5, "Integer", "-5"),
        (7, "short", "(short)7"),
        (1.5, "float", "1.5f"),
        (float("nan"), "double", "Double.NaN"),
        ('say "hi"\n\x01', "String", '"say \\"hi\\"\\n\\001"'),
        ("😀", "String", '"\\ud83d\\ude00"'),
        ("'", "char", "'\\''"),
        ([1, 2], "ArrayList<Long>", "new ArrayList<Long>(Arrays.asList(1l, 2l))"),
        ([], "List<String>", "new ArrayList<String>()"),
        (
            {"a": 1},
            "HashMap<String,Long>",
            'new HashMap<String, Long>(Map.ofEntries(Map.entry("a", 1l)))',
        ),
        (
            {"3": True},
            "Map<Long,Boolean>",
            "new HashMap<Long, Boolean>(Map.ofEntries(Map.entry(3l, true)))",
        ),
        ([1, "x"], "Pair<Long, String>", 'Pair.with(1l, "x")'),
        ([1, 2, 3], "Triplet<Long,Long,Long>", "Pair.with(1l, 2l, 3l)".replace("Pair", "Triplet")),
        ([1, 2], "long[]", "new long[]{1l, 2l}"),
        (None, "Optional<Long>", "Optional.empty()"),
        ([1, 2], "HashSet<Long>", "new HashSet<Long>(Arrays.asList(1l, 2l))"),
    ],
)
def test_java_literals(value: object, type_: str, literal: str) -> None:
    assert Java().literal(value, type_) == literal


@pytest.mark.parametrize(
    ("language", "value", "type_", "message"),
    [
        (Cpp(), "x", "long", "cannot write 'x' as the C++ type 'long': not an integer"),
        (Cpp(), [1], "std::tuple<long, long>", "not a list of 2 items"),
        (Cpp(), 1, "Widget", "that type is not supported"),
        (Java(), 2**40, "int", "out of range"),
        (Java(), {"a": None}, "HashMap<String,Long>", "null values"),
        (Java(), [1, 2], "Pair", "type arguments"),
    ],
)
def test_values_that_cannot_be_written_are_named(
    language: languages.Language, value: object, type_: str, message: str
) -> None:
    with pytest.raises(LanguageError, match=re.escape(message)):
        language.literal(value, type_)


def test_languages_by_name() -> None:
    assert languages.get("cpp").name == "cpp"
    assert languages.get("java").fence == "java"
    with pytest.raises(
        LanguageError, match="unknown language 'rust' \\(known: python, cpp, java\\)"
    ):
        languages.get("rust")
