"""The per-test record and the two questions every report section asks of it.

A record is the JSON dict a test puts on its report; aggregation, the
strategy and usage tables, the gate and the baseline all read it. These
helpers live here, below all of them, so that the report modules import in
one direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Record = Mapping[str, Any]


def scored(record: Record) -> bool:
    """Whether a record counts towards accuracy (nondeterministic cases do not)."""
    return record.get("truth_status") != "nondeterministic"


def strategy_label(record: Record) -> str:
    """The strategy and, for tasks other than output prediction, the task: ``vp/input``.

    The gate and the baseline pair and group on it, so tasks never mix."""
    task = record.get("task") or "output"
    return str(record["strategy"]) if task == "output" else f"{record['strategy']}/{task}"


def run_key(record: Record) -> str:
    """The run a record belongs to: ``model/strategy`` for output prediction (as before
    tasks existed), ``model/strategy/task`` for the other tasks, kept apart everywhere."""
    return f"{record['model']}/{strategy_label(record)}"


def run_parts(record: Record) -> dict[str, str]:
    """The model, strategy and task of a record's run (model names may hold ``/``)."""
    return {
        "model": str(record["model"]),
        "strategy": str(record["strategy"]),
        "task": str(record.get("task") or "output"),
    }


#: The language of a record written before languages existed (and of every Python case).
PYTHON = "python"


def language(record: Record) -> str:
    """The language a case was run in; ``python`` where the record does not say."""
    return str(record.get("language") or PYTHON)


def language_order(name: str) -> tuple[int, str]:
    """Python first (the study's language and the one every run holds), then by name."""
    return (name != PYTHON, name)
