"""The validated settings of a run, read from the option table (`pytest_llmexec.options`).

A bad value is a `pytest.UsageError` naming the option and what it takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..languages import names as language_names
from ..options import number, raw_value, split
from ..providers.llamacpp import label as model_label
from ..strategies import (
    STRATEGIES,
    TemplateError,
    Templates,
    check_templates,
    tasks_of,
    template_hashes,
)
from ..tasks import DEFAULT as DEFAULT_TASK
from ..tasks import TASKS, re2bench_strategies


@dataclass(frozen=True)
class Settings:
    models: tuple[str, ...]  # as ids and markers name them (a llamacpp: model by its stem)
    strategies: tuple[str, ...]
    samples: int
    report: Path | None
    replay: Path | None
    base_url: str | None
    api_key_env: str | None
    concurrency: int
    timeout: float
    iip_max_steps: int = 12
    describe: str | None = None  # "en" / "zh": the description language shown in prompts
    examples: int = 3  # hypothesis-generated inputs per snippet
    seed: int = 0  # seed of the generated inputs
    shrink: int = 0  # extra model calls per wrong generated case to find a smaller input
    html: Path | None = None  # --llm-html: the self-contained HTML report
    tasks: tuple[str, ...] = (DEFAULT_TASK,)  # --llm-task: output, input prediction
    #: --llm-replay=output=PATH,input=PATH: a generations file per task
    replay_by_task: dict[str, Path] = field(default_factory=dict)
    templates: Path | None = None  # --llm-templates: the user's template folder
    model_specs: dict[str, str] = field(default_factory=dict)  # name -> as given
    server: str | None = None  # --llm-server: the llama-server binary
    #: --llm-language: the languages that run (None: every language the files hold)
    languages: tuple[str, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    base_urls: tuple[str, ...] = ()  # --llm-base-url: every endpoint (base_url is the first)

    @property
    def active(self) -> bool:
        return bool(self.models)

    def header(self) -> dict[str, Any]:
        return {
            "models": list(self.models),
            "strategies": list(self.strategies),
            "tasks": list(self.tasks),
            "samples": self.samples,
            "concurrency": self.concurrency,
            "timeout": self.timeout,
            "base_url": self.base_url,
            "base_urls": list(self.base_urls),
            "iip_max_steps": self.iip_max_steps,
            "describe": self.describe,
            "examples": self.examples,
            "seed": self.seed,
            "shrink": self.shrink,
            "template_hashes": self.template_hashes(),
            "templates": str(self.templates) if self.templates else "built-in",
            "languages": list(self.languages) if self.languages is not None else None,
        }

    def runs_language(self, language: str) -> bool:
        """Whether tests of *language* are collected (``--llm-language``)."""
        return self.languages is None or language in self.languages

    def template_set(self) -> Templates:
        return Templates(self.templates)

    def template_hashes(self) -> dict[str, str]:
        """Each strategy's template hash per task (``vp``, ``vp/input``)."""
        return template_hashes(self.strategies, self.tasks, self.templates, DEFAULT_TASK)

    def runs(self) -> list[tuple[str, str]]:
        """The (strategy, task) pairs that make tests: a strategy asks the tasks it can.

        RE2-Bench's own tasks (`re2bench_strategies`) are not among them: its collector
        (plugin/re2bench.py) makes their tests, with its prompt files."""
        return [
            (strategy, task)
            for task in self.tasks
            for strategy in self.strategies
            if task in tasks_of(strategy)
        ]

    def skipped_runs(self) -> list[tuple[str, str]]:
        """The (strategy, task) pairs asked for that the strategy cannot ask."""
        return [
            (strategy, task)
            for task in self.tasks
            for strategy in self.strategies
            if not _asks(strategy, task)
        ]


def _asks(strategy: str, task: str) -> bool:
    """Whether *strategy* asks *task*: with its templates, or (RE2-Bench's own tasks) with
    RE2-Bench's prompt files."""
    own = re2bench_strategies(task)
    return strategy in own if own is not None else task in tasks_of(strategy)


