"""The YAML suite (the shipped benchmarks' format), its translations included.

A YAML file is a suite when it has a top-level ``snippets:`` key. Each entry is
a Python snippet, or a translation (``language: cpp``) of the Python snippet
with the same id, whose inputs it takes; a translation's programs are built by
`translation.SuiteCase`. A bad snippet costs only itself: it becomes one
problem naming the file, the line and the field.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .. import languages
from .base import Reader
from .model import DIFFICULTIES, PYTHON, BenchmarkError, Loaded, Snippet
from .signature import entry_signature, input_text, resolve_entry
from .translation import SuiteCase

#: Fields a snippet may have in a YAML benchmark; anything else is a typo.
SNIPPET_FIELDS = frozenset(
    {
        "id",
        "code",
        "entry",
        "category",
        "difficulty",
        "complexity",
        "space",
        "tags",
        "description",
        "inputs",
        "raises",
        "timeout",
        "examples",
        "schema",
        "constraints",
        "score",
        "language",
    }
)
#: what a translation takes from its Python snippet unless it says otherwise
INHERITED = ("category", "difficulty", "complexity", "space", "tags", "description", "constraints")
#: what a translation cannot have: its inputs are the Python snippet's, its result the return value
NOT_IN_TRANSLATIONS = ("inputs", "raises", "score", "examples", "schema")
FILE_FIELDS = frozenset({"snippets", "category", "defaults"})
_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (as ``__line__``)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_SNIFF_RE = re.compile(r"^snippets\s*:", re.MULTILINE)


def looks_like_benchmark(text: str) -> bool:
    """A YAML file is a benchmark when it has a top-level ``snippets:`` key."""
    return _SNIFF_RE.search(text) is not None


def load_yaml(path: Path, text: str | None = None) -> list[Snippet]:
    """The snippets of a YAML suite; raises the first problem (see `read_yaml`)."""
    loaded = read_yaml(path, text)
    if loaded.problems:
        raise loaded.problems[0]
    return loaded.snippets


def read_yaml(path: Path, text: str | None = None) -> Loaded:
    """The snippets of a YAML suite; a file-level problem is the only problem."""
    try:
        return _read_yaml(path, text)
    except BenchmarkError as exc:
        return Loaded(problems=[exc])


def _read_yaml(path: Path, text: str | None) -> Loaded:
    if text is None:
        text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line, message = _yaml_problem(exc, text)
        raise BenchmarkError(path, f"YAML syntax error: {message}", line=line) from None
    except yaml.YAMLError as exc:
        raise BenchmarkError(path, f"YAML error: {exc}") from None
    if not isinstance(data, dict) or "snippets" not in data:
        raise BenchmarkError(path, "a benchmark file is a mapping with a 'snippets:' list")
    file_line = data.pop("__line__", 1)
    unknown = set(data) - FILE_FIELDS
    if unknown:
        raise BenchmarkError(
            path,
            f"unknown top-level key(s) {sorted(unknown)}; allowed: {sorted(FILE_FIELDS)}",
            line=file_line,
        )
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise BenchmarkError(path, "'defaults' must be a mapping", line=file_line)
    defaults = {k: v for k, v in defaults.items() if k != "__line__"}
    if "category" in data:
        defaults.setdefault("category", data["category"])
    raw_snippets = data["snippets"]
    if not isinstance(raw_snippets, list) or not raw_snippets:
        raise BenchmarkError(path, "'snippets' must be a non-empty list", line=file_line)
    loaded = Loaded()
    seen: dict[tuple[str, str], int] = {}
    python: dict[str, Snippet] = {}
    translations: list[dict[str, Any]] = []
    for raw in raw_snippets:
        if isinstance(raw, dict) and raw.get("language", PYTHON) != PYTHON:
            translations.append(raw)  # read once every Python snippet is known
            continue
        try:
            snippet = _snippet_from_yaml(path, raw, defaults)
        except BenchmarkError as exc:
            loaded.problems.append(exc)
            continue
        if _unique(path, snippet, seen, loaded):
            python[snippet.id] = snippet
    for raw in translations:
        try:
            snippet = _translation_from_yaml(path, raw, python)
        except BenchmarkError as exc:
            loaded.problems.append(exc)
            continue
        _unique(path, snippet, seen, loaded)
    return loaded


def _unique(path: Path, snippet: Snippet, seen: dict[tuple[str, str], int], loaded: Loaded) -> bool:
    """Keep *snippet* unless its (id, language) came before; say where it did."""
    key = (snippet.id, snippet.language)
    if key in seen:
        twice = "snippet id" if snippet.language == PYTHON else f"{snippet.language} translation"
        loaded.problems.append(
            BenchmarkError(
                path,
                f"duplicate {twice} (first defined at line {seen[key]})",
                line=snippet.line,
                snippet=snippet.id,
                field="id",
            )
        )
        return False
    seen[key] = snippet.line
    loaded.snippets.append(snippet)
    return True


def category_from_file_name(path: Path) -> str | None:
    """A file's default category: ``Dynamic-Programming.yaml`` -> ``dynamic_programming``."""
    name = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    return name if _CATEGORY_RE.match(name) else None


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """The line where a YAML error starts, and PyYAML's message with its context.

    A problem found at the end of the stream (an unclosed bracket or quote) is
    marked past the last line; the line to fix is where the construct began,
    which PyYAML gives as the context ("while parsing a flow sequence").
    """
    problem, context = exc.problem_mark, exc.context_mark
    last = max(len(text.splitlines()), 1)
    at_end = problem is not None and (problem.line + 1 > last or problem.index >= len(text))
    if problem is not None and not (at_end and context is not None):
        line: int | None = min(problem.line + 1, last)
    else:
        line = context.line + 1 if context is not None else None
    message = str(exc.problem or exc)
    if exc.context:
        where = f" at line {context.line + 1}" if context is not None else ""
        message += f" ({exc.context}{where})"
    return line, message


