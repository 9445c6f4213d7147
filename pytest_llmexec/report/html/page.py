"""The data of one page, read once from a report document and shared by every section."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import svg
from ..aggregate import DIMENSIONS, Group, Record, breakdown, run_key, scored, summary
from ..records import REQUIRED, record_of
from .markup import as_text, complexity_key, num, run_order


@dataclass
class Page:
    """What every section reads: the cases, the run, the summary and the runs' colours."""

    records: list[Record]
    scored: list[Record]
    run: Mapping[str, Any]
    summary: Mapping[str, Any]
    gate: Any
    runs: list[str]
    colors: dict[str, str]

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Page:
        cases = document.get("cases") or []
        records: list[Record] = sorted(
            (readable(c) for c in cases if isinstance(c, Mapping)), key=lambda r: r["nodeid"]
        )
        found = document.get("summary")
        runs = sorted({run_key(r) for r in records}, key=run_order)
        return cls(
            records=records,
            scored=[r for r in records if scored(r)],
            run=document.get("run") or {},
            summary=found if isinstance(found, Mapping) else summary(list(records)),
            gate=document.get("gate"),
            runs=runs,
            colors={run: svg.color(i) for i, run in enumerate(runs)},
        )

    def run_step_accuracy(self, key: str, values: Sequence[float]) -> float | None:
        """The summary's step accuracy for a run, else the mean over its cases."""
        runs = self.summary.get("runs")
        entry = runs.get(key) if isinstance(runs, Mapping) else None
        given = num(entry.get("step_accuracy")) if isinstance(entry, Mapping) else None
        if given is not None:
            return given
        return sum(values) / len(values) if values else None

    def by(self, dimension: str) -> dict[str, dict[str, Group]]:
        if dimension == "complexity":  # texts vary too much ("O(m*n)", "O(n^2)"): use classes
            return breakdown(self.scored, complexity_key)
        return breakdown(self.scored, DIMENSIONS[dimension])

    def members(self, dimension: str) -> dict[str, str]:
        """For complexity classes, the complexities each holds (for the tooltips)."""
        if dimension != "complexity":
            return {}
        members: dict[str, set[str]] = defaultdict(set)
        for record in self.scored:
            members[complexity_key(record)].add(as_text(record["complexity"]) or "-")
        return {
            label: " (" + ", ".join(sorted(texts)[:8]) + (", …" if len(texts) > 8 else "") + ")"
            for label, texts in members.items()
        }


def readable(case: Mapping[str, Any]) -> Record:
    """A case of any report (an older one, one edited by hand) as a complete record: the
    page shows what it can, a missing or odd name as text, rather than failing."""
    named = {key: as_text(case.get(key)) for key in REQUIRED if not isinstance(case.get(key), str)}
    return record_of({**case, **named})
