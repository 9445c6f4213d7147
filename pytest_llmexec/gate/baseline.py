"""The baseline file: the accepted results a gated run is compared with.

One entry per (node id, model, strategy, and language for a case not in
Python) with its verdict and answer, plus
per model/strategy aggregates, template hashes and reported model ids, so a
reviewer sees in the diff of a commit what a prompt or model change did.

Updating never loses a case silently. A baseline case that this run did not
produce is dropped only when the run would have collected it had it still
existed: the run was not filtered (``-k``, ``-m``, ``--lf``, ``--deselect``,
node ids, a conftest's or plugin's deselection, a shard, selected tests that did
not run: `narrowed_by`), its file lies under one of the run's paths and its
model and strategy were run. Every other case is kept as it was (a merge).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..report.aggregate import Group, Record, run_key, scored
from ..report.records import (
    PYTHON,
    REQUIRED_IN_BASELINE,
    CaseRecord,
    language,
    language_order,
    record_of,
    strategy_label,
)

FORMAT = "pytest-llmexec baseline"
VERSION = 1
# (nodeid, model, strategy label: "vp" or "vp/input"), and the language after them for a case
# not in Python: a baseline written before languages existed keeps pairing, and a C++ case
# never pairs with a Python case of the same snippet.
Key = tuple[str, ...]

# What a baseline keeps of each record: enough to pair, explain a flip and diff by hand.
CASE_FIELDS = (
    "nodeid",
    "model",
    "strategy",
    "task",
    "snippet",
    "category",
    "verdict",
    "expected",
    "predicted",
    "template_hash",
    "language",  # only for a case not in Python (see case_entry)
    "truth_status",
    "n_samples",
    "n_correct",
    "model_ids",
)


class BaselineError(Exception):
    """A baseline file that cannot be used; the message names the file and the fix."""


def key_of(record: Record) -> Key:
    key = (record["nodeid"], record["model"], strategy_label(record))
    name = language(record)
    return key if name == PYTHON else (*key, name)


def case_entry(record: Record) -> dict[str, Any]:
    """The part of a per-test record that goes into the baseline."""
    fields: Mapping[str, Any] = record
    entry = {name: fields[name] for name in CASE_FIELDS if name in fields}
    if language(record) == PYTHON:  # as before languages existed: no change to review
        entry.pop("language", None)
    if len(record["samples"]) > 1:
        entry["sample_verdicts"] = [s["verdict"] for s in record["samples"]]
    elif "sample_verdicts" in record:  # an entry read from a baseline, kept as it was
        entry["sample_verdicts"] = record["sample_verdicts"]
    return entry


def entry_of(record: Record) -> CaseRecord:
    """What the baseline keeps of a record (`case_entry`), typed and complete as a record."""
    return record_of(case_entry(record), REQUIRED_IN_BASELINE)


def is_correct(entry: Record) -> bool:
    return entry["verdict"] == "correct"


def is_unstable(entry: Record) -> bool:
    """Samples of the case disagree: some are right and some are not."""
    n, c = entry["n_samples"], entry["n_correct"]
    return n > 1 and 0 < c < n


@dataclass
class Baseline:
    """The baseline's cases by key: each its `case_entry`, completed as a record (so the
    gate reads a baseline case as it reads a record of this run)."""

    cases: dict[Key, CaseRecord]
    written: str = ""
    command: str = ""
    path: Path | None = None

    @classmethod
    def from_records(cls, records: Iterable[Record], command: str = "") -> Baseline:
        return cls({key_of(r): entry_of(r) for r in records}, command=command)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        """Read a baseline file; every problem is a `BaselineError` saying what to do."""
        fix = "fix or delete it, then write a new one with --llm-update-baseline"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(
                f"{path}: no baseline file; create it from a full run with --llm-update-baseline"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{path}: cannot read the baseline ({exc})") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(
                f"{path}:{exc.lineno}: invalid JSON in the baseline ({exc.msg}); {fix}"
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BaselineError(f"{path}: not a pytest-llmexec baseline file; {fix}")
        if data.get("version") != VERSION:
            raise BaselineError(
                f"{path}: baseline version {data.get('version')!r}, this plugin reads "
                f"version {VERSION}; {fix}"
            )
        cases: dict[Key, CaseRecord] = {}
        for index, entry in enumerate(data.get("cases") or []):
            if not isinstance(entry, dict) or not all(
                isinstance(entry.get(name), str) for name in REQUIRED_IN_BASELINE
            ):
                raise BaselineError(
                    f"{path}: case {index} needs string fields nodeid, model, strategy and "
                    f"verdict; {fix}"
                )
            record = record_of(entry, REQUIRED_IN_BASELINE)
            cases[key_of(record)] = record
        return cls(
            cases,
            written=str(data.get("written") or ""),
            command=str(data.get("command") or ""),
            path=path,
        )

    def to_json(self) -> dict[str, Any]:
        entries = sorted(self.cases.values(), key=lambda e: key_of(e))
        written = [case_entry(entry) for entry in entries]
        runs: dict[str, Group] = {}
        by_language: dict[str, dict[str, Group]] = {}
        for entry in entries:
            if scored(entry):
                runs.setdefault(run_key(entry), Group()).add(entry)
                by_language.setdefault(run_key(entry), {}).setdefault(language(entry), Group()).add(
                    entry
                )
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "written": self.written or _now(),
            "command": self.command,
            "templates": templates(entries),
            "model_ids": model_ids(entries),
            "summary": {key: group.to_json() for key, group in sorted(runs.items())},
        }
        if any(len(groups) > 1 for groups in by_language.values()):
            data["languages"] = {
                run: {name: groups[name].to_json() for name in sorted(groups, key=language_order)}
                for run, groups in sorted(by_language.items())
            }
        data["cases"] = written
        return data


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def templates(entries: Iterable[Record]) -> dict[str, list[str]]:
    """strategy (``vp in cpp`` for another language) -> the template hashes it was asked with."""
    out: dict[str, set[str]] = {}
    for entry in entries:
        if entry["template_hash"]:
            name = language(entry)
            label = strategy_label(entry) + ("" if name == PYTHON else f" in {name}")
            out.setdefault(label, set()).add(entry["template_hash"])
    return {k: sorted(v) for k, v in sorted(out.items())}


def model_ids(entries: Iterable[Record]) -> dict[str, list[str]]:
    """model -> the model ids its provider reported (e.g. a dated snapshot)."""
    out: dict[str, set[str]] = {}
    for entry in entries:
        out.setdefault(entry["model"], set()).update(entry["model_ids"])
    return {k: sorted(v) for k, v in sorted(out.items()) if v}


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """Which cases a run would have produced: what an update may replace or drop."""

    paths: tuple[str, ...]  # rootdir-relative, POSIX; "." is the whole rootdir
    models: tuple[str, ...]
    strategies: tuple[str, ...]  # strategy labels: "vp", "vp/input"
    filters: tuple[str, ...] = ()  # why only some collected cases ran: -k, -m, --lf, -x ...
    languages: tuple[str, ...] | None = None  # the languages run; None: every language

    @property
    def partial(self) -> bool:
        return bool(self.filters)

    def covers(self, key: Key) -> bool:
        """Whether this run would have produced the case if it still existed."""
        nodeid, model, strategy = key[:3]
        if self.partial or model not in self.models or strategy not in self.strategies:
            return False
        if self.languages is not None and _key_language(key) not in self.languages:
            return False
        file = nodeid.split("::", 1)[0]
        return any(
            p == "." or file == p or file.startswith(p.rstrip("/") + "/") for p in self.paths
        )


def narrowed_by(
    explicit: Sequence[str], *, shard: str | None, deselected: int, unfinished: int
) -> tuple[str, ...]:
    """Why only part of what the run's paths collect ran: `Selection.filters`.

    The one rule for the session's gate (from its tracker's counts) and for
    ``pytest-llmexec gate`` (from the report's ``session``), so both call the same
    run partial. *explicit* names -k, -m, --lf ...; *deselected* (not counting the
    shard's own) is shown only without them, since they already say why; and
    *unfinished* selected tests mean the run stopped early (-x, --maxfail, Ctrl-C).
    """
    filters = list(explicit)
    if shard is not None:
        filters.append(f"shard {shard}")
    if deselected and not explicit:  # by a conftest or a plugin
        filters.append(f"{deselected} deselected")
    if unfinished > 0:
        filters.append(f"stopped early ({unfinished} tests did not run)")
    return tuple(filters)


def _key_language(key: Key) -> str:
    return key[3] if len(key) > 3 else PYTHON


def relative_path(path: Path, rootdir: Path) -> str:
    """A path as pytest writes node ids: relative to the rootdir, with '/'."""
    return Path(os.path.relpath(path.resolve(), rootdir.resolve())).as_posix()


# --------------------------------------------------------------------------- update


@dataclass
class UpdatePlan:
    """The outcome of ``--llm-update-baseline``: the new baseline, or why it was refused."""

    baseline: Baseline | None
    refused: str | None = None
    added: list[Key] = field(default_factory=list)
    changed: list[Key] = field(default_factory=list)
    kept: int = 0  # old cases this run did not cover, carried over unchanged
    dropped: list[Key] = field(default_factory=list)  # covered but gone from the suite
    merged: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "written": self.refused is None,
            "refused": self.refused,
            "merged": self.merged,
            "added": len(self.added),
            "changed": len(self.changed),
            "kept": self.kept,
            "dropped": ["::".join(k) for k in self.dropped],
        }


def plan_update(
    old: Baseline | None,
    records: Sequence[Record],
    selection: Selection,
    *,
    ci: bool,
    force: bool,
    blockers: Sequence[str] = (),
    command: str = "",
) -> UpdatePlan:
    """Decide what ``--llm-update-baseline`` writes, or why it must not write.

    ``blockers`` are problems no flag overrides (an interrupted run, collection
    errors): their missing cases would look removed. ``CI`` set, and a partial
    selection with no baseline to merge into, are refused unless forced.
    """
    if blockers:
        return UpdatePlan(None, refused="; ".join(blockers))
    if ci and not force:
        return UpdatePlan(
            None,
            refused="the environment variable CI is set: baselines are accepted by a person, "
            "not by a CI job (use --llm-update-baseline=force to override)",
        )
    if not records:
        return UpdatePlan(None, refused="no pytest-llmexec test ran")
    if old is None and selection.partial and not force:
        return UpdatePlan(
            None,
            refused=f"a partial selection ({', '.join(selection.filters)}) cannot start a new "
            "baseline; run the whole suite (or use --llm-update-baseline=force)",
        )
    new = {key_of(r): entry_of(r) for r in records}
    plan = UpdatePlan(None, merged=selection.partial)
    old_cases = old.cases if old is not None else {}
    for key, record in new.items():
        previous = old_cases.get(key)
        if previous is None:
            plan.added.append(key)
        elif case_entry(previous) != case_entry(record):
            plan.changed.append(key)
    merged = dict(new)
    for key, entry in old_cases.items():
        if key in new:
            continue
        if selection.covers(key):
            plan.dropped.append(key)
        else:
            merged[key] = entry
            plan.kept += 1
    plan.baseline = Baseline(merged, command=command)
    return plan


def ci_is_set(environ: Mapping[str, str]) -> bool:
    """CI providers set CI (usually to 'true'); '', '0', 'false' and 'no' mean unset."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