def _snippet_from_yaml(path: Path, raw: Any, defaults: Mapping[str, Any]) -> Snippet:
    if not isinstance(raw, dict):
        raise BenchmarkError(path, "each entry of 'snippets' must be a mapping")
    line = int(raw.pop("__line__", 1))
    sid = raw.get("id")

    def fail(message: str, fld: str | None = None) -> BenchmarkError:
        return BenchmarkError(
            path, message, line=line, snippet=sid if isinstance(sid, str) else None, field=fld
        )

    if not isinstance(sid, str) or not _ID_RE.match(sid):
        raise fail("every snippet needs an 'id' made of letters, digits, '_' and '.'", "id")
    unknown = set(raw) - SNIPPET_FIELDS
    if unknown:
        raise fail(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(SNIPPET_FIELDS)}")
    merged: dict[str, Any] = {**defaults, **raw}
    merged.pop("language", None)  # python: translations are read by _translation_from_yaml

    code = merged.get("code")
    if not isinstance(code, str) or not code.strip():
        raise fail("'code' must be a non-empty string (use a YAML block: 'code: |')", "code")
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise fail(f"the code does not parse: {exc.msg} (code line {exc.lineno})", "code") from None
    entry = resolve_entry(tree, merged.get("entry"), fail)

    meta = _metadata(path, merged, fail)
    signature = entry_signature(tree, entry)
    params = signature.names
    raw_inputs = merged.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise fail("'inputs' must be a non-empty list of argument mappings or strings", "inputs")
    inputs = tuple(
        input_text(item, index, signature, lambda m, i: fail(f"input {i}: {m}", "inputs"))
        for index, item in enumerate(raw_inputs)
    )
    raises = merged.get("raises") or []
    if isinstance(raises, str):
        raises = [raises]
    if not isinstance(raises, list) or not all(isinstance(r, str) for r in raises):
        raise fail("'raises' must be a list of exception type names", "raises")
    timeout = merged.get("timeout")
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise fail("'timeout' must be a positive number of seconds", "timeout")
    examples = merged.get("examples")
    if examples is not None and (not isinstance(examples, int) or examples < 0):
        raise fail("'examples' must be a non-negative integer", "examples")
    schema = merged.get("schema")
    if schema is not None and not isinstance(schema, dict):
        raise fail("'schema' must be a JSON Schema mapping", "schema")
    score = merged.get("score")
    if score is not None and (not isinstance(score, str) or (params and score not in params)):
        raise fail(f"'score' must name an argument of {entry} ({', '.join(params)})", "score")
    return Snippet(
        id=sid,
        code=code,
        entry=entry,
        path=path,
        line=line,
        **meta,
        inputs=inputs,
        input_ids=tuple(f"i{n}" for n in range(len(inputs))),
        recorded_outputs=(None,) * len(inputs),
        raises=tuple(raises),
        timeout=float(timeout) if timeout is not None else None,
        examples=examples,
        schema=_strip_lines(schema) if schema is not None else None,
        score=score,
    )


