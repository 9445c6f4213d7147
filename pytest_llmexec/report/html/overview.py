"""The overview section: the run header, tiles, the runs table and the verdict chart."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from .. import svg
from ..aggregate import Group, run_key
from ..svg import esc
from .markup import (
    DASH,
    VERDICT_COLORS,
    VERDICT_ORDER,
    as_text,
    ci_text,
    figure,
    num,
    run_order,
    table,
)
from .page import Page


def run_header(page: Page) -> str:
    items = []
    for key, value in page.run.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            shown = ", ".join(map(as_text, value))
        elif isinstance(value, Mapping):
            shown = ", ".join(f"{k}={as_text(v)}" for k, v in value.items())
        else:
            shown = as_text(value)
        items.append(f"<dt>{esc(key)}</dt><dd>{esc(shown)}</dd>")
    return f'<dl class="run-info">{"".join(items)}</dl>' if items else ""


def tiles(page: Page) -> str:
    overall = Group()
    for record in page.scored:
        overall.add(record)
    counts = Counter(str(r["verdict"]) for r in page.records)
    tiles = [
        ("tests", str(len(page.records)), ""),
        ("accuracy", f"{100 * overall.accuracy:.1f}%", f"95% CI {ci_text(overall)}"),
    ]
    tiles += [(v, str(counts.get(v, 0)), "") for v in VERDICT_ORDER]
    others = sorted(set(counts) - set(VERDICT_ORDER))
    tiles += [(v, str(counts[v]), "") for v in others]
    excluded = len(page.records) - len(page.scored)
    if excluded:
        tiles.append(("not scored", str(excluded), "nondeterministic snippets"))
    html = (
        '<div class="tiles">'
        + "".join(
            f'<div class="tile t-{esc(label)}"><div class="tile-value">{esc(value)}</div>'
            f'<div class="tile-label">{esc(label)}</div>'
            + (f'<div class="tile-sub">{esc(sub)}</div>' if sub else "")
            + "</div>"
            for label, value, sub in tiles
        )
        + "</div>"
    )
    mismatches = page.summary.get("recorded_mismatches") or []
    if mismatches:
        html += (
            f'<p class="warning">{len(mismatches)} recorded output(s) differ from real '
            "execution (a dataset problem; scored against real execution): "
            f"{esc(', '.join(map(str, mismatches)))}</p>"
        )
    return html


def runs_table(page: Page) -> str:
    rows: dict[str, Group] = defaultdict(Group)
    steps: dict[str, list[float]] = defaultdict(list)
    for record in page.scored:
        rows[run_key(record)].add(record)
        step = num(record["step_accuracy"])
        if step is not None:
            steps[run_key(record)].append(step)
    passk = sorted({k for g in rows.values() for k in g.pass_at()}, key=lambda s: int(s[5:]))
    header = [
        "model",
        "strategy",
        "n",
        "correct",
        "accuracy",
        "95% CI",
        "wrong",
        "unparseable",
        "error",
        *passk,
    ]
    if steps:
        header.append("step accuracy")
    body = []
    for key in sorted(rows, key=run_order):
        group = rows[key]
        model, _, strategy = key.rpartition("/")
        values = group.pass_at()
        row = [
            f'<span class="swatch" style="background:{page.colors.get(key, "#777")}">'
            f"</span>{esc(model)}",
            esc(strategy),
            str(group.n),
            str(group.correct),
            f"{100 * group.accuracy:.1f}%",
            ci_text(group),
            str(group.wrong),
            str(group.unparseable),
            str(group.error),
            *[f"{100 * values[k]:.1f}%" if k in values else DASH for k in passk],
        ]
        if steps:
            row.append(_step_text(page, key, steps.get(key, [])))
        body.append(row)
    return table(header, body, "runs")


def _step_text(page: Page, key: str, values: Sequence[float]) -> str:
    value = page.run_step_accuracy(key, values)
    return DASH if value is None else f"{100 * value:.1f}%"


def verdict_chart(page: Page) -> str:
    counts: Counter[tuple[str, str]] = Counter(
        (run_key(r), as_text(r["verdict"])) for r in page.records
    )
    verdicts = [v for v in VERDICT_ORDER if any(k[1] == v for k in counts)]
    verdicts += sorted({k[1] for k in counts} - set(VERDICT_ORDER))
    rows = [(run, [(v, float(counts[run, v])) for v in verdicts]) for run in page.runs]
    chart = svg.stacked_rows("verdicts per model/strategy", rows, VERDICT_COLORS)
    return figure(
        chart,
        "verdicts per model/strategy: a wrong answer, an unparseable "
        "answer and an infrastructure error are kept apart",
    )
