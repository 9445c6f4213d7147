"""OpenAI's Batch API: a JSONL file of ``/v1/chat/completions`` requests, then a batch.

Each input line is ``{"custom_id", "method": "POST", "url", "body"}`` where the
body is exactly what `OpenAIModel.request_body` builds for the direct request.
The file is named after our tag and the batch carries it in its metadata, so an
interrupted submission is found again (`find`) by either. Results come as an
output file (successes) and an error file (errors, and the requests an expired
or cancelled batch never ran); a batch that failed validation lists its errors
by input line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from ..api import api_message
from .protocol import BatchAPI, Outcome, Status
from .store import BatchRecord, Line

ENDPOINT = "/v1/chat/completions"
ENDED = ("completed", "expired", "cancelled", "failed")
TAG_KEY = "llmexec_tag"
#: how far back (seconds) the batch list is searched for an interrupted submission
LOOKBACK = 2 * 86400


def file_name(tag: str) -> str:
    return f"llmexec-{tag}.jsonl"


def encode(line: Line) -> bytes:
    record = {"custom_id": line.custom_id, "method": "POST", "url": ENDPOINT, "body": line.body}
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class OpenAIBatches(BatchAPI):
    provider = "openai"
    max_requests = 50_000
    max_bytes = 200 * 1024 * 1024

    def size(self, line: Line) -> int:
        return len(encode(line))

    async def upload(self, tag: str, lines: list[Line]) -> str | None:
        data = b"".join(encode(line) for line in lines)
        uploaded = await self.client().files.create(
            file=(file_name(tag), data, "application/jsonl"), purpose="batch"
        )
        return str(uploaded.id)

    async def create(self, tag: str, file_id: str | None, lines: list[Line]) -> Status:
        assert file_id is not None
        batch = await self.client().batches.create(
            input_file_id=file_id,
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata={TAG_KEY: tag},
        )
        return self._status(batch)

    async def find(self, record: BatchRecord, known: set[str]) -> tuple[str | None, str | None]:
        client = self.client()
        async for batch in client.batches.list(limit=100):  # newest first
            metadata = batch.metadata or {}
            if metadata.get(TAG_KEY) == record.tag or (
                record.file_id is not None and batch.input_file_id == record.file_id
            ):
                return batch.input_file_id, batch.id
            if batch.created_at < record.created - LOOKBACK:
                break
        if record.file_id is not None:
            return record.file_id, None
        async for uploaded in client.files.list(purpose="batch"):
            if uploaded.filename == file_name(record.tag):
                return str(uploaded.id), None
        return None, None

    async def status(self, batch_id: str) -> Status:
        return self._status(await self.client().batches.retrieve(batch_id))

    @staticmethod
    def _status(batch: Any) -> Status:
        counts = batch.request_counts
        invalid: list[tuple[int | None, str]] = []
        if batch.status == "failed" and batch.errors is not None:
            for error in batch.errors.data or []:
                text = error.message or "invalid"
                if error.code:
                    text = f"{error.code}: {text}"
                if error.param:
                    text += f" (parameter {error.param})"
                invalid.append((error.line, text))
        if batch.status == "failed" and not invalid:
            invalid.append((None, "the batch failed validation (no reason given)"))
        return Status(
            batch_id=str(batch.id),
            status=str(batch.status),
            ended=batch.status in ENDED,
            done=(counts.completed + counts.failed) if counts is not None else 0,
            total=counts.total if counts is not None else 0,
            invalid=invalid,
            files=(batch.output_file_id, batch.error_file_id),
        )

    async def results(self, status: Status) -> AsyncIterator[Outcome]:
        from openai.types.chat import ChatCompletion

        for file_id in status.files:
            if not file_id:
                continue
            content = await self.client().files.content(file_id)
            for text in content.text.splitlines():
                if not text.strip():
                    continue
                try:
                    data = json.loads(text)
                    custom_id = str(data["custom_id"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # not ours to read: every request without a result is sent again
                yield self._outcome(custom_id, data, ChatCompletion)

    def _outcome(self, custom_id: str, data: dict[str, Any], completion: Any) -> Outcome:
        response = data.get("response") or {}
        error = data.get("error")
        body = response.get("body")
        if response.get("status_code") == 200 and not error and isinstance(body, dict):
            try:
                return Outcome(custom_id, self.model.parse_reply(completion.model_validate(body)))
            except Exception as exc:  # a malformed body: asked again in a new batch
                problem = f"malformed reply in the batch output: {exc}"
                return Outcome(custom_id, None, problem, "malformed")
        if isinstance(error, dict):
            code = str(error.get("code"))
            kind = {"batch_expired": "expired", "batch_cancelled": "cancelled"}.get(code, "errored")
            return Outcome(custom_id, None, f"{code}: {error.get('message')}", kind)
        status = response.get("status_code")
        problem = f"HTTP {status}: {api_message(body, 'no message')}"
        return Outcome(custom_id, None, problem, "errored")
