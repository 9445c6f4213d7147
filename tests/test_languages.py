"""Language modules: types are read, JSON values are written as each language's literals.

That the literals compile and mean what they say is checked by running them
(`tests/test_native.py`, the CRUXEval-X-format fixture rows); here the text.
"""

from __future__ import annotations

import re

import pytest

from pytest_llmexec import languages
from pytest_llmexec.languages import Cpp, Java, JavaScript, LanguageError, Rust
from pytest_llmexec.languages.base import Type, parse_type
from pytest_llmexec.languages.rust import parse_rust_type, rust_type


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
    assert (languages.get("js").name, languages.get("js").fence) == ("js", "javascript")
    assert (languages.get("rs").name, languages.get("rs").fence) == ("rs", "rust")
    with pytest.raises(
        LanguageError, match="unknown language 'rust' \\(known: python, cpp, java, js, rs\\)"
    ):
        languages.get("rust")


@pytest.mark.parametrize(
    ("value", "type_", "literal"),
    [
        (True, "", "true"),
        (None, "", "null"),
        (-3, "", "-3"),
        (2.5, "", "2.5"),
        (float("-inf"), "", "-Infinity"),
        (float("nan"), "", "NaN"),
        ('a"b\\\n\u2028é', "", '"a\\"b\\\\\\n\\u2028é"'),
        ([1, [2, "x"]], "", '[1, [2, "x"]]'),
        ({"a": 1, "7": [], "07": None}, "", '{"a": 1, 7: [], "07": null}'),
        ({"a": 1}, "Map", 'new Map([["a", 1]])'),
        ([1, 2], "Set", "new Set([1, 2])"),
        (2**60, "BigInt", "1152921504606846976n"),
    ],
)
def test_javascript_literals(value: object, type_: str, literal: str) -> None:
    assert JavaScript().literal(value, type_) == literal


@pytest.mark.parametrize(
    ("value", "type_", "literal"),
    [
        (True, "bool", "true"),
        (-3, "isize", "-3"),
        (2**63 - 1, "i64", "9223372036854775807"),
        (2, "f64", "2.0"),
        (float("inf"), "f64", "f64::INFINITY"),
        (float("nan"), "f32", "f32::NAN"),
        ('a"b\\\n\x01é', "String", 'String::from("a\\"b\\\\\\n\\u{1}é")'),
        ("x", "&str", '"x"'),
        ("'", "char", "'\\''"),
        ([1, 2], "Vec<isize>", "vec![1, 2]"),
        ([], "Vec<String>", "Vec::<String>::new()"),
        ([[1], []], "Vec<Vec<i64>>", "vec![vec![1], Vec::<i64>::new()]"),
        (
            {"a": 1},
            "HashMap<String, isize>",
            'HashMap::from([(String::from("a"), 1)])',
        ),
        ({"7": "x"}, "BTreeMap<u32, &str>", 'BTreeMap::from([(7, "x")])'),
        ({}, "HashMap<String, Vec<isize>>", "HashMap::<String, Vec<isize>>::new()"),
        ([1, "x"], "(isize, String)", '(1, String::from("x"))'),
        ([1], "(isize,)", "(1,)"),
        ([[1, 2]], "Vec<(usize, usize)>", "vec![(1, 2)]"),
        (None, "Option<isize>", "None"),
        (4, "Option<isize>", "Some(4)"),
        ([3], "HashSet<isize>", "HashSet::from([3])"),
        ([1, 2], "[i32; 2]", "[1, 2]"),
        ([1, 2], "&[i32]", "&[1, 2]"),
        ([1, 2], "&Vec<i32>", "&vec![1, 2]"),
    ],
)
def test_rust_literals(value: object, type_: str, literal: str) -> None:
    assert Rust().literal(value, type_) == literal


def test_rust_types_are_read_with_tuples_references_and_arrays() -> None:
    parsed = parse_rust_type("HashMap<String, Vec<(i64, &mut [char; 3])>>")
    assert parsed == Type(
        "HashMap",
        (
            Type("String"),
            Type(
                "Vec",
                (
                    Type(
                        "()",
                        (
                            Type("i64"),
                            Type("&", (Type("[;]", (Type("char"), Type("3"))),)),
                        ),
                    ),
                ),
            ),
        ),
    )
    assert rust_type(parsed) == "HashMap<String, Vec<(i64, &[char; 3])>>"
    for bad in ("", "Vec<isize", "(isize", "[u8; n]", "Vec<isize>>"):
        with pytest.raises(LanguageError, match="Rust type"):
            parse_rust_type(bad)


@pytest.mark.parametrize(
    ("language", "value", "type_", "message"),
    [
        (Rust(), "x", "isize", "cannot write 'x' as the Rust type 'isize': not an integer"),
        (Rust(), 300, "u8", "out of range"),
        (Rust(), -1, "usize", "out of range"),
        (Rust(), [1], "(isize, isize)", "not a list of 2 items"),
        (Rust(), [1, 2, 3], "[i32; 2]", "not a list of 2 items"),
        (Rust(), 1, "Widget", "that type is not supported"),
        (JavaScript(), 2**60, "", "beyond 2**53 it is not exact (give the type BigInt)"),
        (JavaScript(), [1], "Map", "not an object"),
        (JavaScript(), 1, "number", "JavaScript values are untyped"),
    ],
)
def test_js_and_rust_values_that_cannot_be_written_are_named(
    language: languages.Language, value: object, type_: str, message: str
) -> None:
    with pytest.raises(LanguageError, match=re.escape(message)):
        language.literal(value, type_)
