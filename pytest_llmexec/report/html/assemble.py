"""The page: its sections in order, the embedded data, the CSP, and writing it to a file."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from ..svg import esc
from . import accuracy, cases, cost, gate, iip, inputs, languages, overview, tasks
from .markup import pair, section
from .page import Page

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "script-src '{script_hash}'; base-uri 'none'; form-action 'none'"
)


class HTMLReportError(Exception):
    """The report could not be written; the message names the option and the path."""


def _asset(name: str) -> str:
    return (resources.files("pytest_llmexec.report") / "templates" / name).read_text(
        encoding="utf-8"
    )


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    Escaping every ``<``, ``>`` and ``&`` means neither ``</script`` nor ``<!--``
    can appear, and U+2028/2029 are escaped for old parsers; JSON stays equal.
    """
    text = json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


def page_sections(page: Page) -> list[tuple[str, str, str]]:
    top = overview.tiles(page) + overview.runs_table(page)
    if page.records:
        top += overview.verdict_chart(page)
    out = [section("overview", "Overview", top)]
    by_language = languages.section(page)
    if by_language:
        out.append(
            section(
                "languages",
                "Accuracy by language",
                by_language,
                "a problem is a snippet id with a declared input; the shipped suite's "
                "translations and CRUXEval-X's files share them across languages",
            )
        )
    if page.scored:
        out.append(section("categories", "Accuracy by category", accuracy.category_charts(page)))
        shape = pair(
            accuracy.dimension_line(page, "code length"),
            accuracy.dimension_line(page, "complexity"),
        )
        shape += pair(accuracy.difficulty_chart(page))
        out.append(
            section(
                "shape",
                "Accuracy by code length, complexity and difficulty",
                shape,
                "code length counts the snippet's non-blank lines; time complexities are "
                "grouped into growth classes (constant factors and lower terms ignored, every "
                "variable taken as n; hover a point for the complexities it holds)",
            )
        )
    optional = [
        ("tasks", "Accuracy by task", tasks.section(page)),
        ("inputs", "Declared versus generated inputs", inputs.section(page)),
        ("iip", "IIP steps", iip.section(page)),
        ("gate", "Baseline comparison", gate.section(page)),
        ("cost", "Cost and tokens", cost.section(page)),
    ]
    out += [section(a, t, b) for a, t, b in optional if b]
    out.append(
        section(
            "cases",
            "Cases",
            cases.browser(page),
            "every test with its code, call, answers and conversation",
        )
    )
    return out


def build(document: Mapping[str, Any]) -> str:
    """The whole page for a report document (``run``, ``summary``, ``cases``, ``gate``)."""
    report = Page.of(document)
    sections = page_sections(report)
    nav = "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t, _ in sections)
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    data = {"run": report.run, "summary": report.summary}
    if report.gate is not None:
        data["gate"] = report.gate
    models = report.run.get("models")
    title = "pytest-llmexec report" + (
        f": {', '.join(map(str, models))}" if isinstance(models, list) and models else ""
    )
    body = (
        f"<header><h1>{esc(title)}</h1>{overview.run_header(report)}<nav>{nav}</nav></header>"
        f"<main>{''.join(html for _, _, html in sections)}</main>"
    )
    return Template(_asset("report.html")).substitute(
        csp=esc(CSP.format(script_hash=f"sha256-{digest}")),
        title=esc(title),
        style=_asset("report.css"),
        body=body,
        data=script_json(data),
        script=script,
    )


def write(path: Path, document: Mapping[str, Any], option: str = "--llm-html") -> None:
    """Write the page through a temporary file and a rename: never half a page."""
    text = build(document)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise HTMLReportError(
            f"{option}={path}: cannot write the HTML report: {exc.strerror or exc}"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # readable like any other file, not mkstemp's 0600
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise HTMLReportError(
            f"{option}={path}: cannot write the HTML report: {exc.strerror or exc}"
        ) from None
