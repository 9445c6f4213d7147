"""The text of a failed test: a headline for the short summary, then the snippet and replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..tasks import DEFAULT as DEFAULT_TASK

if TYPE_CHECKING:
    from ..engine import CaseResult


def headline(result: CaseResult) -> str:
    """The first line, which pytest's short summary shows."""
    task = "" if result.task == DEFAULT_TASK else f"/{result.task}"
    run = f"({result.model}/{result.strategy}{task})"
    if result.verdict == "error":
        return f"error: {result.error} {run}"
    shown = result.predicted if result.predicted is not None else "-"
    if result.verdict == "unparseable":
        problem = next((s.problem for s in result.samples if s.problem), "")
        return f"unparseable: {shown[:60]!r} is not a literal ({problem}) {run}"
    return (
        f"{result.verdict}: predicted {shown[:80]}, expected {(result.expected or '')[:80]} {run}"
    )


def format_failure(result: CaseResult) -> str:
    snippet = result.case.snippet
    lines = [
        headline(result),
        f"{snippet.path}:{snippet.line}: snippet {snippet.id!r}, input {result.case.input_id}",
        "",
    ]
    width = len(str(len(snippet.code.splitlines())))
    lines += [f"  {n:>{width}} | {text}" for n, text in enumerate(snippet.code.splitlines(), 1)]
    lines += ["", f"call:      {result.case.call}", f"expected:  {result.expected}"]
    if result.error:
        lines.append(f"error:     {result.error}")
    for index, sample in enumerate(result.samples):
        label = "predicted:" if len(result.samples) == 1 else f"sample {index}:"
        shown = sample.predicted if sample.predicted is not None else "-"
        lines.append(f"{label:<10} {shown}  [{sample.verdict}]")
        if sample.verdict == "unparseable":
            lines.append(f"           ({sample.problem})")
    if result.samples and result.samples[0].reply and result.verdict != "correct":
        reply = result.samples[0].reply
        clipped = reply if len(reply) <= 800 else reply[:800] + " ..."
        lines += ["", "reply:", *("  " + line for line in clipped.splitlines())]
    return "\n".join(lines)
