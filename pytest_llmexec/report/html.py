"""The HTML report (``--llm-html``): one self-contained page of charts and cases.

The page works offline and makes no request: charts are inline SVG drawn by
`svg`, the style and a small filter script are inlined from ``templates/``,
and a Content-Security-Policy allows nothing else (the script by its hash).
Every text that comes from a snippet, an input, a model or the run goes through
`html.escape`; the summary embedded as JSON escapes ``<`` so it can never end
its ``<script>`` element.

The page is built from the JSON report's document (``run``, ``summary``,
``cases``, and ``gate`` when a baseline was compared). Each section appears
only when its data is present, so keys are read defensively:

- every case: ``nodeid``, ``model``, ``strategy``, ``category``, ``verdict``,
  ``expected``, ``predicted``, ``lines``, ``complexity``, ``difficulty``,
  ``truth_status`` (through `aggregate`), ``n_samples``, ``n_correct``;
  shown in the browser when present: ``code``, ``call``, ``input``, ``error``,
  ``samples``, ``conversation``, ``usage`` (``input_tokens``,
  ``output_tokens``, ``reasoning_tokens``, ``cached_tokens``), ``cost``,
  ``latency``, ``calls``, ``cache_hit``, ``template_hash``,
  ``recorded_output``, ``recorded_mismatch``, ``truncated``;
- declared versus generated inputs: ``generated`` (shown when any is true);
- IIP: ``step_accuracy`` (a fraction, null without step scores) and
  ``first_divergent_step`` (1-based, null when no step diverged) per case, with
  ``steps_matched``, ``steps_total``, ``step_problem`` and ``steps`` (``step``,
  ``lines``, ``expected``, ``reported``, ``match``, ``problem``) shown in the
  browser; ``summary.runs[*].step_accuracy`` (pooled over steps) wins over the
  mean of the cases;
- cost and tokens: ``usage`` and ``cost`` (shown when any is non-zero);
- baseline gate: ``gate`` with optional ``passed`` (bool) or ``status``,
  ``message``, ``runs`` (a mapping or list of rows; ``delta`` and
  ``delta_ci95`` as fractions are charted, every scalar field is tabled) and
  ``flips`` (a list of cases).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from . import svg
from .aggregate import DIMENSIONS, Group, Record, breakdown, run_key, scored, summary
from .complexity import CLASS_ORDER, UNREAD, complexity_class, complexity_rank
from .svg import PERCENT, Point, Scale, esc

DASH = "\u2013"  # an en dash: empty cells and ranges
HALF = 620  # the width of a chart drawn to sit beside another

VERDICT_ORDER = ("correct", "wrong", "unparseable", "error")
VERDICT_COLORS = {
    "correct": "#009E73",
    "wrong": "#D55E00",
    "unparseable": "#E69F00",
    "error": "#999999",
}
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "script-src '{script_hash}'; base-uri 'none'; form-action 'none'"
)


class HTMLReportError(Exception):
    """The report could not be written; the message names the option and the path."""


# --------------------------------------------------------------------------- small helpers


def _asset(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def _num(value: Any) -> float | None:
    """A finite number, or None (booleans and text are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    Escaping every ``<``, ``>`` and ``&`` means neither ``</script`` nor ``<!--``
    can appear, and U+2028/2029 are escaped for old parsers; JSON stays equal.
    """
    text = json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


def _ci_text(group: Group) -> str:
    low, high = group.interval
    return f"{100 * low:.1f}{DASH}{100 * high:.1f}%"


def _group_point(label: str, group: Group) -> Point:
    low, high = group.interval
    return Point(
        group.accuracy,
        low,
        high,
        f"{label}: {100 * group.accuracy:.1f}% ({group.correct}/{group.n}), "
        f"95% CI {_ci_text(group)}",
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """An HTML table; cells are markup the caller has already escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(chart: str, caption: str) -> str:
    return f'<figure class="chart-box">{chart}<figcaption>{esc(caption)}</figcaption></figure>'


def _pair(*figures: str) -> str:
    """Charts side by side where the window is wide enough."""
    shown = "".join(figures)
    return f'<div class="pair">{shown}</div>' if shown else ""


def _section(anchor: str, title: str, body: str, note: str = "") -> tuple[str, str, str]:
    intro = f'<p class="note">{esc(note)}</p>' if note else ""
    return anchor, title, f'<section id="{anchor}"><h2>{esc(title)}</h2>{intro}{body}</section>'


# --------------------------------------------------------------------------- ordering


def _complexity_key(record: Record) -> str:
    text = record.get("complexity")
    return complexity_class(text) if isinstance(text, str) and text else UNREAD


def _run_order(run: str) -> tuple[str, int, str]:
    """Runs by model, then strategies in the study's order: vp, cot, iip."""
    model, _, strategy = run.rpartition("/")
    order = ("vp", "cot", "iip")
    return (model, order.index(strategy) if strategy in order else len(order), strategy)


def _leading_number(text: str) -> float:
    match = re.match(r"\d+", text)
    return float(match.group()) if match else math.inf


def _ordered(dimension: str, values: Iterable[str]) -> list[str]:
    values = list(values)
    if dimension == "code length":
        return sorted(values, key=lambda v: (_leading_number(v), v))
    if dimension == "complexity":
        return sorted(values, key=lambda v: (CLASS_ORDER.index(v) if v in CLASS_ORDER else 99, v))
    if dimension == "difficulty":
        order = {"easy": 0, "medium": 1, "hard": 2}
        return sorted(values, key=lambda v: (order.get(v, 9), v))
    return sorted(values)


# --------------------------------------------------------------------------- the report


class _Report:
    """Builds the sections of one page from a report document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        cases = document.get("cases") or []
        self.records: list[Record] = sorted(
            (c for c in cases if isinstance(c, Mapping)), key=lambda r: str(r.get("nodeid"))
        )
        self.scored = [r for r in self.records if scored(r)]
        self.run: Mapping[str, Any] = document.get("run") or {}
        found = document.get("summary")
        self.summary: Mapping[str, Any] = (
            found if isinstance(found, Mapping) else summary(list(self.records))
        )
        self.gate = document.get("gate")
        self.runs = sorted({run_key(r) for r in self.records}, key=_run_order)
        self.colors = {run: svg.color(i) for i, run in enumerate(self.runs)}

    # ------------------------------------------------------------------ top
    def header(self) -> str:
        items = []
        for key, value in self.run.items():
            if value in (None, "", [], {}):
                continue
            if isinstance(value, list):
                shown = ", ".join(map(_text, value))
            elif isinstance(value, Mapping):
                shown = ", ".join(f"{k}={_text(v)}" for k, v in value.items())
            else:
                shown = _text(value)
            items.append(f"<dt>{esc(key)}</dt><dd>{esc(shown)}</dd>")
        return f'<dl class="run-info">{"".join(items)}</dl>' if items else ""

    def overview(self) -> str:
        overall = Group()
        for record in self.scored:
            overall.add(record)
        counts = Counter(str(r.get("verdict")) for r in self.records)
        tiles = [
            ("tests", str(len(self.records)), ""),
            ("accuracy", f"{100 * overall.accuracy:.1f}%", f"95% CI {_ci_text(overall)}"),
        ]
        tiles += [(v, str(counts.get(v, 0)), "") for v in VERDICT_ORDER]
        others = sorted(set(counts) - set(VERDICT_ORDER))
        tiles += [(v, str(counts[v]), "") for v in others]
        excluded = len(self.records) - len(self.scored)
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
        mismatches = self.summary.get("recorded_mismatches") or []
        if mismatches:
            html += (
                f'<p class="warning">{len(mismatches)} recorded output(s) differ from real '
                "execution (a dataset problem; scored against real execution): "
                f"{esc(', '.join(map(str, mismatches)))}</p>"
            )
        return html

    def runs_table(self) -> str:
        rows: dict[str, Group] = defaultdict(Group)
        steps: dict[str, list[float]] = defaultdict(list)
        for record in self.scored:
            rows[run_key(record)].add(record)
            step = _num(record.get("step_accuracy"))
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
        for key in sorted(rows, key=_run_order):
            group = rows[key]
            model, _, strategy = key.rpartition("/")
            values = group.pass_at()
            row = [
                f'<span class="swatch" style="background:{self.colors.get(key, "#777")}">'
                f"</span>{esc(model)}",
                esc(strategy),
                str(group.n),
                str(group.correct),
                f"{100 * group.accuracy:.1f}%",
                _ci_text(group),
                str(group.wrong),
                str(group.unparseable),
                str(group.error),
                *[f"{100 * values[k]:.1f}%" if k in values else DASH for k in passk],
            ]
            if steps:
                row.append(self._step_text(key, steps.get(key, [])))
            body.append(row)
        return _table(header, body, "runs")

    def _step_text(self, key: str, values: Sequence[float]) -> str:
        value = self._run_step_accuracy(key, values)
        return DASH if value is None else f"{100 * value:.1f}%"

    def _run_step_accuracy(self, key: str, values: Sequence[float]) -> float | None:
        """The summary's step accuracy for a run, else the mean over its cases."""
        runs = self.summary.get("runs")
        entry = runs.get(key) if isinstance(runs, Mapping) else None
        given = _num(entry.get("step_accuracy")) if isinstance(entry, Mapping) else None
        if given is not None:
            return given
        return sum(values) / len(values) if values else None

    # ------------------------------------------------------------------ accuracy charts
    def _by(self, dimension: str) -> dict[str, dict[str, Group]]:
        if dimension == "complexity":  # texts vary too much ("O(m*n)", "O(n^2)"): use classes
            return breakdown(self.scored, _complexity_key)
        return breakdown(self.scored, DIMENSIONS[dimension])

    def _members(self, dimension: str) -> dict[str, str]:
        """For complexity classes, the complexities each holds (for the tooltips)."""
        if dimension != "complexity":
            return {}
        members: dict[str, set[str]] = defaultdict(set)
        for record in self.scored:
            members[_complexity_key(record)].add(_text(record.get("complexity")) or "-")
        return {
            label: " (" + ", ".join(sorted(texts)[:8]) + (", …" if len(texts) > 8 else "") + ")"
            for label, texts in members.items()
        }

    def category_charts(self) -> str:
        table = self._by("category")
        if not table:
            return ""
        categories = _ordered("category", table)
        models = sorted({r.rpartition("/")[0] for r in self.runs})
        strategies = {r.rpartition("/")[2] for r in self.runs}
        panels: list[tuple[str, list[str]]]
        if len(models) > 1 and len(strategies) > 1:
            panels = [(m, [r for r in self.runs if r.rpartition("/")[0] == m]) for m in models]
        else:
            panels = [("", self.runs)]
        out = []
        for model, runs in panels:
            values = {
                (category, run): _group_point(f"{category} · {run}", table[category][run])
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
                colors=self.colors,
            )
            out.append(_figure(chart, title + " (bars: accuracy, whiskers: 95% Wilson interval)"))
        return "".join(out)

    def dimension_line(self, dimension: str, width: int = HALF) -> str:
        table = self._by(dimension)
        if not table or (dimension == "complexity" and set(table) == {UNREAD}):
            return ""  # e.g. CRUXEval rows, which give no complexity
        xs = _ordered(dimension, table)
        members = self._members(dimension)
        series = {
            run: {
                x: _group_point(f"{x}{members.get(x, '')} · {run}", table[x][run])
                for x in xs
                if run in table[x]
            }
            for run in self.runs
        }
        series = {k: v for k, v in series.items() if v}
        title = f"accuracy by {dimension}"
        chart = svg.line_chart(
            title, xs, series, y_label="accuracy", colors=self.colors, width=width
        )
        note = " (whiskers: 95% Wilson interval"
        note += "; complexities grouped by growth class)" if members else ")"
        return _figure(chart, title + note)

    def difficulty_chart(self) -> str:
        table = self._by("difficulty")
        if not table or set(table) == {"-"}:
            return ""
        xs = _ordered("difficulty", table)
        values = {
            (x, run): _group_point(f"{x} · {run}", table[x][run])
            for x in xs
            for run in self.runs
            if run in table[x]
        }
        chart = svg.bar_chart(
            "accuracy by difficulty",
            xs,
            self.runs,
            values,
            scale=PERCENT,
            y_label="accuracy",
            colors=self.colors,
            width=HALF,
        )
        return _figure(chart, "accuracy by difficulty (whiskers: 95% Wilson interval)")

    def verdict_chart(self) -> str:
        counts: Counter[tuple[str, str]] = Counter(
            (run_key(r), _text(r.get("verdict"))) for r in self.records
        )
        verdicts = [v for v in VERDICT_ORDER if any(k[1] == v for k in counts)]
        verdicts += sorted({k[1] for k in counts} - set(VERDICT_ORDER))
        rows = [(run, [(v, float(counts[run, v])) for v in verdicts]) for run in self.runs]
        chart = svg.stacked_rows("verdicts per model/strategy", rows, VERDICT_COLORS)
        return _figure(
            chart,
            "verdicts per model/strategy: a wrong answer, an unparseable "
            "answer and an infrastructure error are kept apart",
        )

    # ------------------------------------------------------------------ optional sections
    def inputs_section(self) -> str:
        if not any(r.get("generated") is True for r in self.records):
            return ""
        groups: dict[tuple[str, str], Group] = defaultdict(Group)
        for record in self.scored:
            kind = "generated" if record.get("generated") is True else "declared"
            groups[run_key(record), kind].add(record)
        kinds = ["declared", "generated"]
        values = {
            (run, kind): _group_point(f"{run} · {kind} inputs", g)
            for (run, kind), g in groups.items()
        }
        chart = svg.bar_chart(
            "accuracy on declared versus generated inputs",
            self.runs,
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
                f"({100 * groups[run, k].accuracy:.1f}%, CI {_ci_text(groups[run, k])})"
                if (run, k) in groups
                else DASH
                for k in kinds
            ]
            for run in self.runs
        ]
        return _figure(
            chart, "declared inputs come from the benchmark file; generated ones from hypothesis"
        ) + _table(["model/strategy", *kinds], rows)

    def iip_section(self) -> str:
        stepped = [r for r in self.scored if _num(r.get("step_accuracy")) is not None]
        if not stepped:
            return ""
        per_run: dict[str, list[Record]] = defaultdict(list)
        for record in stepped:
            per_run[run_key(record)].append(record)
        runs = sorted(per_run, key=_run_order)
        values: dict[tuple[str, str], Point] = {}
        for run in runs:
            group = Group()
            for record in per_run[run]:
                group.add(record)
            values[run, "final answer"] = _group_point(f"{run} · final answer", group)
            steps = [_num(r.get("step_accuracy")) or 0.0 for r in per_run[run]]
            mean = self._run_step_accuracy(run, steps) or 0.0
            values[run, "steps"] = Point(
                mean, tip=f"{run} · steps: {100 * mean:.1f}% ({len(steps)} tests)"
            )
        out = _figure(
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
                step = record.get("first_divergent_step")
                label = "none" if step is None else _text(step)
                counts[label, run_key(record)] += 1
            labels = {label for label, _ in counts}
            xs = sorted(labels - {"none"}, key=_step_order)
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
            out += _figure(
                svg.bar_chart(
                    "first divergent step",
                    xs,
                    runs,
                    bars,
                    y_label="tests",
                    scale=svg.nice_scale([float(n) for n in counts.values()], integer=True),
                    colors=self.colors,
                ),
                "the step at which a model's trace first differs from the real execution "
                "(none: every step right)",
            )
        return out

    def gate_section(self) -> str:
        gate = self.gate
        if not isinstance(gate, Mapping) or not gate:
            return ""
        out = ""
        passed = gate.get("passed")
        if isinstance(passed, bool):
            word = "passed" if passed else "FAILED"
            out += f'<p class="gate {"pass" if passed else "fail"}">gate {word}</p>'
        out += _list("failures", gate.get("failures"), cls="failures")
        out += _list("notes", gate.get("notes"))
        comparison = gate.get("comparison")
        if isinstance(comparison, Mapping):
            out += self._comparison(comparison)
        accept = gate.get("accept")
        if isinstance(accept, str) and accept:
            out += f"<p>to accept these results as the new baseline: <code>{esc(accept)}</code></p>"
        return out

    def _comparison(self, comparison: Mapping[str, Any]) -> str:
        out = ""
        rows = _rows(comparison.get("runs"))
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
            out += _figure(
                chart,
                "accuracy now minus the baseline's over the paired cases, "
                "in percentage points, with its 95% interval",
            )
        by_category: dict[tuple[str, str], Point] = {}
        for name, row in _rows(comparison.get("categories")):
            category = _text(row.get("category")) or name
            run = f"{_text(row.get('model'))}/{_text(row.get('strategy'))}"
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
                colors=self.colors,
            )
            out += _figure(chart, "the same per category (each tested with a Holm correction)")
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
                    _cell(row.get("n")),
                    _pct_cell(row.get("accuracy_before")),
                    _pct_cell(row.get("accuracy_now")),
                    esc(_delta_text(row)),
                    _cell(row.get("right_to_wrong")),
                    _cell(row.get("wrong_to_right")),
                    _cell(row.get("p")),
                    _cell(row.get("p_holm")),
                    _cell(row.get("unstable")),
                ]
                for name, row in rows
            ]
            out += _table(header, body, "gate-table")
        for key, title in (
            ("right_to_wrong", "right → wrong"),
            ("wrong_to_right", "wrong → right"),
        ):
            flips = comparison.get(key)
            if isinstance(flips, list) and flips:
                body = [
                    [
                        f"<code>{esc(_text(f.get('nodeid')))}</code>",
                        f"<code>{esc(_text(f.get('expected')))}</code>",
                        f"<code>{esc(_answer(f.get('before')))}</code>",
                        f"<code>{esc(_answer(f.get('now')))}</code>",
                    ]
                    for f in flips
                    if isinstance(f, Mapping)
                ]
                out += f"<h3>{esc(title)} ({len(flips)})</h3>" + _table(
                    ["test", "expected", "before", "now"], body, "flips"
                )
        for key, title in (
            ("added", "new since the baseline"),
            ("removed", "in the baseline, not in this run"),
            ("unstable", "unstable (samples disagree)"),
            ("changes", "what changed"),
        ):
            out += _list(f"{title}", comparison.get(key))
        return out

    def cost_section(self) -> str:
        usage_keys = ("input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens")
        totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for record in self.records:
            run = run_key(record)
            usage = record.get("usage")
            total = totals[run]
            total["tests"] += 1
            if isinstance(usage, Mapping):
                for key in usage_keys:
                    total[key] += _num(usage.get(key)) or 0.0
            total["cost"] += _num(record.get("cost")) or 0.0
            if record.get("cache_hit") is not True:  # fetched in this run, not from the cache
                total["spent"] += _num(record.get("cost")) or 0.0
            total["calls"] += _num(record.get("calls")) or 0.0
            total["latency"] += _num(record.get("latency")) or 0.0
            total["cache hits"] += 1.0 if record.get("cache_hit") is True else 0.0
        used = [k for k in usage_keys if any(t[k] for t in totals.values())]
        any_cost = any(t["cost"] for t in totals.values())
        if not used and not any_cost:
            return ""
        out = ""
        if used:
            names = [k.replace("_tokens", "") for k in used]
            values = {
                (run, name): Point(
                    t[key] / t["tests"],
                    tip=f"{run}: {t[key] / t['tests']:,.0f} {name} tokens per test",
                )
                for run, t in totals.items()
                for key, name in zip(used, names, strict=True)
            }
            out += _figure(
                svg.bar_chart(
                    "tokens per test", self.runs, names, values, y_label="tokens per test"
                ),
                "mean tokens per test (all samples and turns) by model/strategy",
            )
        if any_cost:
            values = {
                (run, "cost"): Point(
                    t["cost"] / t["tests"], tip=f"{run}: ${t['cost'] / t['tests']:.5f} per test"
                )
                for run, t in totals.items()
            }
            out += _figure(
                svg.bar_chart(
                    "cost per test",
                    self.runs,
                    ["cost"],
                    values,
                    scale=svg.nice_scale([v.value for v in values.values()], _dollars),
                    y_label="USD per test",
                    colors={"cost": "#D55E00"},
                ),
                "mean cost per test in US dollars by model/strategy",
            )
        header = [
            "model/strategy",
            "tests",
            "calls",
            *[k.replace("_", " ") for k in used],
            "cost (USD)",
            "spent this run (USD)",
            "mean latency",
            "cache hits",
        ]
        rows = [
            [
                esc(run),
                f"{t['tests']:.0f}",
                f"{t['calls']:.0f}",
                *[f"{t[k]:,.0f}" for k in used],
                f"{t['cost']:.4f}",
                f"{t['spent']:.4f}",
                f"{t['latency'] / t['tests']:.2f} s",
                f"{t['cache hits']:.0f}",
            ]
            for run, t in sorted(totals.items(), key=lambda item: _run_order(item[0]))
        ]
        return out + _table(header, rows, "totals")

    # ------------------------------------------------------------------ case browser
    def case_browser(self) -> str:
        filters = [
            ("model", "model"),
            ("strategy", "strategy"),
            ("category", "category"),
            ("verdict", "verdict"),
        ]
        if any(r.get("generated") is True for r in self.records):
            filters.append(("input", "input"))
        controls = []
        for key, label in filters:
            options = sorted({_facet(r, key) for r in self.records})
            opts = "".join(f'<option value="{esc(o)}">{esc(o)}</option>' for o in options)
            controls.append(
                f'<label>{esc(label)} <select data-filter="{key}">'
                f'<option value="">all</option>{opts}</select></label>'
            )
        controls.append(
            '<label>search <input type="search" data-filter="text" placeholder="node id"></label>'
        )
        controls.append(
            '<button type="button" data-action="open">open all</button>'
            '<button type="button" data-action="close">close all</button>'
        )
        items = "".join(_case(r) for r in self.records)
        return (
            f'<div id="case-browser"><div class="filters" hidden>{"".join(controls)}</div>'
            f'<p id="case-count">{len(self.records)} tests</p>'
            f'<div class="case-list">{items}</div></div>'
        )

    # ------------------------------------------------------------------ page
    def sections(self) -> list[tuple[str, str, str]]:
        overview = self.overview() + self.runs_table()
        if self.records:
            overview += self.verdict_chart()
        out = [_section("overview", "Overview", overview)]
        if self.scored:
            out.append(_section("categories", "Accuracy by category", self.category_charts()))
            shape = _pair(self.dimension_line("code length"), self.dimension_line("complexity"))
            shape += _pair(self.difficulty_chart())
            out.append(
                _section(
                    "shape",
                    "Accuracy by code length, complexity and difficulty",
                    shape,
                    "code length counts the snippet's non-blank lines; time complexities are "
                    "grouped into growth classes (constant factors and lower terms ignored, every "
                    "variable taken as n; hover a point for the complexities it holds)",
                )
            )
        optional = [
            ("inputs", "Declared versus generated inputs", self.inputs_section()),
            ("iip", "IIP steps", self.iip_section()),
            ("gate", "Baseline comparison", self.gate_section()),
            ("cost", "Cost and tokens", self.cost_section()),
        ]
        out += [_section(a, t, b) for a, t, b in optional if b]
        out.append(
            _section(
                "cases",
                "Cases",
                self.case_browser(),
                "every test with its code, call, answers and conversation",
            )
        )
        return out


