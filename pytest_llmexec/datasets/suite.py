"""Benchmark data model and loaders (YAML suites, CRUXEval JSONL).

Loaders know nothing of pytest: they turn a file into `Snippet` objects or
raise `BenchmarkError` naming the file, the snippet, the field and the line,
so a typo in a benchmark is a one-line message, never a traceback.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import languages
from .languages.problem import NativeCase
from .languages.suite import SuiteCase

#: the language of every snippet that does not say otherwise
PYTHON = "python"
DIFFICULTIES = ("easy", "medium", "hard")

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


class BenchmarkError(Exception):
    """A benchmark file is malformed; the message says where and what to do."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        snippet: str | None = None,
        field: str | None = None,
        language: str | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
        parts = [where]
        if snippet is not None:
            parts.append(f"snippet {snippet!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        super().__init__(": ".join(parts) + ": " + message)
        self.path = Path(path)
        self.line = line
        self.snippet = snippet
        self.field = field
        #: the language of the bad snippet, where known (a translation's): its test's marker
        self.language = language


#: How a snippet's inputs are read, in which namespace it runs and how answers are scored.
LEETCODE = "leetcode"  # literal inputs, LeetCode's imports, answers compared as literals
CRUXEVAL = "cruxeval"  # expression inputs, a bare namespace, CRUXEval's assert checks


@dataclass(frozen=True)
class Snippet:
    """One piece of code and the ways to call it."""

    id: str
    code: str
    entry: str  # "Solution.method" or "function"
    category: str
    path: Path
    line: int = 1
    difficulty: str | None = None
    complexity: str | None = None
    space: str | None = None
    tags: tuple[str, ...] = ()
    description: Mapping[str, str] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()  # Python argument text, e.g. "nums=[1, 2], k=3"
    input_ids: tuple[str, ...] = ()
    recorded_outputs: tuple[str | None, ...] = ()
    raises: tuple[str, ...] = ()
    timeout: float | None = None
    examples: int | None = None
    schema: Mapping[str, Any] | None = None
    constraints: Mapping[str, Any] | None = None
    score: str | None = None  # name of an argument scored instead of the return value
    dialect: str = LEETCODE
    #: ``python``, or the `Language` name of a compiled snippet (``cpp``, ``java``)
    language: str = PYTHON
    #: per input (aligned with *inputs*): the runnable problem of a compiled snippet
    natives: tuple[NativeCase, ...] = ()

    @property
    def expression_inputs(self) -> bool:
        """Inputs are Python expressions evaluated in the snippet's namespace (CRUXEval)."""
        return self.dialect == CRUXEVAL

    @property
    def prelude(self) -> bool:
        """The code runs with LeetCode's imports and node classes."""
        return self.dialect == LEETCODE

    @property
    def lines(self) -> int:
        """Non-blank lines of code: the study's 'code length'."""
        return sum(1 for line in self.code.splitlines() if line.strip())

    @property
    def function_name(self) -> str:
        return self.entry.rpartition(".")[2]

    def call_text(self, args: str) -> str:
        """How the call looks in a prompt: ``Solution().twoSum(nums=[2, 7], target=9)``.

        A compiled snippet's inputs are already whole calls in its language.
        """
        if self.language != PYTHON:
            return args
        owner, _, name = self.entry.rpartition(".")
        target = f"{owner}().{name}" if owner else name
        return f"{target}({args})"

    def cases(self) -> list[Case]:
        natives: tuple[NativeCase | None, ...] = self.natives or (None,) * len(self.inputs)
        return [
            Case(self, input_id, args, recorded_output=recorded, native=native)
            for input_id, args, recorded, native in zip(
                self.input_ids, self.inputs, self.recorded_outputs, natives, strict=True
            )
        ]


@dataclass(frozen=True)
class Case:
    """A snippet and one input: the unit that is executed and predicted."""

    snippet: Snippet
    input_id: str
    args: str
    generated: bool = False
    recorded_output: str | None = None
    #: the runnable problem when the snippet is not Python (`languages.problem`)
    native: NativeCase | None = None

    @property
    def call(self) -> str:
        return self.snippet.call_text(self.args)

    @property
    def key(self) -> str:
        return f"{self.snippet.id}[{self.input_id}]"


@dataclass
class Loaded:
    """What a benchmark file gave: the snippets that loaded and one problem per bad one."""

    snippets: list[Snippet] = field(default_factory=list)
    problems: list[BenchmarkError] = field(default_factory=list)


def read_benchmark(path: Path) -> Loaded:
    """Load a YAML suite or a CRUXEval JSONL file; a bad snippet or row costs only itself."""
    if path.suffix.lower() == ".jsonl":
        return read_cruxeval(path)
    return read_yaml(path)


# --------------------------------------------------------------------------- YAML


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
    entry = _resolve_entry(tree, merged.get("entry"), fail)

    meta = _metadata(path, merged, fail)
    signature = _entry_signature(tree, entry)
    params = signature.names
    raw_inputs = merged.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise fail("'inputs' must be a non-empty list of argument mappings or strings", "inputs")
    inputs = tuple(
        _input_text(item, index, signature, lambda m, i: fail(f"input {i}: {m}", "inputs"))
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
    signature = _entry_signature(ast.parse(snippet.code), snippet.entry)
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


def _public_methods(cls: ast.ClassDef) -> list[str]:
    return [
        node.name
        for node in cls.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not node.name.startswith("_")
    ]


def _resolve_entry(tree: ast.Module, entry: Any, fail: Any) -> str:
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    functions = [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    ]
    solution = classes.get("Solution")
    if entry is not None:
        if not isinstance(entry, str):
            raise fail("'entry' must be a method or function name", "entry")
        owner, _, name = entry.rpartition(".")
        if owner:
            cls = classes.get(owner)
            if cls is None or name not in _public_methods(cls):
                raise fail(f"no method {name!r} in class {owner!r}", "entry")
            return entry
        if solution is not None and name in _public_methods(solution):
            return f"Solution.{name}"
        if name in functions:
            return name
        raise fail(f"no function or Solution method named {name!r}", "entry")
    if solution is not None:
        methods = _public_methods(solution)
        if len(methods) == 1:
            return f"Solution.{methods[0]}"
        raise fail(
            f"class Solution has {len(methods)} public methods {methods}; say which with 'entry'",
            "entry",
        )
    if len(functions) == 1:
        return functions[0]
    raise fail(
        f"cannot infer the entry point among functions {functions}; say which with 'entry'",
        "entry",
    )


@dataclass(frozen=True)
class _Signature:
    """What an entry point accepts, read from its ``def`` (without ``self``)."""

    positional: tuple[str, ...] = ()  # positional-only first, then positional-or-keyword
    positional_only: int = 0
    keyword_only: tuple[str, ...] = ()
    optional: frozenset[str] = frozenset()  # parameters with a default
    star_args: bool = False
    star_kwargs: bool = False
    known: bool = False  # False when the entry's def could not be found

    @property
    def names(self) -> list[str]:
        return [*self.positional, *self.keyword_only]

    def problem(self, n_positional: int, keywords: Sequence[str]) -> str | None:
        """Why a call with these arguments would not bind, in the words of the dict checks."""
        if not self.known:
            return None
        if n_positional > len(self.positional) and not self.star_args:
            return (
                f"{n_positional} positional arguments given; "
                f"the entry takes {len(self.positional)}: {list(self.positional)}"
            )
        given = set(self.positional[:n_positional])
        by_position = self.positional[self.positional_only :]
        accepted = {*by_position, *self.keyword_only}
        unknown = [k for k in keywords if k not in accepted]
        if unknown and not self.star_kwargs:
            return f"unknown argument(s) {unknown}; the entry takes {self.names}"
        twice = [k for k in keywords if k in given]
        if twice:
            return f"argument(s) {twice} given both by position and by name"
        given |= set(keywords)
        missing = [p for p in self.names if p not in given and p not in self.optional]
        if missing:
            return f"missing argument(s) {missing}"
        return None


def _entry_signature(tree: ast.Module, entry: str) -> _Signature:
    owner, _, name = entry.rpartition(".")
    body: Sequence[ast.stmt] = tree.body
    if owner:
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner)
        body = cls.body
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            args = node.args
            positional = [a.arg for a in args.posonlyargs + args.args]
            positional_only = len(args.posonlyargs)
            defaults = positional[len(positional) - len(args.defaults) :] if args.defaults else []
            if owner and positional and positional[0] == "self":
                positional = positional[1:]
                positional_only = max(positional_only - 1, 0)
            keyword_only = [a.arg for a in args.kwonlyargs]
            optional = {*defaults}
            optional |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
            return _Signature(
                positional=tuple(positional),
                positional_only=positional_only,
                keyword_only=tuple(keyword_only),
                optional=frozenset(optional),
                star_args=args.vararg is not None,
                star_kwargs=args.kwarg is not None,
                known=True,
            )
    return _Signature()


def _input_text(item: Any, index: int, signature: _Signature, fail: Any) -> str:
    """Turn one declared input into Python argument text, checking it binds to the entry."""
    params = signature.names
    if isinstance(item, dict):
        item = {k: v for k, v in item.items() if k != "__line__"}
        problem = signature.problem(0, list(item))
        if problem:
            raise fail(problem, index)
        return ", ".join(f"{k}={_python_literal(v)}" for k, v in item.items())
    if isinstance(item, str):
        try:
            call = ast.parse(f"_({item})", mode="eval").body
        except SyntaxError:
            raise fail(f"{item!r} is not a Python argument list", index) from None
        assert isinstance(call, ast.Call)
        for node in [*call.args, *(kw.value for kw in call.keywords)]:
            try:
                ast.literal_eval(node)
            except ValueError:
                raise fail(
                    f"{ast.unparse(node)!r} is not a literal (no names or calls in inputs)",
                    index,
                ) from None
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            kw.arg is None for kw in call.keywords
        ):
            raise fail("star arguments are not allowed", index)
        problem = signature.problem(len(call.args), [kw.arg for kw in call.keywords if kw.arg])
        if problem:
            raise fail(problem, index)
        return item.strip()
    if isinstance(item, list) and len(params) == 1:
        return _python_literal(item)
    raise fail(
        "an input is a mapping of argument names to values or a string such as '[1, 2], 3'",
        index,
    )


