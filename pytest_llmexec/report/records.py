"""The per-test record, typed, and the two questions every report section asks of it.

A record is what a test puts on its report (`CaseRecord`, written by
`engine.CaseResult.to_json`); aggregation, the terminal, the strategy and
usage tables, the gate, the baseline and the HTML all read it, and the JSON
report holds one per test under ``cases``. Every key is always there: a
record that comes from elsewhere (an xdist worker, a report file written by an
older version) goes through `record_of`, the one place where a missing key
gets its default, so no reader needs ``.get`` and a default of its own.
The shipped JSON Schema (``report/schema/report.schema.json``, `schema`)
describes the same fields; ``docs/report-schema.md`` documents them.
These helpers live here, below all the report modules, so that those import
in one direction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, TypedDict

#: the JSON report's ``schema_version`` (also its older ``version`` key): bumped when a
#: field changes meaning or goes; new fields do not bump it (readers ignore unknown keys)
SCHEMA_VERSION = 1
#: the pytest user property that carries a test's record from its item to the controller
#: (plugin/state.py), and that tells a model's verdict from a broken test (sharding/hooks.py)
PROPERTY = "llmexec"


class SampleRecord(TypedDict):
    """One generation (``--llm-samples``) of a case."""

    verdict: str
    predicted: str | None
    reply: str | None
    problem: str
    partial: float | None  # per-line tasks: the share of the asked lines right


#: tokens by kind: input_tokens, output_tokens, reasoning_tokens, cached_tokens (all there)
UsageRecord = dict[str, int]


class _CaseFields(TypedDict):
    nodeid: str
    file: str
    line: int
    snippet: str
    language: str
    input_id: str
    input: str
    call: str
    generated: bool
    model: str
    strategy: str
    task: str
    template_hash: str
    category: str
    difficulty: str | None
    complexity: str | None
    lines: int
    verdict: str  # correct | wrong | unparseable | error
    expected: str | None
    predicted: str | None
    recorded_output: str | None
    recorded_mismatch: bool
    truth_status: str
    error: str | None
    n_samples: int
    n_correct: int
    samples: list[SampleRecord]
    conversation: list[dict[str, Any]]
    usage: UsageRecord
    cost: float
    batch_cost: float  # the part of the cost answered through a batch API
    cache_hit: bool
    latency: float
    calls: int
    truncated: bool
    looped: bool  # of a truncated reply: it was repeating itself when cut
    forced: bool  # a last reply gave no answer, so the strategy's answer-forcing turn was sent
    model_ids: list[str]
    step_accuracy: float | None
    first_divergent_step: int | None
    steps_matched: int
    steps_total: int
    steps: list[dict[str, Any]]
    step_problem: str
    code: str
    partial: float | None  # per-line tasks: the mean share of the asked lines right


class Re2Figures(TypedDict, total=False):
    """What an RE2-Bench test adds to its record (RE2-Bench's own scores, per sample mean)."""

    re2bench: bool
    problem_id: str
    benchmark: str
    case_name: str
    rs: float | None
    partial_rs: float | None
    is_fn: bool | None


class CaseRecord(_CaseFields, Re2Figures, total=False):
    """One test's result; ``shrunk`` only where a generated input was shrunk,
    ``sample_verdicts`` only in a baseline's entry (it keeps no samples), and the
    `Re2Figures` only in an RE2-Bench test's record."""

    shrunk: dict[str, Any]
    sample_verdicts: list[str]


Record = CaseRecord


def _usage() -> UsageRecord:
    return {"input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0, "cached_tokens": 0}


#: the value of a key a record does not have (a report from before the key existed)
DEFAULTS: dict[str, Any] = {
    "snippet": "",
    "file": "",
    "line": 1,
    "language": "python",
    "input_id": "",
    "input": "",
    "call": "",
    "generated": False,
    "task": "output",
    "template_hash": "",
    "category": "-",
    "difficulty": None,
    "complexity": None,
    "lines": 0,
    "expected": None,
    "predicted": None,
    "recorded_output": None,
    "recorded_mismatch": False,
    "truth_status": "ok",
    "error": None,
    "n_samples": 0,
    "n_correct": 0,
    "samples": [],
    "conversation": [],
    "cost": 0.0,
    "batch_cost": 0.0,
    "cache_hit": False,
    "latency": 0.0,
    "calls": 0,
    "truncated": False,
    "looped": False,
    "forced": False,
    "model_ids": [],
    "step_accuracy": None,
    "first_divergent_step": None,
    "steps_matched": 0,
    "steps_total": 0,
    "steps": [],
    "step_problem": "",
    "code": "",
    "partial": None,
}
#: keys without which a record means nothing: a record lacking one is refused
REQUIRED = ("nodeid", "snippet", "model", "strategy", "verdict")
#: what a baseline's entry must have (it keeps only part of a record: see report.baseline)
REQUIRED_IN_BASELINE = ("nodeid", "model", "strategy", "verdict")


class RecordError(ValueError):
    """A record (from a worker or a report file) that lacks what every reader needs."""


def record_of(data: Mapping[str, Any], required: tuple[str, ...] = REQUIRED) -> CaseRecord:
    """*data* as a complete `CaseRecord`: missing keys get their `DEFAULTS` (so does a
    key that is null where a value is expected: an older report's ``task``, say).

    Raises `RecordError` when a *required* key is not a string."""
    missing = [key for key in required if not isinstance(data.get(key), str)]
    if missing:
        raise RecordError(f"a case record without {', '.join(missing)}: {dict(data)!r:.200}")
    record: dict[str, Any] = dict(data)
    for key, default in DEFAULTS.items():
        if record.get(key) is None and default is not None:
            record[key] = list(default) if isinstance(default, list) else default
        record.setdefault(key, default)
    usage = record.get("usage")
    record["usage"] = {**_usage(), **(usage if isinstance(usage, Mapping) else {})}
    return record  # type: ignore[return-value]  # every key of CaseRecord is set above


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the JSON report (package data), for validators and dashboards."""
    text = resources.files(__package__).joinpath("schema/report.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def scored(record: Record) -> bool:
    """Whether a record counts towards accuracy (nondeterministic cases do not)."""
    return record["truth_status"] != "nondeterministic"


def strategy_label(record: Record) -> str:
    """The strategy and, for tasks other than output prediction, the task: ``vp/input``.

    The gate and the baseline pair and group on it, so tasks never mix."""
    task = record["task"]
    return record["strategy"] if task == "output" else f"{record['strategy']}/{task}"


def run_key(record: Record) -> str:
    """The run a record belongs to: ``model/strategy`` for output prediction (as before
    tasks existed), ``model/strategy/task`` for the other tasks, kept apart everywhere."""
    return f"{record['model']}/{strategy_label(record)}"


def run_parts(record: Record) -> dict[str, str]:
    """The model, strategy and task of a record's run (model names may hold ``/``)."""
    return {
        "model": record["model"],
        "strategy": record["strategy"],
        "task": record["task"],
    }


#: The language of a record written before languages existed (and of every Python case).
PYTHON = "python"


def language(record: Record) -> str:
    """The language a case was run in; ``python`` where the record does not say."""
    return record["language"] or PYTHON


def language_order(name: str) -> tuple[int, str]:
    """Python first (the study's language and the one every run holds), then by name."""
    return (name != PYTHON, name)