def _metadata(path: Path, merged: Mapping[str, Any], fail: Any) -> dict[str, Any]:
    """The fields that describe a snippet (checked): category ... constraints."""
    category = merged.get("category")
    if category is None:
        category = category_from_file_name(path)
        if category is None:
            raise fail(
                f"no 'category' given, and the file name {path.name!r} does not make one; "
                "add 'category: <name>' at the top of the file or to the snippet",
                "category",
            )
    if not isinstance(category, str) or not _CATEGORY_RE.match(category):
        raise fail("'category' must be a lower-case name such as dynamic_programming", "category")
    difficulty = merged.get("difficulty")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise fail(f"'difficulty' must be one of {', '.join(DIFFICULTIES)}", "difficulty")
    for name in ("complexity", "space"):
        if merged.get(name) is not None and not isinstance(merged[name], str):
            raise fail(f"'{name}' must be a string such as 'O(n log n)'", name)
    tags = merged.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("'tags' must be a list of strings", "tags")
    description = merged.get("description") or {}
    if isinstance(description, str):
        description = {"en": description}
    if not isinstance(description, dict):
        raise fail("'description' must be a mapping of language to text (en, zh)", "description")
    description = {k: v for k, v in description.items() if k != "__line__"}
    if not all(isinstance(v, str) for v in description.values()):
        raise fail("'description' values must be strings", "description")

    constraints = merged.get("constraints")
    if constraints is not None and not isinstance(constraints, dict):
        raise fail("'constraints' must be a mapping", "constraints")
    return {
        "category": category,
        "difficulty": difficulty,
        "complexity": _normalise_complexity(merged.get("complexity")),
        "space": _normalise_complexity(merged.get("space")),
        "tags": tuple(tags),
        "description": description,
        "constraints": _strip_lines(constraints) if constraints is not None else None,
    }