def _python_literal(value: Any) -> str:
    """JSON value to Python literal text (``true`` → ``True``)."""
    return repr(value)


# --------------------------------------------------------------------------- CRUXEval

CRUXEVAL_FIELDS = ("code", "input", "output")


def load_cruxeval(path: Path) -> list[Snippet]:
    """One snippet per JSONL row; raises the first row's problem (see `read_cruxeval`)."""
    loaded = read_cruxeval(path)
    if loaded.problems:
        raise loaded.problems[0]
    return loaded.snippets


def read_cruxeval(path: Path) -> Loaded:
    """One snippet per JSONL row ``{"code", "input", "output", "id"}``, entry ``f``.

    A bad row is one problem naming its line and field; the other rows load.
    The ``input`` is argument text kept exactly as written: it may be any Python
    expression, evaluated later in the row's own namespace in the sandboxed
    child (``dict(a=1), 'b'``, a global of the code, a lambda), never here.
    """
    loaded = Loaded()
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for lineno, raw_line in enumerate(handle, start=1):
            if not raw_line.strip():
                continue
            try:
                snippet = _cruxeval_row(path, lineno, raw_line, seen)
            except BenchmarkError as exc:
                loaded.problems.append(exc)
                continue
            seen[snippet.id] = lineno
            loaded.snippets.append(snippet)
    if not loaded.snippets and not loaded.problems:
        loaded.problems.append(BenchmarkError(path, "the file holds no rows"))
    return loaded


