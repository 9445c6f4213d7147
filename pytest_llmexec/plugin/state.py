"""The run's state in one process: settings, models, the engine and (on the controller) results.

One `LLMExec` is made at configure time and kept in the config's stash; the
hooks, the collector, the items and the gate reach it through `get_state`.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from .. import inputs
from ..datasets.model import PYTHON
from ..engine import Engine
from ..execution import make_executor
from ..execution.forkserver import ServerError
from ..execution.truth_cache import with_truth_cache
from ..languages import LanguageError
from ..providers import Model, ModelError, ModelSettings, make_models
from ..providers.pacing import RetryPolicy
from ..providers.settings import ProviderSettings, provider_settings_from
from ..report.records import PROPERTY, CaseRecord, record_of
from ..sharding.hooks import ShardTracker
from ..strategies import PromptOptions, get_strategy
from ..tasks import PYTHON_ONLY
from .local_servers import LocalServers
from .markers import base_markers
from .settings import Settings

STATE_KEY = pytest.StashKey["LLMExec"]()
WARM_UP_KEY = pytest.StashKey[list[threading.Thread]]()  # SDK imports joined at the end


def get_state(config: pytest.Config) -> LLMExec | None:
    return config.stash.get(STATE_KEY, None)


def model_settings(
    settings: Settings,
    api: ProviderSettings,
    run_id: str | None,
    endpoints: dict[str, dict[str, Any]],
) -> ModelSettings:
    """What every model of the run is built with: the run's settings and the providers'."""
    return ModelSettings(
        replay=settings.replay,
        replay_by_task=settings.replay_by_task,
        base_url=settings.base_url,
        base_urls=settings.base_urls,
        api_key_env=settings.api_key_env,
        concurrency=settings.concurrency,
        cache=api.cache,
        cache_dir=api.cache_dir,
        budget=api.budget,
        prices=api.prices,
        max_tokens=api.max_tokens,
        temperature=api.temperature,
        reasoning_effort=api.reasoning_effort,
        thinking_budget=api.thinking_budget,
        request_timeout=api.request_timeout,
        retry=RetryPolicy(retries=api.retries),
        seed=settings.seed,
        run_id=run_id,  # a budget shared by the workers of one run
        endpoints=endpoints,
    )


class LLMExec:
    """Per-process state: settings, models, the engine, and (on the controller) results."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.provider_settings = provider_settings_from(config)
        self.models: dict[str, Model] = {}
        self.records: list[CaseRecord] = []
        self.gate: dict[str, Any] | None = None  # the regression gate's result (controller)
        self._engine: Engine | None = None
        self._markers: set[str] = set(base_markers())
        self.input_notes: set[str] = set()  # snippets that got fewer generated inputs
        self.generated: dict[tuple[str, str], inputs.Generated] = {}  # for --llm-shrink
        self.local_servers = LocalServers()
        self.tracker = ShardTracker(config, None)  # the shard in force, and what ran

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def build_models(self) -> None:
        workerinput = getattr(self.config, "workerinput", None)
        run_id = workerinput.get("testrunuid") if workerinput else None
        built = model_settings(
            self.settings, self.provider_settings, run_id, self.local_servers.endpoints
        )
        try:
            self.models = make_models(list(self.settings.model_specs.values()), built)
        except ModelError as exc:
            self.local_servers.stop()
            raise pytest.UsageError(str(exc)) from None

    def start_servers(self) -> None:
        """Start the llama-servers of ``llamacpp:`` models (one for all xdist workers)."""
        workers = self.config.getoption("numprocesses", None)
        processes = workers if isinstance(workers, int) and workers > 0 else 1
        self.local_servers.start(
            self.config,
            list(self.settings.model_specs.values()),
            self.settings.server,
            max(self.settings.concurrency * processes, self.settings.samples),
            self.provider_settings.cache_dir,
        )
        if self.local_servers.endpoints and self.config.pluginmanager.hasplugin("xdist"):
            self.config.pluginmanager.register(self.local_servers, "llmexec-local-servers")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            executor = with_truth_cache(  # --llm-cache=off bypasses the truth cache too
                make_executor(), self.provider_settings.cache, self.provider_settings.cache_dir
            )
            templates = self.settings.template_set()
            self._engine = Engine(
                executor,
                self.models,
                {name: get_strategy(name, templates) for name in self.settings.strategies},
                samples=self.settings.samples,
                options=PromptOptions(
                    describe=self.settings.describe, iip_max_steps=self.settings.iip_max_steps
                ),
                default_timeout=self.settings.timeout,
                native_cache_dir=(  # prepared toolchains and built programs, by content
                    None
                    if self.provider_settings.cache == "off"
                    else self.provider_settings.cache_dir
                ),
            )
        return self._engine

    def start_native(self, language: str) -> str | None:
        """Start *language*'s executor; why it cannot start, or None."""
        try:
            self.engine.native(language)
        except (LanguageError, ServerError, OSError) as exc:
            return f"{language} cannot run here: {exc}"
        return None

    def strategies_for(self, language: str) -> list[tuple[str, str]]:
        """The (strategy, task) runs that make tests for snippets in *language*."""
        return [
            (strategy, task)
            for strategy, task in self.settings.runs()
            if language == PYTHON
            or (not self.engine.strategies[strategy].python_only and task not in PYTHON_ONLY)
        ]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Collect results from reports: our own tests' or, on a controller, the workers'."""
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name == PROPERTY and isinstance(value, dict):
                self.records.append(record_of(value))  # (from a worker: a plain dict)
            elif name == inputs.NOTE_PROPERTY:
                self.input_notes.add(str(value))

    def register_marker(self, name: str, description: str) -> None:
        if name not in self._markers:
            self._markers.add(name)
            self.config.addinivalue_line("markers", f"{name}: {description}")

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        self.local_servers.stop()