def _step_order(label: str) -> tuple[float, str]:
    """Step numbers in numeric order, anything else after them."""
    try:
        return (float(label), label)
    except ValueError:
        return (math.inf, label)


def _list(title: str, items: Any, cls: str = "") -> str:
    """A titled list of texts (at most 200 shown), or nothing."""
    if not isinstance(items, list) or not items:
        return ""
    shown = "".join(f"<li>{esc(_text(item))}</li>" for item in items[:200])
    if len(items) > 200:
        shown += f"<li>… and {len(items) - 200} more</li>"
    return f'<h3>{esc(title)} ({len(items)})</h3><ul class="{cls}">{shown}</ul>'


def _answer(side: Any) -> str:
    if not isinstance(side, Mapping):
        return _text(side)
    predicted = side.get("predicted")
    return _text(predicted) if predicted is not None else f"({_text(side.get('verdict'))})"


def _delta_point(name: str, row: Mapping[str, Any]) -> Point | None:
    delta = _num(row.get("delta"))
    if delta is None:
        return None
    low, high = _interval(row.get("delta_interval"))
    return Point(delta, low, high, f"{name}: {_delta_text(row)}")


def _interval(value: Any) -> tuple[float | None, float | None]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return _num(value[0]), _num(value[1])
    return None, None


