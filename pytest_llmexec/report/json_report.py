"""The JSON report: ``summary`` plus one record per test in ``cases``."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .aggregate import Record, summary
from .records import SCHEMA_VERSION


def build(records: Sequence[Record], header: Mapping[str, Any]) -> dict[str, Any]:
    """The report (``report/schema/report.schema.json``); ``schema_version`` comes first, so
    a reader can tell a report by its first line."""
    return {
        "schema_version": SCHEMA_VERSION,
        "version": SCHEMA_VERSION,  # its older name
        "run": dict(header),
        "summary": summary(list(records)),
        "cases": sorted(records, key=lambda r: r["nodeid"]),
    }


def write_atomic(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and a rename: never a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, ensure_ascii=False, default=str)
            handle.write("\n")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # an ordinary readable file, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
