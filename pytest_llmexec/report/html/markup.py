"""Markup shared by the sections: escaping-aware tables, figures, cells, and orderings.

Every helper that takes text escapes it; those that take cells expect markup the
caller has already escaped.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ...strategies import STRATEGIES
from ..aggregate import Group, Record
from ..complexity import CLASS_ORDER, UNREAD, complexity_class
from ..svg import Point, esc

DASH = "\u2013"  # an en dash: empty cells and ranges
HALF = 620  # the width of a chart drawn to sit beside another

VERDICT_ORDER = ("correct", "wrong", "unparseable", "error")
VERDICT_COLORS = {
    "correct": "#009E73",
    "wrong": "#D55E00",
    "unparseable": "#E69F00",
    "error": "#999999",
}


def num(value: Any) -> float | None:
    """A finite number, or None (booleans and text are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def ci_text(group: Group) -> str:
    low, high = group.interval
    return f"{100 * low:.1f}{DASH}{100 * high:.1f}%"


def group_point(label: str, group: Group) -> Point:
    low, high = group.interval
    return Point(
        group.accuracy,
        low,
        high,
        f"{label}: {100 * group.accuracy:.1f}% ({group.correct}/{group.n}), "
        f"95% CI {ci_text(group)}",
    )


def table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """An HTML table; cells are markup the caller has already escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def figure(chart: str, caption: str) -> str:
    return f'<figure class="chart-box">{chart}<figcaption>{esc(caption)}</figcaption></figure>'


def pair(*figures: str) -> str:
    """Charts side by side where the window is wide enough."""
    shown = "".join(figures)
    return f'<div class="pair">{shown}</div>' if shown else ""


def section(anchor: str, title: str, body: str, note: str = "") -> tuple[str, str, str]:
    intro = f'<p class="note">{esc(note)}</p>' if note else ""
    return anchor, title, f'<section id="{anchor}"><h2>{esc(title)}</h2>{intro}{body}</section>'


def list_(title: str, items: Any, cls: str = "") -> str:
    """A titled list of texts (at most 200 shown), or nothing."""
    if not isinstance(items, list) or not items:
        return ""
    shown = "".join(f"<li>{esc(as_text(item))}</li>" for item in items[:200])
    if len(items) > 200:
        shown += f"<li>… and {len(items) - 200} more</li>"
    return f'<h3>{esc(title)} ({len(items)})</h3><ul class="{cls}">{shown}</ul>'


def pct_cell(value: Any) -> str:
    number = num(value)
    return DASH if number is None else f"{100 * number:.1f}%"


def dollars(value: float) -> str:
    return f"${value:.2g}" if value else "$0"


def cell(value: Any) -> str:
    number = num(value)
    if number is not None and not isinstance(value, int):
        return f"{number:.4g}"
    return as_text(value)


def complexity_key(record: Record) -> str:
    text = record["complexity"]
    return complexity_class(text) if isinstance(text, str) and text else UNREAD


def run_order(run: str) -> tuple[str, int, str]:
    """Runs by model, then strategies in their registry's order (the study's: vp, cot, iip)."""
    model, _, strategy = run.rpartition("/")
    order = tuple(STRATEGIES)
    return (model, order.index(strategy) if strategy in order else len(order), strategy)


def _leading_number(text: str) -> float:
    match = re.match(r"\d+", text)
    return float(match.group()) if match else math.inf


def ordered(dimension: str, values: Iterable[str]) -> list[str]:
    values = list(values)
    if dimension == "code length":
        return sorted(values, key=lambda v: (_leading_number(v), v))
    if dimension == "complexity":
        return sorted(values, key=lambda v: (CLASS_ORDER.index(v) if v in CLASS_ORDER else 99, v))
    if dimension == "difficulty":
        order = {"easy": 0, "medium": 1, "hard": 2}
        return sorted(values, key=lambda v: (order.get(v, 9), v))
    return sorted(values)


def step_order(label: str) -> tuple[float, str]:
    """Step numbers in numeric order, anything else after them."""
    try:
        return (float(label), label)
    except ValueError:
        return (math.inf, label)
