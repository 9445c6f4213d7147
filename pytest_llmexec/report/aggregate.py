"""Turn per-test records into the summary: groups, accuracies, intervals, pass@k.

Works on the JSON records that travel on test reports, so the controller of
an xdist run and a plain run aggregate exactly the same data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .stats import ks_for, pass_at_k, wilson

Record = Mapping[str, Any]

LENGTH_BUCKETS = ((1, 10), (11, 20), (21, 40), (41, None))


def length_bucket(lines: int) -> str:
    for low, high in LENGTH_BUCKETS:
        if high is None:
            if lines >= low:
                return f"{low}+ lines"
        elif low <= lines <= high:
            return f"{low}-{high} lines"
    return f"{lines} lines"


def scored(record: Record) -> bool:
    """Whether a record counts towards accuracy (nondeterministic cases do not)."""
    return record.get("truth_status") != "nondeterministic"


@dataclass
class Group:
    n: int = 0
    correct: int = 0
    wrong: int = 0
    unparseable: int = 0
    error: int = 0
    pass_sums: dict[int, float] = field(default_factory=dict)
    pass_n: int = 0

    def add(self, record: Record) -> None:
        self.n += 1
        verdict = record["verdict"]
        if verdict == "correct":
            self.correct += 1
        elif verdict == "wrong":
            self.wrong += 1
        elif verdict == "unparseable":
            self.unparseable += 1
        else:
            self.error += 1
        samples = int(record.get("n_samples") or 0)
        if samples > 1:
            self.pass_n += 1
            for k in ks_for(samples):
                self.pass_sums[k] = self.pass_sums.get(k, 0.0) + pass_at_k(
                    samples, int(record["n_correct"]), k
                )

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.correct, self.n)

    def pass_at(self) -> dict[str, float]:
        if not self.pass_n:
            return {}
        return {f"pass@{k}": total / self.pass_n for k, total in sorted(self.pass_sums.items())}

    def to_json(self) -> dict[str, Any]:
        low, high = self.interval
        data: dict[str, Any] = {
            "n": self.n,
            "correct": self.correct,
            "wrong": self.wrong,
            "unparseable": self.unparseable,
            "error": self.error,
            "accuracy": self.accuracy,
            "ci95": [low, high],
        }
        if self.pass_n:
            data["pass_at_k"] = self.pass_at()
        return data


def group_by(records: Iterable[Record], key: Callable[[Record], str]) -> dict[str, Group]:
    groups: dict[str, Group] = defaultdict(Group)
    for record in records:
        if scored(record):
            groups[key(record)].add(record)
    return dict(groups)


def run_key(record: Record) -> str:
    return f"{record['model']}/{record['strategy']}"


DIMENSIONS: dict[str, Callable[[Record], str]] = {
    "category": lambda r: str(r.get("category") or "-"),
    "code length": lambda r: length_bucket(int(r.get("lines") or 0)),
    "complexity": lambda r: str(r.get("complexity") or "-"),
    "difficulty": lambda r: str(r.get("difficulty") or "-"),
}


def breakdown(
    records: Iterable[Record], dimension: Callable[[Record], str]
) -> dict[str, dict[str, Group]]:
    """dimension value -> run (model/strategy) -> group."""
    table: dict[str, dict[str, Group]] = defaultdict(lambda: defaultdict(Group))
    for record in records:
        if scored(record):
            table[dimension(record)][run_key(record)].add(record)
    return {k: dict(v) for k, v in table.items()}


def summary(records: list[Record]) -> dict[str, Any]:
    """The ``summary`` section of the JSON report."""
    overall = Group()
    for record in records:
        if scored(record):
            overall.add(record)
    runs = group_by(records, run_key)
    return {
        "overall": overall.to_json(),
        "runs": {
            key: {
                "model": key.split("/", 1)[0],
                "strategy": key.split("/", 1)[1],
                **group.to_json(),
            }
            for key, group in sorted(runs.items())
        },
        "by": {
            name: {
                value: {run: g.to_json() for run, g in sorted(cols.items())}
                for value, cols in sorted(breakdown(records, fn).items())
            }
            for name, fn in DIMENSIONS.items()
        },
        "recorded_mismatches": sorted(
            {r["snippet"] for r in records if r.get("recorded_mismatch")}
        ),
    }
