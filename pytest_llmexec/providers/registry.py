"""The providers a ``--llm-model`` name can go to: built in, or added by an outside package.

An outside package adds a provider through the ``pytest_llmexec.providers``
entry-point group: a `Provider` whose ``make`` builds the `Model` of a name
written ``<prefix>:NAME``. The built-ins are made by `providers.make_model`;
they are listed here so that the option help and the markers know them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..registry import Registry
from .api import ModelSettings
from .base import Model


@dataclass(frozen=True)
class Provider:
    """A family of models: how they are named, and (an outside provider) how one is made."""

    name: str
    #: models named ``<prefix>:NAME`` go to this provider (None: a name of its own)
    prefix: str | None = None
    #: how ``--llm-model``'s help shows a bare name of it (``gpt-4o``)
    example: str = ""
    #: how ``--llm-model``'s help shows a prefixed name of it (``openai:NAME``)
    prefixed: str = ""
    #: whether a model's marker leaves the prefix out (``openai:gpt-4o`` -> ``gpt-4o``)
    strip_marker: bool = True
    #: builds the model of a ``<prefix>:NAME`` name: (the full name, NAME, the settings)
    make: Callable[[str, str, ModelSettings], Model] | None = None


PROVIDERS: Registry[Provider] = Registry("provider", "providers")
for _builtin in (
    Provider("oracle", example="oracle"),
    Provider("replay", example="replay"),
    Provider("openai", "openai", example="gpt-4o", prefixed="openai:NAME"),
    Provider("anthropic", "anthropic", example="claude-...", prefixed="anthropic:NAME"),
    Provider(
        "llamacpp",
        "llamacpp",
        prefixed="llamacpp:PATH.gguf (a llama-server the run starts and stops)",
        strip_marker=False,  # its models are named by their file's stem already
    ),
):
    PROVIDERS.register(_builtin.name, _builtin)


def outside_provider(model: str) -> Provider | None:
    """The outside provider whose prefix *model* is written with, if any."""
    head, sep, _ = model.partition(":")
    if not sep:
        return None
    return next((p for p in PROVIDERS.values() if p.make is not None and p.prefix == head), None)


def marker_prefixes() -> list[str]:
    """The prefixes a model's marker leaves out: ``openai:``, ``anthropic:``, outside ones."""
    return [f"{p.prefix}:" for p in PROVIDERS.values() if p.prefix and p.strip_marker]


def model_help() -> str:
    """``oracle, replay, gpt-4o, ..., openai:NAME, ...``: bare names first, then prefixed."""
    providers = list(PROVIDERS.values())
    shown = [p.example for p in providers if p.example]
    shown += [p.prefixed or f"{p.prefix}:NAME" for p in providers if p.prefix]
    return ", ".join(shown)
