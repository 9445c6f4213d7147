"""Several servers for one model (``--llm-base-url=URL1,URL2``) through ``pytest -p llmexec``:
least-in-flight routing, an endpoint that dies mid-run, a reply cut mid-way. The servers
are the loopback fakes, spoken to through the official openai SDK."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_llmexec.providers.base import ModelError
from pytest_llmexec.providers.endpoints import EndpointPool
from tests.fakes import Fault, OpenAIFake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CASES = 40


def suite() -> str:
    inputs = ", ".join(repr(str(i)) for i in range(CASES // 2))
    return (
        "category: math\nsnippets:\n"
        "  - id: sq\n    code: |\n      def sq(x):\n          return x * x\n"
        f"    inputs: [{inputs}]\n"
        "  - id: neg\n    code: |\n      def neg(x):\n          return -x\n"
        f"    inputs: [{inputs}]\n"
    )


@pytest.fixture
def pair(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenAIFake, OpenAIFake]]:
    first, second = OpenAIFake(latency=0.3), OpenAIFake(latency=0.05)
    with first, second:
        monkeypatch.setenv("OPENAI_API_KEY", first.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        yield first, second


def run(
    pytester: pytest.Pytester, urls: list[str], *extra: str, cache: str = "use"
) -> pytest.RunResult:
    pytester.makefile(".yaml", bench=suite())
    return pytester.runpytest_subprocess(
        "-p",
        "llmexec",
        "--llm-model=gpt-4o-mini",
        f"--llm-base-url={','.join(urls)}",
        "--llm-examples=0",
        "--llm-concurrency=6",
        f"--llm-cache={cache}",
        "--llm-report=report.json",
        *extra,
    )


def report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / "report.json").read_text())
    return data


def die_once_it_has_answered(server: OpenAIFake, after: float = 0.15) -> None:
    """Stop *server* *after* seconds into the first request it gets once it has answered one.

    Counting requests instead ("its 7th") made the test depend on the machine's speed: the
    least-busy routing gives a slow endpoint fewer requests on a fast machine, and when it got
    fewer than the count it was never stopped. Its latency must exceed *after*, so that the
    request is still in flight when the server stops (then it is moved to the other)."""
    armed = threading.Event()

    def plan(number: int) -> Fault | None:
        if server.completions and not armed.is_set():
            armed.set()
            threading.Timer(after, server.stop).start()
        return None

    server.plan = plan


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize(
    "workers",
    [("-p", "no:xdist"), pytest.param(("-n", "2"), marks=pytest.mark.slow)],
    ids=["plain", "xdist"],
)
def test_two_endpoints_one_killed_mid_run_every_case_gets_its_verdict(
    pytester: pytest.Pytester, pair: tuple[OpenAIFake, OpenAIFake], workers: tuple[str, ...]
) -> None:
    first, second = pair
    # first (0.3 s a reply) answers its first requests, then stops while one is in flight;
    # second at 0.1 s a reply keeps the run going past first's first replies (it serves at
    # most 60 requests a second per pytest process with 6 in flight), even under -n 2
    second.latency = 0.1
    die_once_it_has_answered(first, after=0.15)
    result = run(pytester, [first.url, second.url], *workers)
    result.assert_outcomes(passed=CASES)  # every case correct: nothing lost, nothing half
    result.stdout.fnmatch_lines(
        [
            f"llmexec endpoints: gpt-4o-mini (openai at {first.url}, {second.url}: the least "
            "busy first); one that stops answering leaves the rotation",
            f"llmexec endpoint {first.url}: served * requests, * moved to others; out of "
            "rotation: APIConnectionError*",
            f"llmexec endpoint {second.url}: served * requests",
        ]
    )
    served = report(pytester)["endpoints"]
    assert served[first.url]["out_of_rotation"]
    assert served[first.url]["served"] > 0
    assert served[first.url]["moved"] >= 1  # in flight when it died: sent to the other
    assert served[second.url]["out_of_rotation"] is None
    assert served[first.url]["served"] + served[second.url]["served"] == CASES
    assert served[first.url]["served"] == len(first.completions)
    assert len(second.completions) == served[second.url]["served"]
    # every reply paid for was stored: a rerun from the cache alone asks nothing (cache keys
    # name the first endpoint, whichever served the reply)
    again = run(pytester, [first.url, second.url], "-p", "no:xdist", cache="only")
    again.assert_outcomes(passed=CASES)


def test_requests_go_to_the_endpoint_with_fewest_in_flight(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, fast = OpenAIFake(latency=0.6), OpenAIFake(latency=0.02)
    with slow, fast:
        monkeypatch.setenv("OPENAI_API_KEY", slow.key)
        result = run(pytester, [slow.url, fast.url], "-p", "no:xdist", "--llm-concurrency=4")
        result.assert_outcomes(passed=CASES)
        served = report(pytester)["endpoints"]
        assert served[slow.url]["served"] + served[fast.url]["served"] == CASES
        # the slow one holds its requests longer, so the fast one gets most of the rest
        assert 0 < served[slow.url]["served"] < served[fast.url]["served"]
        assert slow.peak <= 4 and fast.peak <= 4


def test_a_reply_cut_mid_way_is_asked_again_elsewhere(
    pytester: pytest.Pytester, pair: tuple[OpenAIFake, OpenAIFake]
) -> None:
    first, second = pair
    first.fail_next(Fault(kind="cut"))
    result = run(pytester, [first.url, second.url], "-p", "no:xdist")
    result.assert_outcomes(passed=CASES)
    served = report(pytester)["endpoints"]
    assert "APIConnectionError" in served[first.url]["out_of_rotation"]
    assert served[first.url]["moved"] >= 1
    assert served[first.url]["served"] + served[second.url]["served"] == CASES
    assert [c["verdict"] for c in report(pytester)["cases"]] == ["correct"] * CASES


def test_when_every_endpoint_is_gone_the_request_is_an_error_naming_them() -> None:
    class Gone(Exception):
        pass

    async def refuse(client: Any) -> str:
        raise Gone("connection refused")

    pool = EndpointPool(
        ("http://a/v1", "http://b/v1"), lambda url: url, lambda e: isinstance(e, Gone)
    )
    with pytest.raises(ModelError, match=r"every endpoint stopped answering: http://a/v1 \(Gone"):
        asyncio.run(pool.call(refuse))
    assert [e.moved for e in pool.endpoints] == [1, 1]


def test_an_anthropic_model_takes_one_url(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", bench=suite())
    result = pytester.runpytest_subprocess(
        "-p",
        "llmexec",
        "--llm-model=claude-haiku-4-5",
        "--llm-base-url=http://127.0.0.1:9/v1,http://127.0.0.1:10/v1",
        "--llm-cache=only",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*several --llm-base-url endpoints serve OpenAI-compatible*"])
