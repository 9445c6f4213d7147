"""The IIP section: step accuracy and the first divergent step."""

from __future__ import annotations

from collections import Counter, defaultdict

from .. import svg
from ..aggregate import Group, Record, run_key
from ..svg import PERCENT, Point
from .markup import as_text, figure, group_point, num, run_order, step_order
from .page import Page


def section(page: Page) -> str:
    stepped = [r for r in page.scored if num(r["step_accuracy"]) is not None]
    if not stepped:
        return ""
    per_run: dict[str, list[Record]] = defaultdict(list)
    for record in stepped:
        per_run[run_key(record)].append(record)
    runs = sorted(per_run, key=run_order)
    values: dict[tuple[str, str], Point] = {}
    for run in runs:
        group = Group()
        for record in per_run[run]:
            group.add(record)
        values[run, "final answer"] = group_point(f"{run} · final answer", group)
        steps = [num(r["step_accuracy"]) or 0.0 for r in per_run[run]]
        mean = page.run_step_accuracy(run, steps) or 0.0
        values[run, "steps"] = Point(
            mean, tip=f"{run} · steps: {100 * mean:.1f}% ({len(steps)} tests)"
        )
    out = figure(
        svg.bar_chart(
            "IIP step accuracy",
            runs,
            ["final answer", "steps"],
            values,
            scale=PERCENT,
            y_label="accuracy",
            colors={"final answer": "#0072B2", "steps": "#009E73"},
        ),
        "step accuracy: the fraction of steps whose reported state matches the real one",
    )
    firsts = [r for r in stepped if "first_divergent_step" in r]
    if firsts:
        counts: Counter[tuple[str, str]] = Counter()
        for record in firsts:
            step = record["first_divergent_step"]
            label = "none" if step is None else as_text(step)
            counts[label, run_key(record)] += 1
        labels = {label for label, _ in counts}
        xs = sorted(labels - {"none"}, key=step_order)
        if "none" in labels:
            xs.append("none")
        bars = {
            (x, run): Point(
                float(n),
                tip=f"{run}: {n} test(s) first diverge at step {x}"
                if x != "none"
                else f"{run}: {n} test(s) never diverge",
            )
            for (x, run), n in counts.items()
        }
        out += figure(
            svg.bar_chart(
                "first divergent step",
                xs,
                runs,
                bars,
                y_label="tests",
                scale=svg.nice_scale([float(n) for n in counts.values()], integer=True),
                colors=page.colors,
            ),
            "the step at which a model's trace first differs from the real execution "
            "(none: every step right)",
        )
    return out
