"""Models: the offline oracle and replay, and chat APIs (OpenAI, Anthropic, compatible)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .base import ChatModel, Conversation, Model, ModelError, Reply, Task, Usage

__all__ = [
    "ChatModel",
    "Conversation",
    "Model",
    "ModelError",
    "ModelSettings",
    "Reply",
    "Task",
    "Usage",
    "make_model",
]


@dataclass(frozen=True)
class ModelSettings:
    """Everything from the command line that shapes how models are reached."""

    replay: Path | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    concurrency: int = 8


def make_model(name: str, settings: ModelSettings) -> Model:
    """The model named *name*; a `ModelError` says why it cannot be served."""
    if name == "oracle":
        from .oracle import Oracle

        return Oracle()
    if name == "replay":
        from .replay import Replay

        return Replay(settings.replay)
    raise ModelError(
        f"--llm-model={name}: no provider serves this model yet; "
        "the built-in models are 'oracle' and 'replay'"
    )
