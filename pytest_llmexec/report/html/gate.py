"""The baseline comparison section (``gate`` in the document)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import svg
from ..records import language_order
from ..svg import Point, Scale, esc
from .markup import DASH, as_text, cell, figure, num, pct_cell, table
from .markup import list_ as titled_list
from .page import Page


def section(page: Page) -> str:
    gate = page.gate
    if not isinstance(gate, Mapping) or not gate:
        return ""
    out = ""
    passed = gate.get("passed")
    if isinstance(passed, bool):
        word = "passed" if passed else "FAILED"
        out += f'<p class="gate {"pass" if passed else "fail"}">gate {word}</p>'
    out += titled_list("failures", gate.get("failures"), cls="failures")
    out += titled_list("notes", gate.get("notes"))
    comparison = gate.get("comparison")
    if isinstance(comparison, Mapping):
        out += _comparison(page, comparison)
    accept = gate.get("accept")
    if isinstance(accept, str) and accept:
        out += f"<p>to accept these results as the new baseline: <code>{esc(accept)}</code></p>"
    return out


def _comparison(page: Page, comparison: Mapping[str, Any]) -> str:
    out = ""
    rows = _rows(comparison.get("runs"))
    by_language = _rows(comparison.get("languages"))
    deltas = {
        (name, "change"): point
        for name, row in rows
        if (point := _delta_point(name, row)) is not None
    }
    names = [name for name, _ in rows if (name, "change") in deltas]
    if deltas:
        chart = svg.bar_chart(
            "accuracy change against the baseline",
            names,
            ["change"],
            deltas,
            scale=_delta_scale(deltas.values()),
            y_label="change (points)",
            colors={"change": "#0072B2"},
        )
        out += figure(
            chart,
            "accuracy now minus the baseline's over the paired cases, "
            "in percentage points, with its 95% interval",
        )
    by_category: dict[tuple[str, str], Point] = {}
    for name, row in _rows(comparison.get("categories")):
        category = as_text(row.get("category")) or name
        run = f"{as_text(row.get('model'))}/{as_text(row.get('strategy'))}"
        point = _delta_point(f"{category} · {run}", row)
        if point is not None:
            by_category[category, run] = point
    if by_category:
        categories = sorted({c for c, _ in by_category})
        runs = sorted({r for _, r in by_category})
        chart = svg.bar_chart(
            "accuracy change by category",
            categories,
            runs,
            by_category,
            scale=_delta_scale(by_category.values()),
            y_label="change (points)",
            colors=page.colors,
        )
        out += figure(chart, "the same per category (each tested with a Holm correction)")
    if by_language:
        points: dict[tuple[str, str], Point] = {}
        for name, row in by_language:
            point = _delta_point(name, row)
            if point is not None:
                run = f"{as_text(row.get('model'))}/{as_text(row.get('strategy'))}"
                points[as_text(row.get("language")), run] = point
        if points:
            chart = svg.bar_chart(
                "accuracy change by language",
                sorted({name for name, _ in points}, key=language_order),
                sorted({run for _, run in points}),
                points,
                scale=_delta_scale(points.values()),
                y_label="change (points)",
                colors=page.colors,
            )
            out += figure(chart, "the same per language (Holm across the language strata; gated)")
    rows += by_language
    if rows:
        header = [
            "run",
            "paired",
            "before",
            "now",
            "change (95% CI)",
            "right→wrong",
            "wrong→right",
            "p",
            "p (Holm)",
            "unstable",
        ]
        body = [
            [
                esc(name),
                cell(row.get("n")),
                pct_cell(row.get("accuracy_before")),
                pct_cell(row.get("accuracy_now")),
                esc(_delta_text(row)),
                cell(row.get("right_to_wrong")),
                cell(row.get("wrong_to_right")),
                cell(row.get("p")),
                cell(row.get("p_holm")),
                cell(row.get("unstable")),
            ]
            for name, row in rows
        ]
        out += table(header, body, "gate-table")
    for key, title in (
        ("right_to_wrong", "right → wrong"),
        ("wrong_to_right", "wrong → right"),
    ):
        flips = comparison.get(key)
        if isinstance(flips, list) and flips:
            body = [
                [
                    f"<code>{esc(as_text(f.get('nodeid')))}</code>",
                    f"<code>{esc(as_text(f.get('expected')))}</code>",
                    f"<code>{esc(_answer(f.get('before')))}</code>",
                    f"<code>{esc(_answer(f.get('now')))}</code>",
                ]
                for f in flips
                if isinstance(f, Mapping)
            ]
            out += f"<h3>{esc(title)} ({len(flips)})</h3>" + table(
                ["test", "expected", "before", "now"], body, "flips"
            )
    for key, title in (
        ("added", "new since the baseline"),
        ("removed", "in the baseline, not in this run"),
        ("unstable", "unstable (samples disagree)"),
        ("changes", "what changed"),
    ):
        out += titled_list(f"{title}", comparison.get(key))
    return out


def _answer(side: Any) -> str:
    if not isinstance(side, Mapping):
        return as_text(side)
    predicted = side.get("predicted")
    return as_text(predicted) if predicted is not None else f"({as_text(side.get('verdict'))})"


def _delta_point(name: str, row: Mapping[str, Any]) -> Point | None:
    delta = num(row.get("delta"))
    if delta is None:
        return None
    low, high = _interval(row.get("delta_interval"))
    return Point(delta, low, high, f"{name}: {_delta_text(row)}")


def _interval(value: Any) -> tuple[float | None, float | None]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return num(value[0]), num(value[1])
    return None, None


def _delta_text(row: Mapping[str, Any]) -> str:
    delta = num(row.get("delta"))
    if delta is None:
        return DASH
    low, high = _interval(row.get("delta_interval"))
    if low is None or high is None:
        return f"{100 * delta:+.1f} pt"
    return f"{100 * delta:+.1f} pt [{100 * low:+.1f}, {100 * high:+.1f}]"


def _delta_scale(points: Iterable[Point]) -> Scale:
    extent = max(
        [0.05, *(abs(v) for p in points for v in (p.value, p.low, p.high) if v is not None)]
    )
    return svg.nice_scale([-extent, extent], lambda v: f"{100 * v:+.0f}" if round(100 * v) else "0")


def _rows(value: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """Rows of a gate table given as a mapping (name to row) or a list of rows."""
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items() if isinstance(v, Mapping)]
    if isinstance(value, list):
        rows = []
        for index, row in enumerate(value):
            if isinstance(row, Mapping):
                name = row.get("run") or (
                    f"{row['model']}/{row['strategy']}"
                    if "model" in row and "strategy" in row
                    else str(index)
                )
                if row.get("language"):
                    name = f"{name} in {row['language']}"
                rows.append((str(name), row))
        return rows
    return []
