"""What a run says before it starts: the report header, its languages, and the report's ``run``.

Also the one language rule checked at configure time: a run whose strategies
all trace Python only (iip) cannot ask a run that holds only compiled snippets.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import pytest

from ..datasets import file_language
from ..datasets.model import PYTHON
from ..execution import describe as describe_executor
from ..providers import is_api_model
from ..report import json_report
from ..sharding import run as run_description
from ..strategies import TemplateError, get_strategy
from ..tasks import DEFAULT as DEFAULT_TASK
from ..version import __version__
from . import batch as batching
from .settings import Settings
from .state import LLMExec


def _compiled_language(path: Path) -> str | None:
    """The compiled language every snippet of *path* is in, if its format fixes one."""
    language = file_language(path)
    return language if language != PYTHON else None


def given_languages(config: pytest.Config) -> list[str]:
    """The compiled languages of the files given as path arguments (CRUXEval-X's ``cpp.jsonl``)."""
    root = Path(config.invocation_params.dir)
    found = [_compiled_language(root / arg.split("::")[0]) for arg in config.args]
    return list(dict.fromkeys(language for language in found if language is not None))


def _only_native(config: pytest.Config, settings: Settings) -> list[str] | None:
    """The compiled languages of the run when it can hold no Python test, else None."""
    if settings.languages is not None:
        return None if PYTHON in settings.languages else list(settings.languages)
    given = given_languages(config)
    if (
        config.args
        and len(given)
        and all(
            _compiled_language(Path(config.invocation_params.dir) / arg.split("::")[0])
            for arg in config.args
        )
    ):
        return given
    return None


def check_python_only(config: pytest.Config, settings: Settings) -> None:
    """Strategies that ask Python only (iip), with only compiled snippets: a usage error."""
    native = _only_native(config, settings)
    if not settings.active or native is None:
        return
    if all(get_strategy(name).python_only for name in settings.strategies):
        names = ",".join(settings.strategies)
        raise pytest.UsageError(
            f"--llm-strategy={names} does not ask {', '.join(native)}: IIP traces Python "
            "only, and this run holds no Python snippet; add --llm-strategy=vp or cot "
            "(docs/languages.md)"
        )


def header_languages(state: LLMExec) -> list[str]:
    """The compiled languages the header can name before collection: those chosen with
    --llm-language, else those of the CRUXEval-X files given."""
    chosen = state.settings.languages
    if chosen is not None:
        return [name for name in chosen if name != PYTHON]
    return given_languages(state.config)


def _language_lines(state: LLMExec) -> list[str]:
    chosen = state.settings.languages
    lines = [
        "llmexec languages: "
        + (",".join(chosen) if chosen is not None else "every language the collected files hold")
    ]
    python_only = [s for s in state.settings.strategies if get_strategy(s).python_only]
    for language in header_languages(state):
        problem = state.start_native(language)
        if problem is not None:
            lines.append(f"llmexec {problem}")
        try:
            hashes = [
                f"{strategy if task == DEFAULT_TASK else f'{strategy}/{task}'}="
                + state.engine.strategies[strategy].template_hash_for(task, language)
                for strategy, task in state.strategies_for(language)
            ]
        except TemplateError as exc:
            hashes = [f"unusable: {exc}"]
        if hashes:
            lines.append(f"llmexec templates {language}: " + " ".join(hashes))
        lines += [
            f"llmexec: {strategy} does not ask {language}: it traces Python only; no "
            f"{strategy} tests of {language} snippets (docs/languages.md)"
            for strategy in python_only
        ]
    return lines + state.engine.native_lines()


def header_lines(state: LLMExec) -> list[str]:
    """The lines of pytest's report header: every setting in force, so a run can be repeated."""
    s = state.settings
    return (
        [
            f"llmexec: pytest-llmexec {__version__}",
            f"llmexec: models={','.join(s.models)} strategies={','.join(s.strategies)} "
            + (f"tasks={','.join(s.tasks)} " if s.tasks != (DEFAULT_TASK,) else "")
            + f"samples={s.samples} concurrency={s.concurrency} timeout={s.timeout:g}s "
            f"examples={s.examples} seed={s.seed}" + (f" shrink={s.shrink}" if s.shrink else ""),
            "llmexec templates: "
            + " ".join(f"{name}={digest}" for name, digest in s.template_hashes().items())
            + (f" dir={s.templates}" if s.templates else "")
            + (f" iip-max-steps={s.iip_max_steps}" if "iip" in s.strategies else "")
            + (f" describe={s.describe}" if s.describe else ""),
        ]
        + [
            f"llmexec: {strategy} does not ask {task} prediction: no {strategy}/{task} tests "
            "(docs/tasks.md)"
            for strategy, task in s.skipped_runs()
        ]
        + (
            [state.provider_settings.header()]
            if any(map(is_api_model, state.models.values()))
            else []
        )
        + state.local_servers.header()
        + [line for line in [state.tracker.header()] if line]
        + ([batch.header()] if (batch := batching.hooks_of(state.config)) is not None else [])
        + [
            f"llmexec endpoints: {model.describe()}; one that stops answering leaves the rotation"
            for model in state.models.values()
            if getattr(model, "pool", None) is not None
        ]
        + [describe_executor(state.engine.executor)]
        + _language_lines(state)
    )


def run_header(state: LLMExec) -> dict[str, Any]:
    """The report's ``run`` section: the plugin's version and every setting in force, what
    was selected, the fingerprint that tells shards of this run from others', the shard."""
    labels = [
        strategy if task == DEFAULT_TASK else f"{strategy}/{task}"
        for strategy, task in state.settings.runs()
    ]
    run: dict[str, Any] = {
        "version": __version__,
        "python": ".".join(platform.python_version_tuple()[:2]),
        **state.settings.header(),
        "providers": state.provider_settings.to_json(),
        "selection": run_description.selection(state.config, labels),
    }
    run["fingerprint"] = run_description.fingerprint(run)
    shard = state.tracker.shard
    run["shard"] = shard.to_json() if shard is not None else None
    return run


def build_report(state: LLMExec, exitstatus: int) -> dict[str, Any]:
    """The JSON report (also the HTML report's data): run, summary, cases, session, gate."""
    data = json_report.build(state.records, run_header(state))
    data["session"] = state.tracker.to_json(exitstatus)
    served = state.tracker.endpoints()
    if served:  # a model with several endpoints: how many requests each one served
        data["endpoints"] = served
    if state.gate is not None:
        data["gate"] = state.gate
    return data
