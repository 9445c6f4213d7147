"""Models: the offline oracle and replay, and chat APIs (OpenAI, Anthropic, compatible).

Model names: ``oracle``, ``replay``, ``openai:NAME``, ``anthropic:NAME``, and
bare names routed by family: ``gpt-``, ``o1``, ``o3``, ``o4``, ``chatgpt-`` go
to OpenAI, ``claude-`` to Anthropic; any other bare name goes to the
OpenAI-compatible server of ``--llm-base-url`` when one is given.
``llamacpp:PATH.gguf`` is served by a llama-server that the run starts
(`llamacpp`), and is named by the file's stem.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Iterable

from .api import CACHE_MODES, APIModel, ModelSettings, Services, check_base_url, resolve_key
from .base import ChatModel, Conversation, Model, ModelError, Reply, Request, Usage
from .registry import outside_provider

__all__ = [
    "CACHE_MODES",
    "ChatModel",
    "Conversation",
    "Model",
    "ModelError",
    "ModelSettings",
    "Reply",
    "Request",
    "Services",
    "Usage",
    "finish_warm_up",
    "is_api_model",
    "make_model",
    "make_models",
    "route",
    "warm_up",
]

PROVIDERS = ("openai", "anthropic")
OPENAI_FAMILIES = ("gpt-", "o1", "o3", "o4", "chatgpt-")
ANTHROPIC_FAMILIES = ("claude-",)


def route(name: str, base_url: str | None) -> tuple[str, str]:
    """(provider, the model name the API is given) for a ``--llm-model`` name."""
    head, sep, rest = name.partition(":")
    if sep and head in PROVIDERS:
        if not rest:
            raise ModelError(f"--llm-model={name}: give a model name after '{head}:'")
        return head, rest
    lowered = name.lower()
    if lowered.startswith(OPENAI_FAMILIES):
        return "openai", name
    if lowered.startswith(ANTHROPIC_FAMILIES):
        return "anthropic", name
    if base_url:
        return "openai", name  # an OpenAI-compatible server: vLLM, Ollama, llama.cpp, ...
    raise ModelError(
        f"--llm-model={name}: unknown model; built-in models are 'oracle' and 'replay', "
        f"API models are openai:NAME, anthropic:NAME or a name starting with "
        f"{', '.join(OPENAI_FAMILIES + ANTHROPIC_FAMILIES)}; for a local OpenAI-compatible "
        "server give --llm-base-url"
    )


def is_api_model(model: Model) -> bool:
    """Whether *model* sends requests to an API (and so uses the cache, budget and prices)."""
    return isinstance(model, APIModel)


def warm_up(models: Iterable[Model]) -> list[threading.Thread]:
    """Import the SDKs the models will use on a background thread, so that the import
    overlaps with collection instead of delaying the first request.

    The caller joins the threads before the interpreter exits (`finish_warm_up`): a
    daemon thread still inside an extension module's import when Python finalizes
    aborts the process ("FATAL: exception not rethrown"), as a fast ``--co`` run showed.
    """
    sdks = {
        m.sdk
        for m in models
        if isinstance(m, APIModel) and m.settings.cache != "only" and m.sdk not in sys.modules
    }
    threads = [
        threading.Thread(
            target=importlib.import_module, args=(sdk,), name=f"import-{sdk}", daemon=True
        )
        for sdk in sorted(sdks)
    ]
    for thread in threads:
        thread.start()
    return threads


def finish_warm_up(threads: Iterable[threading.Thread]) -> None:
    """Wait for the SDK imports `warm_up` started (they take a second or two at most)."""
    for thread in threads:
        thread.join()


def make_model(name: str, settings: ModelSettings, services: Services | None = None) -> Model:
    """The model named *name*; a `ModelError` says why it cannot be served.

    API models of one run should share one `Services` (cache, budget, pacing):
    `make_models` does that. A ``llamacpp:`` model needs its running server in
    ``settings.endpoints``. A name written with an outside provider's prefix
    (`registry`) is made by that provider.
    """
    outside = outside_provider(name)
    if outside is not None and outside.make is not None:
        api_name = name.partition(":")[2]
        if not api_name:
            raise ModelError(f"--llm-model={name}: give a model name after '{outside.prefix}:'")
        return outside.make(name, api_name, settings)
    if name.startswith("llamacpp:"):
        from .llamacpp import Endpoint, LlamaCppModel, check_model_file, label

        path = check_model_file(name)
        endpoint = settings.endpoints.get(name)
        if endpoint is None:
            raise ModelError(f"--llm-model={name}: no llama-server was started for it")
        return LlamaCppModel(
            label(name),
            label(name),
            services or Services(settings),
            endpoint=Endpoint.from_json(endpoint),
            model_path=path,
        )
    if name == "oracle":
        from .oracle import Oracle

        return Oracle()
    if name == "replay":
        from .replay import Replay

        return Replay(settings.replay, settings.replay_by_task)
    provider, api_name = route(name, settings.base_url)
    if services is None:
        services = Services(settings)
    if provider == "openai":
        from .openai_provider import DEFAULT_BASE_URL, OpenAIModel

        base_url = check_base_url(
            settings.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        )
        key = resolve_key("OpenAI", "OPENAI_API_KEY", settings, name)
        replicas = tuple(map(check_base_url, settings.base_urls))
        return OpenAIModel(
            name,
            api_name,
            services,
            base_url=base_url,
            api_key=key,
            base_urls=replicas if len(replicas) > 1 else (),
        )
    if len(settings.base_urls) > 1:
        raise ModelError(
            f"--llm-model={name}: several --llm-base-url endpoints serve OpenAI-compatible "
            "models only; give one URL for an Anthropic model"
        )
    from .anthropic_provider import DEFAULT_BASE_URL as ANTHROPIC_URL
    from .anthropic_provider import AnthropicModel

    base_url = check_base_url(
        settings.base_url or os.environ.get("ANTHROPIC_BASE_URL") or ANTHROPIC_URL
    )
    key = resolve_key("Anthropic", "ANTHROPIC_API_KEY", settings, name)
    return AnthropicModel(name, api_name, services, base_url=base_url, api_key=key)


def make_models(names: tuple[str, ...] | list[str], settings: ModelSettings) -> dict[str, Model]:
    """All models of a run, the API ones sharing one `Services`; checks prices for a budget.

    The result is keyed by each model's name (a ``llamacpp:`` model's file stem).
    """
    services: Services | None = None
    models: dict[str, Model] = {}
    for spec in names:
        if spec not in ("oracle", "replay") and outside_provider(spec) is None and services is None:
            services = Services(settings)
        model = make_model(spec, settings, services)
        models[model.name or spec] = model
    if settings.budget is not None and services is not None:
        for name, model in models.items():
            api_name = getattr(model, "api_name", None)
            local = getattr(model, "provider", "") == "llamacpp"  # costs nothing
            if api_name is not None and not local and services.prices.find(api_name) is None:
                raise ModelError(
                    f"--llm-budget needs the price of {name}, which is not in the price table: "
                    'add it with --llm-prices=FILE ({"' + api_name + '": {"input": USD, '
                    '"output": USD}} per million tokens)'
                )
    return models
