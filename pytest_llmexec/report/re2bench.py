"""RE2-Bench's figures beside the verdicts: rs and partial_rs per run and by dimension.

A record of an RE2-Bench test (``"re2bench": true``) carries ``rs`` (the
verdict as RE2-Bench counts it) and ``partial_rs`` (the share of the truth's
attributes matched). A record whose ``rs`` is None had no verdict (a
repository problem's false-negative check needs its project): it is counted
apart as an error, never as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .records import Record, run_key

#: the dimensions RE2-Bench's figures are broken down by
DIMENSIONS: dict[str, Callable[[Record], str]] = {
    "difficulty": lambda r: str(r.get("difficulty") or "-"),
    "benchmark": lambda r: str(r.get("benchmark") or "-"),
}
_ORDER = {"easy": 0, "difficult": 1}


@dataclass
class Figures:
    """Sums over the records of one run (or one run and one value of a dimension)."""

    scored: int = 0
    errors: int = 0
    rs: float = 0.0
    partial_rs: float = 0.0
    false_negatives: int = 0

    def add(self, record: Record) -> None:
        rs = record.get("rs")
        if rs is None:
            self.errors += 1
            return
        self.scored += 1
        self.rs += rs
        self.partial_rs += record.get("partial_rs") or 0.0
        self.false_negatives += bool(record.get("is_fn"))

    def to_json(self) -> dict[str, Any]:
        n = self.scored
        return {
            "scored": n,
            "errors": self.errors,
            "rs": self.rs,
            "rs_mean": self.rs / n if n else None,
            "partial_rs": self.partial_rs / n if n else None,
            "false_negatives": self.false_negatives,
        }

    def text(self) -> str:
        if not self.scored:
            return f"- (error {self.errors})"
        rs = f"{self.rs:g}/{self.scored} {100 * self.rs / self.scored:5.1f}%"
        partial = f"partial_rs {self.partial_rs / self.scored:.3f}"
        return f"rs {rs}  {partial}" + (f"  error {self.errors}" if self.errors else "")


def _records(records: Sequence[Record]) -> list[Record]:
    return [r for r in records if r.get("re2bench")]


def summary(records: Sequence[Record]) -> dict[str, Any] | None:
    """The report's ``summary.re2bench``; None when no RE2-Bench test ran."""
    mine = _records(records)
    if not mine:
        return None
    runs: dict[str, Figures] = {}
    by: dict[str, dict[str, dict[str, Figures]]] = {name: {} for name in DIMENSIONS}
    for record in mine:
        key = run_key(record)
        runs.setdefault(key, Figures()).add(record)
        for name, fn in DIMENSIONS.items():
            by[name].setdefault(fn(record), {}).setdefault(key, Figures()).add(record)
    return {
        "runs": {key: f.to_json() for key, f in sorted(runs.items())},
        "by": {
            name: {
                value: {key: f.to_json() for key, f in sorted(cols.items())}
                for value, cols in sorted(table.items())
            }
            for name, table in by.items()
        },
    }


def lines(records: Sequence[Record]) -> list[str]:
    """The terminal section: rs and partial_rs per run, then by difficulty and benchmark."""
    mine = _records(records)
    if not mine:
        return []
    runs: dict[str, Figures] = {}
    for record in mine:
        runs.setdefault(run_key(record), Figures()).add(record)
    out = ["", "RE2-Bench (rs is the verdict; partial_rs the mean share of the truth matched)"]
    out += [f"  {key}  {fig.text()}" for key, fig in sorted(runs.items())]
    for name, fn in DIMENSIONS.items():
        table: dict[str, dict[str, Figures]] = {}
        for record in mine:
            table.setdefault(fn(record), {}).setdefault(run_key(record), Figures()).add(record)
        out.append(f"  by {name}")
        for value in sorted(table, key=lambda v: (_ORDER.get(v, 9), v)):
            for key, fig in sorted(table[value].items()):
                out.append(f"    {value:<10} {key}  {fig.text()}")
    if any(r.get("rs") is None for r in mine):
        out.append(
            "  error: no verdict (e.g. a repository problem's false-negative check needs its "
            "project's environment); counted apart, not as rs 0"
        )
    return out
