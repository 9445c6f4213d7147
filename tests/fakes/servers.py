"""Fake OpenAI and Anthropic servers on 127.0.0.1 that speak the real wire formats.

A small HTTP/1.1 server (keep-alive, Content-Length bodies) runs on an asyncio
loop in a daemon thread, so the real SDKs talk to it exactly as to the real
APIs: JSON bodies, status codes, ``retry-after``/``retry-after-ms`` headers,
``usage`` blocks, ``finish_reason``/``stop_reason``, error envelopes.

By default the fake "model" answers a VP prompt correctly by running the
snippet of the prompt (test code only: the prompts come from the tests' own
benchmark files). Faults are injected per request: `Fault` objects queued with
`fail_next`, or a `plan` that picks a fault from the request's number.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

Responder = Callable[[list[dict[str, Any]], str], str]

_BLOCK = re.compile(r"(`{3,})python\n(.*?)\n\1", re.S)
# the case's call: a "Call: `...`" line, or an assertion with ?? for the value (VP)
_INLINE_CALL = re.compile(r"^Call: `(.*)`$", re.M)
_ASSERT_CALL = re.compile(r"^assert (.*) == \?\?$", re.M)
_TAG = re.compile(r"between \[(\w+)\] and \[/")
_PRELUDE = (
    "from typing import *\nimport collections, heapq, math, bisect, itertools, functools, "
    "string, re, operator\nfrom collections import *\n"
)


def solve(messages: list[dict[str, Any]], model: str) -> str:
    """A perfect model for VP prompts: run the prompt's code and call, answer the result."""
    prompt = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
    if isinstance(prompt, list):  # Anthropic content blocks
        prompt = "".join(block.get("text", "") for block in prompt)
    blocks = [m.group(2) for m in _BLOCK.finditer(prompt)]
    inline = _INLINE_CALL.findall(prompt)
    tag = _TAG.search(prompt)
    asserted = _ASSERT_CALL.findall(blocks[-1]) if blocks else []
    if not inline and asserted:  # the call stands at the end of the case's own block
        lines = blocks[-1].splitlines()
        blocks[-1] = "\n".join(lines[:-1])
        inline = asserted[-1:]
    # the case comes last, after any worked examples: its code block and its call line
    call = inline[-1] if inline else blocks[-1] if len(blocks) > 1 else None
    code = blocks[-1] if inline else blocks[-2] if len(blocks) > 1 else None
    if not (code and call and tag):
        return "I cannot tell."
    namespace: dict[str, Any] = {}
    try:
        exec(_PRELUDE + code, namespace)
        value = eval(call, namespace)
        answer = repr(value)
    except Exception as exc:
        answer = f"raise {type(exc).__name__}"
    return f"[{tag.group(1)}]{answer}[/{tag.group(1)}]"


@dataclass
class Fault:
    """What to do instead of answering: an HTTP error, a broken body, a hang, a cut reply."""

    kind: str = "status"  # status | malformed | hang | truncate | loop | drop | cut (half a body)
    status: int = 429
    retry_after: str | None = None  # the Retry-After header, seconds
    retry_after_ms: str | None = None  # OpenAI's retry-after-ms header
    seconds: float = 30.0  # for hang


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    started: float = 0.0  # time.monotonic() when the request arrived
    finished: float = 0.0  # ... and when its answer was written


