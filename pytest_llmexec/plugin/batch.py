"""pytest's side of ``--llm-batch``: settings, the rounds before the tests, waiting tests, exit.

The work is done by `providers.batch.Batcher`; this module only decides when:
the rounds run before the first test (in place of the plain prefetch), a test
whose request waits for a batch is skipped naming the batch, and a run that
leaves tests waiting ends with `WAITING` (75, "try again later" in
``sysexits.h``), so that a script can tell "come back later" from a failure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from .. import options as opts
from ..datasets.model import Case
from ..engine import Engine
from ..providers import Model
from ..providers.api import APIModel
from ..providers.base import ModelError
from ..providers.batch import Batcher, BatchFailure

#: the exit status of a run that submitted (or still waits for) batches
WAITING = 75
BATCH_KEY = pytest.StashKey["BatchHooks"]()


@dataclass(frozen=True)
class BatchSettings:
    enabled: bool  # on: batches; off (given): collect what batches hold, send the rest
    wait: float | None  # None: submit and leave; math.inf: until every batch ends
    poll: float
    given: bool = False  # --llm-batch (or its ini twin) was given, on or off


def batch_settings_from(config: pytest.Config) -> BatchSettings:
    given = opts.raw_value(config, "--llm-batch")
    raw = str(given or "off").strip().lower()
    if raw not in ("on", "off"):
        raise pytest.UsageError(f"--llm-batch={raw}: expected on or off (bare flag: on)")
    wait_raw = opts.raw_value(config, "--llm-batch-wait")
    wait: float | None = None
    if wait_raw is not None:
        try:
            wait = float(wait_raw)
        except ValueError:
            raise pytest.UsageError(
                f"--llm-batch-wait={wait_raw}: expected a number of seconds "
                "(or the bare flag, to wait as long as the batches take)"
            ) from None
        if wait < 0 or math.isnan(wait):
            raise pytest.UsageError(f"--llm-batch-wait={wait_raw}: must be at least 0")
    poll = opts.number(config, "--llm-batch-poll", float, 0.0)
    if wait is not None and raw != "on":
        raise pytest.UsageError("--llm-batch-wait needs --llm-batch")
    return BatchSettings(raw == "on", wait, poll, given is not None)


class BatchHooks:
    """Registered by the plugin when ``--llm-batch`` is on."""

    def __init__(self, config: pytest.Config, settings: BatchSettings) -> None:
        self.config = config
        self.settings = settings
        self.batcher: Batcher | None = None
        self.skipped = 0

    @staticmethod
    def check(config: pytest.Config, cache: str) -> None:
        """Usage errors: batch mode needs the cache in ``use`` mode and one process."""
        if cache != "use":
            raise pytest.UsageError(
                f"--llm-batch needs --llm-cache=use (not {cache}): the batches' replies are "
                "collected into the reply cache, and a rerun is answered from it"
            )
        workers = config.getoption("numprocesses", None)
        if workers:
            raise pytest.UsageError(
                "--llm-batch runs in one process: the requests of every test go into one "
                "batch per model; drop -n (or give -n 0)"
            )

    def attach(self, models: dict[str, Model], cache: str) -> None:
        """Give the run's OpenAI and Anthropic models a batcher (others send as usual);
        a run without such a model (or without any model) is left alone."""
        api = [
            m
            for m in models.values()
            if isinstance(m, APIModel) and m.provider in ("openai", "anthropic")
        ]
        if not api:
            return
        self.check(self.config, cache)
        try:
            self.batcher = Batcher(
                api[0].services,
                api,
                wait=self.settings.wait,
                poll=self.settings.poll,
                direct=not self.settings.enabled,
            )
        except ModelError as exc:
            raise pytest.UsageError(str(exc)) from None
        if not self.batcher.apis:
            self.batcher.close()
            self.batcher = None

    def header(self) -> str:
        wait = self.settings.wait
        if not self.settings.enabled:
            return "llmexec batch: off (finished batches are collected, the rest sent directly)"
        how = (
            "submit and exit"
            if wait is None
            else "wait until done"
            if math.isinf(wait)
            else f"wait up to {wait:g}s"
        )
        models = ", ".join(self.batcher.apis) if self.batcher else "none of the models"
        return f"llmexec batch: on for {models} ({how})"

    def refuse_unbatched(self, re2bench: bool) -> None:
        """RE2-Bench problems hold their conversations apart from the engine's rounds."""
        if re2bench and self.settings.enabled and self.batcher is not None:
            raise pytest.UsageError(
                "--llm-batch does not batch RE2-Bench problems yet: run them without "
                "--llm-batch (docs/batch.md)"
            )

    def run_rounds(self, engine: Engine, tests: list[tuple[Case, str, str, str]]) -> None:
        """Before the first test: collect, hold every conversation, submit (and wait)."""
        if self.batcher is None:
            return
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")

        def progress(line: str) -> None:
            if reporter is not None:
                reporter.write_line(line)

        def converse() -> None:
            engine.forget()
            engine.prefetch(tests)
            engine.settle()

        try:
            self.batcher.round(converse, progress)
        except BatchFailure as exc:
            raise pytest.UsageError(str(exc)) from None

    def waiting(self, case: Case, model: str, strategy: str, task: str) -> str | None:
        """Why this test waits for a batch, or None."""
        if self.batcher is None:
            return None
        reason = self.batcher.waiting(model, case, strategy, task)
        if reason is not None:
            self.skipped += 1
        return reason

    # ------------------------------------------------------------------ hooks
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.batcher is None:
            return
        lines = self.batcher.summary.lines()
        if self.skipped:
            lines.append(
                f"{self.skipped} tests wait for a batch (skipped); run the same command again "
                f"to collect and score them (exit status {WAITING})"
            )
        if lines:
            terminalreporter.section("llmexec batch")
            for line in lines:
                terminalreporter.write_line(line)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Any:
        result = yield
        finished = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        if self.skipped and session.exitstatus in finished:
            session.exitstatus = WAITING
        return result

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()


def install(config: pytest.Config, cache: str, models: Callable[[], dict[str, Model]]) -> None:
    """Register the batch hooks when ``--llm-batch`` is on (called once models exist)."""
    settings = batch_settings_from(config)
    if not settings.given:  # never asked: no batch machinery at all
        return
    hooks = BatchHooks(config, settings)
    hooks.attach(models(), cache)
    config.stash[BATCH_KEY] = hooks
    config.pluginmanager.register(hooks, "llmexec-batch")


def hooks_of(config: pytest.Config) -> BatchHooks | None:
    return config.stash.get(BATCH_KEY, None)
