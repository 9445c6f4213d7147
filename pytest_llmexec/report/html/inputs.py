"""The section comparing declared inputs with hypothesis-generated ones."""

from __future__ import annotations

from collections import defaultdict

from .. import svg
from ..aggregate import Group, run_key
from ..svg import PERCENT, esc
from .markup import DASH, ci_text, figure, group_point, table
from .page import Page


def section(page: Page) -> str:
    if not any(r["generated"] is True for r in page.records):
        return ""
    groups: dict[tuple[str, str], Group] = defaultdict(Group)
    for record in page.scored:
        kind = "generated" if record["generated"] is True else "declared"
        groups[run_key(record), kind].add(record)
    kinds = ["declared", "generated"]
    values = {
        (run, kind): group_point(f"{run} · {kind} inputs", g) for (run, kind), g in groups.items()
    }
    chart = svg.bar_chart(
        "accuracy on declared versus generated inputs",
        page.runs,
        kinds,
        values,
        scale=PERCENT,
        y_label="accuracy",
        colors={"declared": "#0072B2", "generated": "#CC79A7"},
    )
    rows = [
        [esc(run)]
        + [
            f"{groups[run, k].correct}/{groups[run, k].n} "
            f"({100 * groups[run, k].accuracy:.1f}%, CI {ci_text(groups[run, k])})"
            if (run, k) in groups
            else DASH
            for k in kinds
        ]
        for run in page.runs
    ]
    return figure(
        chart, "declared inputs come from the benchmark file; generated ones from hypothesis"
    ) + table(["model/strategy", *kinds], rows)