def _delta_text(row: Mapping[str, Any]) -> str:
    delta = _num(row.get("delta"))
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


def _pct_cell(value: Any) -> str:
    number = _num(value)
    return DASH if number is None else f"{100 * number:.1f}%"


def _dollars(value: float) -> str:
    return f"${value:.2g}" if value else "$0"


def _cell(value: Any) -> str:
    number = _num(value)
    if number is not None and not isinstance(value, int):
        return f"{number:.4g}"
    return _text(value)


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
                rows.append((str(name), row))
        return rows
    return []


def _facet(record: Record, key: str) -> str:
    if key == "input":
        return "generated" if record.get("generated") is True else "declared"
    return _text(record.get(key)) or "-"


def _code_block(code: str, mark: tuple[int, int] | None = None) -> str:
    """Code with line numbers (as the prompts number it); *mark* highlights lines first..last."""
    first, last = mark or (0, -1)
    lines = "".join(
        f'<span class="l{" mark" if first <= number <= last else ""}">{esc(line)}</span>\n'
        for number, line in enumerate(code.rstrip().splitlines(), 1)
    )
    return f'<pre class="code">{lines}</pre>'


def _span_text(span: tuple[Any, Any] | None) -> str:
    if span is None:
        return ""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def _steps(record: Record) -> tuple[str, tuple[int, int] | None]:
    """IIP: the table of step checks, and the lines of the first divergent step."""
    checks = record.get("steps")
    if not isinstance(checks, list) or not checks:
        return "", None
    rows, mark = [], None
    for check in checks:
        if not isinstance(check, Mapping):
            continue
        lines = check.get("lines")
        span = (lines[0], lines[1]) if isinstance(lines, list) and len(lines) == 2 else None
        if mark is None and check.get("match") is False and span is not None:
            mark = (int(span[0]), int(span[1]))
        expected = check.get("expected")
        shown = (
            ", ".join(f"{k}={_text(v)}" for k, v in expected.items())
            if isinstance(expected, Mapping)
            else _text(expected)
        )
        rows.append(
            [
                esc(_text(check.get("step"))),
                esc(_span_text(span)),
                '<span class="ok">match</span>'
                if check.get("match") is True
                else '<span class="bad">differs</span>',
                f"<code>{esc(shown)}</code>",
                f"<code>{esc(_text(check.get('reported')))}</code>",
                esc(_text(check.get("problem"))),
            ]
        )
    table = _table(["step", "lines", "state", "real locals", "reported", "problem"], rows, "steps")
    return "<h4>IIP steps (first sample)</h4>" + table, mark


