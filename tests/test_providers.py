"""Providers through the real SDKs against the loopback fakes: bodies, usage, retries, errors."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.datasets import Case
from pytest_llmexec.datasets.suite import load_yaml
from pytest_llmexec.providers import ModelError, ModelSettings, make_models, route
from pytest_llmexec.providers.api import APIModel
from pytest_llmexec.providers.base import Conversation, Reply, Request
from pytest_llmexec.providers.cache import request_key
from pytest_llmexec.providers.pacing import (
    RetryPolicy,
    Transient,
    Window,
    parse_retry_after,
    send_paced,
)
from pytest_llmexec.strategies import PromptOptions, get_strategy
from tests.fakes import AnthropicFake, Fault, OpenAIFake

FAST = RetryPolicy(retries=2, rate_limit_retries=3, base_delay=0.01, max_delay=0.05)
SNIPPET = """\
snippets:
  - id: add
    category: math
    code: |
      def add(a, b):
          return a + b
    inputs:
      - {a: 1, b: 2}
"""


@pytest.fixture
def case(tmp_path: Path) -> Case:
    path = tmp_path / "b.yaml"
    path.write_text(SNIPPET)
    return load_yaml(path)[0].cases()[0]


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIFake]:
    with OpenAIFake() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        yield server


@pytest.fixture
def anthropic_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnthropicFake]:
    with AnthropicFake() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.key)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def settings(tmp_path: Path, **kwargs: Any) -> ModelSettings:
    kwargs.setdefault("cache", "off")
    return ModelSettings(cache_dir=tmp_path / "cache", retry=FAST, **kwargs)


def converse(model: Any, case: Case, sample: int = 0) -> Conversation:
    prompt = get_strategy("vp").prompt(case, PromptOptions())

    async def run() -> Conversation:
        try:
            return await model.converse(Request(case, "vp", prompt, sample=sample))
        finally:
            await model.aclose()

    return asyncio.run(run())


def one(name: str, s: ModelSettings) -> APIModel:
    model = make_models([name], s)[name]
    assert isinstance(model, APIModel)
    return model


# --------------------------------------------------------------------------- routing


@pytest.mark.parametrize(
    ("name", "base_url", "expected"),
    [
        ("gpt-4o-mini", None, ("openai", "gpt-4o-mini")),
        ("o1", None, ("openai", "o1")),
        ("o3-mini", None, ("openai", "o3-mini")),
        ("o4-mini", None, ("openai", "o4-mini")),
        ("chatgpt-4o-latest", None, ("openai", "chatgpt-4o-latest")),
        ("claude-opus-4-5", None, ("anthropic", "claude-opus-4-5")),
        ("openai:my-finetune", None, ("openai", "my-finetune")),
        ("anthropic:claude-x", None, ("anthropic", "claude-x")),
        ("qwen2.5-coder:7b", "http://localhost:11434/v1", ("openai", "qwen2.5-coder:7b")),
    ],
)
def test_route(name: str, base_url: str | None, expected: tuple[str, str]) -> None:
    assert route(name, base_url) == expected


def test_unknown_bare_name_without_base_url_is_refused() -> None:
    with pytest.raises(ModelError, match=r"--llm-model=llama3: unknown model.*--llm-base-url"):
        route("llama3", None)


def test_missing_key_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(ModelError, match="ANTHROPIC_API_KEY"):
        make_models(["claude-opus-4-5"], settings(tmp_path))
    with pytest.raises(ModelError, match="MY_KEY"):
        make_models(["gpt-4o"], settings(tmp_path, api_key_env="MY_KEY"))
    # the cache alone needs no key
    make_models(["gpt-4o"], settings(tmp_path, cache="only", api_key_env="MY_KEY"))


# --------------------------------------------------------------------------- bodies


def test_chat_model_body_has_temperature_seed_and_max_tokens(
    tmp_path: Path, case: Case, openai_fake: OpenAIFake
) -> None:
    conversation = converse(
        one("gpt-4o-mini", settings(tmp_path, seed=7, max_tokens=300)), case, sample=2
    )
    assert conversation.error is None
    body = openai_fake.requests[0].body
    assert body["temperature"] == 0
    assert body["seed"] == 9  # the run's seed plus the sample index
    assert body["max_tokens"] == 300
    assert "reasoning_effort" not in body and "max_completion_tokens" not in body
    reply = conversation.replies[0]
    assert reply.text == "[ANSWER]3[/ANSWER]"
    assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
    assert reply.finish_reason == "stop" and not reply.truncated
    assert reply.cost > 0  # gpt-4o-mini is in the price table


def test_chat_model_body_has_the_strategy_limit_and_stop_by_default(
    tmp_path: Path, case: Case, openai_fake: OpenAIFake
) -> None:
    openai_fake.responder = lambda messages, model: "[ANSWER]3"  # cut at the stop sequence
    conversation = converse(one("gpt-4o-mini", settings(tmp_path)), case)
    body = openai_fake.requests[0].body
    assert body["max_tokens"] == 512 and body["stop"] == ["[/ANSWER]"]
    # the closing tag the stop sequence cut off is put back
    assert conversation.replies[0].text == "[ANSWER]3[/ANSWER]"
    assert conversation.messages[-1]["content"] == "[ANSWER]3[/ANSWER]"


def test_reasoning_model_body_and_reasoning_tokens(
    tmp_path: Path, case: Case, openai_fake: OpenAIFake
) -> None:
    openai_fake.cached_tokens = 10
    s = settings(tmp_path, seed=7, max_tokens=5000, reasoning_effort="high")
    conversation = converse(one("o3-mini", s), case)
    body = openai_fake.requests[0].body
    assert body["max_completion_tokens"] == 5000
    assert body["reasoning_effort"] == "high"
    assert "temperature" not in body and "seed" not in body and "max_tokens" not in body
    assert "stop" not in body  # reasoning models refuse stop sequences
    usage = conversation.replies[0].usage
    assert usage.reasoning_tokens == 64
    assert usage.cached_tokens == 10


def test_anthropic_body_usage_and_thinking(
    tmp_path: Path, case: Case, anthropic_fake: AnthropicFake
) -> None:
    anthropic_fake.model_id = "claude-opus-4-5-20251101"
    s = settings(tmp_path, thinking_budget=2048, reasoning_effort="low")
    conversation = converse(one("claude-opus-4-5", s), case)
    assert conversation.error is None
    body = anthropic_fake.requests[0].body
    assert body["max_tokens"] == 512 + 2048  # VP's limit plus the thinking budget
    assert body["stop_sequences"] == ["[/ANSWER]"]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["output_config"] == {"effort": "low"}
    assert "temperature" not in body
    reply = conversation.replies[0]
    assert reply.text == "[ANSWER]3[/ANSWER]"  # thinking blocks are not the answer
    assert reply.model_id == "claude-opus-4-5-20251101"
    assert reply.cost > 0  # priced by the reported id's family
    assert reply.usage.reasoning_tokens == 32
    assert reply.finish_reason == "end_turn"


def test_thinking_budget_must_fit_under_max_tokens(
    tmp_path: Path, anthropic_fake: AnthropicFake
) -> None:
    with pytest.raises(ModelError, match="--llm-thinking-budget=4096: must be below"):
        make_models(["claude-x"], settings(tmp_path, thinking_budget=4096, max_tokens=4096))


# --------------------------------------------------------------------------- failures


def test_429_honours_retry_after_and_500_is_retried(
    tmp_path: Path, case: Case, openai_fake: OpenAIFake
) -> None:
    openai_fake.fail_next(Fault(status=429, retry_after="0"), Fault(status=500), Fault(status=503))
    model = one("gpt-4o", settings(tmp_path))
    conversation = converse(model, case)
    assert conversation.error is None
    assert [r.status for r in openai_fake.requests] == [429, 500, 503, 200]
    assert model.services.windows  # the 429 halved the window
    window = next(iter(model.services.windows.values()))
    assert window.decreases == 1


def test_retries_are_bounded_and_the_provider_message_is_kept(
    tmp_path: Path, case: Case, openai_fake: OpenAIFake
) -> None:
    openai_fake.fail_next(*[Fault(status=500)] * 10)
    conversation = converse(one("gpt-4o", settings(tmp_path)), case)
    assert conversation.error is not None
    assert "HTTP 500" in conversation.error and "injected 500" in conversation.error
    assert "gave up after 3 tries" in conversation.error
    assert len(openai_fake.requests) == 3


def test_client_errors_are_not_retried(
    tmp_path: Path, case: Case, openai_fake: OpenAIFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    conversation = converse(one("gpt-4o", settings(tmp_path)), case)
    assert conversation.error is not None and "HTTP 401" in conversation.error
    assert len(openai_fake.requests) == 1


def test_malformed_body_is_retried(tmp_path: Path, case: Case, openai_fake: OpenAIFake) -> None:
    openai_fake.fail_next(Fault(kind="malformed"))
    conversation = converse(one("gpt-4o", settings(tmp_path)), case)
    assert conversation.error is None
    assert len(openai_fake.requests) == 2
    openai_fake.fail_next(*[Fault(kind="malformed")] * 3)
    conversation = converse(one("gpt-4o", settings(tmp_path)), case)
    assert conversation.error is not None and "malformed response" in conversation.error


def test_timeout_is_retried_then_an_error(
    tmp_path: Path, case: Case, anthropic_fake: AnthropicFake
) -> None:
    anthropic_fake.fail_next(Fault(kind="hang", seconds=5))
    s = settings(tmp_path, request_timeout=0.3)
    conversation = converse(one("claude-x", s), case)
    assert conversation.error is None  # the second try answered
    anthropic_fake.fail_next(*[Fault(kind="hang", seconds=5)] * 3)
    conversation = converse(one("claude-x", s), case)
    assert conversation.error is not None and "no response" in conversation.error


def test_truncated_reply_is_flagged(
    tmp_path: Path, case: Case, anthropic_fake: AnthropicFake
) -> None:
    anthropic_fake.fail_next(Fault(kind="truncate"))
    conversation = converse(one("claude-x", settings(tmp_path)), case)
    assert conversation.replies[0].finish_reason == "max_tokens"
    assert conversation.replies[0].truncated


@pytest.mark.parametrize(
    "text, looped",
    [
        ("The loop ends; out is 3.\n" * 5, True),  # one line over and over
        ("step " + "ab" * 300, True),  # one chunk over and over, no newline
        # numbered steps, the number the only change (a real CoT reply of the 0.5B model)
        (
            "".join(f"Step {i}: n % 10 = 0\nStep {i + 1}: n //= 10 = 0\n" for i in range(8, 80, 2)),
            True,
        ),
        ("\n".join(f"{i}. i = {i}, total = {i * i}" for i in range(40)), False),
        ("\n".join(f"i = {i}: total = {i * (i + 1) // 2}" for i in range(60)), False),
        ("a long trace that ran out of room before its answer", False),
    ],
)
def test_a_loop_is_a_cut_reply_that_repeats_itself(text: str, looped: bool) -> None:
    assert Reply(text, finish_reason="length").looped is looped
    assert not Reply(text, finish_reason="stop").looped  # not cut: it ended by itself


def test_overloaded_529_backs_off(
    tmp_path: Path, case: Case, anthropic_fake: AnthropicFake
) -> None:
    anthropic_fake.fail_next(Fault(status=529, retry_after="0"))
    conversation = converse(one("claude-x", settings(tmp_path)), case)
    assert conversation.error is None
    assert [r.status for r in anthropic_fake.requests] == [529, 200]


def test_connection_refused_is_an_error_naming_the_url(
    tmp_path: Path, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    s = settings(tmp_path, base_url="http://127.0.0.1:9/v1")
    conversation = converse(one("gpt-4o", s), case)
    assert conversation.error is not None
    assert "cannot connect to http://127.0.0.1:9/v1" in conversation.error


# --------------------------------------------------------------------------- cache


def test_cache_serves_a_second_ask_and_only_mode_fails_a_miss(
    tmp_path: Path, case: Case, openai_fake: OpenAIFake
) -> None:
    s = settings(tmp_path, cache="use")
    first = converse(one("gpt-4o", s), case)
    second = converse(one("gpt-4o", s), case)
    assert len(openai_fake.requests) == 1
    assert not first.replies[0].cache_hit and second.replies[0].cache_hit
    assert second.replies[0].text == first.replies[0].text
    assert second.replies[0].usage == first.replies[0].usage
    assert second.replies[0].latency == first.replies[0].latency
    other_sample = converse(one("gpt-4o", settings(tmp_path, cache="only")), case, sample=1)
    assert (
        other_sample.error is not None and "--llm-cache=only: no stored reply" in other_sample.error
    )
    refreshed = converse(one("gpt-4o", settings(tmp_path, cache="refresh")), case)
    assert not refreshed.replies[0].cache_hit and len(openai_fake.requests) == 2


def test_key_covers_everything_that_shapes_a_request() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0}
    key = request_key("openai", "m", "http://h/v1", body, 0)
    assert key == request_key("openai", "m", "http://h/v1/", dict(body), 0)
    changed = [
        request_key("anthropic", "m", "http://h/v1", body, 0),
        request_key("openai", "m2", "http://h/v1", body, 0),
        request_key("openai", "m", "http://other/v1", body, 0),
        request_key("openai", "m", "http://h/v1", {**body, "temperature": 1}, 0),
        request_key(
            "openai",
            "m",
            "http://h/v1",
            {**body, "messages": [{"role": "user", "content": "y"}]},
            0,
        ),
        request_key("openai", "m", "http://h/v1", body, 1),
    ]
    assert key not in changed and len(set(changed)) == len(changed)


# --------------------------------------------------------------------------- pacing


def test_window_decreases_once_per_congestion_event_and_grows_back() -> None:
    async def run() -> None:
        window = Window(8)
        epochs = [await window.acquire() for _ in range(4)]
        for epoch in epochs:  # four 429s from requests sent in the same epoch
            window.release()
            window.on_rate_limit(epoch)
        assert window.size == 4 and window.decreases == 1
        for _ in range(10):
            window.on_success()
        assert window.size == 8

    asyncio.run(run())


def test_freed_slots_go_to_the_earliest_test_first() -> None:
    """A retried request of an early test does not queue behind later tests' requests."""
    served: list[int] = []

    async def run() -> None:
        window = Window(1)
        await window.acquire()

        async def wait(priority: int) -> None:
            await window.acquire(priority)
            served.append(priority)
            window.release()

        tasks = [asyncio.create_task(wait(p)) for p in (5, 1, 3, 1)]
        await asyncio.sleep(0)
        window.release()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    assert served == [1, 1, 3, 5]


