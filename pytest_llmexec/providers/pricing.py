"""What a reply cost: a price table for common models, extensible from a JSON file.

Prices are US dollars per million tokens and were taken from the providers'
public price pages (late 2025); they change, so a user can override or add
models with ``--llm-prices=FILE``. A model is matched by the longest table
entry its name starts with, so dated ids (``gpt-4o-2024-08-06``) and
provider prefixes (``openai:gpt-4o``) find their family's price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .base import Usage


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float | None = None  # a cache read; defaults to the input price

    def cost(self, usage: Usage) -> float:
        """Input tokens include cached ones; output tokens include reasoning ones."""
        cached = min(usage.cached_tokens, usage.input_tokens)
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return (
            (usage.input_tokens - cached) * self.input
            + cached * cached_rate
            + usage.output_tokens * self.output
        ) / 1_000_000


PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-5": Price(1.25, 10.0, 0.125),
    "gpt-5-mini": Price(0.25, 2.0, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
    "gpt-4.1": Price(2.0, 8.0, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-4o": Price(2.50, 10.0, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "gpt-4-turbo": Price(10.0, 30.0),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "chatgpt-4o-latest": Price(5.0, 15.0),
    "o1": Price(15.0, 60.0, 7.50),
    "o1-mini": Price(1.10, 4.40, 0.55),
    "o3": Price(2.0, 8.0, 0.50),
    "o3-mini": Price(1.10, 4.40, 0.55),
    "o4-mini": Price(1.10, 4.40, 0.275),
    # Anthropic (cache reads at a tenth of the input price)
    "claude-opus-4-5": Price(5.0, 25.0, 0.50),
    "claude-opus-4-0": Price(15.0, 75.0, 1.50),
    "claude-opus-4-20250514": Price(15.0, 75.0, 1.50),
    "claude-opus-4-1": Price(15.0, 75.0, 1.50),
    "claude-sonnet-4": Price(3.0, 15.0, 0.30),
    "claude-haiku-4-5": Price(1.0, 5.0, 0.10),
    "claude-3-7-sonnet": Price(3.0, 15.0, 0.30),
    "claude-3-5-sonnet": Price(3.0, 15.0, 0.30),
    "claude-3-5-haiku": Price(0.80, 4.0, 0.08),
    "claude-3-opus": Price(15.0, 75.0, 1.50),
    "claude-3-haiku": Price(0.25, 1.25, 0.03),
}


class PriceError(Exception):
    """A price file that cannot be read; the message names the file and the entry."""


def load_prices(path: Path) -> dict[str, Price]:
    """``{"model": {"input": USD/Mtok, "output": USD/Mtok, "cached_input": USD/Mtok}}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceError(f"--llm-prices: no such file: {path}") from None
    except json.JSONDecodeError as exc:
        raise PriceError(f"--llm-prices: {path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise PriceError(f'--llm-prices: {path}: expected an object {{"model": {{...}}}}')
    prices: dict[str, Price] = {}
    for name, entry in data.items():
        where = f"--llm-prices: {path}: model {name!r}"
        if not isinstance(entry, dict) or not {"input", "output"} <= entry.keys():
            raise PriceError(f'{where}: expected {{"input": N, "output": N}} (USD per 1M tokens)')
        unknown = set(entry) - {"input", "output", "cached_input"}
        if unknown:
            raise PriceError(f"{where}: unknown field(s) {sorted(unknown)}")
        values = {k: entry[k] for k in ("input", "output", "cached_input") if k in entry}
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise PriceError(f"{where}: {key} must be a number >= 0, got {value!r}")
        prices[name] = Price(**{k: float(v) for k, v in values.items()})
    return prices


class PriceTable:
    """The built-in prices, overridden and extended by the user's."""

    def __init__(self, extra: dict[str, Price] | None = None) -> None:
        self.prices = {**PRICES, **(extra or {})}

    def find(self, model: str) -> Price | None:
        """The longest entry that *model* (without a provider prefix) starts with."""
        head, sep, rest = model.partition(":")
        bare = rest if sep and head in ("openai", "anthropic") else model
        best: str | None = None
        for name in self.prices:
            if (bare == name or bare.startswith(name + "-")) and (
                best is None or len(name) > len(best)
            ):
                best = name
        return self.prices[best] if best is not None else None

    def cost(self, model: str, usage: Usage) -> float | None:
        price = self.find(model)
        return None if price is None else price.cost(usage)
