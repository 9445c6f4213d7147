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


def run_key(record: Record) -> str:
    """The run (model x strategy) a record belongs to: ``model/strategy``."""
    return f"{record['model']}/{record['strategy']}"