def test_a_rate_limited_request_waits_retry_after_out_of_the_window() -> None:
    tries: list[float] = []

    async def run() -> str:
        loop = asyncio.get_running_loop()
        window = Window(2)

        async def send() -> str:
            tries.append(loop.time())
            assert window.in_flight == 1
            if len(tries) == 1:
                raise Transient("HTTP 429", retry_after=0.2, rate_limited=True)
            return "ok"

        result = await send_paced(window, send, FAST)
        assert window.in_flight == 0 and window.size == 2  # halved, then one slot back
        return result

    assert asyncio.run(run()) == "ok"
    assert tries[1] - tries[0] >= 0.19


def test_send_paced_gives_up_after_rate_limit_retries() -> None:
    calls = 0

    async def send() -> str:
        nonlocal calls
        calls += 1
        raise Transient("HTTP 429: slow down", retry_after=0.0, rate_limited=True)

    with pytest.raises(ModelError, match="still rate limited after 4 tries"):
        asyncio.run(send_paced(Window(4), send, FAST))
    assert calls == 4


def test_budget_check_stops_before_sending() -> None:
    async def send() -> str:
        raise AssertionError("must not be sent")

    def over() -> None:
        raise ModelError("budget of $1 spent")

    with pytest.raises(ModelError, match="budget"):
        asyncio.run(send_paced(Window(1), send, FAST, before_send=over))


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "250", "retry-after": "3"}, 0.25),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers) == seconds


