"""The accuracy-by-language section: every case, then the same problems in every language."""

from __future__ import annotations

from .. import svg
from ..by_language import languages, same_problems
from ..group import Group, breakdown
from ..records import language
from ..svg import PERCENT, esc
from .markup import DASH, ci_text, figure, group_point, table
from .page import Page


def _cell(group: Group | None) -> str:
    if group is None:
        return DASH
    return f"{group.correct}/{group.n} ({100 * group.accuracy:.1f}%, CI {ci_text(group)})"


def section(page: Page) -> str:
    """Empty unless the run holds more than one language (a Python run looks as before)."""
    names = languages(page.scored)
    if len(names) < 2:
        return ""
    table_ = breakdown(page.scored, language)
    values = {
        (name, run): group_point(f"{name} · {run}", table_[name][run])
        for name in names
        for run in page.runs
        if run in table_[name]
    }
    chart = svg.bar_chart(
        "accuracy by language",
        names,
        page.runs,
        values,
        scale=PERCENT,
        y_label="accuracy",
        colors=page.colors,
    )
    out = figure(chart, "accuracy by language, every case (whiskers: 95% Wilson interval)")
    shared = same_problems(page.scored)
    assert shared is not None  # two languages or more
    runs = [r for r in page.runs if r in shared.runs and shared.runs[r].problems]
    held = ", ".join(shared.languages)
    if not runs:
        return out + (
            f'<p class="note">No problem (snippet id and declared input) is held in every '
            f"language ({esc(held)}): the languages above are measured on different "
            "problems.</p>"
        )
    same = {
        (name, run): group_point(f"{name} · {run} (same problems)", group)
        for run in runs
        for name, group in shared.runs[run].groups.items()
    }
    out += figure(
        svg.bar_chart(
            "accuracy by language on the same problems",
            shared.languages,
            runs,
            same,
            scale=PERCENT,
            y_label="accuracy",
            colors=page.colors,
        ),
        f"each run restricted to the problems it holds in every language ({held})",
    )
    rows = [["problems", *(str(shared.runs[r].problems) for r in runs)]]
    rows += [
        [esc(name), *(_cell(shared.runs[r].groups.get(name)) for r in runs)]
        for name in shared.languages
    ]
    out += table(["same problems", *map(esc, runs)], rows)
    ambiguous = sum(s.ambiguous for s in shared.runs.values())
    if ambiguous:
        out += (
            f'<p class="note">{ambiguous} problem(s) left out: one language holds the same '
            "snippet id and input twice in a run.</p>"
        )
    return out
