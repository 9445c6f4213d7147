"""The cost and tokens section (shown when a run used or paid for tokens)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from .. import svg
from ..aggregate import run_key
from ..svg import Point, esc
from .markup import dollars, figure, num, run_order, table
from .page import Page


def section(page: Page) -> str:
    usage_keys = ("input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens")
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for record in page.records:
        run = run_key(record)
        usage = record["usage"]
        total = totals[run]
        total["tests"] += 1
        if isinstance(usage, Mapping):
            for key in usage_keys:
                total[key] += num(usage.get(key)) or 0.0
        total["cost"] += num(record["cost"]) or 0.0
        if record["cache_hit"] is not True:  # fetched in this run, not from the cache
            total["spent"] += num(record["cost"]) or 0.0
        total["calls"] += num(record["calls"]) or 0.0
        total["latency"] += num(record["latency"]) or 0.0
        total["cache hits"] += 1.0 if record["cache_hit"] is True else 0.0
        total["batch"] += num(record["batch_cost"]) or 0.0
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
        out += figure(
            svg.bar_chart("tokens per test", page.runs, names, values, y_label="tokens per test"),
            "mean tokens per test (all samples and turns) by model/strategy",
        )
    if any_cost:
        values = {
            (run, "cost"): Point(
                t["cost"] / t["tests"], tip=f"{run}: ${t['cost'] / t['tests']:.5f} per test"
            )
            for run, t in totals.items()
        }
        out += figure(
            svg.bar_chart(
                "cost per test",
                page.runs,
                ["cost"],
                values,
                scale=svg.nice_scale([v.value for v in values.values()], dollars),
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
        for run, t in sorted(totals.items(), key=lambda item: run_order(item[0]))
    ]
    out += table(header, rows, "totals")
    batch = sum(t["batch"] for t in totals.values())
    if batch:  # both providers bill batch replies at half the synchronous price
        out += (
            f"<p>Answered through batch APIs: ${batch:.4f} at the batch rate "
            f"(${2 * batch:.4f} at the synchronous price): ${batch:.4f} saved.</p>"
        )
    return out
