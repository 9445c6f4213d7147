"""Writing the run's report files: the document is built once, for the JSON and the HTML alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import html as html_report
from . import json_report


def write_reports(
    build: Callable[[], dict[str, Any]], json_path: Path | None, html_path: Path | None
) -> list[tuple[str, bool]]:
    """Write the reports asked for, from one document that *build* makes only if one is;
    the lines to show, each with whether it is an error."""
    if json_path is None and html_path is None:
        return []
    document = build()
    shown: list[tuple[str, bool]] = []
    if json_path is not None:
        json_report.write_atomic(json_path, document)
        shown.append((f"llmexec: JSON report written to {json_path}", False))
    if html_path is not None:
        try:
            html_report.write(html_path, document)
        except html_report.HTMLReportError as exc:
            shown.append((f"llmexec: {exc}", True))
        else:
            shown.append((f"llmexec: HTML report written to {html_path}", False))
    return shown
