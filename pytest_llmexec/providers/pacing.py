"""Pacing of API requests: an AIMD concurrency window, Retry-After, and bounded retries.

A provider turns its SDK's exceptions into `Transient` (worth another try:
429, 5xx, timeouts, connection errors, malformed bodies) or `ModelError`
(not: a bad request, a bad key). `send_paced` then

- holds a slot of the endpoint's `Window` while a request is in flight; the
  window starts at ``--llm-concurrency`` and is halved on a 429 (once per
  congestion event: requests that started before the last decrease do not
  decrease it again) and grows back by one slot per success — additive
  increase, multiplicative decrease, as TCP does; under a lasting limit the
  window shrinks to one request probing at a time;
- on a 429 the request waits ``Retry-After`` (``retry-after-ms`` first; a
  backoff when the server gives none) out of the window, then retries;
- retries other transient errors after an exponential backoff with jitter;
- gives up after a bounded number of tries with the provider's last message,
  which becomes the test's ``error`` verdict.

The SDKs' own retries are off (``max_retries=0``) so these are the only ones.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from .base import ModelError

T = TypeVar("T")


class Transient(Exception):
    """A failure worth retrying; *retry_after* is the server's wish in seconds, if any."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, rate_limited: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5  # further tries after a 5xx, timeout, connection error or bad body
    rate_limit_retries: int = 12  # further tries after a 429
    base_delay: float = 0.5  # seconds; doubles with every try
    max_delay: float = 30.0
    max_retry_after: float = 300.0  # a longer Retry-After is an error, not a wait

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return float(delay / 2 + random.uniform(0, delay / 2))


class Window:
    """Concurrency slots for one endpoint, with an adaptive size.

    A freed slot is handed straight to the waiter with the lowest *priority*
    (the test's position in the run; ties: first come, first served). Tests
    run in order, so a retried request of an early test must not queue behind
    the prefetched requests of all later ones: the test would wait for them.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = float(limit)
        self.in_flight = 0
        self.epoch = 0  # bumped by every decrease
        self.decreases = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []  # a heap
        self._arrivals = itertools.count()

    @property
    def capacity(self) -> int:
        return max(1, int(self.size))

    async def acquire(self, priority: int = 0) -> int:
        """Wait for a slot; returns the epoch it was granted in."""
        if not self._waiters and self.in_flight < self.capacity:
            self.in_flight += 1
            return self.epoch
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._arrivals), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            raise  # a cancelled future left in the heap is skipped by _wake
        return self.epoch

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.capacity:
            waiter = heapq.heappop(self._waiters)[2]
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def on_success(self) -> None:
        """Additive increase: one slot more per success, up to the limit."""
        if self.size < self.limit:
            self.size = min(float(self.limit), self.size + 1.0)
            self._wake()

    def on_rate_limit(self, epoch: int) -> None:
        """Multiplicative decrease, once per congestion event: a request granted before
        the last decrease does not decrease the window again."""
        if epoch == self.epoch:
            self.size = max(1.0, self.size / 2)
            self.epoch += 1
            self.decreases += 1


async def send_paced(
    window: Window,
    send: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    cap: asyncio.Semaphore | None = None,
    before_send: Callable[[], None] | None = None,
    priority: int = 0,
) -> T:
    """Run *send* in a slot of *window*, retrying transient failures as the policy says.

    *cap* bounds the requests in flight across all endpoints of the process;
    *priority* orders the waiters of the window (lower first).
    *before_send* runs in the slot just before each try (the budget check), and
    may raise `ModelError` to stop.
    """
    failures = 0
    limited = 0
    while True:
        epoch = await window.acquire(priority)
        try:
            if cap is not None:
                await cap.acquire()
            try:
                if before_send is not None:
                    before_send()
                result = await send()
            finally:
                if cap is not None:
                    cap.release()
        except Transient as exc:
            window.release()
            if exc.rate_limited:
                limited += 1
                if limited > policy.rate_limit_retries:
                    raise ModelError(f"{exc} (still rate limited after {limited} tries)") from None
                pause = exc.retry_after if exc.retry_after is not None else policy.backoff(limited)
                if pause > policy.max_retry_after:
                    raise ModelError(f"{exc} (Retry-After of {pause:g}s is too long)") from None
                window.on_rate_limit(epoch)
                await asyncio.sleep(pause)  # out of the window: others go on, fewer at once
                continue
            failures += 1
            if failures > policy.retries:
                raise ModelError(f"{exc} (gave up after {failures} tries)") from None
            delay = policy.backoff(failures)
            if exc.retry_after is not None:
                delay = max(delay, min(exc.retry_after, policy.max_retry_after))
            await asyncio.sleep(delay)
            continue
        except BaseException:
            window.release()
            raise
        window.release()
        window.on_success()
        return result


def parse_retry_after(headers: object) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            if divisor == 1.0:
                return _http_date_delay(str(value))
            continue
        if seconds >= 0:
            return seconds
    return None


def _http_date_delay(value: str) -> float | None:
    import email.utils
    import time

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
