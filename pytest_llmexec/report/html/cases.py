"""The case browser: every test with its code, call, answers, steps and conversation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..aggregate import Record
from ..by_language import multilingual
from ..records import PYTHON, language
from ..svg import esc
from .markup import as_text, num, table
from .page import Page


def browser(page: Page) -> str:
    filters = [
        ("model", "model"),
        ("strategy", "strategy"),
        ("category", "category"),
        ("verdict", "verdict"),
    ]
    if any(r["generated"] is True for r in page.records):
        filters.append(("input", "input"))
    if any(_facet(r, "task") != "output" for r in page.records):
        filters.insert(2, ("task", "task"))
    if multilingual(page.records):
        filters.insert(filters.index(("category", "category")), ("language", "language"))
    controls = []
    for key, label in filters:
        options = sorted({_facet(r, key) for r in page.records})
        opts = "".join(f'<option value="{esc(o)}">{esc(o)}</option>' for o in options)
        controls.append(
            f'<label>{esc(label)} <select data-filter="{key}">'
            f'<option value="">all</option>{opts}</select></label>'
        )
    controls.append(
        '<label>search <input type="search" data-filter="text" placeholder="node id"></label>'
    )
    controls.append(
        '<button type="button" data-action="open">open all</button>'
        '<button type="button" data-action="close">close all</button>'
    )
    items = "".join(_case(r) for r in page.records)
    return (
        f'<div id="case-browser"><div class="filters" hidden>{"".join(controls)}</div>'
        f'<p id="case-count">{len(page.records)} tests</p>'
        f'<div class="case-list">{items}</div></div>'
    )


def _facet(record: Record, key: str) -> str:
    if key == "input":
        return "generated" if record["generated"] is True else "declared"
    if key == "task":
        return as_text(record["task"]) or "output"
    if key == "language":
        return language(record)
    return as_text(record.get(key)) or "-"


def _code_block(code: str, mark: tuple[int, int] | None = None) -> str:
    """Code with line numbers (as the prompts number it); *mark* highlights lines first..last."""
    first, last = mark or (0, -1)
    lines = "".join(
        f'<span class="l{" mark" if first <= number <= last else ""}">{esc(line)}</span>\n'
        for number, line in enumerate(code.rstrip().splitlines(), 1)
    )
    return f'<pre class="code">{lines}</pre>'


def _span_text(span: tuple[Any, Any] | None) -> str:
    if span is None:
        return ""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def _steps(record: Record) -> tuple[str, tuple[int, int] | None]:
    """IIP: the table of step checks, and the lines of the first divergent step."""
    checks = record["steps"]
    if not isinstance(checks, list) or not checks:
        return "", None
    rows, mark = [], None
    for check in checks:
        if not isinstance(check, Mapping):
            continue
        lines = check.get("lines")
        span = (lines[0], lines[1]) if isinstance(lines, list) and len(lines) == 2 else None
        if mark is None and check.get("match") is False and span is not None:
            mark = (int(span[0]), int(span[1]))
        expected = check.get("expected")
        shown = (
            ", ".join(f"{k}={as_text(v)}" for k, v in expected.items())
            if isinstance(expected, Mapping)
            else as_text(expected)
        )
        rows.append(
            [
                esc(as_text(check.get("step"))),
                esc(_span_text(span)),
                '<span class="ok">match</span>'
                if check.get("match") is True
                else '<span class="bad">differs</span>',
                f"<code>{esc(shown)}</code>",
                f"<code>{esc(as_text(check.get('reported')))}</code>",
                esc(as_text(check.get("problem"))),
            ]
        )
    checks_table = table(
        ["step", "lines", "state", "real locals", "reported", "problem"], rows, "steps"
    )
    return "<h4>IIP steps (first sample)</h4>" + checks_table, mark


def _fact(label: str, value: Any, *, code: bool = True) -> str:
    if value is None or value == "":
        return ""
    text = esc(as_text(value))
    shown = f"<code>{text}</code>" if code else text
    return f"<dt>{esc(label)}</dt><dd>{shown}</dd>"


def _case(record: Record) -> str:
    verdict = as_text(record["verdict"]) or "-"
    attrs = "".join(
        f' data-{key}="{esc(_facet(record, key))}"'
        for key in ("model", "strategy", "task", "language", "category", "verdict", "input")
    )
    nodeid = as_text(record["nodeid"])
    attrs += f' data-text="{esc(nodeid.lower())}"'
    tags = [_facet(record, k) for k in ("model", "strategy", "category")]
    if _facet(record, "task") != "output":
        tags.insert(2, f"{_facet(record, 'task')} prediction")
    if language(record) != PYTHON:
        tags.insert(2, language(record))
    if record["generated"] is True:
        tags.append("generated")
    if record["cache_hit"] is True:
        tags.append("cached")
    if record["recorded_mismatch"] is True:
        tags.append("recorded output differs")
    facts = [
        _fact("call", record["call"] or record["input"]),
        _fact("expected", record["expected"]),
        _fact("predicted", record["predicted"]),
        _fact("error", record["error"], code=False),
    ]
    if record["recorded_mismatch"] is True:
        facts.append(_fact("recorded output", record["recorded_output"]))
    step = num(record["step_accuracy"])
    if step is not None:
        matched, total = record["steps_matched"], record["steps_total"]
        counts = f" ({matched}/{total} steps)" if num(total) else ""
        facts.append(_fact("step accuracy", f"{100 * step:.1f}%{counts}", code=False))
        first = record["first_divergent_step"]
        facts.append(_fact("first divergent step", "none" if first is None else first, code=False))
    facts.append(_fact("step problem", record["step_problem"], code=False))
    details = [
        ("difficulty", record["difficulty"]),
        ("complexity", record["complexity"]),
        ("lines", record["lines"]),
    ]
    facts += [_fact(k, v, code=False) for k, v in details]
    usage = record["usage"]
    if isinstance(usage, Mapping):
        parts = [
            f"{int(num(v) or 0):,} {k.replace('_tokens', '')}" for k, v in usage.items() if num(v)
        ]
        facts.append(_fact("tokens", ", ".join(parts) or "0", code=False))
    cost = num(record["cost"])
    if cost is not None:
        facts.append(_fact("cost", f"${cost:.5f}", code=False))
    latency = num(record["latency"])
    if latency is not None:
        facts.append(_fact("latency", f"{latency:.2f} s", code=False))
    for key in ("calls", "cache_hit", "truncated", "looped", "forced", "template_hash"):
        if key in record:
            facts.append(_fact(key.replace("_", " "), as_text(record.get(key)), code=False))
    samples = record["samples"]
    sample_html = ""
    if isinstance(samples, list) and len(samples) > 1:
        rows = [
            [
                str(i),
                esc(as_text(s.get("verdict"))),
                f"<code>{esc(as_text(s.get('predicted')))}</code>",
                esc(as_text(s.get("problem"))),
            ]
            for i, s in enumerate(samples)
            if isinstance(s, Mapping)
        ]
        sample_html = "<h4>samples</h4>" + table(["#", "verdict", "predicted", "problem"], rows)
    messages = record["conversation"]
    conversation = ""
    if isinstance(messages, list) and messages:
        conversation = "<h4>conversation</h4>" + "".join(
            f'<div class="msg role-{esc(_role(m))}"><div class="role">{esc(_role(m))}</div>'
            f"<pre>{esc(as_text(m.get('content')) if isinstance(m, Mapping) else as_text(m))}</pre>"
            "</div>"
            for m in messages
        )
    steps, mark = _steps(record)
    code = record["code"]
    code_html = f"<h4>code</h4>{_code_block(code, mark)}" if isinstance(code, str) else ""
    return (
        f'<details class="case"{attrs}><summary><span class="verdict v-{esc(verdict)}">'
        f'{esc(verdict)}</span> <span class="nodeid">{esc(nodeid)}</span> '
        f'<span class="tags">{esc(" · ".join(tags))}</span></summary>'
        f'<div class="case-body"><div class="case-grid"><div>{code_html}</div>'
        f'<dl class="facts">{"".join(facts)}</dl></div>{steps}{sample_html}{conversation}</div>'
        "</details>"
    )


def _role(message: Any) -> str:
    if isinstance(message, Mapping):
        return re.sub(r"[^a-z_]", "", str(message.get("role") or "message").lower()) or "message"
    return "message"
