"""What to draw for a snippet (parameter kinds, constraints, schema, strategies),
and how drawn values are written as call text.

A parameter's values come from the snippet's ``schema`` (JSON Schema, via
hypothesis-jsonschema), else from its annotation, else from the types of the
declared inputs, bounded by the snippet's ``constraints``. Every mistake in a
schema or a constraint is a `BenchmarkError` naming the file, snippet and field.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..datasets.model import BenchmarkError, Snippet

#: Defaults that keep inputs small enough to execute by hand.
DEFAULT_MIN_VALUE = -10
DEFAULT_MAX_VALUE = 10
DEFAULT_MAX_SIZE = 6
DEFAULT_ALPHABET = "abcde"  # few letters, so repeats, palindromes and anagrams occur
DEFAULT_MAX_RESULT = 200  # characters of the result's repr

SIZE_KEYS = ("min_size", "max_size")
VALUE_KEYS = ("min_value", "max_value")
PARAM_KEYS = frozenset({*SIZE_KEYS, *VALUE_KEYS, "alphabet", "unique", "sorted", "values", "items"})
#: Constraints that the elements of a collection inherit from it.
INHERITED = frozenset({*SIZE_KEYS, *VALUE_KEYS, "alphabet"})
GLOBAL_KEYS = PARAM_KEYS | {"max_result"}


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Kind:
    """The shape of a value: ``int``, ``list`` of a kind, ``optional`` of a kind, ...

    ``listnode`` and ``treenode`` are drawn in LeetCode's list form; the child
    process turns them into linked nodes.
    """

    name: str
    args: tuple[Kind, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}[{', '.join(map(str, self.args))}]" if self.args else self.name


_ALIASES = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "None": "none",
    "ListNode": "listnode",
    "TreeNode": "treenode",
}
_GENERICS = {
    "List": "list",
    "list": "list",
    "Sequence": "list",
    "Iterable": "list",
    "Set": "set",
    "set": "set",
    "FrozenSet": "set",
    "frozenset": "set",
    "Dict": "dict",
    "dict": "dict",
    "Mapping": "dict",
    "Tuple": "tuple",
    "tuple": "tuple",
    "Optional": "optional",
    "Union": "union",
}


def kind_from_annotation(node: ast.expr | None) -> Kind | None:
    """The kind an annotation names, or None when it names nothing we can draw."""
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        if node.value is None:
            return Kind("none")
        if isinstance(node.value, str):  # a string annotation: "List[int]"
            try:
                return kind_from_annotation(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return None
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # int | None
        left, right = kind_from_annotation(node.left), kind_from_annotation(node.right)
        return _union([left, right]) if left and right else None
    name = _dotted_tail(node.value if isinstance(node, ast.Subscript) else node)
    if not isinstance(node, ast.Subscript):
        return Kind(_ALIASES[name]) if name in _ALIASES else None
    generic = _GENERICS.get(name or "")
    if generic is None:
        return None
    parts = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if generic == "tuple" and len(parts) == 2 and _is_ellipsis(parts[1]):
        inner = kind_from_annotation(parts[0])
        return Kind("tuple...", (inner,)) if inner else None
    kinds = [kind_from_annotation(p) for p in parts]
    if any(k is None for k in kinds):
        return None
    args = tuple(k for k in kinds if k is not None)
    if generic == "optional":
        return _union([args[0], Kind("none")]) if len(args) == 1 else None
    if generic == "union":
        return _union(list(args))
    expected = {"list": 1, "set": 1, "dict": 2}.get(generic)
    if expected is not None and len(args) != expected:
        return None
    return Kind(generic, args)


def _dotted_tail(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.List
        return node.attr
    return None


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _union(kinds: Sequence[Kind | None]) -> Kind | None:
    flat: list[Kind] = []
    for kind in kinds:
        if kind is None:
            return None
        for part in kind.args if kind.name == "union" else (kind,):
            if part not in flat:
                flat.append(part)
    if len(flat) == 1:
        return flat[0]
    nodes = [k for k in flat if k.name in ("listnode", "treenode")]
    if nodes and len(flat) == 2 and Kind("none") in flat:
        return nodes[0]  # Optional[ListNode]: the empty list already stands for None
    return Kind("union", tuple(flat))


def kind_of_value(value: Any) -> Kind | None:
    """The kind of a declared input's value (for parameters without annotations)."""
    if value is None:
        return Kind("none")
    for python_type, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(value, python_type):
            return Kind(name)
    if isinstance(value, (list, set, frozenset)):
        inner = merge_kinds([kind_of_value(v) for v in value])
        name = "list" if isinstance(value, list) else "set"
        return Kind(name, (inner,)) if inner else Kind(name + "?")
    if isinstance(value, tuple):
        parts = [kind_of_value(v) for v in value]
        if any(p is None for p in parts):
            return None
        return Kind("tuple", tuple(p for p in parts if p is not None))
    if isinstance(value, dict):
        keys = merge_kinds([kind_of_value(k) for k in value])
        values = merge_kinds([kind_of_value(v) for v in value.values()])
        return Kind("dict", (keys, values)) if keys and values else Kind("dict?")
    return None