def _cruxeval_row(path: Path, lineno: int, raw_line: str, seen: Mapping[str, int]) -> Snippet:
    try:
        row = json.loads(raw_line)
    except json.JSONDecodeError as exc:
        raise BenchmarkError(
            path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=lineno
        ) from None
    if not isinstance(row, dict):
        raise BenchmarkError(path, "each line must be a JSON object", line=lineno)
    raw_id = row.get("id", f"line{lineno}")
    sid = str(raw_id) if isinstance(raw_id, (str, int)) else f"line{lineno}"

    def fail(message: str, fld: str | None) -> BenchmarkError:
        return BenchmarkError(path, message, line=lineno, snippet=sid, field=fld)

    missing = [k for k in CRUXEVAL_FIELDS if k not in row]
    if missing:
        raise fail(f"row lacks {missing}; CRUXEval rows have code, input, output, id", missing[0])
    for name in CRUXEVAL_FIELDS:
        if not isinstance(row[name], str):
            raise fail(f"must be a string, not {type(row[name]).__name__}", name)
    safe_id = re.sub(r"[^A-Za-z0-9_.]", "_", sid)
    if safe_id in seen:
        raise fail(f"duplicate id (first at line {seen[safe_id]})", "id")
    code = row["code"]
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError) as exc:
        detail = getattr(exc, "msg", str(exc))
        raise fail(f"the code does not parse: {detail}", "code") from None
    if not any(isinstance(n, ast.FunctionDef) and n.name == "f" for n in tree.body):
        raise fail("CRUXEval code must define f", "code")
    args = row["input"]
    try:
        call = ast.parse(f"f({args}\n)", mode="eval").body
    except (SyntaxError, ValueError):
        raise fail(f"{args!r} is not a Python argument list", "input") from None
    if not isinstance(call, ast.Call):  # e.g. "1)(2": parses, but not as one call of f
        raise fail(f"{args!r} is not a Python argument list", "input")
    try:
        ast.parse(row["output"], mode="eval")
    except (SyntaxError, ValueError):
        raise fail(f"{row['output']!r} is not a Python expression", "output") from None
    return Snippet(
        id=safe_id,
        code=code,
        entry="f",
        category="cruxeval",
        path=path,
        line=lineno,
        inputs=(args,),
        input_ids=("i0",),
        recorded_outputs=(row["output"],),
        examples=0,
        dialect=CRUXEVAL,
    )
