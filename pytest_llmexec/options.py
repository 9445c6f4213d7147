"""Command-line options, their ini twins, and the validated settings of a run.

Precedence, for every setting: command line, then ini file, then default.
Every option is prefixed ``--llm-`` and every value in force is shown in the
report header, so a run can be repeated exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .strategies import KNOWN as KNOWN_STRATEGIES
from .strategies import STRATEGIES

CACHE_MODES = ("use", "only", "refresh", "off")


@dataclass(frozen=True)
class Option:
    flag: str  # --llm-model
    ini: str | None  # llm_model
    help: str
    default: Any = None
    type: Any = str
    metavar: str | None = None
    append: bool = False


OPTIONS: tuple[Option, ...] = (
    Option(
        "--llm-model", "llm_model",
        "model(s) to evaluate, repeatable or comma-separated: oracle, replay, "
        "gpt-4o, claude-..., openai:NAME, anthropic:NAME",
        metavar="NAME[,NAME]", append=True,
    ),
    Option(
        "--llm-strategy", "llm_strategy",
        "prompting strategies, comma-separated: vp, cot, iip (default: vp)",
        default="vp", metavar="vp,cot,iip",
    ),
    Option("--llm-samples", "llm_samples", "answers asked per test (pass@k; default 1)",
           default=1, type=int, metavar="N"),
    Option("--llm-report", "llm_report", "write the JSON report to PATH", metavar="PATH"),
    Option("--llm-replay", "llm_replay",
           "generations file for the 'replay' model ({snippet id: [answers]})", metavar="PATH"),
    Option("--llm-base-url", "llm_base_url",
           "base URL of an OpenAI-compatible server (passed to the SDK)", metavar="URL"),
    Option("--llm-api-key-env", "llm_api_key_env",
           "environment variable that holds the API key", metavar="VAR"),
    Option("--llm-concurrency", "llm_concurrency",
           "model requests in flight per process (default 8)", default=8, type=int,
           metavar="N"),
    Option("--llm-timeout", "llm_timeout",
           "seconds a snippet may run to compute the truth (default 5; a snippet's "
           "'timeout' field overrides)", default=5.0, type=float, metavar="SECONDS"),
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmexec", "pytest-llmexec: how well do language models execute code")
    for opt in OPTIONS:
        dest = opt.flag[2:].replace("-", "_")
        group.addoption(
            opt.flag,
            action="append" if opt.append else "store",
            dest=dest,
            default=None,
            metavar=opt.metavar,
            help=opt.help,
        )
        if opt.ini:
            parser.addini(opt.ini, opt.help, type="string", default=None)


def raw_value(config: pytest.Config, flag: str) -> Any:
    """Command line first, then the ini twin, then the default (not yet validated)."""
    opt = next(o for o in OPTIONS if o.flag == flag)
    value = config.getoption(opt.flag[2:].replace("-", "_"))
    if value is None and opt.ini:
        ini = config.getini(opt.ini)
        if ini not in (None, "", []):
            value = [ini] if opt.append else ini
    if value is None:
        return opt.default
    return value


def _split(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in str(value).replace("\n", ",").split(",") if v.strip())
    return out


def _number(config: pytest.Config, flag: str, kind: type, minimum: float) -> Any:
    value = raw_value(config, flag)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"{flag}={value}: expected a number") from None
    if number < minimum:
        raise pytest.UsageError(f"{flag}={value}: must be at least {minimum:g}")
    return number


@dataclass(frozen=True)
class Settings:
    models: tuple[str, ...]
    strategies: tuple[str, ...]
    samples: int
    report: Path | None
    replay: Path | None
    base_url: str | None
    api_key_env: str | None
    concurrency: int
    timeout: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.models)

    def header(self) -> dict[str, Any]:
        return {
            "models": list(self.models),
            "strategies": list(self.strategies),
            "samples": self.samples,
            "concurrency": self.concurrency,
            "timeout": self.timeout,
            "base_url": self.base_url,
        }


def settings_from(config: pytest.Config) -> Settings:
    """Read and validate every setting; a bad value is a `pytest.UsageError`."""
    models = tuple(dict.fromkeys(_split(raw_value(config, "--llm-model"))))
    strategies = tuple(dict.fromkeys(_split(raw_value(config, "--llm-strategy"))))
    for name in strategies:
        if name not in KNOWN_STRATEGIES:
            raise pytest.UsageError(
                f"--llm-strategy={name}: unknown strategy; choose from {', '.join(KNOWN_STRATEGIES)}"
            )
        if name not in STRATEGIES:
            raise pytest.UsageError(
                f"--llm-strategy={name}: this strategy is not available in this version "
                f"(available: {', '.join(STRATEGIES)})"
            )
    if not strategies:
        raise pytest.UsageError("--llm-strategy: give at least one of vp, cot, iip")
    report = raw_value(config, "--llm-report")
    replay = raw_value(config, "--llm-replay")
    root = Path(config.invocation_params.dir)
    return Settings(
        models=models,
        strategies=strategies,
        samples=_number(config, "--llm-samples", int, 1),
        report=(root / report) if report else None,
        replay=(root / replay) if replay else None,
        base_url=raw_value(config, "--llm-base-url"),
        api_key_env=raw_value(config, "--llm-api-key-env"),
        concurrency=_number(config, "--llm-concurrency", int, 1),
        timeout=_number(config, "--llm-timeout", float, 0.01),
    )
