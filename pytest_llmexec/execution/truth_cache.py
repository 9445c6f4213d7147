"""The ground-truth cache: outcomes of executed calls, kept in one SQLite file.

A rerun of an unchanged suite executes nothing: every outcome is stored under a
hash of everything that can change it (the code, the entry, the arguments, the
scored argument, tracing and its steps, the timeout, the Python version and
the executor's version). The file lives beside the reply cache
(``.llmexec/truth.sqlite`` under the rootdir by default) and is shared by
xdist workers: SQLite's write-ahead log lets them read and write at once, and a
busy writer waits instead of failing.

Harness errors are never stored (they say nothing about the snippet). Nor
are timeouts: on a loaded machine a slow case may time out once and not the
next time, and a stored timeout would turn that accident into the truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .api import HARNESS, TIMEOUT, Call, Executor, Outcome

FILE_NAME = "truth.sqlite"
#: the step tracer's source: an edit to it must not be answered with stored IIP states
TRACER_DIGEST = hashlib.sha256(Path(__file__).with_name("tracer.py").read_bytes()).hexdigest()[:16]
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS truths (
    key TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    created REAL NOT NULL
);
"""


def truth_key(call: Call, executor_version: str) -> str:
    """A hash of everything that shapes the outcome of *call*."""
    blob = json.dumps(
        {
            "v": SCHEMA_VERSION,
            "code": call.code,
            "entry": call.entry,
            "args": call.args,
            "score": call.score,
            "trace": call.trace,
            "steps": [list(s) for s in call.steps] if call.steps else None,
            "tracer": TRACER_DIGEST if call.trace else None,  # what "state after a step" means
            "timeout": call.timeout,
            "python": sys.version.split()[0],
            "executor": executor_version,
            **call.options(),  # absent when default: older cache entries stay valid
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class TruthCache:
    """Outcomes by `truth_key`; safe for several processes and threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(path), timeout=60, check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA busy_timeout = 60000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)

    def get(self, key: str) -> Outcome | None:
        with self._lock:
            row = self._db.execute("SELECT outcome FROM truths WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return Outcome.from_json(json.loads(row[0]))
        except (ValueError, KeyError, TypeError):  # written by an incompatible version
            return None

    def put(self, key: str, outcome: Outcome) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO truths (key, outcome, created) VALUES (?, ?, ?)",
                (key, json.dumps(outcome.to_json()), time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM truths").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachedExecutor:
    """An executor that asks the cache first; *refresh* re-executes and overwrites."""

    def __init__(self, executor: Executor, cache: TruthCache, *, refresh: bool = False) -> None:
        self.executor = executor
        self.cache = cache
        self.refresh = refresh
        self.version = str(getattr(executor, "version", type(executor).__name__))
        self.hits = 0
        self.misses = 0

    @property
    def layers(self) -> tuple[str, ...]:
        return self.executor.layers

    def __getattr__(self, name: str) -> Any:  # name, reason: for the report header
        return getattr(self.executor, name)

    def run(self, call: Call) -> Outcome:
        key = truth_key(call, self.version)
        if not self.refresh:
            try:
                stored = self.cache.get(key)
            except sqlite3.Error:  # the cache only saves time: never fail a test for it
                stored = None
            if stored is not None:
                self.hits += 1
                return stored
        self.misses += 1
        outcome = self.executor.run(call)
        if outcome.status not in (HARNESS, TIMEOUT):
            with contextlib.suppress(sqlite3.Error):
                self.cache.put(key, outcome)
        return outcome

    def close(self) -> None:
        try:
            self.executor.close()
        finally:
            self.cache.close()


def with_truth_cache(executor: Executor, mode: str, directory: Path) -> Executor:
    """*executor* behind the truth cache, following ``--llm-cache`` (``off``: no cache)."""
    if mode == "off":
        return executor
    try:
        cache = TruthCache(directory / FILE_NAME)
    except (OSError, sqlite3.Error):  # e.g. a read-only checkout: run, just without the cache
        return executor
    return CachedExecutor(executor, cache, refresh=mode == "refresh")
