"""Does each strategy measure the model or its template? A table from JSON reports.

    python scripts/strategy_table.py vp=own-vp.json cot=own-cot.json iip=own-iip.json \
        ref=own-ref.json:examples/reference-prompt [--write docs/strategies.md]

Each argument is LABEL=REPORT[:TEMPLATES], TEMPLATES the ``--llm-templates`` folder the run
used (default: the built-in templates). For every run it prints correct, unparseable,
looped and forced counts, and how many answers (and, for IIP, reported states) hold a value
the template itself shows: the answer of one of its worked examples, or the placeholder of
IIP's state skeleton (``<its value>``). A value a model can copy from the prompt measures
the prompt; this counts how often that happened. The values are read from the template
files, so the count follows any template change. A case of a compiled language is held
against its own language's templates (``js/vp.txt``), its answer compared as text (spaces
and outer parentheses aside: ``2l``, ``"c-a-b"`` are no Python literals).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = ROOT / "pytest_llmexec" / "strategies" / "templates"
FILES = {
    "vp": ("vp.txt",),
    "cot": ("cot.txt", "cot_force.txt"),
    "iip": ("iip_first.txt", "iip_step.txt", "iip_final.txt"),
}
PLACEHOLDER = "<its value>"
PYTHON = "python"
#: a worked answer: ``[TAG]value[/TAG]`` on one line, or an assertion's right-hand side
_BLOCK = re.compile(r"\[(?:\{\{tag\}\}|ANSWER|\{\{state\}\}|STATE)\]\s*(.+?)\s*\[/", re.S)
_ASSERTED = re.compile(r"^assert .+? == (.+)$", re.M)
#: a compiled language's worked answer, its block opening a line (an instruction's
#: "between [{{tag}}] and [/{{tag}}]" stands mid-line and shows no value)
_LINE_BLOCK = re.compile(r"^\[(?:\{\{tag\}\}|ANSWER)\]\s*(.+?)\s*\[/", re.M | re.S)


def example_values(folder: Path, strategy: str, language: str = PYTHON) -> list[Any]:
    """The literal answers the template files show (worked examples), as values; for a
    compiled *language*, the answers of its own templates as normalised text (`_text`)."""
    values: list[Any] = []
    if language != PYTHON:
        name = f"{language}/{strategy}.txt"
        path = folder / name if (folder / name).is_file() else BUILTIN / name
        if not path.is_file():
            return values
        return [_text(found) for found in _LINE_BLOCK.findall(path.read_text(encoding="utf-8"))]
    for name in FILES[strategy]:
        path = folder / name
        if not path.is_file():
            path = BUILTIN / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for found in (*_BLOCK.findall(text), *_ASSERTED.findall(text)):
            candidate = _ASSERTED.findall(found)
            literal = candidate[-1] if candidate else found
            try:
                values.append(ast.literal_eval(literal.strip()))
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue  # ``?? `` and other non-literals are no answer to copy
    return values


def _text(answer: str) -> str:
    """A compiled language's answer as text to compare: no spaces, no outer parentheses."""
    text = re.sub(r"\s+", "", answer)
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        if depth < 0:
            return False
    return depth == 0


def _value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _holds(value: Any, examples: list[Any]) -> bool:
    """Whether *value* is, or holds at its top level, one of the example values."""
    if value is None:
        return False
    inner = list(value.values()) if isinstance(value, dict) else [value]
    return any(
        type(v) is type(e) and v == e and not isinstance(v, bool) for v in inner for e in examples
    )


@dataclass
class Row:
    label: str
    n: int = 0
    correct: int = 0
    unparseable: int = 0
    truncated: int = 0
    looped: int = 0
    forced: int = 0
    copied_answers: int = 0
    states: int = 0
    states_parsed: int = 0
    states_matched: int = 0
    copied_states: int = 0
    calls: int = 0
    output_tokens: int = 0
    notes: list[str] = field(default_factory=list)


def summarise(label: str, report: Path, folder: Path) -> list[Row]:
    """One row per strategy of the report (named LABEL/STRATEGY when it holds several)."""
    data = json.loads(report.read_text(encoding="utf-8"))
    strategies = sorted({case["strategy"] for case in data["cases"]})
    rows = {s: Row(label if len(strategies) == 1 else f"{label}/{s}") for s in strategies}
    for case in data["cases"]:
        strategy = case["strategy"]
        row = rows[strategy]
        language = case.get("language") or PYTHON
        examples = example_values(folder, strategy, language)
        row.n += 1
        row.correct += case["verdict"] == "correct"
        row.unparseable += case["verdict"] == "unparseable"
        row.truncated += bool(case["truncated"])
        row.looped += bool(case["looped"])
        row.forced += bool(case.get("forced"))
        row.calls += case["calls"]
        row.output_tokens += case["usage"]["output_tokens"]
        predicted = case["predicted"]
        if language != PYTHON:
            copied = predicted is not None and _text(predicted) in examples
        else:
            copied = _holds(_value(predicted), examples) or PLACEHOLDER in (predicted or "")
        if copied:
            row.copied_answers += 1
            row.notes.append(f"{case['snippet']}: answer {predicted!r} is a template value")
        for step in case.get("steps") or []:
            reported = step["reported"]
            if reported is None:
                continue
            row.states += 1
            value = _value(reported)
            row.states_parsed += isinstance(value, dict)
            row.states_matched += bool(step["match"])
            if PLACEHOLDER in reported or _holds(value, examples):
                row.copied_states += 1
                row.notes.append(f"{case['snippet']} step {step['step']}: {reported[:80]}")
    return list(rows.values())


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| strategy | correct | unparseable | truncated | looped | forced "
        "| copied from the template | output tokens per case |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        copied = f"{r.copied_answers} of {r.n} answers"
        if r.states:
            copied += f"; {r.copied_states} of {r.states} states"
        lines.append(
            f"| {r.label} | {r.correct}/{r.n} ({100 * r.correct / max(r.n, 1):.1f}%) "
            f"| {r.unparseable} | {r.truncated} | {r.looped} | {r.forced} | {copied} "
            f"| {r.output_tokens / max(r.n, 1):.0f} |"
        )
    for r in rows:
        if r.states:
            lines.append("")
            lines.append(
                f"{r.label}: {r.states} states reported, {r.states_parsed} parse as a dict, "
                f"{r.states_matched} equal the true locals; {r.calls / max(r.n, 1):.1f} calls "
                "per case."
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="LABEL=REPORT[:TEMPLATES]")
    parser.add_argument("--notes", action="store_true", help="list every copied value")
    args = parser.parse_args(argv)
    rows = []
    for spec in args.runs:
        label, sep, rest = spec.partition("=")
        if not sep:
            parser.error(f"{spec}: give LABEL=REPORT[:TEMPLATES]")
        report, _, folder = rest.partition(":")
        if not Path(report).is_file():
            parser.error(f"{report}: no such report")
        rows += summarise(label, Path(report), Path(folder) if folder else BUILTIN)
    print("\n".join(table(rows)))
    if args.notes:
        for row in rows:
            for note in row.notes:
                print(f"{row.label}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
