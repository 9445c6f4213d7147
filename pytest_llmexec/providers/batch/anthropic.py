"""Anthropic's Message Batches: ``messages.batches.create(requests=[{custom_id, params}])``.

``params`` is exactly what `AnthropicModel.request_body` builds for the direct
request. There is no upload step and a batch carries no metadata, so a run
interrupted after ``create`` and before the batch id was recorded finds its
batch again by time and size: the oldest batch created since our intent was
recorded, holding as many requests, that the cache does not know yet. Results
stream as JSONL in no particular order and are matched on ``custom_id``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from .protocol import BatchAPI, Outcome, Status
from .store import BatchRecord, Line

#: clock difference allowed between this machine and the provider (seconds)
SKEW = 600.0


def encode(line: Line) -> bytes:
    return json.dumps(
        {"custom_id": line.custom_id, "params": line.body}, ensure_ascii=False
    ).encode("utf-8")


def _total(counts: Any) -> int:
    return int(
        counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired
    )


class AnthropicBatches(BatchAPI):
    provider = "anthropic"
    max_requests = 100_000
    max_bytes = 256 * 1024 * 1024

    def size(self, line: Line) -> int:
        return len(encode(line)) + 1

    async def upload(self, tag: str, lines: list[Line]) -> str | None:
        return None

    async def create(self, tag: str, file_id: str | None, lines: list[Line]) -> Status:
        batch = await self.client().messages.batches.create(
            requests=[{"custom_id": line.custom_id, "params": line.body} for line in lines]
        )
        return self._status(batch)

    async def find(self, record: BatchRecord, known: set[str]) -> tuple[str | None, str | None]:
        found: list[tuple[float, str]] = []
        async for batch in self.client().messages.batches.list(limit=100):  # newest first
            created = batch.created_at.timestamp()
            if created < record.created - SKEW:
                break
            if batch.id not in known and _total(batch.request_counts) == record.size:
                found.append((created, str(batch.id)))
        return None, (min(found)[1] if found else None)

    async def status(self, batch_id: str) -> Status:
        return self._status(await self.client().messages.batches.retrieve(batch_id))

    @staticmethod
    def _status(batch: Any) -> Status:
        counts = batch.request_counts
        total = _total(counts)
        return Status(
            batch_id=str(batch.id),
            status=str(batch.processing_status),
            ended=batch.processing_status == "ended",
            done=total - int(counts.processing),
            total=total,
        )

    async def results(self, status: Status) -> AsyncIterator[Outcome]:
        stream = await self.client().messages.batches.results(status.batch_id)
        async for entry in stream:
            result = entry.result
            kind = getattr(result, "type", "")
            if kind == "succeeded":
                try:
                    yield Outcome(entry.custom_id, self.model.parse_reply(result.message))
                except Exception as exc:  # a malformed message: asked again in a new batch
                    problem = f"malformed reply in the results: {exc}"
                    yield Outcome(entry.custom_id, None, problem, "malformed")
            elif kind == "errored":
                error = result.error.error
                problem = f"errored: {error.type}: {error.message}"
                yield Outcome(entry.custom_id, None, problem, "errored")
            else:
                kind = {"canceled": "cancelled"}.get(kind, kind or "no result")
                yield Outcome(entry.custom_id, None, kind, kind)
