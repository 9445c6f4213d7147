"""The gate's text in the terminal summary: the paired comparison, the flips, the decision.

The decision itself is made in `pytest_llmexec.gate.decide`; this only shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..gate.baseline import Baseline, Key, UpdatePlan
from ..gate.decide import Flip, GateResult, Stratum, regression

SHOWN = 20  # cases listed per kind in the terminal; the JSON report has them all


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _points(value: float) -> str:
    return f"{100 * value:+.1f}"


def _p(value: float) -> str:
    return f"{value:.3f}" if value >= 0.001 else f"{value:.1e}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]


def _stratum_rows(strata: Sequence[Stratum], gate: GateResult | None) -> list[list[str]]:
    rows = []
    for s in strata:
        row = [
            s.name,
            str(s.n),
            _pct(s.before),
            _pct(s.now),
            _points(s.delta),
            f"[{_points(s.interval[0])}, {_points(s.interval[1])}]",
            str(s.right_to_wrong),
            str(s.wrong_to_right),
            _p(s.p),
            _p(s.p_holm),
            str(s.unstable),
        ]
        if gate is not None:
            row.append("REGRESSION" if regression(s, gate.tolerance, gate.alpha) else "ok")
        rows.append(row)
    return rows


def _keys(title: str, keys: Sequence[Key]) -> list[str]:
    if not keys:
        return []
    lines = ["", f"{title} ({len(keys)}):"]
    lines += [f"  {k[0]}" for k in keys[:SHOWN]]
    if len(keys) > SHOWN:
        lines.append(f"  ... and {len(keys) - SHOWN} more (see --llm-report)")
    return lines


def _flips(title: str, flips: Sequence[Flip]) -> list[str]:
    if not flips:
        return []
    lines = ["", f"{title} ({len(flips)}):"]
    lines += [f"  {f.line()}" for f in flips[:SHOWN]]
    if len(flips) > SHOWN:
        lines.append(f"  ... and {len(flips) - SHOWN} more (see --llm-report)")
    return lines


def render(result: GateResult, baseline: Baseline | None) -> list[str]:
    """The gate's section of the terminal summary."""
    lines: list[str] = []
    level = f"{100 * (1 - result.alpha):g}% CI"
    comparison = result.comparison
    if comparison is not None and baseline is not None:
        written = f", written {baseline.written}" if baseline.written else ""
        lines.append(
            f"baseline {result.baseline_path} ({len(baseline.cases)} cases{written}); "
            f"paired {sum(s.n + s.unstable for s in comparison.runs)}, "
            f"added {len(comparison.added)}, removed {len(comparison.removed)}"
            + (
                f", outside this selection {comparison.not_selected}"
                if comparison.not_selected
                else ""
            )
        )
        header = [
            "model/strategy",
            "pairs",
            "before",
            "now",
            "delta",
            level,
            "r->w",
            "w->r",
            "p",
            "p Holm",
            "unstable",
            "gate",
        ]
        lines += _table(header, _stratum_rows(comparison.runs, result))
        if len(comparison.categories) > len(comparison.runs):
            lines += ["", "by category (Holm across all model/strategy x category strata)"]
            lines += [
                "  " + line
                for line in _table(
                    ["model/strategy category", *header[1:-1]],
                    _stratum_rows(comparison.categories, None),
                )
            ]
        if comparison.languages:
            lines += ["", "by language (Holm across all model/strategy x language strata; gated)"]
            lines += [
                "  " + line
                for line in _table(
                    ["model/strategy in language", *header[1:]],
                    _stratum_rows(comparison.languages, result),
                )
            ]
        sampled = [(s, s.samples_json()) for s in comparison.runs]
        if any(data for _, data in sampled):
            lines += ["", "samples: pass^k (all k samples right) and flip rate between samples"]
            rows = []
            for s, data in sampled:
                if data:
                    rows.append(
                        [
                            s.name,
                            *(
                                _pct(data[side]["pass_all_k"]) if data[side]["cases"] else "-"
                                for side in ("before", "now")
                            ),
                            *(
                                _pct(data[side]["sample_flip_rate"]) if data[side]["cases"] else "-"
                                for side in ("before", "now")
                            ),
                        ]
                    )
            lines += [
                "  " + line
                for line in _table(
                    ["model/strategy", "pass^k before", "now", "flip rate before", "now"], rows
                )
            ]
        lines += _flips("right -> wrong", comparison.right_to_wrong)
        lines += _flips("wrong -> right", comparison.wrong_to_right)
        lines += _keys("unstable: samples disagree, not counted as flips", comparison.unstable)
        lines += _keys("added since the baseline, not compared", comparison.added)
        lines += _keys("removed since the baseline", comparison.removed)
        errors = sum(s.errors for s in comparison.runs)
        if errors:
            lines += [
                "",
                f"{errors} paired case(s) ended in error in this run; they count as not correct",
            ]
        if comparison.changes:
            lines += ["", "what changed:", *(f"  {c}" for c in comparison.changes)]
        else:
            lines += ["", "what changed: no template hash or reported model id since the baseline"]
    if result.fail_under is not None:
        lines += [
            "",
            f"accuracy floor {result.fail_under:g}%: "
            + ", ".join(
                f"{run} {_pct(c / n) if n else '-'}" for run, (c, n) in result.accuracy.items()
            ),
        ]
    lines += ["", *result.notes] if result.notes else []
    if result.update is not None and result.update.refused is None:
        lines += ["", *update_lines(result.update, result.baseline_path)]
    if result.passed and result.update is not None:
        pass  # the update's own line says what was written
    elif result.passed:
        lines += [
            "",
            "gate PASSED: no significant regression"
            + (" and no accuracy below the floor" if result.fail_under is not None else ""),
        ]
    else:
        lines += ["", "gate FAILED:", *(f"  {f}" for f in result.failures)]
    if (
        result.accept
        and comparison is not None
        and (
            comparison.right_to_wrong
            or comparison.wrong_to_right
            or comparison.added
            or comparison.removed
            or comparison.changes
        )
    ):
        lines += [
            "",
            "to accept these results as the new baseline (outside CI), run:",
            f"  {result.accept}",
        ]
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def update_lines(plan: UpdatePlan, path: str | None) -> list[str]:
    """What a written update did (a refusal is one of the gate's failures)."""
    lines = [
        f"baseline {path} written: {len(plan.added)} added, {len(plan.changed)} changed"
        + (f", {plan.kept} kept from cases this run did not cover" if plan.kept else "")
        + (f", {len(plan.dropped)} dropped (removed from the suite)" if plan.dropped else "")
        + (" (merged: partial selection)" if plan.merged else "")
    ]
    lines += [f"  dropped {k[0]}" for k in plan.dropped[:SHOWN]]
    return lines