def test_no_key_in_repr(tmp_path: Path, openai_fake: OpenAIFake) -> None:
    model = one("gpt-4o", settings(tmp_path))
    assert os.environ["OPENAI_API_KEY"] not in repr(model) + model.describe()


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("openai:o3-mini", "o3-mini"),
        ("o3", "o3"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4"),
        ("claude-opus-4-9", None),  # an unknown version is not priced as an old one
        ("llama3", None),
    ],
)
def test_price_lookup_by_family(model: str, family: str | None) -> None:
    from pytest_llmexec.providers.pricing import PRICES, PriceTable

    assert PriceTable().find(model) == (PRICES[family] if family else None)


def test_user_prices_extend_and_errors_name_the_file(tmp_path: Path) -> None:
    from pytest_llmexec.providers.base import Usage
    from pytest_llmexec.providers.pricing import PriceError, PriceTable, load_prices

    path = tmp_path / "prices.json"
    path.write_text('{"my-model": {"input": 1, "output": 2, "cached_input": 0.5}}')
    table = PriceTable(load_prices(path))
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cached_tokens=500_000)
    assert table.cost("my-model", usage) == pytest.approx(0.5 + 0.25 + 2)
    path.write_text('{"my-model": {"input": "cheap", "output": 2}}')
    with pytest.raises(PriceError, match=r"prices\.json: model 'my-model': input must be a number"):
        load_prices(path)
    path.write_text('{"my-model": {"input": 1}')
    with pytest.raises(PriceError, match=r"prices.json:1: invalid JSON"):
        load_prices(path)