@dataclass
class FakeServer:
    """Base class; subclasses give the paths, success bodies and error envelopes."""

    latency: float = 0.0
    key: str = "sk-test-key"
    responder: Responder = solve
    model_id: str | None = None  # the model id the API reports; default: the requested one
    plan: Callable[[int], Fault | None] | None = None
    max_concurrent: int | None = None  # beyond this, 429 (a real rate limiter)
    cached_tokens: int = 0
    requests: list[Recorded] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    in_flight: int = 0
    peak: int = 0

    paths: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ------------------------------------------------------------------ control
    def start(self) -> FakeServer:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=512)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-api", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        raise NotImplementedError

    def fail_next(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    @property
    def completions(self) -> list[Recorded]:
        """Requests answered with a 200."""
        return [r for r in self.requests if r.status == 200]

    # ------------------------------------------------------------------ HTTP
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                keep = await self._respond(method, path, headers, raw, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _respond(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        writer: asyncio.StreamWriter,
    ) -> bool:
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        record = Recorded(path, headers, body, started=time.monotonic())
        with self._lock:
            self.requests.append(record)
            number = next(self._counter)
            fault = self.faults.popleft() if self.faults else None
        if fault is None and self.plan is not None:
            fault = self.plan(number)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if method != "POST" or path.split("?")[0] not in self.paths:
                return self._send(
                    writer, record, 404, self.error("not_found_error", f"no route {path}")
                )
            if not self.authorised(headers):
                return self._send(
                    writer, record, 401, self.error("authentication_error", "invalid x-api-key")
                )
            if self.max_concurrent is not None and self.in_flight > self.max_concurrent:
                return self._send(
                    writer,
                    record,
                    429,
                    self.error("rate_limit_error", "too many requests"),
                    {"retry-after-ms": "20", "retry-after": "1"},
                )
            if fault is not None and fault.kind == "hang":
                await asyncio.sleep(fault.seconds)
                return False
            if self.latency:
                await asyncio.sleep(self.latency)
            if fault is not None and fault.kind == "drop":
                return False
            if fault is not None and fault.kind == "status":
                extra = {}
                if fault.retry_after is not None:
                    extra["retry-after"] = fault.retry_after
                if fault.retry_after_ms is not None:
                    extra["retry-after-ms"] = fault.retry_after_ms
                kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(
                    fault.status, "api_error"
                )
                return self._send(
                    writer,
                    record,
                    fault.status,
                    self.error(kind, f"injected {fault.status}"),
                    extra,
                )
            if fault is not None and fault.kind == "malformed":
                return self._send(writer, record, 200, b'{"id": "x", "choices": [')
            assert isinstance(body, dict)
            text = self.responder(self.messages(body), str(body.get("model")))
            if fault is not None and fault.kind == "cut":  # the server dies mid-reply
                data = json.dumps(self.success(body, text, False)).encode()
                head = (
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(data)}\r\n\r\n"
                )
                writer.write(head.encode("latin-1") + data[: len(data) // 2])
                record.status = -1
                return False
            truncated = fault is not None and fault.kind in ("truncate", "loop")
            if truncated:
                text = text[: max(1, len(text) // 2)]
            if fault is not None and fault.kind == "loop":  # as a small model at temperature 0
                text = "Tracing it.\n" + "The loop ends; the function returns out.\n" * 40
            return self._send(writer, record, 200, self.success(body, text, truncated))
        finally:
            self.in_flight -= 1

    def _send(
        self,
        writer: asyncio.StreamWriter,
        record: Recorded,
        status: int,
        payload: Any,
        extra: dict[str, str] | None = None,
    ) -> bool:
        record.status = status
        record.finished = time.monotonic()
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        reason = {
            200: "OK",
            401: "Unauthorized",
            404: "Not Found",
            429: "Too Many Requests",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }.get(status, "Error")
        head = [
            f"HTTP/1.1 {status} {reason}",
            "content-type: application/json",
            f"content-length: {len(data)}",
            f"x-request-id: req_{len(self.requests)}",
            f"request-id: req_{len(self.requests)}",
            *(f"{k}: {v}" for k, v in (extra or {}).items()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
        return True

    # ------------------------------------------------------------------ protocol
    def authorised(self, headers: dict[str, str]) -> bool:
        raise NotImplementedError

    def messages(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return list(body.get("messages") or [])

    def success(self, body: dict[str, Any], text: str, truncated: bool) -> dict[str, Any]:
        raise NotImplementedError

    def error(self, kind: str, message: str) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def tokens(text: str) -> int:
        return max(1, len(text) // 4)


class OpenAIFake(FakeServer):
    """``POST /v1/chat/completions`` as OpenAI (and compatible servers) answer it."""

    paths: ClassVar[tuple[str, ...]] = ("/v1/chat/completions",)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def authorised(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {self.key}"

    def success(self, body: dict[str, Any], text: str, truncated: bool) -> dict[str, Any]:
        model = str(body.get("model"))
        prompt = self.tokens(json.dumps(body.get("messages")))
        reasoning = 64 if re.match(r"o\d|gpt-5", model) else 0
        completion = self.tokens(text) + reasoning
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_id or model,
            "system_fingerprint": "fp_fake",
            "service_tier": "default",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": text,
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": "length" if truncated else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {
                    "cached_tokens": min(self.cached_tokens, prompt),
                    "audio_tokens": 0,
                },
                "completion_tokens_details": {
                    "reasoning_tokens": reasoning,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
        }

    def error(self, kind: str, message: str) -> dict[str, Any]:
        code = {
            "rate_limit_error": "rate_limit_exceeded",
            "authentication_error": "invalid_api_key",
        }.get(kind)
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class AnthropicFake(FakeServer):
    """``POST /v1/messages`` as Anthropic answers it."""

    paths: ClassVar[tuple[str, ...]] = ("/v1/messages",)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def authorised(self, headers: dict[str, str]) -> bool:
        return self.key in (
            headers.get("x-api-key"),
            headers.get("authorization", "").removeprefix("Bearer "),
        )

    def success(self, body: dict[str, Any], text: str, truncated: bool) -> dict[str, Any]:
        model = str(body.get("model"))
        thinking = body.get("thinking") or {}
        thought = 32 if thinking.get("type") == "enabled" else 0
        content: list[dict[str, Any]] = []
        if thought:
            content.append({"type": "thinking", "thinking": "Let me run it.", "signature": "sig"})
        content.append({"type": "text", "text": text, "citations": None})
        return {
            "id": f"msg_{len(self.requests)}",
            "type": "message",
            "role": "assistant",
            "model": self.model_id or model,
            "content": content,
            "stop_reason": "max_tokens" if truncated else "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": self.tokens(json.dumps(body.get("messages"))),
                "output_tokens": self.tokens(text) + thought,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": self.cached_tokens,
                "output_tokens_details": {"thinking_tokens": thought},
                "service_tier": "standard",
            },
        }

    def error(self, kind: str, message: str) -> dict[str, Any]:
        return {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": f"req_{len(self.requests)}",
        }
