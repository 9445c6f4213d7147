"""The durable record of batches: two tables in the reply cache's SQLite file.

Every step of a submission is written (and committed) before the next step
talks to the provider, so that a run interrupted anywhere leaves a record the
next run can finish from:

1. ``intent``: the batch's tag (ours, a UUID) and every request in it;
2. ``uploaded``: the provider's id of the uploaded input file (OpenAI);
3. ``submitted``: the provider's batch id;
4. ``collected``: every reply stored in the cache, the failures freed for a new batch.

A request (its ``custom_id`` is its cache key) is *in flight* while a batch
holding it is neither collected nor abandoned; an in-flight request is never
put in another batch, and a request whose reply is cached is never asked again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cache import DB_NAME, CacheError, canonical

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    tag TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    state TEXT NOT NULL,
    file_id TEXT,
    batch_id TEXT,
    status TEXT,
    size INTEGER NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS batch_requests (
    tag TEXT NOT NULL,
    line INTEGER NOT NULL,
    custom_id TEXT NOT NULL,
    sample INTEGER NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (tag, custom_id)
);
CREATE INDEX IF NOT EXISTS batch_requests_id ON batch_requests(custom_id);
"""

#: batch states in which its requests are still owed an answer
OPEN_STATES = ("intent", "uploaded", "submitted")


@dataclass(frozen=True)
class Line:
    """One request of a batch: its custom id (the cache key), sample and body."""

    custom_id: str
    sample: int
    body: dict[str, Any]


@dataclass
class BatchRecord:
    tag: str
    provider: str
    model: str
    endpoint: str
    state: str
    file_id: str | None
    batch_id: str | None
    status: str | None
    size: int
    created: float
    detail: str | None = None

    @property
    def label(self) -> str:
        """How the batch is named to the user: the provider's id, or our tag before it has one."""
        return self.batch_id or f"llmexec-{self.tag} (not yet created)"


class BatchStore:
    """Batches and their requests in ``<cache dir>/replies.sqlite3``."""

    def __init__(self, directory: Path, *, timeout: float = 60.0) -> None:
        self.path = directory / DB_NAME
        self._lock = threading.Lock()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=timeout, check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a recorded batch id survives a crash
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot open the batch records in {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    # ------------------------------------------------------------------ writing
    def record_intent(self, provider: str, model: str, endpoint: str, lines: list[Line]) -> str:
        """Step 1: a new batch and its requests, in one transaction; returns its tag."""
        tag = uuid.uuid4().hex
        now = time.time()
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO batches VALUES (?, ?, ?, ?, 'intent', NULL, NULL, NULL, ?, ?, ?, "
                    "NULL)",
                    (tag, provider, model, endpoint, len(lines), now, now),
                )
                db.executemany(
                    "INSERT INTO batch_requests VALUES (?, ?, ?, ?, ?, 'waiting', NULL)",
                    [
                        (tag, number, line.custom_id, line.sample, canonical(line.body))
                        for number, line in enumerate(lines, 1)
                    ],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return tag

    def update(self, tag: str, **fields: Any) -> None:
        """Change a batch's state, file id, batch id, status or detail (committed at once)."""
        allowed = {"state", "file_id", "batch_id", "status", "detail"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown batch fields {sorted(unknown)}")
        names = sorted(fields)
        sets = ", ".join(f"{name} = ?" for name in names)
        self._run(
            f"UPDATE batches SET {sets}, updated = ? WHERE tag = ?",
            [*(fields[n] for n in names), time.time(), tag],
        )

    def finish_request(self, tag: str, custom_id: str, state: str, detail: str | None) -> None:
        """A request's outcome: ``done`` (reply cached), ``failed`` (to send again), ``invalid``."""
        self._run(
            "UPDATE batch_requests SET state = ?, detail = ? WHERE tag = ? AND custom_id = ?",
            (state, detail, tag, custom_id),
        )

    def close_batch(self, tag: str, state: str, detail: str | None = None) -> None:
        """The batch is over: requests still ``waiting`` in it are freed (``failed``)."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "UPDATE batch_requests SET state = 'failed', "
                    "detail = COALESCE(detail, 'no result') WHERE tag = ? AND state = 'waiting'",
                    (tag,),
                )
                db.execute(
                    "UPDATE batches SET state = ?, detail = COALESCE(?, detail), updated = ? "
                    "WHERE tag = ?",
                    (state, detail, time.time(), tag),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------------ reading
    def open_batches(self, provider: str, endpoint: str, model: str) -> list[BatchRecord]:
        """Batches of one model at one server that still owe answers, oldest first."""
        rows = self._run(
            "SELECT tag, provider, model, endpoint, state, file_id, batch_id, status, size, "
            "created, detail FROM batches WHERE provider = ? AND endpoint = ? AND model = ? "
            f"AND state IN ({', '.join('?' for _ in OPEN_STATES)}) ORDER BY created",
            (provider, endpoint, model, *OPEN_STATES),
        )
        return [BatchRecord(*row) for row in rows]

    def known_batch_ids(self, provider: str, endpoint: str) -> set[str]:
        rows = self._run(
            "SELECT batch_id FROM batches WHERE provider = ? AND endpoint = ? AND batch_id "
            "IS NOT NULL",
            (provider, endpoint),
        )
        return {str(row[0]) for row in rows}

    def lines(self, tag: str) -> list[Line]:
        """A batch's requests in the order of its input (line 1 first)."""
        rows = self._run(
            "SELECT custom_id, sample, request FROM batch_requests WHERE tag = ? ORDER BY line",
            (tag,),
        )
        return [Line(row[0], int(row[1]), json.loads(row[2])) for row in rows]

    def in_flight(self, provider: str, endpoint: str, model: str) -> dict[str, BatchRecord]:
        """custom id -> the open batch that holds it."""
        batches = {b.tag: b for b in self.open_batches(provider, endpoint, model)}
        if not batches:
            return {}
        rows = self._run(
            "SELECT custom_id, tag FROM batch_requests WHERE state = 'waiting' AND tag IN "
            f"({', '.join('?' for _ in batches)})",
            batches,
        )
        return {str(custom_id): batches[tag] for custom_id, tag in rows}

    def invalid_all(self) -> dict[str, str]:
        """custom id -> why the provider refused it at validation (never sent again as is)."""
        rows = self._run("SELECT custom_id, detail FROM batch_requests WHERE state = 'invalid'")
        return {str(custom_id): str(detail) for custom_id, detail in rows}

    def all_batches(self) -> list[BatchRecord]:
        rows = self._run(
            "SELECT tag, provider, model, endpoint, state, file_id, batch_id, status, size, "
            "created, detail FROM batches ORDER BY created"
        )
        return [BatchRecord(*row) for row in rows]
