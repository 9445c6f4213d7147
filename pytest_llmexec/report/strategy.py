"""What the prompting strategies add to the summary: IIP step accuracy and cost per case.

Step accuracy of a run (model x strategy) is the fraction of all scored IIP
steps whose reported state matched the true locals (steps of every case and
sample pooled, so a case with more steps weighs more); ``all_steps`` is the
fraction of cases whose every step matched; ``first_divergent`` counts the
cases by the first step that went wrong. Cases without step scores (a truth
error, a model that does not hold the conversation) are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median
from typing import Any

from .records import Record, run_key, scored

COST_FIELDS = ("input_tokens", "output_tokens", "cached_tokens")


def step_summary(records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """Per run with IIP step scores: cases, steps, matched, step_accuracy, ..."""
    runs: dict[str, dict[str, Any]] = {}
    for record in records:
        total = record["steps_total"]
        if not total or not scored(record):
            continue
        run = runs.setdefault(
            run_key(record),
            {"cases": 0, "steps": 0, "matched": 0, "all_steps": 0, "first_divergent": {}},
        )
        run["cases"] += 1
        run["steps"] += total
        run["matched"] += record["steps_matched"]
        first = record["first_divergent_step"]
        if first is None:
            run["all_steps"] += 1
        else:
            run["first_divergent"][str(first)] = run["first_divergent"].get(str(first), 0) + 1
    for run in runs.values():
        run["step_accuracy"] = run["matched"] / run["steps"]
        run["all_steps"] = run["all_steps"] / run["cases"]
        firsts = [int(k) for k, n in run["first_divergent"].items() for _ in range(n)]
        run["median_first_divergent"] = median(firsts) if firsts else None
        run["first_divergent"] = dict(
            sorted(run["first_divergent"].items(), key=lambda kv: int(kv[0]))
        )
    return dict(sorted(runs.items()))


def cost_per_case(records: Sequence[Record]) -> dict[str, dict[str, float]]:
    """Per run: mean model calls and tokens per test (every test counts, cached or not)."""
    sums: dict[str, dict[str, float]] = {}
    for record in records:
        run = sums.setdefault(
            run_key(record), {"n": 0, "calls": 0, **dict.fromkeys(COST_FIELDS, 0)}
        )
        run["n"] += 1
        run["calls"] += record["calls"]
        usage = record["usage"]
        for name in COST_FIELDS:
            run[name] += usage[name]
    return {
        key: {name: value / run["n"] for name, value in run.items() if name != "n"}
        for key, run in sorted(sums.items())
    }


def run_extras(records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """What each ``summary.runs`` entry gains: ``step_accuracy`` and ``per_case`` cost."""
    steps = step_summary(records)
    return {
        key: {
            "step_accuracy": steps[key]["step_accuracy"] if key in steps else None,
            "per_case": cost,
        }
        for key, cost in cost_per_case(records).items()
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  "
        + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]


def step_table(records: Sequence[Record]) -> list[str]:
    """The terminal's "IIP step accuracy" table, one row per model; empty without IIP scores."""
    runs = step_summary(records)
    if not runs:
        return []
    header = [
        "model",
        "cases",
        "steps",
        "matched",
        "step accuracy",
        "all steps right",
        "median first divergent step",
    ]
    rows = [
        [
            key.rsplit("/", 1)[0] if key.endswith("/iip") else key,
            str(run["cases"]),
            str(run["steps"]),
            str(run["matched"]),
            f"{100 * run['step_accuracy']:.1f}%",
            f"{100 * run['all_steps']:.1f}%",
            "-" if run["median_first_divergent"] is None else f"{run['median_first_divergent']:g}",
        ]
        for key, run in runs.items()
    ]
    return [
        "IIP step accuracy (steps whose reported locals match the real ones)",
        *_table(header, rows),
    ]


def cost_table(records: Sequence[Record]) -> list[str]:
    """The terminal's "calls and tokens per case" table, one row per model x strategy."""
    runs = cost_per_case(records)
    if not runs:
        return []
    header = ["model/strategy", "calls", "input tok", "output tok", "cached tok"]
    rows = [
        [
            key,
            f"{run['calls']:.1f}",
            f"{run['input_tokens']:.0f}",
            f"{run['output_tokens']:.0f}",
            f"{run['cached_tokens']:.0f}",
        ]
        for key, run in runs.items()
    ]
    return ["calls and tokens per case", *_table(header, rows)]
