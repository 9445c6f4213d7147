"""What every API model shares: the reply cache, the budget, pacing, and the price table.

A provider (OpenAI, Anthropic) only builds the request body and sends it
through its SDK; `APIModel.complete` does the rest, in this order:

1. the cache key is computed from the provider, the model, the base URL, the
   complete body and the sample index; in ``use``/``only`` mode a stored reply
   is returned (``cache_hit``), ``only`` fails a miss, ``refresh`` skips the read;
2. the request waits for a slot of the endpoint's AIMD window (`pacing`),
   checks the budget, is sent, and retried on 429/5xx/timeouts;
3. the reply is priced, charged to the budget and stored at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import ChatModel, ModelError, Reply, Request, SamplesRefused, Usage
from .cache import CacheError, Entry, ResponseCache, request_key
from .pacing import RetryPolicy, Transient, Window, parse_retry_after, send_paced
from .pricing import PriceError, PriceTable, load_prices

if TYPE_CHECKING:
    from .batch.batcher import Batcher

CACHE_MODES = ("use", "only", "refresh", "off")
#: batch replies are billed at this fraction of the synchronous price (OpenAI and Anthropic)
BATCH_RATE = 0.5


@dataclass(frozen=True)
class ModelSettings:
    """Everything from the command line that shapes how models are reached."""

    replay: Path | None = None
    replay_by_task: Mapping[str, Path] = field(default_factory=dict)  # task -> generations
    base_url: str | None = None
    #: several OpenAI-compatible servers of the same model (the first is base_url)
    base_urls: tuple[str, ...] = ()
    api_key_env: str | None = None
    concurrency: int = 8
    cache: str = "use"
    cache_dir: Path = Path(".llmexec")
    budget: float | None = None
    reasoning_effort: str | None = None
    thinking_budget: int | None = None
    max_tokens: int | None = None
    temperature: float = 0.0
    seed: int | None = None
    #: seconds to wait for one reply; None: the model's own default (`APIModel.default_timeout`)
    request_timeout: float | None = None
    prices: Path | None = None
    run_id: str | None = None  # an xdist run's id: its workers share one budget ledger
    #: the running llama-servers of llamacpp: models, by model spec (`llamacpp.Endpoint` JSON)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class Services:
    """Per-process resources shared by the API models of a run."""

    def __init__(self, settings: ModelSettings) -> None:
        if settings.cache not in CACHE_MODES:
            raise ModelError(
                f"--llm-cache={settings.cache}: choose one of {', '.join(CACHE_MODES)}"
            )
        self.settings = settings
        try:
            extra = load_prices(settings.prices) if settings.prices is not None else None
        except PriceError as exc:
            raise ModelError(str(exc)) from None
        self.prices = PriceTable(extra)
        shared_ledger = settings.budget is not None and settings.run_id is not None
        self.store: ResponseCache | None = (
            ResponseCache(settings.cache_dir) if settings.cache != "off" or shared_ledger else None
        )
        self.windows: dict[str, Window] = {}
        self._order: dict[tuple[str, ...], int] = {}  # a conversation's place in the run
        self._cap: asyncio.Semaphore | None = None
        self.spent = 0.0  # by this process
        self.sent = 0  # requests that reached a server, tries included
        self._users = 0

    # ------------------------------------------------------------------ pacing
    def window(self, endpoint: str) -> Window:
        if endpoint not in self.windows:
            self.windows[endpoint] = Window(self.settings.concurrency)
        return self.windows[endpoint]

    @property
    def cap(self) -> asyncio.Semaphore:
        """At most ``--llm-concurrency`` requests in flight in this process, all endpoints."""
        if self._cap is None:
            self._cap = asyncio.Semaphore(self.settings.concurrency)
        return self._cap

    def priority(self, model: str, task: Request) -> int:
        """The order in which conversations first asked: the order the tests were prefetched
        in, which is the order they run in."""
        key = (model, str(task.case.snippet.path), task.case.key, task.strategy, str(task.sample))
        return self._order.setdefault(key, len(self._order))

    # ------------------------------------------------------------------ budget
    def total_spent(self) -> float:
        if self.settings.run_id is not None and self.store is not None:
            return self.store.total_spend(self.settings.run_id)
        return self.spent

    def check_budget(self) -> None:
        budget = self.settings.budget
        if budget is not None and self.total_spent() >= budget:
            raise ModelError(f"budget of ${budget:g} spent (--llm-budget): request not sent")

    def charge(self, amount: float) -> None:
        self.spent += amount
        if amount and self.settings.run_id is not None and self.store is not None:
            self.store.add_spend(self.settings.run_id, amount)

    # ------------------------------------------------------------------ lifetime
    def attach(self) -> None:
        self._users += 1

    def detach(self) -> None:
        self._users -= 1
        if self._users <= 0 and self.store is not None:
            self.store.close()


def resolve_key(provider: str, default_var: str, settings: ModelSettings, name: str) -> str | None:
    """The API key, or a `ModelError` naming the variable; None when no request will be sent."""
    var = settings.api_key_env or default_var
    key = os.environ.get(var, "").strip()
    if key or settings.cache == "only":
        return key or None
    how = (
        "the variable named by --llm-api-key-env"
        if settings.api_key_env
        else "or name another variable with --llm-api-key-env"
    )
    raise ModelError(
        f"--llm-model={name}: no API key for {provider}: set the environment variable {var} "
        f"({how}; a local server that ignores keys accepts any value), "
        "or run from the cache alone with --llm-cache=only"
    )


def check_base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ModelError(
            f"--llm-base-url={url}: expected an http:// or https:// URL, "
            "e.g. http://localhost:11434/v1"
        )
    return url.rstrip("/")


def reply_to_json(reply: Reply) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": reply.text,
        "usage": reply.usage.to_json(),
        "model_id": reply.model_id,
        "latency": reply.latency,
        "finish_reason": reply.finish_reason,
    }
    if reply.batch:
        data["batch"] = True
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    usage = data.get("usage") or {}
    return Reply(
        text=str(data["text"]),
        usage=Usage(**{k: int(usage.get(k) or 0) for k in Usage().to_json()}),
        model_id=data.get("model_id"),
        latency=float(data.get("latency") or 0.0),
        finish_reason=data.get("finish_reason"),
        cache_hit=True,
        batch=bool(data.get("batch")),
    )


class APIModel(ChatModel):
    """A chat model behind an HTTP API; subclasses build bodies and call their SDK."""

    provider = ""
    sdk = ""  # the SDK's module, imported on first use (it takes a second or two)
    #: seconds to wait for one reply unless --llm-request-timeout says otherwise (None: no limit)
    default_timeout: float | None = 600.0

    def __init__(
        self, name: str, api_name: str, services: Services, *, base_url: str, api_key: str | None
    ) -> None:
        self.name = name
        self.api_name = api_name
        self.services = services
        self.settings = services.settings
        self.base_url = base_url
        self.cache_endpoint = base_url  # what cache keys name as the server
        self._api_key = api_key  # never logged, cached or reported
        services.attach()
        self._closed = False
        self._client: Any = None
        #: with --llm-batch: cache misses go to a batch instead of being sent
        self.batcher: Batcher | None = None

    @property
    def request_timeout(self) -> float | None:
        """How long one reply may take before it is retried (None: as long as it takes)."""
        given = self.settings.request_timeout
        return given if given is not None else self.default_timeout

    def __repr__(self) -> str:  # no key in reprs
        return f"{type(self).__name__}({self.name!r}, base_url={self.base_url!r})"

    def describe(self) -> str:
        return f"{self.name} ({self.provider} at {self.base_url})"

    # -- to implement
    def request_body(self, messages: list[dict[str, Any]], task: Request) -> dict[str, Any]:
        raise NotImplementedError

    def make_client(self, api_key: str) -> Any:
        """A new async client of the SDK (imported here: an xdist controller never needs it)."""
        raise NotImplementedError

    async def send(self, body: dict[str, Any]) -> Reply:
        """One try; raises `pacing.Transient` or `ModelError`."""
        raise NotImplementedError

    async def send_samples(self, body: dict[str, Any]) -> list[Reply]:
        """One try of a request for ``body["n"]`` choices: a reply per choice."""
        raise SamplesRefused

    def parse_reply(self, response: Any) -> Reply:
        """The SDK's response object as a `Reply`: a direct reply's, or one read from a batch."""
        raise NotImplementedError

    # -- shared
    def client(self) -> Any:
        """The SDK's async client, made on first use (never in ``--llm-cache=only`` mode)."""
        if self._client is None:
            self._client = self.make_client(self._api_key or "unused")
        return self._client

    async def close_client(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def complete(self, messages: list[dict[str, Any]], task: Request) -> Reply:
        body = self.request_body(messages, task)
        key = request_key(self.provider, self.api_name, self.cache_endpoint, body, task.sample)
        mode = self.settings.cache
        store = self.services.store if mode != "off" else None
        try:
            if store is not None and mode in ("use", "only"):
                stored = store.get(key)
                if stored is not None:
                    reply = reply_from_json(stored)
                    reply.cost = self.price(reply)
                    if self.batcher is not None and key in self.batcher.fresh:
                        reply.cache_hit = False  # collected from a batch by this run
                    return reply
            if mode == "only":
                raise ModelError(
                    "--llm-cache=only: no stored reply for this request "
                    f"({self.name}, {task.case.key}, {task.strategy}, sample {task.sample}); "
                    "run once with --llm-cache=use to store it"
                )
            if self.batcher is not None:
                self.batcher.intercept(self, key, body, task)  # raises BatchPending
            reply = await send_paced(
                self.services.window(f"{self.provider} {self.base_url}"),
                lambda: self._timed(body),
                self.settings.retry,
                cap=self.services.cap,
                before_send=self.services.check_budget,
                priority=self.services.priority(self.name, task),
            )
            reply.cost = self.price(reply)
            self.services.charge(reply.cost)
            if store is not None:
                store.put(
                    Entry(
                        key, self.provider, self.api_name, task.sample, body, reply_to_json(reply)
                    )
                )
        except CacheError as exc:
            raise ModelError(str(exc)) from None
        return reply

    async def complete_samples(
        self, messages: list[dict[str, Any]], tasks: list[Request]
    ) -> list[Reply]:
        """All samples of a one-turn prompt from one request with ``n``, cached per sample.

        The body is sample 0's with ``n`` added; each choice is stored under its own
        sample's key, so a rerun is served from the cache like one request per sample.
        The usage of the request is counted on the first reply.
        """
        first = tasks[0]
        body = self.request_body(messages, first)
        body["n"] = len(tasks)
        keys = [
            request_key(self.provider, self.api_name, self.cache_endpoint, body, t.sample)
            for t in tasks
        ]
        mode = self.settings.cache
        store = self.services.store if mode != "off" else None
        try:
            if store is not None and mode in ("use", "only"):
                stored = [store.get(key) for key in keys]
                if all(entry is not None for entry in stored):
                    return [reply_from_json(entry) for entry in stored if entry is not None]
            if mode == "only":
                raise ModelError(
                    "--llm-cache=only: no stored replies for this request "
                    f"({self.name}, {first.case.key}, {first.strategy}, {len(tasks)} samples); "
                    "run once with --llm-cache=use to store them"
                )
            replies = await send_paced(
                self.services.window(f"{self.provider} {self.base_url}"),
                lambda: self._timed_samples(body),
                self.settings.retry,
                cap=self.services.cap,
                before_send=self.services.check_budget,
                priority=self.services.priority(self.name, first),
            )
            if len(replies) != len(tasks):
                raise SamplesRefused  # the server ignored n
            for task, key, reply in zip(tasks, keys, replies, strict=True):
                reply.cost = self.price(reply)
                self.services.charge(reply.cost)
                if store is not None:
                    store.put(
                        Entry(
                            key,
                            self.provider,
                            self.api_name,
                            task.sample,
                            body,
                            reply_to_json(reply),
                        )
                    )
        except CacheError as exc:
            raise ModelError(str(exc)) from None
        return replies

    async def _timed_samples(self, body: dict[str, Any]) -> list[Reply]:
        self.client()
        self.services.sent += 1
        started = time.perf_counter()
        replies = await self.send_samples(body)
        for reply in replies:
            reply.latency = time.perf_counter() - started
        return replies

    async def _timed(self, body: dict[str, Any]) -> Reply:
        self.client()  # made before the clock starts
        self.services.sent += 1
        started = time.perf_counter()
        reply = await self.send(body)
        reply.latency = time.perf_counter() - started
        return reply

    def price(self, reply: Reply) -> float:
        """What *reply* cost; a batch reply at the batch rate."""
        cost = self.services.prices.cost(reply.model_id or self.api_name, reply.usage)
        if cost is None:
            cost = self.services.prices.cost(self.api_name, reply.usage)
        return (cost or 0.0) * (BATCH_RATE if reply.batch else 1.0)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self.close_client()
            self.services.detach()


def api_message(body: object, fallback: str) -> str:
    """The human message of an API error body (both providers nest it in ``error``)."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return fallback


def sdk_failure(
    exc: Exception, sdk: Any, where: str, timeout: float | None, rate_limited: tuple[int, ...]
) -> Exception:
    """An SDK's exception as what the pacer understands: `Transient` (retry) or `ModelError`.

    The openai and anthropic SDKs share their exception names, so one translation
    serves both; *rate_limited* are the statuses that also shrink the window.
    """
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        message = f"HTTP {status} from {where}: {api_message(exc.body, exc.message)}"
        retry_after = parse_retry_after(exc.response.headers)
        if status in rate_limited:
            return Transient(message, retry_after=retry_after, rate_limited=True)
        if status >= 500 or status in (408, 409):
            return Transient(message, retry_after=retry_after)
        return ModelError(message)
    if isinstance(exc, sdk.APITimeoutError):
        return Transient(f"no response from {where} within {timeout or 0:g}s")
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__
        detail = f" ({type(cause).__name__}: {cause})" if cause else ""
        return Transient(f"cannot connect to {where}{detail}")
    if isinstance(exc, json.JSONDecodeError):  # a body that is not JSON
        return Transient(f"malformed response from {where}: not JSON ({exc.msg})")
    # sdk.APIError: a body that does not fit the schema
    return Transient(f"malformed response from {where}: {getattr(exc, 'message', exc)}")
