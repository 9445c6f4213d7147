"""Accuracy charts: by category, by code length and complexity, by difficulty."""

from __future__ import annotations

from .. import svg
from ..complexity import UNREAD
from ..svg import PERCENT
from .markup import HALF, figure, group_point, ordered
from .page import Page


def category_charts(page: Page) -> str:
    table = page.by("category")
    if not table:
        return ""
    categories = ordered("category", table)
    models = sorted({r.rpartition("/")[0] for r in page.runs})
    strategies = {r.rpartition("/")[2] for r in page.runs}
    panels: list[tuple[str, list[str]]]
    if len(models) > 1 and len(strategies) > 1:
        panels = [(m, [r for r in page.runs if r.rpartition("/")[0] == m]) for m in models]
    else:
        panels = [("", page.runs)]
    out = []
    for model, runs in panels:
        values = {
            (category, run): group_point(f"{category} · {run}", table[category][run])
            for category in categories
            for run in runs
            if run in table[category]
        }
        title = "accuracy by category" + (f" — {model}" if model else "")
        chart = svg.bar_chart(
            title,
            categories,
            runs,
            values,
            scale=PERCENT,
            y_label="accuracy",
            colors=page.colors,
        )
        out.append(figure(chart, title + " (bars: accuracy, whiskers: 95% Wilson interval)"))
    return "".join(out)


def dimension_line(page: Page, dimension: str, width: int = HALF) -> str:
    table = page.by(dimension)
    if not table or (dimension == "complexity" and set(table) == {UNREAD}):
        return ""  # e.g. CRUXEval rows, which give no complexity
    xs = ordered(dimension, table)
    members = page.members(dimension)
    series = {
        run: {
            x: group_point(f"{x}{members.get(x, '')} · {run}", table[x][run])
            for x in xs
            if run in table[x]
        }
        for run in page.runs
    }
    series = {k: v for k, v in series.items() if v}
    title = f"accuracy by {dimension}"
    chart = svg.line_chart(title, xs, series, y_label="accuracy", colors=page.colors, width=width)
    note = " (whiskers: 95% Wilson interval"
    note += "; complexities grouped by growth class)" if members else ")"
    return figure(chart, title + note)


def difficulty_chart(page: Page) -> str:
    table = page.by("difficulty")
    if not table or set(table) == {"-"}:
        return ""
    xs = ordered("difficulty", table)
    values = {
        (x, run): group_point(f"{x} · {run}", table[x][run])
        for x in xs
        for run in page.runs
        if run in table[x]
    }
    chart = svg.bar_chart(
        "accuracy by difficulty",
        xs,
        page.runs,
        values,
        scale=PERCENT,
        y_label="accuracy",
        colors=page.colors,
        width=HALF,
    )
    return figure(chart, "accuracy by difficulty (whiskers: 95% Wilson interval)")