def merge_kinds(kinds: Sequence[Kind | None]) -> Kind | None:
    """One kind covering all of *kinds* (``list?`` is a list whose elements are unknown)."""
    known = [k for k in kinds if k is not None]
    if len(known) != len(kinds) or not known:
        return None
    result = known[0]
    for kind in known[1:]:
        result = _merge_two(result, kind)
    return result


def _merge_two(a: Kind, b: Kind) -> Kind:
    if a == b:
        return a
    if a.name.rstrip("?") == b.name.rstrip("?") and a.name.endswith("?"):
        return b
    if a.name.rstrip("?") == b.name.rstrip("?") and b.name.endswith("?"):
        return a
    if a.name == b.name and a.name in ("list", "set", "dict") and len(a.args) == len(b.args):
        return Kind(a.name, tuple(_merge_two(x, y) for x, y in zip(a.args, b.args, strict=True)))
    if {a.name, b.name} == {"int", "float"}:
        return Kind("float")
    merged = _union([a, b])
    assert merged is not None
    return merged


# --------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class Bounds:
    """The constraints in force for one parameter."""

    min_size: int = 0
    max_size: int = DEFAULT_MAX_SIZE
    min_value: float = DEFAULT_MIN_VALUE
    max_value: float = DEFAULT_MAX_VALUE
    alphabet: str = DEFAULT_ALPHABET
    unique: bool = False
    sorted: bool = False
    values: tuple[Any, ...] | None = None
    items: Bounds | None = None  # the elements' bounds, when they differ from the inherited

    def elements(self) -> Bounds:
        """The bounds of this collection's elements (and of a dict's keys and values)."""
        if self.items is not None:
            return self.items
        return replace(self, values=None, unique=False, sorted=False)


@dataclass(frozen=True)
class Param:
    name: str
    positional_only: bool
    has_default: bool
    kind: Kind | None


@dataclass(frozen=True)
class Plan:
    """How to draw one snippet's arguments."""

    params: tuple[Param, ...]
    bounds: Mapping[str, Bounds]
    schema: Mapping[str, Any] | None  # object schema for the parameters it names
    max_result: int
    variadic: bool  # *args / **kwargs: generated calls cannot fill them


def plan(snippet: Snippet) -> Plan:
    """Read the snippet's signature, schema and constraints; a mistake is a BenchmarkError."""
    func = _entry_function(snippet)
    params = _params(func, snippet)
    names = [p.name for p in params]
    schema = _check_schema(snippet, names)
    in_schema = set(schema.get("properties", {})) if schema else set()
    bounds, max_result = _check_constraints(snippet, names, in_schema)
    variadic = func.args.vararg is not None or func.args.kwarg is not None
    return Plan(tuple(params), bounds, schema, max_result, variadic)


def snippet_error(snippet: Snippet, fld: str, message: str) -> BenchmarkError:
    """An error naming the snippet's file, line, id and *fld*."""
    return BenchmarkError(snippet.path, message, line=snippet.line, snippet=snippet.id, field=fld)


def _entry_function(snippet: Snippet) -> ast.FunctionDef | ast.AsyncFunctionDef:
    tree = ast.parse(snippet.code)
    owner, _, name = snippet.entry.rpartition(".")
    body: list[ast.stmt] = tree.body
    if owner:
        body = next(n.body for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner)
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    raise snippet_error(snippet, "entry", f"no function {snippet.entry!r} in the code")


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef, snippet: Snippet) -> list[Param]:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    n_defaults = len(args.defaults)
    with_default = {a.arg for a in positional[len(positional) - n_defaults :] if n_defaults}
    with_default |= {
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    }
    posonly = {a.arg for a in args.posonlyargs}
    if "." in snippet.entry and positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    declared = _declared_values(snippet, [a.arg for a in [*positional, *args.kwonlyargs]])
    params = []
    for arg in [*positional, *args.kwonlyargs]:
        kind = kind_from_annotation(arg.annotation)
        if kind is None:
            kind = merge_kinds(
                [kind_of_value(values[arg.arg]) for values in declared if arg.arg in values]
                or [None]
            )
            if kind is not None and not _complete(kind):
                kind = None
        params.append(Param(arg.arg, arg.arg in posonly, arg.arg in with_default, kind))
    return params


def _complete(kind: Kind) -> bool:
    """Whether every part of *kind* is known (``[]`` alone says nothing of its elements)."""
    return not kind.name.endswith("?") and all(_complete(k) for k in kind.args)


