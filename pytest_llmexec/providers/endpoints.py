"""Several servers for one model (``--llm-base-url=URL1,URL2``): least-in-flight routing.

Each request goes to the endpoint of the pool with the fewest requests in
flight (ties: the one that has served fewest, then the order given). An
endpoint that stops answering (the connection is refused or dropped, or no
reply comes within the request timeout) is taken out of rotation for the rest
of the run, and the request is sent again at once to another endpoint; so are
the other requests that were in flight to it, as each of them fails in turn.
A reply cut off mid-way is such a failure: nothing is scored from half a reply.
Replies already received were stored in the cache as they arrived, so nothing
paid for is lost. Other failures (a 429, a 5xx) are not the endpoint's death:
they go back to the usual retries, which pick an endpoint again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from .base import ModelError

T = TypeVar("T")


@dataclass
class Endpoint:
    url: str
    client: Any = None
    in_flight: int = 0
    served: int = 0  # requests answered
    moved: int = 0  # requests sent here that had to go to another endpoint
    down: str | None = None  # why it left the rotation

    def to_json(self) -> dict[str, Any]:
        return {"served": self.served, "moved": self.moved, "out_of_rotation": self.down}


class EndpointPool:
    """The endpoints of one model; *lost* says whether an exception means "stopped answering"."""

    def __init__(
        self,
        urls: tuple[str, ...],
        make_client: Callable[[str], Any],
        lost: Callable[[BaseException], bool],
    ) -> None:
        self.endpoints = [Endpoint(url) for url in urls]
        self._make_client = make_client
        self._lost = lost

    def pick(self) -> Endpoint:
        alive = [e for e in self.endpoints if e.down is None]
        if not alive:
            raise ModelError(
                "every endpoint stopped answering: "
                + "; ".join(f"{e.url} ({e.down})" for e in self.endpoints)
                + ". Replies already received are in the cache: a rerun resumes from there"
            )
        return min(alive, key=lambda e: (e.in_flight, e.served))

    async def call(self, request: Callable[[Any], Awaitable[T]]) -> T:
        """*request* on the client of the least busy endpoint; moved on if the endpoint dies."""
        while True:
            endpoint = self.pick()
            if endpoint.client is None:
                endpoint.client = self._make_client(endpoint.url)
            endpoint.in_flight += 1
            try:
                result = await request(endpoint.client)
            except BaseException as exc:
                if not self._lost(exc):
                    raise
                endpoint.moved += 1
                if endpoint.down is None:
                    endpoint.down = f"{type(exc).__name__}: {exc}"[:200]
                continue
            finally:
                endpoint.in_flight -= 1
            endpoint.served += 1
            return result

    def counts(self) -> dict[str, dict[str, Any]]:
        return {e.url: e.to_json() for e in self.endpoints}

    async def aclose(self) -> None:
        for endpoint in self.endpoints:
            if endpoint.client is not None:
                await endpoint.client.close()
                endpoint.client = None


def add_counts(into: dict[str, dict[str, Any]], counts: dict[str, dict[str, Any]]) -> None:
    """Sum per-endpoint counts (of xdist workers, of shards) into *into*."""
    for url, entry in counts.items():
        total = into.setdefault(url, {"served": 0, "moved": 0, "out_of_rotation": None})
        total["served"] += int(entry.get("served") or 0)
        total["moved"] += int(entry.get("moved") or 0)
        total["out_of_rotation"] = total["out_of_rotation"] or entry.get("out_of_rotation")


def describe(counts: dict[str, dict[str, Any]]) -> list[str]:
    """Terminal lines: how many requests each endpoint served."""
    return [
        f"llmexec endpoint {url}: served {entry['served']} requests"
        + (f", {entry['moved']} moved to others" if entry["moved"] else "")
        + (f"; out of rotation: {entry['out_of_rotation']}" if entry["out_of_rotation"] else "")
        for url, entry in counts.items()  # in the order given
    ]


def endpoint_counts(models: Iterable[object]) -> dict[str, dict[str, Any]]:
    """The counts of every model that has a pool (this process's requests)."""
    total: dict[str, dict[str, Any]] = {}
    for model in models:
        pool = getattr(model, "pool", None)
        if isinstance(pool, EndpointPool):
            add_counts(total, pool.counts())
    return total
