"""The batch APIs of the loopback fakes: OpenAI Batch (files + batches) and Anthropic
Message Batches, in each provider's wire format, for the official SDKs.

A batch answers each request as the direct endpoint would (the same responder
and success body); the test decides what happens to each request (`fate`:
succeeded, errored, expired, cancelled), how many polls a batch stays in
progress (`polls_to_end`, or `hold` until `release`), and whether a line fails
validation (`invalid_line`, for the batches created while it is set). Results
are written in reverse order, so nothing can rely on the order of the input.
Every batch call is kept in `calls`, every line of every created batch in `lines`.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar

from .servers import AnthropicFake, OpenAIFake, Recorded

#: (batch number from 1, line index from 0, custom id) -> succeeded | errored | expired | cancelled
Fate = Callable[[int, int, str], str]


def always_succeeds(batch: int, index: int, custom_id: str) -> str:
    return "succeeded"


@dataclass
class FakeBatch:
    id: str
    number: int
    lines: list[dict[str, Any]]  # {"custom_id", "body"}
    created: float
    metadata: dict[str, str] = field(default_factory=dict)
    input_file_id: str | None = None
    polls: int = 0
    state: str = "validating"  # validating | in_progress | cancelling | ended | failed
    final: str = ""  # completed | expired | cancelled (OpenAI); ended (Anthropic)
    results: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    cancelled: bool = False
    output_file_id: str | None = None
    error_file_id: str | None = None
    invalid: int | None = None  # the input line that fails validation (OpenAI)


class BatchMixin:
    """What both fakes share: the book of batches, how a batch call is taken in, how it ends.

    Put before the direct endpoint's fake (``class X(BatchMixin, OpenAIFake)``):
    a request outside `batch_routes` goes on to that fake's ``_respond``. Each fake
    answers its batch API in ``_route(method, parts, headers, raw, record)``, which
    returns the status and the payload.
    """

    fate: Fate = staticmethod(always_succeeds)
    polls_to_end: int = 0
    hold: bool = False
    invalid_line: int | None = None
    batch_routes: ClassVar[tuple[str, ...]] = ()  # the path prefixes of the batch API
    route_from: ClassVar[int] = 0  # the path parts before those `_route` reads

    async def _respond(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """A batch call is kept in `calls`, checked for the key, then answered by `_route`."""
        fake: Any = self  # the server half of the class (FakeServer)
        route = path.split("?")[0]
        if not route.startswith(self.batch_routes):
            direct: Any = super()  # the direct endpoint's fake, next after this mixin
            return await direct._respond(method, path, headers, raw, writer)
        record = Recorded(f"{method} {route}", headers, None, started=time.monotonic())
        self.calls.append(record)
        if not fake.authorised(headers):
            return fake._send(writer, record, 401, fake.error("authentication_error", "bad key"))
        parts = route.strip("/").split("/")[self.route_from :]
        status, payload = fake._route(method, parts, headers, raw, record)
        return fake._send(writer, record, status, payload)

    def _init_batches(self) -> None:
        self.batches: dict[str, FakeBatch] = {}
        self.calls: list[Recorded] = []
        self.lines: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def release(self) -> None:
        self.hold = False

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        fake: Any = self
        text = fake.responder(fake.messages(body), str(body.get("model")))
        return dict(fake.success(body, text, False))

    def _advance(self, batch: FakeBatch) -> None:
        """One look at the batch: it moves on, and ends once its time has come."""
        if batch.state in ("ended", "failed"):
            return
        if batch.invalid is not None and batch.state == "validating":
            batch.state = "failed"
            return
        if batch.state == "validating":
            batch.state = "in_progress"
        batch.polls += 1
        if batch.state == "cancelling" or (not self.hold and batch.polls > self.polls_to_end):
            self._end(batch)

    def _end(self, batch: FakeBatch) -> None:
        results = []
        for index, line in enumerate(batch.lines):
            fate = self.fate(batch.number, index, line["custom_id"])
            if batch.cancelled and fate == "succeeded" and index % 2:
                fate = "cancelled"  # a cancelled batch keeps the part it had done
            body = self._answer(line["body"]) if fate == "succeeded" else None
            results.append((line["custom_id"], fate, body))
        results.reverse()  # results come in no particular order
        batch.results = results
        fates = {fate for _, fate, _ in results}
        batch.final = (
            "cancelled" if batch.cancelled else "expired" if "expired" in fates else "completed"
        )
        batch.state = "ended"


class OpenAIBatchFake(BatchMixin, OpenAIFake):
    """``/v1/files`` and ``/v1/batches`` beside ``/v1/chat/completions``."""

    paths: ClassVar[tuple[str, ...]] = ("/v1/chat/completions",)
    batch_routes: ClassVar[tuple[str, ...]] = ("/v1/files", "/v1/batches")
    route_from: ClassVar[int] = 1  # files/..., batches/...

    def __post_init__(self) -> None:
        super().__post_init__()
        self._init_batches()
        self.files: dict[str, tuple[str, bytes, str]] = {}  # id -> (filename, data, purpose)

    def _route(
        self,
        method: str,
        parts: list[str],
        headers: dict[str, str],
        raw: bytes,
        record: Recorded,
    ) -> tuple[int, Any]:
        if parts == ["files"] and method == "POST":
            return 200, self._upload(headers, raw)
        if parts == ["files"] and method == "GET":
            files = [self._file(i) for i in reversed(self.files)]
            return 200, {"object": "list", "data": files, "has_more": False}
        if len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
            if parts[1] not in self.files:
                return 404, self.error("not_found_error", f"no file {parts[1]}")
            return 200, self.files[parts[1]][1]
        if parts == ["batches"] and method == "POST":
            body = json.loads(raw)
            record.body = body
            return self._create(body)
        if parts == ["batches"] and method == "GET":
            data = [self._batch(b) for b in reversed(self.batches.values())]
            return 200, {"object": "list", "data": data, "has_more": False}
        if len(parts) >= 2 and parts[0] == "batches" and parts[1] in self.batches:
            batch = self.batches[parts[1]]
            if len(parts) == 3 and parts[2] == "cancel":
                batch.cancelled = True
                if batch.state not in ("ended", "failed"):
                    batch.state = "cancelling"
            else:
                self._advance(batch)
            return 200, self._batch(batch)
        return 404, self.error("not_found_error", f"no route {'/'.join(parts)}")

    def _upload(self, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
        head = f"Content-Type: {headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True))
        filename, data = fields["file"]
        purpose = fields["purpose"][1].decode()
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = (filename, data, purpose)
        return self._file(file_id)

    def _file(self, file_id: str) -> dict[str, Any]:
        name, data, purpose = self.files[file_id]
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": name,
            "purpose": purpose,
            "status": "processed",
        }

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        file_id = body["input_file_id"]
        if file_id not in self.files:
            return 404, self.error("not_found_error", f"no file {file_id}")
        lines = []
        for text in self.files[file_id][1].decode().splitlines():
            line = json.loads(text)
            assert line["method"] == "POST" and line["url"] == body["endpoint"]
            lines.append({"custom_id": line["custom_id"], "body": line["body"]})
        self.lines += lines
        number = len(self.batches) + 1
        batch = FakeBatch(
            f"batch_{number:03d}",
            number,
            lines,
            time.time(),
            dict(body.get("metadata") or {}),
            file_id,
            invalid=self.invalid_line,
        )
        self.batches[batch.id] = batch
        return 200, self._batch(batch)

    def _batch(self, batch: FakeBatch) -> dict[str, Any]:
        status = {"ended": batch.final}.get(batch.state, batch.state)
        ended = batch.state == "ended"
        if ended and batch.output_file_id is None:
            self._write_files(batch)
        done = sum(1 for _, fate, _ in batch.results if fate == "succeeded")
        errors = None
        if batch.state == "failed":
            errors = {
                "object": "list",
                "data": [
                    {
                        "code": "invalid_request",
                        "line": batch.invalid,
                        "message": "The model `nope` does not exist.",
                        "param": "body.model",
                    }
                ],
            }
        return {
            "id": batch.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": errors,
            "input_file_id": batch.input_file_id,
            "completion_window": "24h",
            "status": status,
            "output_file_id": batch.output_file_id or None,
            "error_file_id": batch.error_file_id or None,
            "created_at": int(batch.created),
            "metadata": batch.metadata,
            "request_counts": {
                "total": len(batch.lines),
                "completed": done,
                "failed": (len(batch.results) - done) if ended else 0,
            },
        }

    def _write_files(self, batch: FakeBatch) -> None:
        out, err = [], []
        for number, (custom_id, fate, body) in enumerate(batch.results):
            line: dict[str, Any] = {"id": f"batch_req_{number}", "custom_id": custom_id}
            if fate == "succeeded":
                line["response"] = {"status_code": 200, "request_id": "r", "body": body}
                line["error"] = None
                out.append(line)
            elif fate == "errored":
                line["response"] = {
                    "status_code": 500,
                    "request_id": "r",
                    "body": self.error("api_error", "the server had an error"),
                }
                line["error"] = None
                err.append(line)
            else:
                code = {"expired": "batch_expired", "cancelled": "batch_cancelled"}[fate]
                line["response"] = None
                line["error"] = {"code": code, "message": f"request {fate} before it ran"}
                err.append(line)
        for lines, attr in ((out, "output_file_id"), (err, "error_file_id")):
            if lines:
                file_id = f"file-{next(self._ids)}"
                data = "".join(json.dumps(line) + "\n" for line in lines).encode()
                self.files[file_id] = (f"{batch.id}_{attr}.jsonl", data, "batch_output")
                setattr(batch, attr, file_id)
            else:
                setattr(batch, attr, "")


class AnthropicBatchFake(BatchMixin, AnthropicFake):
    """``/v1/messages/batches`` beside ``/v1/messages``."""

    paths: ClassVar[tuple[str, ...]] = ("/v1/messages",)
    batch_routes: ClassVar[tuple[str, ...]] = ("/v1/messages/batches",)
    route_from: ClassVar[int] = 3  # after v1/messages/batches

    def __post_init__(self) -> None:
        super().__post_init__()
        self._init_batches()

    def _route(
        self,
        method: str,
        parts: list[str],
        headers: dict[str, str],
        raw: bytes,
        record: Recorded,
    ) -> tuple[int, Any]:
        if not parts and method == "POST":
            body = json.loads(raw)
            record.body = body
            if self.invalid_line is not None:  # Anthropic validates when the batch is created
                message = f"requests.{self.invalid_line - 1}.params.model: unknown model 'nope'"
                return 400, self.error("invalid_request_error", message)
            return 200, self._create(body)
        if not parts:
            data = [self._batch(b) for b in reversed(self.batches.values())]
            ids = [b["id"] for b in data]
            listing = {
                "data": data,
                "has_more": False,
                "first_id": ids[0] if ids else None,
                "last_id": ids[-1] if ids else None,
            }
            return 200, listing
        batch = self.batches.get(parts[0])
        if batch is None:
            return 404, self.error("not_found_error", f"no batch {parts[0]}")
        if parts[1:] == ["results"]:
            data = "".join(json.dumps(self._result(r)) + "\n" for r in batch.results)
            return 200, data.encode()
        if parts[1:] == ["cancel"]:
            batch.cancelled = True
            if batch.state != "ended":
                batch.state = "cancelling"
        else:
            self._advance(batch)
        return 200, self._batch(batch)

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        lines = [{"custom_id": r["custom_id"], "body": r["params"]} for r in body["requests"]]
        self.lines += lines
        number = len(self.batches) + 1
        batch = FakeBatch(f"msgbatch_{number:03d}", number, lines, time.time())
        self.batches[batch.id] = batch
        return self._batch(batch)

    def _batch(self, batch: FakeBatch) -> dict[str, Any]:
        ended = batch.state == "ended"
        counts = dict.fromkeys(("processing", "succeeded", "errored", "canceled", "expired"), 0)
        if ended:
            for _, fate, _ in batch.results:
                counts[{"cancelled": "canceled"}.get(fate, fate)] += 1
        else:
            counts["processing"] = len(batch.lines)

        def stamp(seconds: float) -> str:
            return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()

        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": {"cancelling": "canceling", "validating": "in_progress"}.get(
                batch.state, batch.state
            ),
            "request_counts": counts,
            "created_at": stamp(batch.created),
            "expires_at": stamp(batch.created + 86400),
            "ended_at": stamp(time.time()) if ended else None,
            "archived_at": None,
            "cancel_initiated_at": stamp(time.time()) if batch.cancelled else None,
            "results_url": (
                f"{self.url}/v1/messages/batches/{batch.id}/results" if ended else None
            ),
        }

    def _result(self, result: tuple[str, str, dict[str, Any] | None]) -> dict[str, Any]:
        custom_id, fate, body = result
        if fate == "succeeded":
            return {"custom_id": custom_id, "result": {"type": "succeeded", "message": body}}
        if fate == "errored":
            error = {"type": "error", "error": {"type": "api_error", "message": "overloaded"}}
            return {"custom_id": custom_id, "result": {"type": "errored", "error": error}}
        kind = {"cancelled": "canceled"}.get(fate, fate)
        return {"custom_id": custom_id, "result": {"type": kind}}
