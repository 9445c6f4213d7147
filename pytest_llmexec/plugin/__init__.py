"""pytest hooks: each hands off to the module that does the work.

This package is the ``pytest11`` entry point (``llmexec``). The run's state is
in `state`, collection and items in `collect`, the header in `header`, the
xdist wiring in `xdist`, the llama-servers in `local_servers` and the gate's
hooks in `gate`; reports are written by `report`. Results travel as JSON on
each report's ``user_properties`` so that the controller of an xdist run sees
exactly what a plain run sees, and aggregates them the same way.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from .. import options
from ..gate.settings import gate_settings_from
from ..providers import finish_warm_up, warm_up
from ..providers.endpoints import describe as describe_endpoints
from ..providers.endpoints import endpoint_counts
from ..registry import RegistryError
from ..report import terminal
from ..report.output import write_reports
from ..sharding.hooks import ShardTracker, shard_from
from . import batch as batching
from .collect import LLMItem, add_re2bench, collect_directory, collect_file
from .gate import GatePlugin
from .header import build_report, check_python_only, header_lines
from .markers import base_markers, marker_name
from .re2bench import RE2Item, check_prompts
from .settings import settings_from
from .state import STATE_KEY, WARM_UP_KEY, LLMExec, get_state


def pytest_addoption(parser: pytest.Parser) -> None:
    try:  # the help names the registered parts: an outside package's bad entry point shows here
        options.add_options(parser)
    except RegistryError as exc:
        raise pytest.UsageError(f"pytest-llmexec: {exc}") from None


def pytest_configure(config: pytest.Config) -> None:
    for name, description in base_markers().items():
        config.addinivalue_line("markers", f"{name}: {description}")
    settings = settings_from(config)
    check_python_only(config, settings)
    check_prompts(str(options.raw_value(config, "--llm-re2bench-prompts")))
    add_re2bench(config)
    state = LLMExec(config, settings)
    for model in settings.models:
        state.register_marker(marker_name(model), f"tests of the model {model}")
    shard = shard_from(config, options.raw_value(config, "--llm-shard"))
    if settings.active:  # a run with no model is left whole and alone
        state.tracker = ShardTracker(config, shard)
        config.pluginmanager.register(state.tracker, "llmexec-shard")
    state.start_servers()
    state.build_models()
    try:
        batching.install(config, state.provider_settings.cache, lambda: state.models)
    except pytest.UsageError:
        state.local_servers.stop()
        raise
    state.tracker.endpoint_counts = lambda: endpoint_counts(state.models.values())
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(state, "llmexec-state")
    if state.is_worker or not config.getoption("numprocesses", None):  # not a controller
        config.stash[WARM_UP_KEY] = warm_up(state.models.values())
    if config.pluginmanager.hasplugin("xdist"):
        from .xdist import SharingHooks

        config.pluginmanager.register(SharingHooks(settings.active), "llmexec-sharing")
    gate_settings = gate_settings_from(config)
    if gate_settings.configured:
        config.pluginmanager.register(GatePlugin(config, gate_settings, state), "llmexec-gate")


def pytest_unconfigure(config: pytest.Config) -> None:
    warming: list[threading.Thread] = config.stash.get(WARM_UP_KEY, [])
    finish_warm_up(warming)
    state = get_state(config)
    if state is not None:
        state.close()
    batch = batching.hooks_of(config)
    if batch is not None:
        batch.close()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = get_state(config)
    if state is None or not state.settings.active:
        return None
    return header_lines(state)


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return collect_directory(path, parent)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return collect_file(file_path, parent)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Start every conversation before the first test runs, so requests overlap."""
    state = get_state(session.config)
    if state is None or session.config.option.collectonly:
        return
    if state.is_worker:  # under xdist: the worker's fixed share (see xdist.py)
        from .xdist import worker_share

        mine = worker_share(session.config, session.items)
    else:
        mine = session.items
    items = [i for i in mine if isinstance(i, LLMItem)]
    if items:
        tests = [(i.case, i.model, i.strategy, i.task) for i in items]
        batch = batching.hooks_of(session.config)
        if batch is not None:  # collect, hold every conversation, submit (and wait)
            batch.refuse_unbatched(any(isinstance(i, RE2Item) for i in session.items))
            batch.run_rounds(state.engine, tests)
        state.engine.prefetch(tests)
    for item in mine:
        if isinstance(item, RE2Item):
            item.start()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = get_state(config)
    if state is None or state.is_worker:
        return
    if not state.records and (state.tracker.shard is None or config.option.collectonly):
        return  # a shard that owns no test still reports, so that the merge finds it
    terminalreporter.section("llmexec summary")
    if state.records:
        for line in terminal.render(state.records):
            terminalreporter.write_line(line)
    for line in terminal.input_notes(state.input_notes):
        terminalreporter.write_line(line)
    shard_line = state.tracker.summary_line()
    if shard_line:
        terminalreporter.write_line(shard_line)
    for line in describe_endpoints(state.tracker.endpoints()):
        terminalreporter.write_line(line)
    written = write_reports(
        lambda: build_report(state, exitstatus), state.settings.report, state.settings.html
    )
    for line, is_error in written:
        terminalreporter.write_line(line, red=is_error)
