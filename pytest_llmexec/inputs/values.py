"""Hypothesis strategies that draw a snippet's arguments from its plan (`types.plan`).

One strategy per value kind, bounded by the snippet's constraints; a JSON
Schema, when the snippet gives one, replaces the plan (hypothesis-jsonschema).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ..datasets.model import Snippet
from .types import NEEDS_JSONSCHEMA, Bounds, Kind, Plan, canonical_value, snippet_error


def strategy_for(kind: Kind, bounds: Bounds) -> st.SearchStrategy[Any]:
    """A strategy for one value of *kind*; ``values``, when given, replaces it whole."""
    if bounds.values is not None:
        return st.sampled_from(bounds.values)
    name = kind.name
    if name == "int":
        low, high = math.ceil(bounds.min_value), math.floor(bounds.max_value)
        return st.integers(low, high) if low <= high else st.nothing()
    if name == "float":
        low, high = math.ceil(bounds.min_value * 100), math.floor(bounds.max_value * 100)
        return st.integers(low, high).map(lambda i: i / 100) if low <= high else st.nothing()
    if name == "bool":
        return st.booleans()
    if name == "str":
        return st.text(
            st.sampled_from(sorted(set(bounds.alphabet))),
            min_size=bounds.min_size,
            max_size=bounds.max_size,
        )
    if name == "none":
        return st.none()
    if name == "union":
        return st.one_of(*(strategy_for(k, bounds) for k in kind.args))
    inner = bounds.elements()
    if name == "tuple":
        return st.tuples(*(strategy_for(k, inner) for k in kind.args))
    if name == "dict":
        return st.dictionaries(
            strategy_for(kind.args[0], inner),
            strategy_for(kind.args[1], inner),
            min_size=bounds.min_size,
            max_size=bounds.max_size,
        )
    if name == "treenode":
        return _trees(strategy_for(Kind("int"), inner), bounds)
    elements = strategy_for(Kind("int") if name == "listnode" else kind.args[0], inner)
    low, high = bounds.min_size, bounds.max_size
    if name == "set":
        return st.sets(elements, min_size=low, max_size=high)
    unique_by = canonical_value if bounds.unique else None  # lists are unique too
    collection = st.lists(elements, min_size=low, max_size=high, unique_by=unique_by)
    if bounds.sorted:
        collection = collection.map(_sorted)
    return collection.map(tuple) if name == "tuple..." else collection


def _sorted(values: list[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:  # values that do not compare (None among numbers) keep their order
        return values


def _trees(values: st.SearchStrategy[Any], bounds: Bounds) -> st.SearchStrategy[list[Any]]:
    """Binary trees of min_size..max_size nodes in LeetCode's level-order list form."""

    @st.composite
    def trees(draw_: Callable[[st.SearchStrategy[Any]], Any]) -> list[Any]:
        size = draw_(st.integers(bounds.min_size, bounds.max_size))
        if size == 0:
            return []
        out: list[Any] = [draw_(values)]
        count, open_slots = 1, 2  # children slots of the nodes placed so far, in BFS order
        while count < size:
            present = open_slots == 1 or draw_(st.booleans())
            open_slots -= 1
            if present:
                out.append(draw_(values))
                count += 1
                open_slots += 2
            else:
                out.append(None)
        return out

    return trees()


def arguments(the_plan: Plan, snippet: Snippet) -> st.SearchStrategy[dict[str, Any]]:
    """A strategy for ``{parameter: value}`` of a whole call."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    schema_part: st.SearchStrategy[Any] = st.just({})
    if the_plan.schema is not None:
        try:
            from hypothesis_jsonschema import from_schema
        except ImportError:
            raise snippet_error(snippet, "schema", NEEDS_JSONSCHEMA) from None
        try:
            schema_part = from_schema(dict(the_plan.schema))
        except Exception as exc:  # hypothesis-jsonschema's errors vary
            raise snippet_error(snippet, "schema", f"cannot draw from it: {exc}") from None
        if schema_part.is_empty:
            raise snippet_error(
                snippet, "schema", "the schema is unsatisfiable: no value matches it"
            )
    in_schema = set((the_plan.schema or {}).get("properties", {}))
    for param in the_plan.params:
        if param.name in in_schema:
            continue
        if param.kind is None and the_plan.bounds[param.name].values is None:
            continue  # reported by `missing_kinds`
        kind = param.kind or Kind("none")
        parts[param.name] = strategy_for(kind, the_plan.bounds[param.name])
        if parts[param.name].is_empty:
            raise snippet_error(
                snippet, "constraints", f"{param.name!r}: no value fits the constraints"
            )
    order = [p.name for p in the_plan.params]

    def combine(pair: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
        merged = {**pair[0], **pair[1]}
        return {name: merged[name] for name in order if name in merged}

    return st.tuples(schema_part, st.fixed_dictionaries(parts)).map(combine)


def missing_kinds(the_plan: Plan) -> list[str]:
    """Parameters without a default that nothing tells us how to draw."""
    in_schema = set((the_plan.schema or {}).get("properties", {}))
    return [
        p.name
        for p in the_plan.params
        if p.kind is None
        and not p.has_default
        and p.name not in in_schema
        and the_plan.bounds[p.name].values is None
    ]