def _translation_from_yaml(
    path: Path, raw: dict[str, Any], python: Mapping[str, Snippet]
) -> Snippet:
    """A snippet in another language: the Python snippet of its id with its own code.

    It takes that snippet's inputs (JSON values by parameter name) and its description
    (category ... constraints), which it may override; the entry and the parameters' types
    are read from the code by the language module (`languages`).
    """
    line = int(raw.pop("__line__", 1))
    sid = raw.get("id")
    language = raw.get("language")

    known = languages.names()

    def fail(message: str, fld: str | None = None) -> BenchmarkError:
        return BenchmarkError(
            path,
            message,
            line=line,
            snippet=sid if isinstance(sid, str) else None,
            field=fld,
            language=language if language in known else None,
        )

    if not isinstance(language, str) or language not in known:
        raise fail(f"unknown language {language!r}; known: {', '.join(known)}", "language")
    if not isinstance(sid, str) or not _ID_RE.match(sid):
        raise fail("every snippet needs an 'id' made of letters, digits, '_' and '.'", "id")
    unknown = set(raw) - SNIPPET_FIELDS
    if unknown:
        raise fail(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(SNIPPET_FIELDS)}")
    for name in NOT_IN_TRANSLATIONS:
        if name in raw:
            raise fail(
                f"a {language} translation has no {name!r} of its own: it takes its Python "
                f"snippet's inputs and is scored on the return value; remove '{name}'",
                name,
            )
    original = python.get(sid)
    if original is None:
        raise fail(
            f"a {language} translation needs a Python snippet with the id {sid!r} in this "
            "file (it takes that snippet's inputs)",
            "id",
        )
    for name in ("score", "raises"):
        if getattr(original, name):
            raise fail(
                f"the Python snippet has {name!r}: translations are of snippets scored on "
                "their return value only",
                "language",
            )
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        raise fail("'code' must be a non-empty string (use a YAML block: 'code: |')", "code")
    entry = raw.get("entry")
    if entry is not None and not isinstance(entry, str):
        raise fail("'entry' must be a method or function name", "entry")
    module = languages.get(language)
    try:
        signature = module.signature(code, entry)
    except languages.LanguageError as exc:
        raise fail(f"cannot read the {language} entry point: {exc}", "code") from None
    timeout = raw.get("timeout", original.timeout)
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise fail("'timeout' must be a positive number of seconds", "timeout")
    inherited = {name: getattr(original, name) for name in INHERITED}
    merged = {**inherited, **{k: v for k, v in raw.items() if k in INHERITED}}
    merged["tags"] = list(merged["tags"])
    meta = _metadata(path, merged, fail)
    natives: list[SuiteCase] = []
    for input_id, text in zip(original.input_ids, original.inputs, strict=True):
        values = _json_arguments(original, text)
        if values is None:
            raise fail(
                f"input {input_id} of the Python snippet ({text}) is not made of JSON values "
                f"by name; a {language} translation needs them",
                "language",
            )
        wanted, given = signature.names, list(values)
        if sorted(wanted) != sorted(given):
            raise fail(
                f"the {language} entry {signature.name}({', '.join(wanted)}) does not take "
                f"input {input_id}'s arguments ({', '.join(given)}): parameters are named as "
                "in the Python snippet",
                "code",
            )
        native = SuiteCase(module, code, signature, values)
        try:
            native.call()  # every value can be written as its parameter's type
        except languages.LanguageError as exc:
            raise fail(f"input {input_id}: {exc}", "code") from None
        natives.append(native)
    return Snippet(
        id=sid,
        code=code,
        entry=signature.entry,
        path=path,
        line=line,
        **meta,
        inputs=tuple(native.call() for native in natives),  # whole calls in the language
        input_ids=original.input_ids,
        recorded_outputs=(None,) * len(original.inputs),
        timeout=float(timeout) if timeout is not None else None,
        examples=0,  # generated inputs are drawn for the Python snippet only
        language=language,
        natives=tuple(natives),
    )


def _json_arguments(snippet: Snippet, text: str) -> dict[str, Any] | None:
    """A Python input's arguments by parameter name, as JSON values (a tuple is a list);
    None when one is not a JSON value."""
    call = ast.parse(f"_({text})", mode="eval").body
    assert isinstance(call, ast.Call)
    signature = entry_signature(ast.parse(snippet.code), snippet.entry)
    values: dict[str, Any] = {}
    try:
        for name, node in zip(signature.positional, call.args, strict=False):
            values[name] = ast.literal_eval(node)
        for keyword in call.keywords:
            assert keyword.arg is not None
            values[keyword.arg] = ast.literal_eval(keyword.value)
    except ValueError:
        return None
    if len(call.args) > len(signature.positional):
        return None
    try:
        return {name: json.loads(json.dumps(value)) for name, value in values.items()}
    except (TypeError, ValueError):
        return None


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _normalise_complexity(value: str | None) -> str | None:
    if value is None:
        return None
    return re.sub(r"\s+", " ", value.strip())


class SuiteReader(Reader):
    name = "suite"
    discovered = True  # collected wherever pytest finds it, like a test module

    def matches(self, path: Path) -> bool:
        if path.suffix.lower() not in (".yaml", ".yml"):
            return False
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        return looks_like_benchmark(text)

    def read(self, path: Path) -> Loaded:
        return read_yaml(path)


READER = SuiteReader()
