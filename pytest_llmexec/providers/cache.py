"""The response cache: one SQLite file (WAL) of model replies, shared by xdist workers.

Every reply is committed as soon as it arrives, so an interrupted run resumes
from what it had paid for. The key is a hash of everything that shapes a
request (see `request_key`); the row keeps the request too, so an export is
self-describing. SQLite's write-ahead log lets several pytest processes read
and write at once; a busy writer waits (``timeout``) instead of failing.

The same file holds the spending ledger of ``--llm-budget``, so that xdist
workers share one budget.

Command line, to share a cache as JSONL (one reply per line)::

    python -m pytest_llmexec.cache export replies.jsonl [--cache-dir .llmexec]
    python -m pytest_llmexec.cache import replies.jsonl [--cache-dir .llmexec]
    python -m pytest_llmexec.cache stats [--cache-dir .llmexec]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DB_NAME = "replies.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    sample INTEGER NOT NULL,
    request TEXT NOT NULL,
    reply TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS spend (
    run TEXT NOT NULL,
    amount REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_run ON spend(run);
"""


def canonical(data: Any) -> str:
    """JSON with sorted keys and no whitespace: the same request always hashes the same."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(
    provider: str, model: str, base_url: str, request: dict[str, Any], sample: int
) -> str:
    """A hash of the provider, model, base URL, the complete request body and the sample.

    The request body holds the messages (hence the strategy's template text) and
    every parameter (temperature, token limits, seed, reasoning effort, thinking).
    """
    blob = canonical(
        {
            "v": SCHEMA_VERSION,
            "provider": provider,
            "model": model,
            "base_url": base_url.rstrip("/"),
            "request": request,
            "sample": sample,
        }
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class Entry:
    key: str
    provider: str
    model: str
    sample: int
    request: dict[str, Any]
    reply: dict[str, Any]  # text, usage, model_id, latency, finish_reason

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "provider": self.provider,
            "model": self.model,
            "sample": self.sample,
            "request": self.request,
            "reply": self.reply,
        }


class CacheError(Exception):
    """A cache file or an import file that cannot be used; the message says which and why."""


def _row(entry: Entry) -> tuple[object, ...]:
    """The ``replies`` table's columns for an entry, stored when it is written."""
    return (
        entry.key,
        entry.provider,
        entry.model,
        entry.sample,
        canonical(entry.request),
        canonical(entry.reply),
        time.time(),
    )


class ResponseCache:
    """Replies by key in ``<dir>/replies.sqlite3``; safe to use from one thread at a time
    per instance (a lock serialises), and from many processes at once (WAL)."""

    def __init__(self, directory: Path, *, timeout: float = 60.0) -> None:
        self.directory = directory
        self.path = directory / DB_NAME
        self._timeout = timeout
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                ignore = self.directory / ".gitignore"
                if not ignore.exists():
                    ignore.write_text(
                        "# created by pytest-llmexec; share replies with "
                        "'python -m pytest_llmexec.cache export'\n*\n",
                        encoding="utf-8",
                    )
                db = sqlite3.connect(
                    self.path,
                    timeout=self._timeout,
                    check_same_thread=False,
                    isolation_level=None,
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                raise CacheError(f"cannot open the reply cache {self.path}: {exc}") from None
            self._db = db
        return self._db

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn().execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, entry: Entry) -> None:
        """Store (or replace) a reply; committed at once, so a crash loses nothing stored."""
        with self._lock:
            self._conn().execute(
                "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?)", _row(entry)
            )

    def entries(self) -> Iterator[Entry]:
        with self._lock:
            rows = (
                self._conn()
                .execute(
                    "SELECT key, provider, model, sample, request, reply FROM replies ORDER BY key"
                )
                .fetchall()
            )
        for key, provider, model, sample, request, reply in rows:
            yield Entry(key, provider, model, sample, json.loads(request), json.loads(reply))

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn().execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    # ------------------------------------------------------------------ budget ledger
    def add_spend(self, run: str, amount: float) -> None:
        with self._lock:
            self._conn().execute("INSERT INTO spend VALUES (?, ?)", (run, amount))

    def total_spend(self, run: str) -> float:
        with self._lock:
            row = (
                self._conn()
                .execute("SELECT COALESCE(SUM(amount), 0) FROM spend WHERE run = ?", (run,))
                .fetchone()
            )
        return float(row[0])

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # ------------------------------------------------------------------ JSONL
    def export_jsonl(self, path: Path) -> int:
        count = 0
        with path.open("w", encoding="utf-8") as out:
            for entry in self.entries():
                out.write(canonical(entry.to_json()) + "\n")
                count += 1
        return count

    def import_jsonl(self, path: Path) -> tuple[int, int]:
        """Add the replies of an export; existing keys are kept. Returns (added, kept)."""
        entries = list(read_jsonl(path))
        added = 0
        with self._lock:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            try:
                for entry in entries:
                    cursor = db.execute(
                        "INSERT OR IGNORE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?)", _row(entry)
                    )
                    added += cursor.rowcount
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return added, len(entries) - added


def read_jsonl(path: Path) -> Iterator[Entry]:
    """Entries of an export file; a bad line is a `CacheError` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CacheError(f"cannot read {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CacheError(f"{where}: invalid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise CacheError(f"{where}: expected an object per line")
        missing = [
            k for k in ("key", "provider", "model", "sample", "request", "reply") if k not in data
        ]
        if missing:
            raise CacheError(f"{where}: missing field(s) {missing}")
        reply = data["reply"]
        if not isinstance(reply, dict) or not isinstance(reply.get("text"), str):
            raise CacheError(f"{where}: 'reply' must be an object with a string 'text'")
        if not isinstance(data["key"], str) or len(data["key"]) != 64:
            raise CacheError(f"{where}: 'key' must be a 64-character hash")
        yield Entry(
            data["key"],
            str(data["provider"]),
            str(data["model"]),
            int(data["sample"]),
            data["request"],
            reply,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_llmexec.cache",
        description="Export, import or count the replies in a pytest-llmexec cache.",
    )
    parser.add_argument("command", choices=("export", "import", "stats"))
    parser.add_argument("file", nargs="?", type=Path, help="the JSONL file (export/import)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".llmexec"),
        help="the cache directory (default: .llmexec)",
    )
    args = parser.parse_args(argv)
    if args.command != "stats" and args.file is None:
        parser.error(f"{args.command} needs a FILE")
    if args.command != "import" and not (args.cache_dir / DB_NAME).exists():
        print(f"no cache at {args.cache_dir / DB_NAME}", file=sys.stderr)
        return 2
    cache = ResponseCache(args.cache_dir)
    try:
        if args.command == "export":
            count = cache.export_jsonl(args.file)
            print(f"exported {count} replies to {args.file}")
        elif args.command == "import":
            added, kept = cache.import_jsonl(args.file)
            print(f"imported {added} replies into {cache.path} ({kept} already there)")
        else:
            print(f"{len(cache)} replies in {cache.path}")
    except CacheError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        cache.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
