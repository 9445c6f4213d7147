"""How API models are reached, cached and paid for: the providers' settings of a run.

Read from the option table (`pytest_llmexec.options`); shown in the header and
the report's ``run.providers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..options import number, raw_value
from .api import CACHE_MODES

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


@dataclass(frozen=True)
class ProviderSettings:
    """How API models are reached, cached and paid for (see providers/api.py)."""

    cache: str
    cache_dir: Path
    budget: float | None
    prices: Path | None
    max_tokens: int | None
    temperature: float
    reasoning_effort: str | None
    thinking_budget: int | None
    request_timeout: float | None  # None: each provider's default
    retries: int = 5

    def header(self) -> str:
        parts = [f"cache={self.cache}"]
        if self.cache != "off":
            parts.append(f"cache-dir={self.cache_dir}")
        if self.budget is not None:
            parts.append(f"budget=${self.budget:g}")
        for name, value in (
            ("prices", self.prices),
            ("max-tokens", self.max_tokens),
            ("reasoning-effort", self.reasoning_effort),
            ("thinking-budget", self.thinking_budget),
        ):
            if value is not None:
                parts.append(f"{name}={value}")
        parts.append(f"temperature={self.temperature:g}")
        timeout = (
            f"{self.request_timeout:g}s"
            if self.request_timeout is not None
            else "600s(llamacpp:none)"
        )
        parts.append(f"request-timeout={timeout} retries={self.retries}")
        return "llmexec providers: " + " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "cache": self.cache,
            "cache_dir": str(self.cache_dir),
            "budget": self.budget,
            "prices": str(self.prices) if self.prices else None,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "reasoning_effort": self.reasoning_effort,
            "thinking_budget": self.thinking_budget,
            "request_timeout": self.request_timeout,
            "retries": self.retries,
        }


def provider_settings_from(config: pytest.Config) -> ProviderSettings:
    """Read and validate the provider options; a bad value is a `pytest.UsageError`."""
    root = Path(config.invocation_params.dir)
    cache = str(raw_value(config, "--llm-cache")).strip().lower()
    if cache not in CACHE_MODES:
        raise pytest.UsageError(f"--llm-cache={cache}: choose one of {', '.join(CACHE_MODES)}")
    cache_dir = raw_value(config, "--llm-cache-dir")
    effort = raw_value(config, "--llm-reasoning-effort")
    if effort is not None:
        effort = str(effort).strip().lower()
        if effort not in REASONING_EFFORTS:
            raise pytest.UsageError(
                f"--llm-reasoning-effort={effort}: choose one of {', '.join(REASONING_EFFORTS)}"
            )
    budget = None
    if raw_value(config, "--llm-budget") is not None:
        budget = number(config, "--llm-budget", float, 0.0)
    max_tokens = None
    if raw_value(config, "--llm-max-tokens") is not None:
        max_tokens = number(config, "--llm-max-tokens", int, 1)
    thinking = None
    if raw_value(config, "--llm-thinking-budget") is not None:
        thinking = number(config, "--llm-thinking-budget", int, 1024)
    prices = raw_value(config, "--llm-prices")
    return ProviderSettings(
        cache=cache,
        cache_dir=(root / cache_dir) if cache_dir else config.rootpath / ".llmexec",
        budget=budget,
        prices=(root / prices) if prices else None,
        max_tokens=max_tokens,
        temperature=number(config, "--llm-temperature", float, 0.0),
        reasoning_effort=effort,
        thinking_budget=thinking,
        request_timeout=(
            number(config, "--llm-request-timeout", float, 0.001)
            if raw_value(config, "--llm-request-timeout") is not None
            else None
        ),
        retries=number(config, "--llm-retries", int, 0),
    )
