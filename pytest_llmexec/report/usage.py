"""Tokens, cost and latency per model x strategy, and in total, from the per-test records.

``cost`` is the price of the replies a test used, cached or not; ``spent``
counts only the replies fetched in this run (``cache_hit`` false), which is
what ``--llm-budget`` limits. ``batch_cost`` is the part of ``cost`` answered
through a batch API, priced at the batch rate; ``batch_saved`` is what those
replies would have cost more at the synchronous price.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .records import Record, run_key

TOKENS = ("input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens")
#: both providers bill batch replies at half the synchronous price (providers/api.py)
BATCH_RATE = 0.5


def _empty() -> dict[str, Any]:
    return {
        "n": 0,
        "calls": 0,
        "cache_hits": 0,
        "truncated": 0,
        **dict.fromkeys(TOKENS, 0),
        "cost": 0.0,
        "spent": 0.0,
        "latency": 0.0,
        "batch_tests": 0,
        "batch_cost": 0.0,
        "batch_saved": 0.0,
    }


def _add(into: dict[str, Any], record: Record) -> None:
    usage = record["usage"]
    into["n"] += 1
    into["calls"] += record["calls"]
    into["cache_hits"] += 1 if record["cache_hit"] else 0
    into["truncated"] += 1 if record["truncated"] else 0
    for name in TOKENS:
        into[name] += usage[name]
    cost = record["cost"]
    into["cost"] += cost
    if not record["cache_hit"]:
        into["spent"] += cost
    into["latency"] += record["latency"]
    batch = record["batch_cost"]
    if batch:
        into["batch_tests"] += 1
    into["batch_cost"] += batch
    into["batch_saved"] += batch / BATCH_RATE - batch


def usage_summary(records: Sequence[Record]) -> dict[str, Any]:
    """``{"total": {...}, "runs": {"model/strategy": {...}}}``; latency is summed seconds
    of model time (``mean_latency`` per call is added)."""
    total = _empty()
    runs: dict[str, dict[str, Any]] = {}
    for record in records:
        _add(total, record)
        _add(runs.setdefault(run_key(record), _empty()), record)
    for group in (total, *runs.values()):
        group["mean_latency"] = group["latency"] / group["calls"] if group["calls"] else 0.0
    return {"total": total, "runs": dict(sorted(runs.items()))}


def has_usage(records: Sequence[Record]) -> bool:
    """Whether any test talked to an API (the oracle and replay use no tokens)."""
    return any(any(r["usage"][name] for name in TOKENS) or r["cost"] for r in records)


def usage_table(records: Sequence[Record]) -> list[str]:
    """The terminal table; empty when no test used tokens."""
    if not has_usage(records):
        return []
    summary = usage_summary(records)
    header = [
        "model/strategy",
        "calls",
        "cached",
        "input tok",
        "output tok",
        "reasoning",
        "cache-read",
        "cost $",
        "spent $",
        "latency/call",
    ]
    rows = []
    for key, group in [*summary["runs"].items(), ("total", summary["total"])]:
        rows.append(
            [
                key,
                str(group["calls"]),
                f"{group['cache_hits']}/{group['n']}",
                str(group["input_tokens"]),
                str(group["output_tokens"]),
                str(group["reasoning_tokens"]),
                str(group["cached_tokens"]),
                f"{group['cost']:.6f}",
                f"{group['spent']:.6f}",
                f"{group['mean_latency']:.2f}s",
            ]
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["tokens, cost and latency (cached = tests served from the reply cache)"]
    for row in [header, *rows]:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines + batch_lines(summary["total"])


def batch_lines(total: dict[str, Any]) -> list[str]:
    """What the batch rate saved, when any test was answered through a batch API."""
    if not total["batch_cost"]:
        return []
    full = total["batch_cost"] + total["batch_saved"]
    return [
        f"batch: {total['batch_tests']} tests answered through batches cost "
        f"${total['batch_cost']:.6f} at the batch rate, ${full:.6f} at the synchronous price: "
        f"${total['batch_saved']:.6f} saved"
    ]