def _declared_values(snippet: Snippet, names: list[str]) -> list[dict[str, Any]]:
    """The declared inputs as ``{parameter: value}`` (skipping any that do not bind)."""
    out = []
    for text in snippet.inputs:
        bound = bind(text, names)
        if bound is not None:
            out.append(bound)
    return out


def bind(args_text: str, names: Sequence[str]) -> dict[str, Any] | None:
    """``"[1, 2], k=3"`` as ``{"nums": [1, 2], "k": 3}``, or None if it cannot be bound."""
    try:
        call = ast.parse(f"_({args_text})", mode="eval").body
        assert isinstance(call, ast.Call)
        positional = [ast.literal_eval(a) for a in call.args]
        keywords = [(kw.arg, ast.literal_eval(kw.value)) for kw in call.keywords]
    except (SyntaxError, ValueError, TypeError, AssertionError, MemoryError, RecursionError):
        return None
    if len(positional) > len(names):
        return None
    bound: dict[str, Any] = dict(zip(names, positional, strict=False))
    for key, value in keywords:
        if key is None or key in bound or key not in names:
            return None
        bound[key] = value
    return bound


def _check_constraints(
    snippet: Snippet, names: list[str], in_schema: set[str]
) -> tuple[dict[str, Bounds], int]:
    raw = dict(snippet.constraints or {})
    shared = {k: v for k, v in raw.items() if k in GLOBAL_KEYS}
    for key in raw:
        if key in GLOBAL_KEYS:
            continue
        if key not in names:
            raise snippet_error(
                snippet,
                "constraints",
                f"unknown constraint or parameter {key!r}; constraints are "
                f"{sorted(GLOBAL_KEYS)}, parameters are {names}",
            )
        if key in in_schema:
            raise snippet_error(
                snippet,
                "constraints",
                f"parameter {key!r} is described by 'schema'; bound it there",
            )
        if not isinstance(raw[key], dict):
            raise snippet_error(
                snippet,
                "constraints",
                f"{key!r}: expected a mapping of constraints such as {{max_size: 4}}",
            )
        unknown = sorted(set(raw[key]) - PARAM_KEYS)
        if unknown:
            raise snippet_error(
                snippet,
                "constraints",
                f"{key!r}: unknown constraint(s) {unknown}; allowed: {sorted(PARAM_KEYS)}",
            )
    max_result = shared.pop("max_result", DEFAULT_MAX_RESULT)
    if not _is_int(max_result) or max_result < 1:
        raise snippet_error(snippet, "constraints", "'max_result' must be a positive integer")
    bounds = {}
    for name in names:
        merged = {**shared, **(raw.get(name) or {})}
        where = f"{name!r}: " if name in raw else ""
        bounds[name] = _bounds(snippet, where, merged)
    return bounds, int(max_result)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bounds(snippet: Snippet, where: str, raw: Mapping[str, Any]) -> Bounds:
    def fail(message: str) -> BenchmarkError:
        return snippet_error(snippet, "constraints", where + message)

    for key in SIZE_KEYS:
        if key in raw and (not _is_int(raw[key]) or raw[key] < 0):
            raise fail(f"{key!r} must be a non-negative integer")
    for key in VALUE_KEYS:
        if key in raw and (
            not isinstance(raw[key], (int, float))
            or isinstance(raw[key], bool)
            or not math.isfinite(raw[key])
        ):
            raise fail(f"{key!r} must be a number")
    for key in ("unique", "sorted"):
        if key in raw and not isinstance(raw[key], bool):
            raise fail(f"{key!r} must be true or false")
    if "alphabet" in raw and (not isinstance(raw["alphabet"], str) or not raw["alphabet"]):
        raise fail("'alphabet' must be a non-empty string of characters")
    values = raw.get("values")
    if values is not None and (not isinstance(values, list) or not values):
        raise fail("'values' must be a non-empty list of argument values")
    min_size = raw.get("min_size", 0)
    max_size = raw.get("max_size", max(DEFAULT_MAX_SIZE, min_size))
    if min_size > max_size:
        raise fail(f"min_size {min_size} is larger than max_size {max_size}")
    min_value = raw.get("min_value", DEFAULT_MIN_VALUE)
    max_value = raw.get("max_value", DEFAULT_MAX_VALUE)
    span = DEFAULT_MAX_VALUE - DEFAULT_MIN_VALUE  # one bound alone: the other is this far
    if "min_value" in raw and "max_value" not in raw:
        max_value = min_value + span
    if "max_value" in raw and "min_value" not in raw:
        min_value = max_value - span
    if min_value > max_value:
        raise fail(f"min_value {min_value} is larger than max_value {max_value}")
    items = raw.get("items")
    if items is not None:
        if not isinstance(items, dict):
            raise fail("'items' must be a mapping of constraints for the elements")
        unknown = sorted(set(items) - PARAM_KEYS)
        if unknown:
            raise fail(f"items: unknown constraint(s) {unknown}; allowed: {sorted(PARAM_KEYS)}")
        inherited = {k: v for k, v in raw.items() if k in INHERITED}
        items = _bounds(snippet, where + "items: ", {**inherited, **items})
    return Bounds(
        min_size=min_size,
        max_size=max_size,
        min_value=min_value,
        max_value=max_value,
        alphabet=raw.get("alphabet", DEFAULT_ALPHABET),
        unique=raw.get("unique", False),
        sorted=raw.get("sorted", False),
        values=tuple(values) if values is not None else None,
        items=items,
    )


