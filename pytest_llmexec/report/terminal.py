"""Render the accuracy summary as plain text lines for the terminal."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from . import by_task, re2bench
from .aggregate import (
    DIMENSIONS,
    PASS_AT_K_METHOD,
    Group,
    Record,
    breakdown,
    group_by,
    input_origin,
    run_key,
    scored,
)
from .by_language import multilingual, same_problems
from .complexity import CLASS_ORDER
from .records import language, language_order
from .strategy import cost_table, step_table
from .usage import usage_table


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def run_table(records: Sequence[Record]) -> list[str]:
    runs = group_by(records, run_key)
    passk = sorted({k for g in runs.values() for k in g.pass_at()}, key=lambda s: int(s[5:]))
    tasks = any(r["task"] != "output" for r in records)
    header = [
        "model/strategy/task" if tasks else "model/strategy",
        "n",
        "correct",
        "accuracy",
        "95% CI",
        "unparseable",
        "error",
        "truncated",
        "looped",
        "forced",
        *passk,
    ]
    rows = []
    for key, group in sorted(runs.items()):
        low, high = group.interval
        values = group.pass_at()
        rows.append(
            [
                key,
                str(group.n),
                str(group.correct),
                _pct(group.accuracy),
                f"[{100 * low:.1f}, {100 * high:.1f}]",
                str(group.unparseable),
                str(group.error),
                str(group.truncated),
                str(group.looped),
                str(group.forced),
                *[f"{100 * values[k]:.2f}%" if k in values else "-" for k in passk],
            ]
        )
    lines = _table(header, rows)
    if passk:  # say how, since published pass@k figures are compared with these
        lines.append(f"pass@k: {PASS_AT_K_METHOD}")
    return lines


def dimension_table(records: Sequence[Record], name: str, fn: Callable[[Record], str]) -> list[str]:
    table = breakdown(records, fn)
    runs = sorted({run_key(r) for r in records if scored(r)})
    header = [name, *runs]
    rows = []
    for value in _ordered(name, table):
        cols: dict[str, Group] = table[value]
        rows.append(
            [value]
            + [
                f"{cols[r].correct}/{cols[r].n} {_pct(cols[r].accuracy)}" if r in cols else "-"
                for r in runs
            ]
        )
    return _table(header, rows)


def _ordered(name: str, table: dict[str, dict[str, Group]]) -> list[str]:
    if name == "code length":
        return sorted(table, key=lambda v: int(v.split("-")[0].split("+")[0]))
    if name == "difficulty":
        order = {"easy": 0, "medium": 1, "hard": 2}
        return sorted(table, key=lambda v: (order.get(v, 9), v))
    if name == "complexity":
        return sorted(table, key=lambda v: (CLASS_ORDER.index(v) if v in CLASS_ORDER else 99, v))
    if name == "language":
        return sorted(table, key=language_order)
    return sorted(table)


def language_tables(records: Sequence[Record]) -> list[str]:
    """Accuracy by language, overall and on the same problems; empty for one language."""
    if not multilingual(records):
        return []
    lines = ["", "accuracy by language"]
    lines += ["  " + line for line in dimension_table(records, "language", language)]
    shared = same_problems(records)
    assert shared is not None  # there are two languages or more
    held = ", ".join(shared.languages)
    lines += ["", f"accuracy by language on the same problems (those each run holds in {held})"]
    runs = sorted({run_key(r) for r in records if scored(r)})
    if not any(shared.runs[r].problems for r in runs if r in shared.runs):
        lines.append(
            "  no problem (snippet id and declared input) is held in every language: "
            "the languages above are measured on different problems"
        )
        return lines
    rows = [
        ["problems", *(str(shared.runs[r].problems) if r in shared.runs else "-" for r in runs)]
    ]
    for name in shared.languages:
        cells = []
        for run in runs:
            group = shared.runs[run].groups.get(name) if run in shared.runs else None
            cells.append(f"{group.correct}/{group.n} {_pct(group.accuracy)}" if group else "-")
        rows.append([name, *cells])
    lines += ["  " + line for line in _table(["language", *runs], rows)]
    ambiguous = sum(s.ambiguous for s in shared.runs.values())
    if ambiguous:
        lines.append(
            f"  {ambiguous} problem(s) left out: one language holds the same snippet id and "
            "input twice in a run (two files define it)"
        )
    return lines


def render(records: Sequence[Record]) -> list[str]:
    """The whole summary; empty when there are no records."""
    if not records:
        return []
    lines = run_table(records)
    lines += by_task.lines(records)
    usage = usage_table(records)
    if usage:
        lines += ["", *usage]
    for table in (step_table(records), cost_table(records)):  # report/strategy.py
        if table:
            lines += ["", *table]
    lines += language_tables(records)
    for name, fn in DIMENSIONS.items():
        lines.append("")
        lines.append(f"accuracy by {name}")
        lines.extend("  " + line for line in dimension_table(records, name, fn))
    lines += re2bench.lines(records)
    if any(r["generated"] for r in records):
        lines.append("")
        lines.append("accuracy on declared vs generated inputs")
        lines.extend("  " + line for line in dimension_table(records, "inputs", input_origin))
    errors = [r for r in records if r["verdict"] == "error" and scored(r)]
    if errors:
        lines.append("")
        lines.append(
            f"errors ({len(errors)}): infrastructure or benchmark problems, not model mistakes"
        )
        for record in errors[:10]:
            lines.append(f"  {record['nodeid']}: {record['error'] or ''}"[:200])
        if len(errors) > 10:
            lines.append(f"  ... and {len(errors) - 10} more (see --llm-report)")
    unstable = sorted(
        {r["nodeid"].split("[")[0] + f"[{r['input_id']}]" for r in records if not scored(r)}
    )
    if unstable:
        lines.append("")
        lines.append(
            f"nondeterministic cases ({len(unstable)}): results differ between hash "
            "seeds; skipped, not scored"
        )
        lines.extend(f"  {case}" for case in unstable[:10])
        if len(unstable) > 10:
            lines.append(f"  ... and {len(unstable) - 10} more (see --llm-report)")
    mismatches = sorted({(r["file"], r["snippet"]) for r in records if r["recorded_mismatch"]})
    if mismatches:
        lines.append("")
        lines.append(
            f"WARNING: {len(mismatches)} recorded output(s) differ from real execution "
            "(a dataset problem, scored against real execution):"
        )
        for path, snippet in mismatches[:10]:
            lines.append(f"  {path}::{snippet}")
        if len(mismatches) > 10:
            lines.append(f"  ... and {len(mismatches) - 10} more (see --llm-report)")
    return lines


def input_notes(notes: Collection[str]) -> list[str]:
    """Snippets that got fewer generated inputs than asked for, once each."""
    if not notes:
        return []
    lines = ["", f"generated inputs: {len(notes)} snippet(s) got fewer than asked for:"]
    lines.extend(f"  {note}" for note in sorted(notes))
    return lines
