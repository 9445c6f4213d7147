"""pytest hooks of a sharded run, and the run's counts: the report's ``session`` and the gate's.

The shard is applied where pytest deselects (``-k``, ``-m``): after the other
filters, so ``collected`` is what the whole run would hold. Under xdist each
worker collects and deselects alike (xdist checks that they agree), so the
tests of a shard do not depend on ``-n``; the controller learns the counts from
the workers. The counts have this one home: the regression gate (plugin/gate.py)
reads them rather than counting again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from ..providers.endpoints import add_counts
from ..report.records import PROPERTY
from .spec import Shard, ShardError, from_environment, parse

COLLECTED = "llmexec_collected"  # keys in an xdist worker's workeroutput
DESELECTED = "llmexec_deselected"
ENDPOINTS = "llmexec_endpoints"


def shard_from(config: pytest.Config, raw: str | None) -> Shard | None:
    """``--llm-shard`` or its ini twin, else an array engine's environment; a usage error."""
    try:
        if raw is not None and str(raw).strip():
            given_on_line = config.getoption("llm_shard", None) is not None
            return parse(str(raw), "--llm-shard" if given_on_line else "llm_shard (ini)")
        return from_environment(os.environ)
    except ShardError as exc:
        raise pytest.UsageError(str(exc)) from None


def _is_verdict(report: pytest.TestReport) -> bool:
    """Whether a model's verdict (wrong, unparseable, error) decided this report, not a broken test.

    Only the call phase: pytest copies an item's user properties onto every phase's
    report, so a failing teardown after a verdict carries the property too, and is
    a broken test.
    """
    return report.when == "call" and any(name == PROPERTY for name, _ in report.user_properties)


class ShardTracker:
    """Applies the shard (if any) and counts what ran, for the report, the merge and the gate."""

    def __init__(self, config: pytest.Config, shard: Shard | None) -> None:
        self.config = config
        self.shard = shard
        self.collected = 0  # tests before the shard was applied
        self.selected: set[str] = set()
        self.finished: set[str] = set()
        #: by -k, -m, --deselect or any plugin, not by the shard: its own are the other
        #: shards' tests (collected - selected). On xdist: one worker's.
        self.deselected = 0
        self.collect_errors = 0
        self.other_failures = 0  # failed reports that are not a model's verdict
        #: requests served per endpoint of a model with several (--llm-base-url=URL1,URL2):
        #: this process's, from the plugin, plus the xdist workers' as they finish
        self.endpoint_counts: Callable[[], dict[str, dict[str, Any]]] = dict
        self.worker_endpoints: dict[str, dict[str, Any]] = {}

    def header(self) -> str | None:
        if self.shard is None:
            return None
        return (
            f"llmexec shard: {self.shard.label} (from {self.shard.source}): the tests whose "
            "id hashes to it; join the shards' reports with pytest-llmexec merge"
        )

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[Any]) -> None:
        self.collected = len(items)
        if self.shard is None:
            return
        kept = [item for item in items if self.shard.owns(item.nodeid)]
        dropped = [item for item in items if not self.shard.owns(item.nodeid)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)  # pytest shows them deselected
            self.deselected -= len(dropped)  # counted by that call (below): not the run's
        items[:] = kept

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected.update(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.selected.update(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {})
        # every worker collects and deselects the same items: take one worker's counts
        self.collected = max(self.collected, int(output.get(COLLECTED, 0)))
        self.deselected = max(self.deselected, int(output.get(DESELECTED, 0)))
        add_counts(self.worker_endpoints, output.get(ENDPOINTS) or {})

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[COLLECTED] = self.collected
            workeroutput[DESELECTED] = self.deselected
            workeroutput[ENDPOINTS] = self.endpoint_counts()
        elif (
            self.shard is not None
            and self.collected
            and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
        ):
            # the run has tests, and none of them hashed to this shard: nothing went wrong
            session.exitstatus = pytest.ExitCode.OK

    def endpoints(self) -> dict[str, dict[str, Any]]:
        """Requests served per endpoint, in this process and its xdist workers."""
        total: dict[str, dict[str, Any]] = {}
        add_counts(total, self.worker_endpoints)
        add_counts(total, self.endpoint_counts())
        return total

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors += 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.finished.add(report.nodeid)
        if report.failed and not _is_verdict(report):
            self.other_failures += 1

    def to_json(self, exitstatus: int) -> dict[str, Any]:
        """The report's ``session``: enough for a merge to tell a finished shard, and for
        ``pytest-llmexec gate`` to tell a partial selection as the session's gate does."""
        return {
            "collected": self.collected,
            "selected": len(self.selected),
            "finished": len(self.finished & self.selected),
            "deselected": self.deselected,
            "collect_errors": self.collect_errors,
            "other_failures": self.other_failures,
            "exitstatus": int(exitstatus),
        }

    def summary_line(self) -> str | None:
        if self.shard is None:
            return None
        return (
            f"llmexec shard {self.shard.label}: {len(self.selected)} of {self.collected} "
            "collected tests"
        )
