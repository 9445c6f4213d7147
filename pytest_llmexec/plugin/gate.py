"""pytest hooks of the regression gate (gate/decide.py) and the baseline (gate/baseline.py).

The controller sees every worker's reports, so it alone compares, writes the
baseline and sets the exit status, once, after all tests have reported. What
ran, what was deselected and what else failed are counted once, by the run's
`ShardTracker` (``state.tracker``, which also learns the xdist workers' counts):
the gate reads them, and `gate.baseline.narrowed_by` turns them into the run's
filters, as ``pytest-llmexec gate`` does with the same counts in the report.
With a gate configured the exit status is the gate's: failed predictions still
show as failed tests, but only a regression (or an accuracy below the floor)
makes the run fail. Anything else that went wrong
(a failing non-llmexec test, a collection error, an interruption, an
internal error) keeps pytest's own exit status.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..gate import decide as gate_mod
from ..gate.baseline import Baseline, Selection, narrowed_by
from ..gate.judge import exit_status, judge
from ..gate.settings import GateSettings
from ..report.gate import render
from ..report.records import language
from ..sharding.run import explicit_filters, run_paths
from ..tasks import DEFAULT as DEFAULT_TASK

if TYPE_CHECKING:
    from .state import LLMExec


class GatePlugin:
    """Compares with or updates the baseline at the end of the session, from the run's counts."""

    def __init__(self, config: pytest.Config, settings: GateSettings, state: LLMExec) -> None:
        self.config = config
        self.settings = settings
        self.state = state
        self.baseline: Baseline | None = None
        self.result: gate_mod.GateResult | None = None

    def pytest_report_header(self) -> str | None:
        return self.settings.header() if self.state.settings.active else None

    # ------------------------------------------------------------------ decision

    def selection(self) -> Selection:
        """The paths, models, strategies and languages of this run, and whatever narrowed it."""
        config = self.config
        counts = self.state.tracker
        filters = narrowed_by(
            explicit_filters(config),
            shard=counts.shard.label if counts.shard is not None else None,
            deselected=counts.deselected,
            unfinished=len(counts.selected - counts.finished),
        )
        s = self.state.settings
        labels = tuple(
            strategy if task == DEFAULT_TASK else f"{strategy}/{task}"
            for strategy, task in s.runs()
        )
        # the languages its cases hold: --llm-language narrows them, and a language the
        # collected files do not hold has no case here to replace its baseline entries
        held = tuple(sorted({language(r) for r in self.state.records}))
        return Selection(run_paths(config), s.models, labels, filters, held)

    def accept_command(self) -> str:
        args = [
            a
            for a in self.config.invocation_params.args
            if not str(a).startswith("--llm-update-baseline")
        ]
        return shlex.join(["pytest", *map(str, args), "--llm-update-baseline"])

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        records = self.state.records
        if self.state.is_worker or not records or self.config.option.collectonly:
            return
        # records come only from llmexec items, which only a run with a model collects:
        # then the tracker is registered (plugin/__init__.py) and its counts are this run's
        counts = self.state.tracker
        result, self.baseline = judge(
            records,
            self.settings,
            self.selection(),
            shown_baseline=(
                _shown_path(self.settings.baseline, self.config)
                if self.settings.baseline is not None
                else None
            ),
            accept_command=self.accept_command(),
            update_command=shlex.join(["pytest", *map(str, self.config.invocation_params.args)]),
            collect_errors=counts.collect_errors,
        )
        self.result = result
        self.state.gate = result.to_json()
        status = exit_status(result, exitstatus, counts.other_failures + counts.collect_errors)
        if status != exitstatus:
            session.exitstatus = status

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.result is None:
            return
        terminalreporter.section("llmexec gate")
        for line in render(self.result, self.baseline):
            terminalreporter.write_line(line)


def _shown_path(path: Path, config: pytest.Config) -> str:
    try:
        return str(path.relative_to(Path(config.invocation_params.dir)))
    except ValueError:
        return str(path)