def _check_schema(snippet: Snippet, names: list[str]) -> dict[str, Any] | None:
    if snippet.schema is None:
        return None
    schema = dict(snippet.schema)
    properties = schema.get("properties")
    is_object = schema.get("type", "object") == "object"
    if not is_object or not isinstance(properties, dict) or not properties:
        raise snippet_error(
            snippet,
            "schema",
            "expected an object schema whose 'properties' are the entry's parameters, "
            f"e.g. {{type: object, properties: {{{names[0] if names else 'x'}: "
            "{type: integer, minimum: 0}}}}",
        )
    unknown = [k for k in properties if k not in names]
    if unknown:
        raise snippet_error(
            snippet, "schema", f"unknown parameter(s) {unknown}; the entry takes {names}"
        )
    try:
        from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
        from jsonschema.validators import validator_for  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - installed with hypothesis-jsonschema
        raise snippet_error(snippet, "schema", NEEDS_JSONSCHEMA) from None
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.path)
        raise snippet_error(
            snippet,
            "schema",
            f"not a valid JSON Schema: {exc.message}" + (f" (at {path})" if path else ""),
        ) from None
    schema["type"] = "object"
    schema["required"] = sorted(set(schema.get("required", [])) | set(properties))
    schema.setdefault("additionalProperties", False)
    small: dict[str, Any] = _small_schema(schema)
    return small


NEEDS_JSONSCHEMA = (
    "a 'schema' needs the hypothesis-jsonschema package: pip install hypothesis-jsonschema"
)


def _small_schema(schema: Any) -> Any:
    """Bound sizes and numbers the schema leaves open, so inputs stay small."""
    if isinstance(schema, list):
        return [_small_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _small_schema(v) for k, v in schema.items()}
    types = out.get("type")
    types = {types} if isinstance(types, str) else set(types or [])
    if "enum" in out or "const" in out:
        return out
    if "array" in types and "maxItems" not in out:
        out["maxItems"] = max(DEFAULT_MAX_SIZE, out.get("minItems", 0))
    if "object" in types and out is not schema and "maxProperties" not in out:
        out["maxProperties"] = max(DEFAULT_MAX_SIZE, out.get("minProperties", 0))
    if "string" in types and "maxLength" not in out and "pattern" not in out:
        out["maxLength"] = max(DEFAULT_MAX_SIZE, out.get("minLength", 0))
    if types & {"integer", "number"}:
        span = DEFAULT_MAX_VALUE - DEFAULT_MIN_VALUE
        lows = [out[k] for k in ("minimum", "exclusiveMinimum") if _number(out.get(k))]
        highs = [out[k] for k in ("maximum", "exclusiveMaximum") if _number(out.get(k))]
        if not lows and not highs:
            out["minimum"], out["maximum"] = DEFAULT_MIN_VALUE, DEFAULT_MAX_VALUE
        elif not highs:
            out["maximum"] = max(lows) + span
        elif not lows:
            out["minimum"] = min(highs) - span
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --------------------------------------------------------------------------- rendering


def literal(value: Any) -> str:
    """Python literal text, the same in every process (sets are written sorted)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} has no literal form")
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(literal(v) for v in value)) + "}" if value else "set()"
    raise ValueError(f"a {type(value).__name__} has no literal form")


def args_text(values: Mapping[str, Any], params: Sequence[Param]) -> str:
    """Call text: positional-only parameters by position, the others by keyword."""
    parts = []
    for param in params:
        if param.name in values:
            shown = literal(values[param.name])
            parts.append(shown if param.positional_only else f"{param.name}={shown}")
    return ", ".join(parts)


def canonical(values: Mapping[str, Any], params: Sequence[Param]) -> str:
    """A key equal for equal inputs however they were written (for dropping duplicates)."""
    return "\0".join(
        f"{p.name}={canonical_value(values[p.name])}" for p in params if p.name in values
    )


def canonical_value(value: Any) -> str:
    """`literal`, or a repr for what has no literal form (only ever compared)."""
    try:
        return literal(value)
    except (ValueError, RecursionError):
        return repr(value)