def _fact(label: str, value: Any, *, code: bool = True) -> str:
    if value is None or value == "":
        return ""
    text = esc(_text(value))
    shown = f"<code>{text}</code>" if code else text
    return f"<dt>{esc(label)}</dt><dd>{shown}</dd>"


def _case(record: Record) -> str:
    verdict = _text(record.get("verdict")) or "-"
    attrs = "".join(
        f' data-{key}="{esc(_facet(record, key))}"'
        for key in ("model", "strategy", "category", "verdict", "input")
    )
    nodeid = _text(record.get("nodeid"))
    attrs += f' data-text="{esc(nodeid.lower())}"'
    tags = [_facet(record, k) for k in ("model", "strategy", "category")]
    if record.get("generated") is True:
        tags.append("generated")
    if record.get("cache_hit") is True:
        tags.append("cached")
    if record.get("recorded_mismatch") is True:
        tags.append("recorded output differs")
    facts = [
        _fact("call", record.get("call") or record.get("input")),
        _fact("expected", record.get("expected")),
        _fact("predicted", record.get("predicted")),
        _fact("error", record.get("error"), code=False),
    ]
    if record.get("recorded_mismatch") is True:
        facts.append(_fact("recorded output", record.get("recorded_output")))
    step = _num(record.get("step_accuracy"))
    if step is not None:
        matched, total = record.get("steps_matched"), record.get("steps_total")
        counts = f" ({matched}/{total} steps)" if _num(total) else ""
        facts.append(_fact("step accuracy", f"{100 * step:.1f}%{counts}", code=False))
        first = record.get("first_divergent_step")
        facts.append(_fact("first divergent step", "none" if first is None else first, code=False))
    facts.append(_fact("step problem", record.get("step_problem"), code=False))
    details = [
        ("difficulty", record.get("difficulty")),
        ("complexity", record.get("complexity")),
        ("lines", record.get("lines")),
    ]
    facts += [_fact(k, v, code=False) for k, v in details]
    usage = record.get("usage")
    if isinstance(usage, Mapping):
        parts = [
            f"{int(_num(v) or 0):,} {k.replace('_tokens', '')}" for k, v in usage.items() if _num(v)
        ]
        facts.append(_fact("tokens", ", ".join(parts) or "0", code=False))
    cost = _num(record.get("cost"))
    if cost is not None:
        facts.append(_fact("cost", f"${cost:.5f}", code=False))
    latency = _num(record.get("latency"))
    if latency is not None:
        facts.append(_fact("latency", f"{latency:.2f} s", code=False))
    for key in ("calls", "cache_hit", "truncated", "template_hash"):
        if key in record:
            facts.append(_fact(key.replace("_", " "), _text(record.get(key)), code=False))
    samples = record.get("samples")
    sample_html = ""
    if isinstance(samples, list) and len(samples) > 1:
        rows = [
            [
                str(i),
                esc(_text(s.get("verdict"))),
                f"<code>{esc(_text(s.get('predicted')))}</code>",
                esc(_text(s.get("problem"))),
            ]
            for i, s in enumerate(samples)
            if isinstance(s, Mapping)
        ]
        sample_html = "<h4>samples</h4>" + _table(["#", "verdict", "predicted", "problem"], rows)
    messages = record.get("conversation")
    conversation = ""
    if isinstance(messages, list) and messages:
        conversation = "<h4>conversation</h4>" + "".join(
            f'<div class="msg role-{esc(_role(m))}"><div class="role">{esc(_role(m))}</div>'
            f"<pre>{esc(_text(m.get('content')) if isinstance(m, Mapping) else _text(m))}</pre>"
            "</div>"
            for m in messages
        )
    steps, mark = _steps(record)
    code = record.get("code")
    code_html = f"<h4>code</h4>{_code_block(code, mark)}" if isinstance(code, str) else ""
    return (
        f'<details class="case"{attrs}><summary><span class="verdict v-{esc(verdict)}">'
        f'{esc(verdict)}</span> <span class="nodeid">{esc(nodeid)}</span> '
        f'<span class="tags">{esc(" · ".join(tags))}</span></summary>'
        f'<div class="case-body"><div class="case-grid"><div>{code_html}</div>'
        f'<dl class="facts">{"".join(facts)}</dl></div>{steps}{sample_html}{conversation}</div>'
        "</details>"
    )


