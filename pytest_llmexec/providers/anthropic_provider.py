"""Anthropic messages.

The body has ``max_tokens`` (required by the API: ``--llm-max-tokens``, else
the strategy's limit for the turn, or 4096, plus the thinking budget), the
turn's ``stop_sequences``, the system prompt apart from the turns, an
optional ``thinking`` budget (``--llm-thinking-budget``) and an optional
``output_config.effort`` (``--llm-reasoning-effort``). The Anthropic SDK 2.x
takes no sampling parameters (no temperature, no seed), so none are sent.
"""

from __future__ import annotations

import json
from typing import Any

from .api import APIModel, sdk_failure
from .base import ModelError, Reply, Request, Usage
from .pacing import Transient

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MAX_TOKENS = 4096
EFFORTS = ("low", "medium", "high", "xhigh", "max")


class AnthropicModel(APIModel):
    provider = "anthropic"
    sdk = "anthropic"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s = self.settings
        if s.reasoning_effort is not None and s.reasoning_effort not in EFFORTS:
            raise ModelError(
                f"--llm-reasoning-effort={s.reasoning_effort}: Anthropic models take "
                f"{', '.join(EFFORTS)}"
            )
        if (
            s.max_tokens is not None
            and s.thinking_budget is not None
            and s.thinking_budget >= s.max_tokens
        ):
            raise ModelError(
                f"--llm-thinking-budget={s.thinking_budget}: must be below --llm-max-tokens "
                f"({s.max_tokens})"
            )

    def limit(self, task: Request) -> int:
        s = self.settings
        return s.max_tokens or (task.max_tokens or DEFAULT_MAX_TOKENS) + (s.thinking_budget or 0)

    def request_body(self, messages: list[dict[str, Any]], task: Request) -> dict[str, Any]:
        s = self.settings
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        turns = [
            {"role": m["role"], "content": m["content"]}
            for m in messages
            if m["role"] in ("user", "assistant")
        ]
        if task.prompt.cache_prefix and turns and turns[-1]["role"] == "user":
            # a multi-turn strategy (IIP) resends a growing prefix: one cache breakpoint on
            # the newest turn lets the next request read everything before it from the cache
            turns[-1] = {
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": turns[-1]["content"],
                        "cache_control": {"type": "ephemeral"},
                    }
                ],
            }
        body: dict[str, Any] = {
            "model": self.api_name,
            "max_tokens": self.limit(task),
            "messages": turns,
        }
        if task.stop:
            body["stop_sequences"] = list(task.stop)
        if system:
            body["system"] = system
        if s.thinking_budget is not None:
            body["thinking"] = {"type": "enabled", "budget_tokens": s.thinking_budget}
        if s.reasoning_effort is not None:
            body["output_config"] = {"effort": s.reasoning_effort}
        return body

    def make_client(self, api_key: str) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=self.base_url,
            max_retries=0,
            timeout=self.request_timeout,
        )

    async def send(self, body: dict[str, Any]) -> Reply:
        import anthropic

        try:
            message = await self.client().messages.create(**body)
        except (anthropic.APIError, json.JSONDecodeError) as exc:
            raise sdk_failure(
                exc, anthropic, self.base_url, self.request_timeout, (429, 529)
            ) from None
        return self._reply(message)

    def parse_reply(self, response: Any) -> Reply:
        return self._reply(response)

    def _reply(self, message: Any) -> Reply:
        content = getattr(message, "content", None)
        if not isinstance(content, list):
            raise Transient(f"malformed response from {self.base_url}: no content")
        text = "".join(
            getattr(block, "text", "") for block in content if getattr(block, "type", "") == "text"
        )
        usage = Usage()
        raw = getattr(message, "usage", None)
        if raw is not None:
            read = raw.cache_read_input_tokens or 0
            written = raw.cache_creation_input_tokens or 0
            # Anthropic counts cache reads and writes apart from input_tokens; ours includes them
            usage.input_tokens = (raw.input_tokens or 0) + read + written
            usage.cached_tokens = read
            usage.output_tokens = raw.output_tokens or 0
            details = getattr(raw, "output_tokens_details", None)
            if details is not None:
                usage.reasoning_tokens = getattr(details, "thinking_tokens", 0) or 0
        return Reply(
            text=text,
            usage=usage,
            model_id=getattr(message, "model", None) or self.api_name,
            finish_reason=getattr(message, "stop_reason", None),
        )
