"""Under pytest-xdist, every worker knows its tests before they run, so it can prefetch.

xdist's default ``load`` scheduler hands tests out in chunks as workers
finish, so a worker cannot know which tests it will run and cannot start
their model requests early: a run would take N x latency / workers instead
of N x latency / (workers x concurrency). So for a run with ``--llm-model``
and the default ``--dist load`` this module installs `ShareScheduling`:

- test *i* of the collection (identical on every worker, as xdist checks)
  goes to worker ``gw{i % n}``: each worker's share is fixed at collection
  time, and is sent to it in one message;
- the controller tells each worker, through ``workerinput``, that shares are
  in force; the worker then starts the conversations of its share before
  running its first test (`worker_share`), exactly as a plain run does for
  all of them;
- if a worker dies, its unfinished tests go back to the pending list and are
  handed to a replacement worker (xdist's own recovery); they are then
  simply not prefetched.

Round robin rather than contiguous blocks keeps the shares balanced when
test durations grow along the collection (e.g. a slow model listed last).
Any other ``--dist`` mode is left alone (its workers do not prefetch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

SHARE_KEY = "llmexec_share"


def wanted(config: pytest.Config, active: bool) -> bool:
    """Whether this controller should distribute by fixed shares.

    *active*: whether the run has models to ask (the plugin knows; this module
    does not reach back into it).
    """
    return active and config.getvalue("dist") == "load"


def worker_index(node_id: str) -> int | None:
    """``gw3`` -> 3."""
    return int(node_id[2:]) if node_id.startswith("gw") and node_id[2:].isdigit() else None


def share_of(index: int, count: int, total: int) -> list[int]:
    """The collection indices worker *index* of *count* runs."""
    return list(range(index, total, count))


def worker_share(config: pytest.Config, items: Sequence[Any]) -> list[Any]:
    """On a worker: the items it will run, if the controller distributes by shares."""
    workerinput = getattr(config, "workerinput", None)
    if not workerinput or not workerinput.get(SHARE_KEY):
        return []
    index = worker_index(str(workerinput.get("workerid", "")))
    count = int(workerinput.get("workercount") or 0)
    if index is None or not 0 <= index < count:
        return []  # a replacement worker: its tests are not known in advance
    return [items[i] for i in share_of(index, count, len(items))]


try:
    from xdist.scheduler import LoadScheduling  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - xdist not installed
    LoadScheduling = None


if LoadScheduling is not None:

    class ShareScheduling(LoadScheduling):  # type: ignore[misc]
        """xdist's load scheduling, but the first distribution is by fixed round-robin shares."""

        def schedule(self) -> None:
            collection: list[str] | None = getattr(self, "collection", None)
            by_index = {worker_index(node.gateway.id): node for node in self.nodes}
            count: int = self.numnodes
            if (
                collection is not None
                or not self.collection_is_completed
                or sorted(k for k in by_index if k is not None) != list(range(count))
            ):
                super().schedule()  # later calls, or unexpected node ids: plain load scheduling
                return
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            collection = list(next(iter(self.node2collection.values())))
            self.collection = collection
            total = len(collection)
            for index in range(count):
                node = by_index[index]
                share = share_of(index, count, total)
                if share:
                    self.node2pending[node].extend(share)
                    node.send_runtest_some(share)
            self.pending[:] = []
            for node in self.nodes:
                node.shutdown()


class SharingHooks:
    """Controller hooks, registered only when xdist is present."""

    def __init__(self, active: bool) -> None:
        self.active = active

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if wanted(node.config, self.active):
            node.workerinput[SHARE_KEY] = True

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if LoadScheduling is not None and wanted(config, self.active):
            return ShareScheduling(config, log)
        return None
