"""The gate's one decision: a run's records against the baseline and the floor, and the
exit status that follows.

Made at the end of a pytest session (`plugin.gate`) and by ``pytest-llmexec gate``
on a (merged) JSON report (`cli.gate`), by the same code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

from ..report import json_report
from ..report.records import CaseRecord
from . import decide as gate_mod
from .baseline import Baseline, BaselineError, Selection, ci_is_set, plan_update
from .settings import GateSettings


def judge(
    records: Sequence[CaseRecord],
    settings: GateSettings,
    selection: Selection,
    *,
    shown_baseline: str | None,
    accept_command: str,
    update_command: str,
    collect_errors: int,
) -> tuple[gate_mod.GateResult, Baseline | None]:
    """The gate's decision on a run's records (and the baseline written when updating).

    The one place it is decided: at the end of a pytest session, and by
    ``pytest-llmexec gate`` on a (merged) JSON report. *collect_errors* (the
    report's ``session`` count) block an update: their cases would look removed.
    """
    comparison = None
    notes: list[str] = []
    problem = None
    baseline = None
    if settings.baseline is not None and (settings.baseline.exists() or not settings.update):
        try:
            baseline = Baseline.load(settings.baseline)
        except BaselineError as exc:
            problem = str(exc)
    if baseline is not None:
        comparison = gate_mod.compare(baseline, records, selection, settings.alpha)
    result = gate_mod.decide(
        records,
        None if settings.update else comparison,
        tolerance=settings.tolerance,
        alpha=settings.alpha,
        fail_under=settings.fail_under,
    )
    result.comparison = comparison
    result.baseline_path = shown_baseline
    if settings.update and problem is None:
        assert settings.baseline is not None
        plan = plan_update(
            baseline,
            records,
            selection,
            ci=ci_is_set(os.environ),
            force=settings.force,
            blockers=[
                f"{collect_errors} collection error(s): their cases would look removed; "
                "fix them first"
            ]
            if collect_errors
            else [],
            command=update_command,
        )
        if plan.refused is None and plan.baseline is not None:
            json_report.write_atomic(settings.baseline, plan.baseline.to_json())
        result.update = plan
        if plan.refused is not None:
            result.failures.append(f"baseline NOT updated: {plan.refused}")
    elif problem is not None:
        result.failures.append(problem if settings.update else f"no comparison: {problem}")
    elif not settings.update:
        result.accept = accept_command
    if selection.partial and comparison is not None and not settings.update:
        notes.append(
            f"partial selection ({', '.join(selection.filters)}): compared on the cases that ran"
        )
    result.notes = notes
    return result, baseline


def exit_status(result: gate_mod.GateResult, exitstatus: int, other_problems: int) -> int:
    """The run's exit status under the gate: the gate's verdict replaces failed predictions.

    *exitstatus* is pytest's own; *other_problems* counts the failures that are not
    a model's verdict (a broken test, a collection error), which keep a run failed.
    """
    if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return exitstatus  # interrupted, internal or usage error, no tests: never masked
    if not result.passed:
        return pytest.ExitCode.TESTS_FAILED
    if exitstatus == pytest.ExitCode.TESTS_FAILED and not other_problems:
        return pytest.ExitCode.OK
    return exitstatus
