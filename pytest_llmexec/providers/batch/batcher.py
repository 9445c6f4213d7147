"""The batcher: collect the requests a run needs, send them as batches, collect the replies.

A run in batch mode goes in rounds (`Batcher.round`):

1. *collect*: every open batch of the run's models is finished where a run was
   interrupted (`protocol.BatchAPI.find`), polled, and, once ended, read: each
   reply is stored in the reply cache (at the batch rate), each failure freed so
   that the request goes into a new batch;
2. *converse*: the engine holds every conversation as usual; the model's
   `complete` reads the cache and, on a miss, calls `intercept` instead of
   sending: the request is built by the same code as a direct one, and is noted
   (or found already in flight) and the conversation stops there (`BatchPending`);
3. *submit*: the noted requests go out as one batch per model, split where the
   provider's limits require, each step recorded before the next (`store`).

With ``--llm-batch-wait`` the rounds repeat until nothing is pending, so a
multi-turn strategy (IIP) gets one batch per turn; otherwise the run ends after
one round and the tests still waiting are skipped, naming their batch.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...datasets.model import Case
from ..api import APIModel, Services, reply_to_json
from ..base import ModelError, Request
from ..cache import CacheError, Entry, ResponseCache
from .protocol import BatchAPI, Outcome, Status, split
from .store import BatchRecord, BatchStore, Line

Identity = tuple[str, str, str, str]  # model, case@file, strategy, task: one test


class BatchPending(ModelError):
    """A request that waits for a batch: the conversation stops here for this run."""


class BatchFailure(Exception):
    """A batch that cannot be submitted or read; the message says which and why."""


def identity(model: str, case: Case, strategy: str, task: str) -> Identity:
    return (model, f"{case.key}@{case.snippet.path}", strategy, task)


def make_api(model: APIModel) -> BatchAPI | None:
    """The batch endpoint of *model*, or None where its provider has none."""
    if model.provider == "openai":
        from .openai import OpenAIBatches

        return OpenAIBatches(model)
    if model.provider == "anthropic":
        from .anthropic import AnthropicBatches

        return AnthropicBatches(model)
    return None


@dataclass
class Summary:
    """What this run did with batches, for the terminal summary."""

    submitted: list[tuple[str, str, int]] = field(default_factory=list)  # model, batch, n
    collected: int = 0  # replies stored in the cache
    failed: dict[str, int] = field(default_factory=dict)  # why -> requests sent again
    recovered: list[str] = field(default_factory=list)  # interrupted submissions finished
    invalid: list[str] = field(default_factory=list)  # validation failures, per line
    cost: float = 0.0  # of the replies collected, at the batch rate
    direct: bool = False  # --llm-batch=off: what failed is sent directly

    def lines(self) -> list[str]:
        out = [f"recovered an interrupted submission: {text}" for text in self.recovered]
        if self.collected or self.failed:
            failed = ", ".join(f"{n} {why}" for why, n in sorted(self.failed.items()))
            how = "directly (--llm-batch=off)" if self.direct else "in a new batch"
            out.append(
                f"collected {self.collected} replies into the cache"
                + (f"; to be sent again {how}: {failed}" if failed else "")
            )
        out += [f"failed validation: {text}" for text in self.invalid]
        out += [
            f"submitted batch {batch} for {model}: {n} requests"
            for model, batch, n in self.submitted
        ]
        return out


class Batcher:
    """The run's batch state; `intercept` is called from the engine's event loop."""

    def __init__(
        self,
        services: Services,
        models: list[APIModel],
        *,
        wait: float | None = None,
        poll: float = 30.0,
        direct: bool = False,
    ) -> None:
        if services.store is None:
            raise ModelError("--llm-batch needs the reply cache (--llm-cache=use)")
        self.services = services
        self.cache: ResponseCache = services.store
        self.store = BatchStore(self.cache.directory)
        self.apis: dict[str, BatchAPI] = {}
        for model in models:
            api = make_api(model)
            if api is not None:
                self.apis[model.name] = api
                model.batcher = self
        self.wait = wait  # None: submit and leave; else seconds (inf: until done)
        self.direct = direct  # --llm-batch=off: collect what batches hold, send the rest
        self.poll = poll
        self.summary = Summary(direct=direct)
        self.fresh: set[str] = set()  # cache keys collected by this run
        self._lock = threading.Lock()
        self._new: dict[str, tuple[APIModel, Line]] = {}
        self._tests: dict[Identity, list[str]] = {}  # test -> custom ids it waits for
        self._where: dict[str, BatchRecord] = {}  # custom id -> its open batch
        self._invalid: dict[str, str] = {}

    # ------------------------------------------------------------------ the model's side
    def intercept(self, model: APIModel, key: str, body: dict[str, Any], task: Request) -> None:
        """A cache miss of *model*: note the request for a batch and raise `BatchPending`;
        with ``--llm-batch=off``, return: the request is sent directly."""
        if self.direct:
            return
        with self._lock:
            invalid = self._invalid.get(key)
            if invalid is not None:
                raise ModelError(invalid)
            record = self._where.get(key)
            if record is None:
                self.services.check_budget()  # a ModelError once --llm-budget is spent
                self._new.setdefault(key, (model, Line(key, task.sample, body)))
            test = identity(model.name, task.case, task.strategy, task.task)
            self._tests.setdefault(test, []).append(key)
        raise BatchPending(self._reason([key]))

    def waiting(self, model: str, case: Case, strategy: str, task: str) -> str | None:
        """Why a test is waiting (naming its batch and status), or None if it is not."""
        keys = self._tests.get(identity(model, case, strategy, task))
        return self._reason(keys) if keys else None

    def _reason(self, keys: list[str]) -> str:
        record = next((self._where[k] for k in keys if k in self._where), None)
        if record is None:
            return "waiting for a batch to be submitted"
        status = record.status or record.state
        return (
            f"waiting for batch {record.label} ({status}); run the same command again to collect it"
        )

    # ------------------------------------------------------------------ rounds
    def round(self, converse: Callable[[], None], progress: Callable[[str], None]) -> None:
        """Collect, converse, submit; with a wait, repeat until nothing waits or time is up."""
        deadline = None if self.wait is None else time.monotonic() + self.wait
        while True:
            self._run(self._collect())
            if self.direct:
                return  # the plugin's prefetch sends what the cache does not hold
            self._begin()
            converse()
            self._run(self._submit())
            if not self._tests or deadline is None:
                return
            if not self._run(self._wait_ended(deadline, progress)):
                self._refresh()
                return  # time is up: the tests still waiting are skipped

    def _run(self, coroutine: Any) -> Any:
        async def with_clients() -> Any:
            try:
                return await coroutine
            finally:
                for api in self.apis.values():
                    await api.aclose()

        try:
            return asyncio.run(with_clients())
        except (BatchFailure, ModelError, CacheError):
            raise
        except Exception as exc:  # the SDK's: no answer, an HTTP error, a malformed body
            raise BatchFailure(
                f"--llm-batch: the batch API did not answer as expected: {type(exc).__name__}: "
                f"{exc}; the batch records in the cache are intact: run the same command "
                "again later"
            ) from None

    def _begin(self) -> None:
        with self._lock:
            self._new.clear()
            self._tests.clear()
            self._where = {}
            for api in self.apis.values():
                self._where.update(self.store.in_flight(*self._scope(api)))
            self._invalid = self.store.invalid_all()

    def _refresh(self) -> None:
        """The waiting tests' batches as last polled (their reasons show that status)."""
        latest = {
            record.tag: record
            for api in self.apis.values()
            for record in self.store.open_batches(*self._scope(api))
        }
        self._where = {key: latest.get(r.tag, r) for key, r in self._where.items()}

    def _scope(self, api: BatchAPI) -> tuple[str, str, str]:
        return (api.provider, api.model.cache_endpoint, api.model.api_name)

    # ------------------------------------------------------------------ submit
    async def _submit(self) -> None:
        by_model: dict[str, list[Line]] = {}
        for model, line in self._new.values():
            by_model.setdefault(model.name, []).append(line)
        for name, lines in by_model.items():
            api = self.apis[name]
            for chunk in split(lines, api):
                record = await self._submit_one(api, chunk)
                for line in chunk:
                    self._where[line.custom_id] = record
                self.summary.submitted.append((name, record.label, len(chunk)))

    async def _submit_one(self, api: BatchAPI, lines: list[Line]) -> BatchRecord:
        provider, endpoint, model = self._scope(api)
        tag = self.store.record_intent(provider, model, endpoint, lines)
        step = "upload"
        try:
            file_id = await api.upload(tag, lines)
            if file_id is not None:
                self.store.update(tag, state="uploaded", file_id=file_id)
            step = "create"
            status = await api.create(tag, file_id, lines)
        except Exception as exc:
            # refused (a 4xx): nothing was created, the requests are free again; anything
            # else (no answer, a 5xx): the next run looks for what the provider holds
            status_code = getattr(exc, "status_code", None)
            refused = isinstance(status_code, int) and 400 <= status_code < 500
            if refused:
                self.store.close_batch(tag, "abandoned", f"{type(exc).__name__}: {exc}")
            raise BatchFailure(
                f"--llm-batch: submitting a batch of {len(lines)} requests for "
                f"{api.model.name} failed at the {step} step: {type(exc).__name__}: {exc}"
                + ("" if refused else "; the next run checks whether the provider holds it")
            ) from None
        self.store.update(tag, state="submitted", batch_id=status.batch_id, status=status.status)
        return self._record(tag, api)

    def _record(self, tag: str, api: BatchAPI) -> BatchRecord:
        return next(b for b in self.store.open_batches(*self._scope(api)) if b.tag == tag)

    # ------------------------------------------------------------------ collect
    async def _collect(self) -> None:
        for api in self.apis.values():
            for record in self.store.open_batches(*self._scope(api)):
                if record.state != "submitted":
                    record = await self._recover(api, record)
                    if record.state != "submitted":
                        continue
                assert record.batch_id is not None
                status = await api.status(record.batch_id)
                self.store.update(record.tag, status=status.status)
                if status.ended:
                    await self._read(api, record, status)

    async def _recover(self, api: BatchAPI, record: BatchRecord) -> BatchRecord:
        """Finish a submission a run left between two steps, creating nothing twice."""
        known = self.store.known_batch_ids(api.provider, api.model.cache_endpoint)
        file_id, batch_id = await api.find(record, known)
        what = f"{record.size} requests for {api.model.name}"
        if batch_id is not None:
            self.store.update(record.tag, state="submitted", batch_id=batch_id, file_id=file_id)
            self.summary.recovered.append(f"batch {batch_id} ({what}) was created: recorded")
        elif file_id is not None:  # uploaded, never created: create it now
            self.store.update(record.tag, state="uploaded", file_id=file_id)
            status = await api.create(record.tag, file_id, self.store.lines(record.tag))
            self.store.update(
                record.tag, state="submitted", batch_id=status.batch_id, status=status.status
            )
            self.summary.recovered.append(f"batch {status.batch_id} ({what}) created now")
        else:
            self.store.close_batch(record.tag, "abandoned", "interrupted before it was sent")
            self.summary.recovered.append(f"{what}: never reached the provider, sent again")
        return self._record(record.tag, api) if batch_id or file_id else record

    async def _read(self, api: BatchAPI, record: BatchRecord, status: Status) -> None:
        lines = {line.custom_id: line for line in self.store.lines(record.tag)}
        if status.invalid:
            self._invalidate(api, record, status, list(lines))
            return
        seen: set[str] = set()
        async for outcome in api.results(status):
            line = lines.get(outcome.custom_id)
            if line is not None and outcome.custom_id not in seen:
                seen.add(outcome.custom_id)
                self._store(api, record, line, outcome)
        if len(seen) < len(lines):  # freed by close_batch, sent again
            missing = len(lines) - len(seen)
            self.summary.failed["no result"] = self.summary.failed.get("no result", 0) + missing
        self.store.close_batch(record.tag, "collected", f"ended {status.status}")

    def _store(self, api: BatchAPI, record: BatchRecord, line: Line, outcome: Outcome) -> None:
        model = api.model
        if outcome.reply is None:
            why = outcome.kind
            self.summary.failed[why] = self.summary.failed.get(why, 0) + 1
            self.store.finish_request(record.tag, line.custom_id, "failed", outcome.problem)
            return
        reply = outcome.reply
        reply.batch = True
        reply.cost = model.price(reply)
        try:
            self.cache.put(
                Entry(
                    line.custom_id,
                    model.provider,
                    model.api_name,
                    line.sample,
                    line.body,
                    reply_to_json(reply),
                )
            )
        except CacheError as exc:
            raise BatchFailure(str(exc)) from None
        self.services.charge(reply.cost)
        self.summary.cost += reply.cost
        self.summary.collected += 1
        self.fresh.add(line.custom_id)
        self.store.finish_request(record.tag, line.custom_id, "done", None)

    def _invalidate(
        self, api: BatchAPI, record: BatchRecord, status: Status, order: list[str]
    ) -> None:
        """A batch refused at validation: the lines it names are errors, the rest sent again."""
        named: list[tuple[int | None, str]] = [
            (line, text) for line, text in status.invalid if line is not None
        ]
        blamed = named or [(None, text) for _, text in status.invalid]
        for line, text in blamed:
            ids = order if line is None else order[line - 1 : line]
            where = "its input" if line is None else f"line {line} of its input"
            message = (
                f"batch {record.label} for {api.model.name} failed validation at {where}: "
                f"{text}; send the request directly with --llm-batch=off"
            )
            self.summary.invalid.append(message)
            for custom_id in ids:
                self.store.finish_request(record.tag, custom_id, "invalid", message)
        self.store.close_batch(record.tag, "failed", "; ".join(t for _, t in status.invalid))

    # ------------------------------------------------------------------ wait
    async def _wait_ended(self, deadline: float, progress: Callable[[str], None]) -> bool:
        """Poll the open batches until all have ended (True) or the deadline passed (False)."""
        started = time.monotonic()
        while True:
            done = total = 0
            open_ = 0
            statuses: list[str] = []
            for api in self.apis.values():
                for record in self.store.open_batches(*self._scope(api)):
                    if record.batch_id is None:
                        continue
                    status = await api.status(record.batch_id)
                    self.store.update(record.tag, status=status.status)
                    done += status.done
                    total += status.total
                    if not status.ended:
                        open_ += 1
                    statuses.append(f"{record.batch_id} {status.status}")
            waited = time.monotonic() - started
            progress(
                f"llmexec batch: {done}/{total} requests done, {open_} of {len(statuses)} "
                f"batches running ({', '.join(statuses)}); waited {waited:.0f}s"
            )
            if not open_:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(self.poll, left))

    def close(self) -> None:
        self.store.close()
