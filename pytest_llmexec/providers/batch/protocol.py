"""What a provider's batch API offers the batcher: submit in steps, find, poll, read results.

Submission is split into `upload` (OpenAI's input file; nothing for Anthropic)
and `create`, so that the batcher can record each step before the next one
(see `store`). `find` is how a run that was interrupted between two steps
learns what the provider already holds, so that it never creates a second batch
for the same requests. Replies are read with the model's own reply parser, so a
batch reply is the same `Reply` the direct request would have given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ..api import APIModel
from ..base import Reply
from .store import BatchRecord, Line


@dataclass
class Status:
    """A batch as the provider reports it."""

    batch_id: str
    status: str  # the provider's own word: in_progress, completed, ended, ...
    ended: bool  # no request will change any more: results can be read
    done: int = 0  # requests finished (succeeded or not), as far as the provider says
    total: int = 0
    #: for a batch that failed validation: (line of the input, message) per error
    invalid: list[tuple[int | None, str]] = field(default_factory=list)
    files: tuple[str | None, ...] = ()  # OpenAI: the output and error files


@dataclass(frozen=True)
class Outcome:
    """One request's result: a reply, or why there is none."""

    custom_id: str
    reply: Reply | None
    problem: str | None = None
    kind: str = "succeeded"  # or errored, expired, cancelled, malformed


class BatchAPI:
    """One model's batch endpoint; a new SDK client per `session` (one event loop each)."""

    provider = ""
    max_requests = 0
    max_bytes = 0

    def __init__(self, model: APIModel) -> None:
        self.model = model
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            # the model's client settings, with the SDK's own retries for these few calls
            made = self.model.make_client(self.model._api_key or "unused")
            self._client = made.with_options(max_retries=3)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def size(self, line: Line) -> int:
        """The bytes *line* adds to a batch (for the provider's size limit)."""
        raise NotImplementedError

    async def upload(self, tag: str, lines: list[Line]) -> str | None:
        """Send the input (OpenAI: a file); its id, or None where there is no such step."""
        raise NotImplementedError

    async def create(self, tag: str, file_id: str | None, lines: list[Line]) -> Status:
        """Create the batch; the provider starts working on it at once."""
        raise NotImplementedError

    async def find(self, record: BatchRecord, known: set[str]) -> tuple[str | None, str | None]:
        """(file id, batch id) the provider holds for an interrupted submission, if any."""
        raise NotImplementedError

    async def status(self, batch_id: str) -> Status:
        raise NotImplementedError

    def results(self, status: Status) -> AsyncIterator[Outcome]:
        """Every result of an ended batch, in the provider's order (match on custom id)."""
        raise NotImplementedError


def split(lines: list[Line], api: BatchAPI) -> list[list[Line]]:
    """*lines* in chunks within the provider's request count and size limits, in order."""
    chunks: list[list[Line]] = []
    current: list[Line] = []
    used = 0
    for line in lines:
        size = api.size(line)
        if current and (len(current) >= api.max_requests or used + size > api.max_bytes):
            chunks.append(current)
            current, used = [], 0
        current.append(line)
        used += size
    if current:
        chunks.append(current)
    return chunks