def settings_from(config: pytest.Config) -> Settings:
    """Read and validate every setting; a bad value is a `pytest.UsageError`."""
    specs: dict[str, str] = {}
    for spec in dict.fromkeys(split(raw_value(config, "--llm-model"))):
        name = model_label(spec)
        if name in specs:
            raise pytest.UsageError(
                f"--llm-model: {specs[name]} and {spec} would both be named {name}; "
                "rename one of the files"
            )
        specs[name] = spec
    models = tuple(specs)
    strategies = tuple(dict.fromkeys(split(raw_value(config, "--llm-strategy"))))
    for name in strategies:
        if name not in STRATEGIES:
            raise pytest.UsageError(
                f"--llm-strategy={name}: unknown strategy; choose from {', '.join(STRATEGIES)}"
            )
    if not strategies:
        raise pytest.UsageError("--llm-strategy: give at least one of " + ", ".join(STRATEGIES))
    tasks = _tasks(config, strategies)
    report = raw_value(config, "--llm-report")
    html = raw_value(config, "--llm-html")
    if html and (Path(config.invocation_params.dir) / html).is_dir():
        raise pytest.UsageError(
            f"--llm-html={html}: is a directory; give a file name such as report.html"
        )
    root = Path(config.invocation_params.dir)
    replay, replay_by_task = _replay(config, root)
    base_urls = tuple(dict.fromkeys(split(raw_value(config, "--llm-base-url"))))
    templates = raw_value(config, "--llm-templates")
    template_dir = (root / templates) if templates else None
    try:  # every file the run reads, checked now: a broken template is one clear error
        check_templates(strategies, tasks, template_dir)
    except TemplateError as exc:
        raise pytest.UsageError(str(exc)) from None
    return Settings(
        models=models,
        strategies=strategies,
        samples=number(config, "--llm-samples", int, 1),
        report=(root / report) if report else None,
        html=(root / html) if html else None,
        replay=replay,
        replay_by_task=replay_by_task,
        tasks=tasks,
        base_url=base_urls[0] if base_urls else None,
        base_urls=base_urls,
        api_key_env=raw_value(config, "--llm-api-key-env"),
        concurrency=number(config, "--llm-concurrency", int, 1),
        timeout=number(config, "--llm-timeout", float, 0.01),
        iip_max_steps=number(config, "--llm-iip-max-steps", int, 1),
        describe=_describe(config),
        examples=number(config, "--llm-examples", int, 0),
        seed=number(config, "--llm-seed", int, 0),
        shrink=number(config, "--llm-shrink", int, 0),
        templates=template_dir,
        model_specs=specs,
        server=raw_value(config, "--llm-server"),
        languages=_languages(config),
    )


def _languages(config: pytest.Config) -> tuple[str, ...] | None:
    """``--llm-language``: known names only; None when not given (every language)."""
    raw = raw_value(config, "--llm-language")
    if raw is None:
        return None
    chosen = tuple(dict.fromkeys(split(raw)))
    known = language_names()
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise pytest.UsageError(
            f"--llm-language={raw}: "
            + (f"unknown language {unknown[0]!r}; " if unknown else "")
            + f"choose from {', '.join(known)}"
        )
    return chosen


def _tasks(config: pytest.Config, strategies: tuple[str, ...]) -> tuple[str, ...]:
    tasks = tuple(dict.fromkeys(split(raw_value(config, "--llm-task"))))
    if not tasks:
        raise pytest.UsageError("--llm-task: give at least one of " + ", ".join(TASKS))
    for name in tasks:
        if name not in TASKS:
            raise pytest.UsageError(
                f"--llm-task={name}: unknown task; choose from {', '.join(TASKS)}"
            )
        own = re2bench_strategies(name)
        if own is not None:
            if not any(s in own for s in strategies):
                raise pytest.UsageError(
                    f"--llm-task={name}: RE2-Bench asks it with its own "
                    f"{', '.join(own)} prompt only; add --llm-strategy={own[0]}"
                )
            continue
        able = [s for s in strategies if name in tasks_of(s)]
        if not able:
            raise pytest.UsageError(
                f"--llm-task={name}: none of the strategies {', '.join(strategies)} asks it "
                f"(iip predicts outputs only); add --llm-strategy=vp or cot"
            )
    return tasks


def _replay(config: pytest.Config, root: Path) -> tuple[Path | None, dict[str, Path]]:
    """``PATH`` (every task) or ``output=PATH,input=PATH`` (a file per task)."""
    raw = raw_value(config, "--llm-replay")
    if not raw:
        return None, {}
    items = [item.strip() for item in str(raw).split(",") if item.strip()]
    by_task: dict[str, Path] = {}
    for item in items:
        task, sep, path = item.partition("=")
        if sep and task in TASKS and path:
            by_task[task] = root / path
    if not by_task:
        return root / str(raw), {}
    if len(by_task) != len(items):
        raise pytest.UsageError(
            f"--llm-replay={raw}: give PATH, or TASK=PATH items ({', '.join(TASKS)}) "
            "separated by commas"
        )
    return None, by_task


DESCRIBE_LANGUAGES = ("en", "zh")


def _describe(config: pytest.Config) -> str | None:
    value = str(raw_value(config, "--llm-describe")).strip().lower()
    if value in ("none", "off", ""):
        return None
    if value not in DESCRIBE_LANGUAGES:
        raise pytest.UsageError(
            f"--llm-describe={value}: choose en, zh or none (the language of the snippets' "
            "'description' shown in prompts)"
        )
    return value
