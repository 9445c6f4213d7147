"""OpenAI chat completions, and any OpenAI-compatible server (vLLM, Ollama, llama.cpp,
LM Studio) reached through ``--llm-base-url``.

Reasoning models (o1, o3, o4, gpt-5 except its ``-chat`` variants) take
``max_completion_tokens`` and ``reasoning_effort`` and refuse a temperature,
a seed and stop sequences; their output limit is ``--llm-max-tokens`` alone,
since their hidden reasoning counts against it. The others get
``temperature`` (0 by default), ``max_tokens`` (``--llm-max-tokens``, else the
strategy's limit for the turn), the turn's ``stop`` sequences and the seed,
which compatible servers understand too.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .api import APIModel, sdk_failure
from .base import Reply, Request, SamplesRefused, Usage
from .endpoints import EndpointPool
from .pacing import Transient

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_REASONING = re.compile(r"^(o\d+($|-)|gpt-5(?!.*-chat))")


def is_reasoning(model: str) -> bool:
    return bool(_REASONING.match(model.lower()))


class OpenAIModel(APIModel):
    provider = "openai"
    sdk = "openai"

    def __init__(self, *args: Any, base_urls: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reasoning = is_reasoning(self.api_name)
        #: several servers of this model (--llm-base-url=URL1,URL2): least-in-flight routing
        self.pool = (
            EndpointPool(base_urls, self._client_for, _stopped_answering)
            if len(base_urls) > 1
            else None
        )

    def describe(self) -> str:
        if self.pool is None:
            return super().describe()
        urls = ", ".join(e.url for e in self.pool.endpoints)
        return f"{self.name} ({self.provider} at {urls}: the least busy first)"

    def request_body(self, messages: list[dict[str, Any]], task: Request) -> dict[str, Any]:
        s = self.settings
        body: dict[str, Any] = {"model": self.api_name, "messages": messages}
        if self.reasoning:
            if s.max_tokens is not None:
                body["max_completion_tokens"] = s.max_tokens
            if s.reasoning_effort is not None:
                body["reasoning_effort"] = s.reasoning_effort
        else:
            body["temperature"] = s.temperature
            limit = s.max_tokens or task.max_tokens
            if limit:
                body["max_tokens"] = limit
            if task.stop:
                body["stop"] = list(task.stop)
            if s.seed is not None:
                body["seed"] = s.seed + task.sample
        return body

    def make_client(self, api_key: str) -> Any:
        import openai

        return openai.AsyncOpenAI(
            api_key=api_key,
            base_url=self.base_url,
            max_retries=0,
            timeout=self.request_timeout,
        )

    def _client_for(self, url: str) -> Any:
        import openai

        return openai.AsyncOpenAI(
            api_key=self._api_key or "unused",
            base_url=url,
            max_retries=0,
            timeout=self.request_timeout,
        )

    async def _create(self, body: dict[str, Any]) -> Any:
        if self.pool is None:
            return await self.client().chat.completions.create(**body)
        return await self.pool.call(lambda client: client.chat.completions.create(**body))

    async def close_client(self) -> None:
        await super().close_client()
        if self.pool is not None:
            await self.pool.aclose()

    async def send(self, body: dict[str, Any]) -> Reply:
        import openai

        try:
            response = await self._create(body)
        except (openai.APIError, json.JSONDecodeError) as exc:
            raise sdk_failure(exc, openai, self.base_url, self.request_timeout, (429,)) from None
        return self._reply(response)

    async def send_samples(self, body: dict[str, Any]) -> list[Reply]:
        import openai

        try:
            response = await self._create(body)
        except openai.BadRequestError:
            raise SamplesRefused from None  # e.g. "n" not supported: one request per sample
        except (openai.APIError, json.JSONDecodeError) as exc:
            raise sdk_failure(exc, openai, self.base_url, self.request_timeout, (429,)) from None
        choices = getattr(response, "choices", None) or []
        replies = [self._reply(response, index) for index in range(len(choices))]
        for reply in replies[1:]:
            reply.usage = Usage()  # the request's usage is counted once, on the first
        return replies

    def parse_reply(self, response: Any) -> Reply:
        return self._reply(response)

    def _reply(self, response: Any, index: int = 0) -> Reply:
        choices = getattr(response, "choices", None)
        if not choices or len(choices) <= index:
            raise Transient(f"malformed response from {self.base_url}: no choices")
        choice = choices[index]
        message = getattr(choice, "message", None)
        if message is None:
            raise Transient(f"malformed response from {self.base_url}: no message")
        text = message.content or getattr(message, "refusal", None) or ""
        usage = Usage()
        raw = getattr(response, "usage", None)
        if raw is not None:
            usage.input_tokens = raw.prompt_tokens or 0
            usage.output_tokens = raw.completion_tokens or 0
            details = raw.completion_tokens_details
            if details is not None:
                usage.reasoning_tokens = details.reasoning_tokens or 0
            prompt_details = raw.prompt_tokens_details
            if prompt_details is not None:
                usage.cached_tokens = prompt_details.cached_tokens or 0
        return Reply(
            text=text,
            usage=usage,
            model_id=getattr(response, "model", None) or self.api_name,
            finish_reason=choice.finish_reason,
        )


def _stopped_answering(exc: BaseException) -> bool:
    """A refused, dropped or cut-off connection, or no reply in time: the endpoint is gone."""
    import openai

    return isinstance(exc, openai.APIConnectionError)  # APITimeoutError is one too
