"""A group of records and its counts: the unit every table, chart and gate figure is made of.

Below aggregation, the language figures and the HTML sections, which all
count records into groups the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .records import Record, run_key, scored
from .stats import ks_for, pass_at_k, wilson


@dataclass
class Group:
    n: int = 0
    correct: int = 0
    wrong: int = 0
    unparseable: int = 0
    error: int = 0
    truncated: int = 0  # tests with a reply cut off at the output-token limit
    looped: int = 0  # of those, the ones whose reply was repeating itself when cut
    forced: int = 0  # tests whose last reply gave no answer, so an answer-forcing turn was sent
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
        if record["truncated"]:
            self.truncated += 1
        if record["looped"]:
            self.looped += 1
        if record.get("forced"):
            self.forced += 1
        samples = record["n_samples"]
        if samples > 1:
            self.pass_n += 1
            for k in ks_for(samples):
                self.pass_sums[k] = self.pass_sums.get(k, 0.0) + pass_at_k(
                    samples, int(record["n_correct"]), k
                )

    def merge(self, other: Group) -> None:
        """Count another group's records into this one."""
        self.n += other.n
        self.correct += other.correct
        self.wrong += other.wrong
        self.unparseable += other.unparseable
        self.error += other.error
        self.truncated += other.truncated
        self.looped += other.looped
        self.forced += other.forced
        self.pass_n += other.pass_n
        for k, total in other.pass_sums.items():
            self.pass_sums[k] = self.pass_sums.get(k, 0.0) + total

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
            "truncated": self.truncated,
            "looped": self.looped,
            "forced": self.forced,
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


def breakdown(
    records: Iterable[Record], dimension: Callable[[Record], str]
) -> dict[str, dict[str, Group]]:
    """dimension value -> run (model/strategy) -> group."""
    table: dict[str, dict[str, Group]] = defaultdict(lambda: defaultdict(Group))
    for record in records:
        if scored(record):
            table[dimension(record)][run_key(record)].add(record)
    return {k: dict(v) for k, v in table.items()}