def _role(message: Any) -> str:
    if isinstance(message, Mapping):
        return re.sub(r"[^a-z_]", "", str(message.get("role") or "message").lower()) or "message"
    return "message"


# --------------------------------------------------------------------------- entry points


def build(document: Mapping[str, Any]) -> str:
    """The whole page for a report document (``run``, ``summary``, ``cases``, ``gate``)."""
    report = _Report(document)
    sections = report.sections()
    nav = "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t, _ in sections)
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    data = {"run": report.run, "summary": report.summary}
    if report.gate is not None:
        data["gate"] = report.gate
    models = report.run.get("models")
    title = "pytest-llmexec report" + (
        f": {', '.join(map(str, models))}" if isinstance(models, list) and models else ""
    )
    body = (
        f"<header><h1>{esc(title)}</h1>{report.header()}<nav>{nav}</nav></header>"
        f"<main>{''.join(html for _, _, html in sections)}</main>"
    )
    return Template(_asset("report.html")).substitute(
        csp=esc(CSP.format(script_hash=f"sha256-{digest}")),
        title=esc(title),
        style=_asset("report.css"),
        body=body,
        data=script_json(data),
        script=script,
    )


def write(path: Path, document: Mapping[str, Any], option: str = "--llm-html") -> None:
    """Write the page through a temporary file and a rename: never half a page."""
    text = build(document)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise HTMLReportError(
            f"{option}={path}: cannot write the HTML report: {exc.strerror or exc}"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # readable like any other file, not mkstemp's 0600
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise HTMLReportError(
            f"{option}={path}: cannot write the HTML report: {exc.strerror or exc}"
        ) from None


__all__ = [
    "HTMLReportError",
    "build",
    "complexity_class",
    "complexity_rank",
    "script_json",
    "write",
]
