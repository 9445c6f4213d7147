"""Accuracy by language, overall and on the same problems.

A run may hold one problem in several languages: the shipped suite's C++ and
Java translations share their Python snippet's id and inputs, and
CRUXEval-X's files share row ids. Raw per-language accuracies are over
different problem sets as soon as one language lacks some translations, so
``same problems`` restricts each run (model/strategy/task) to the problems it
holds in *every* language of the whole run, and compares languages there.

A problem is a snippet id with a declared input id. Generated (hypothesis)
inputs are drawn per snippet, so the same id need not be the same value in two
languages: they are left out of the comparison. A problem that one language
holds twice in a run (two files defining the same snippet id) is ambiguous
and left out too, and counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .group import Group, group_by
from .records import Record, language, language_order, run_key, scored

Problem = tuple[str, str]  # (snippet id, input id)


def languages(records: Sequence[Record]) -> list[str]:
    """The languages of the scored records, Python first."""
    return sorted({language(r) for r in records if scored(r)}, key=language_order)


def multilingual(records: Sequence[Record]) -> bool:
    """Whether the records hold more than one language (only then is there a comparison)."""
    return len(languages(records)) > 1


def language_summary(records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """``summary.languages``: per language its counts, and the same per run."""
    overall = group_by(records, language)
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(overall, key=language_order):
        runs = group_by((r for r in records if language(r) == name), run_key)
        out[name] = {
            **overall[name].to_json(),
            "runs": {run: group.to_json() for run, group in sorted(runs.items())},
        }
    return out


def run_languages(records: Sequence[Record]) -> dict[str, dict[str, dict[str, Any]]]:
    """``summary.runs[run].languages``: per run, its counts per language."""
    table: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for name in languages(records):
        held = (r for r in records if language(r) == name)
        for run, group in group_by(held, run_key).items():
            table[run][name] = group.to_json()
    return dict(table)


@dataclass
class SharedRun:
    """One run restricted to the problems it holds in every language."""

    problems: int = 0
    ambiguous: int = 0
    groups: dict[str, Group] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "problems": self.problems,
            "ambiguous": self.ambiguous,
            "languages": {name: g.to_json() for name, g in self.groups.items()},
        }


@dataclass
class SameProblems:
    """Languages compared on the problems each run holds in all of them."""

    languages: list[str]
    runs: dict[str, SharedRun]

    def overall(self) -> dict[str, Group]:
        """Per language, every run's shared problems pooled."""
        pooled: dict[str, Group] = {name: Group() for name in self.languages}
        for shared in self.runs.values():
            for name, group in shared.groups.items():
                pooled[name].merge(group)
        return {name: g for name, g in pooled.items() if g.n}

    def to_json(self) -> dict[str, Any]:
        return {
            "languages": self.languages,
            "problem": "snippet id and declared input id, held in every language of the run",
            "overall": {name: g.to_json() for name, g in self.overall().items()},
            "runs": {run: shared.to_json() for run, shared in sorted(self.runs.items())},
        }


def same_problems(records: Sequence[Record]) -> SameProblems | None:
    """The same-problems comparison; None when the records hold fewer than two languages."""
    every = languages(records)
    if len(every) < 2:
        return None
    index: dict[str, dict[Problem, dict[str, list[Record]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for record in records:
        if scored(record) and not record["generated"]:
            problem = (record["snippet"], record["input_id"])
            index[run_key(record)][problem][language(record)].append(record)
    runs: dict[str, SharedRun] = {}
    for run, problems in index.items():
        shared = runs[run] = SharedRun(groups={name: Group() for name in every})
        for held in problems.values():
            if any(len(found) > 1 for found in held.values()):
                shared.ambiguous += 1
            elif len(held) == len(every):
                shared.problems += 1
                for name, (record,) in held.items():
                    shared.groups[name].add(record)
        shared.groups = {name: g for name, g in shared.groups.items() if g.n}
    return SameProblems(every, runs)
