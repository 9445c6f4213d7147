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

from .languages import names as language_names
from .providers.llamacpp import label as model_label
from .strategies import KNOWN as KNOWN_STRATEGIES
from .strategies import STRATEGIES, TemplateError, Templates, get_strategy
from .tasks import DEFAULT as DEFAULT_TASK
from .tasks import TASKS

CACHE_MODES = ("use", "only", "refresh", "off")
DEFAULT_BASELINE = "llmexec-baseline.json"


@dataclass(frozen=True)
class Option:
    flag: str  # --llm-model
    ini: str | None  # llm_model
    help: str
    default: Any = None
    type: Any = str
    metavar: str | None = None
    append: bool = False
    const: str | None = None  # value of a bare flag whose value is optional (--llm-baseline)


OPTIONS: tuple[Option, ...] = (
    Option(
        "--llm-model",
        "llm_model",
        "model(s) to evaluate, repeatable or comma-separated: oracle, replay, "
        "gpt-4o, claude-..., openai:NAME, anthropic:NAME, llamacpp:PATH.gguf (a llama-server "
        "the run starts and stops)",
        metavar="NAME[,NAME]",
        append=True,
    ),
    Option(
        "--llm-strategy",
        "llm_strategy",
        "prompting strategies, comma-separated: vp, cot, iip (default: vp)",
        default="vp",
        metavar="vp,cot,iip",
    ),
    Option(
        "--llm-task",
        "llm_task",
        "what the model predicts, comma-separated: output (what a call returns), input "
        "(a call that returns a given output), and per line of Python snippets: state, "
        "branch, coverage, path (docs: per-line tasks) (default: output)",
        default=DEFAULT_TASK,
        metavar="output,input,state,...",
    ),
    Option(
        "--llm-language",
        "llm_language",
        f"languages to run, comma-separated: {', '.join(language_names())} (default: every "
        "language the collected files hold)",
        metavar="python,cpp,java",
    ),
    Option(
        "--llm-templates",
        "llm_templates",
        "folder of prompt templates to use instead of the built-in ones (vp.txt, cot.txt, "
        "iip_first.txt, iip_step.txt, iip_final.txt, vp_input.txt, cot_input.txt: those "
        "of the strategies and tasks run)",
        metavar="DIR",
    ),
    Option(
        "--llm-iip-max-steps",
        "llm_iip_max_steps",
        "most steps (turns before the answer) of an IIP conversation; further "
        "statements are merged into them (default 12)",
        default=12,
        type=int,
        metavar="N",
    ),
    Option(
        "--llm-describe",
        "llm_describe",
        "add the snippet's problem description in this language to every prompt: "
        "en, zh or none (default none)",
        default="none",
        metavar="en|zh|none",
    ),
    Option(
        "--llm-samples",
        "llm_samples",
        "answers asked per test (pass@k; default 1)",
        default=1,
        type=int,
        metavar="N",
    ),
    Option("--llm-report", "llm_report", "write the JSON report to PATH", metavar="PATH"),
    Option(
        "--llm-html",
        "llm_html",
        "write the HTML report (charts and a case browser, works offline) to PATH",
        metavar="PATH",
    ),
    Option(
        "--llm-replay",
        "llm_replay",
        "generations file for the 'replay' model ({snippet id: [answers]}, or CRUXEval-X's "
        "published [{id, answer, res}]); one per task with output=PATH,input=PATH; a "
        "CRUXEval-X results folder (infer_results/MODEL) gives <lang>_<task>.json per case",
        metavar="PATH",
    ),
    Option(
        "--llm-re2bench",
        "llm_re2bench",
        "an RE2-Bench checkout (or its dataset/re2-bench folder) to collect as a benchmark, "
        "read in place; the folder given as a path argument is collected too",
        metavar="PATH",
    ),
    Option(
        "--llm-re2bench-prompts",
        "llm_re2bench_prompts",
        "the prompts RE2-Bench problems are asked with: re2 (its own prompt files, with "
        "the structure hint; cot asks prompts/<task>_prediction, vp the _wocot ones), "
        "re2-nohint (the _wohint ones, cot only), ours (our VP and CoT templates) "
        "(default re2)",
        default="re2",
        metavar="re2|re2-nohint|ours",
    ),
    Option(
        "--llm-base-url",
        "llm_base_url",
        "base URL of an OpenAI-compatible server (passed to the SDK); several servers of "
        "the same model, repeated or comma-separated: each request goes to the one with "
        "the fewest in flight, and one that stops answering leaves the rotation",
        metavar="URL[,URL]",
        append=True,
    ),
    Option(
        "--llm-server",
        "llm_server",
        "the llama-server binary for llamacpp: models (default: llama-server on PATH)",
        metavar="PATH",
    ),
    Option(
        "--llm-api-key-env",
        "llm_api_key_env",
        "environment variable that holds the API key",
        metavar="VAR",
    ),
    Option(
        "--llm-concurrency",
        "llm_concurrency",
        "model requests in flight per process (default 8)",
        default=8,
        type=int,
        metavar="N",
    ),
    Option(
        "--llm-timeout",
        "llm_timeout",
        "seconds a snippet may run to compute the truth (default 5; a snippet's "
        "'timeout' field overrides)",
        default=5.0,
        type=float,
        metavar="SECONDS",
    ),
    Option(
        "--llm-cache",
        "llm_cache",
        "reply cache: use (read and fill), only (never call a model; a miss is an error), "
        "refresh (call and overwrite), off (default use)",
        default="use",
        metavar="use|only|refresh|off",
    ),
    Option(
        "--llm-cache-dir",
        "llm_cache_dir",
        "directory of the reply cache (default .llmexec under the rootdir)",
        metavar="DIR",
    ),
    Option(
        "--llm-budget",
        "llm_budget",
        "stop sending requests once this many US dollars are spent; the remaining tests "
        "get an error verdict saying so",
        type=float,
        metavar="USD",
    ),
    Option(
        "--llm-prices",
        "llm_prices",
        "JSON file of model prices in USD per million tokens, adding to and overriding the "
        'built-in table: {"model": {"input": N, "output": N, "cached_input": N}}',
        metavar="PATH",
    ),
    Option(
        "--llm-max-tokens",
        "llm_max_tokens",
        "most output tokens per reply, for every turn (OpenAI max_tokens, or "
        "max_completion_tokens for reasoning models; Anthropic max_tokens, plus the thinking "
        "budget); default: the turn's own limit (VP 512, CoT 2048, IIP step 1024, IIP answer "
        "512), none for OpenAI reasoning models",
        type=int,
        metavar="N",
    ),
    Option(
        "--llm-temperature",
        "llm_temperature",
        "sampling temperature of non-reasoning OpenAI-style models (default 0)",
        default=0.0,
        type=float,
        metavar="T",
    ),
    Option(
        "--llm-reasoning-effort",
        "llm_reasoning_effort",
        "reasoning effort: OpenAI reasoning models' reasoning_effort, Anthropic's "
        "output_config.effort (none, minimal, low, medium, high, xhigh, max)",
        metavar="LEVEL",
    ),
    Option(
        "--llm-thinking-budget",
        "llm_thinking_budget",
        "Anthropic extended thinking budget in tokens (at least 1024)",
        type=int,
        metavar="TOKENS",
    ),
    Option(
        "--llm-request-timeout",
        "llm_request_timeout",
        "seconds to wait for one model reply before retrying it (default 600; no limit for "
        "a llama-server the run starts, which is watched instead)",
        default=None,
        type=float,
        metavar="SECONDS",
    ),
    Option(
        "--llm-retries",
        "llm_retries",
        "further tries of a request after a 5xx, a timeout, a connection error or a "
        "malformed reply, with exponential backoff (default 5; 429s: 12)",
        default=5,
        type=int,
        metavar="N",
    ),
    Option(
        "--llm-examples",
        "llm_examples",
        "hypothesis-generated inputs per snippet besides the declared ones (default 3; "
        "0 turns generation off; a snippet's 'examples' field overrides)",
        default=3,
        type=int,
        metavar="N",
    ),
    Option(
        "--llm-seed",
        "llm_seed",
        "seed of the generated inputs, and of API requests that take one (default 0)",
        default=0,
        type=int,
        metavar="N",
    ),
    Option(
        "--llm-shrink",
        "llm_shrink",
        "for a wrong prediction on a generated input, spend up to K extra model calls "
        "looking for a smaller input the model still gets wrong (default 0: off)",
        default=0,
        type=int,
        metavar="K",
    ),
    Option(
        "--llm-shard",
        "llm_shard",
        "run only shard K of N (1/4 ... 4/4): the tests whose id hashes to it, the same on "
        "every machine; join the shards' reports with 'pytest-llmexec merge'. Not given: "
        "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX with "
        "JOB_COMPLETIONS (a Kubernetes Indexed Job); 'off' runs every test",
        metavar="K/N",
    ),
    Option(
        "--llm-batch",
        "llm_batch",
        "send the openai:/anthropic: requests the cache cannot answer as batches at half "
        "price: the run submits, exits with status 75 and a rerun collects "
        "(=off: send directly; docs/batch.md)",
        metavar="on|off",
        const="on",
    ),
    Option(
        "--llm-batch-wait",
        "llm_batch_wait",
        "with --llm-batch, wait for the batches to end (at most SECONDS; bare flag: as long "
        "as they take), showing progress, then score",
        metavar="SECONDS",
        const="inf",
    ),
    Option(
        "--llm-batch-poll",
        "llm_batch_poll",
        "with --llm-batch-wait, seconds between two looks at the batches (default 30)",
        default=30.0,
        type=float,
        metavar="SECONDS",
    ),
    Option(
        "--llm-baseline",
        "llm_baseline",
        "compare with the baseline file and gate the exit status on it "
        f"(bare flag: {DEFAULT_BASELINE})",
        metavar="PATH",
        const=DEFAULT_BASELINE,
    ),
    Option(
        "--llm-update-baseline",
        None,
        "write this run's results to the baseline file (refused when CI is set unless "
        "=force; a partial selection is merged in)",
        metavar="force",
        const="yes",
    ),
    Option(
        "--llm-tolerance",
        "llm_tolerance",
        "accuracy drop, in points, that a significant regression must reach to fail "
        "the gate (default 2)",
        default=2.0,
        type=float,
        metavar="POINTS",
    ),
    Option(
        "--llm-alpha",
        "llm_alpha",
        "significance level of the gate's McNemar tests, Holm-corrected (default 0.05)",
        default=0.05,
        type=float,
        metavar="ALPHA",
    ),
    Option(
        "--llm-fail-under",
        "llm_fail_under",
        "fail the gate when a model/strategy's accuracy is below this percentage",
        metavar="PERCENT",
    ),
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
            **({"nargs": "?", "const": opt.const} if opt.const is not None else {}),
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
        expected = "a whole number" if kind is int else "a number"
        raise pytest.UsageError(f"{flag}={value}: expected {expected}") from None
    if number < minimum:
        raise pytest.UsageError(f"{flag}={value}: must be at least {minimum:g}")
    return number


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
        """Each strategy's template hash per task (``vp``, ``vp/input``): a prompt change
        shows in the header and report."""
        templates = self.template_set()
        hashes: dict[str, str] = {}
        for task in self.tasks:
            for name in self.strategies:
                strategy = get_strategy(name, templates)
                if task in strategy.tasks:
                    label = name if task == DEFAULT_TASK else f"{name}/{task}"
                    hashes[label] = strategy.template_hash_for(task)
        return hashes

    def runs(self) -> list[tuple[str, str]]:
        """The (strategy, task) pairs that make tests: a strategy asks the tasks it can."""
        return [
            (strategy, task)
            for task in self.tasks
            for strategy in self.strategies
            if task in _tasks_of(strategy)
        ]

    def skipped_runs(self) -> list[tuple[str, str]]:
        """The (strategy, task) pairs asked for that the strategy cannot ask."""
        return [
            (strategy, task)
            for task in self.tasks
            for strategy in self.strategies
            if task not in _tasks_of(strategy)
        ]


def _tasks_of(strategy: str) -> tuple[str, ...]:
    return STRATEGIES[strategy](None).tasks


def settings_from(config: pytest.Config) -> Settings:
    """Read and validate every setting; a bad value is a `pytest.UsageError`."""
    specs: dict[str, str] = {}
    for spec in dict.fromkeys(_split(raw_value(config, "--llm-model"))):
        name = model_label(spec)
        if name in specs:
            raise pytest.UsageError(
                f"--llm-model: {specs[name]} and {spec} would both be named {name}; "
                "rename one of the files"
            )
        specs[name] = spec
    models = tuple(specs)
    strategies = tuple(dict.fromkeys(_split(raw_value(config, "--llm-strategy"))))
    for name in strategies:
        if name not in KNOWN_STRATEGIES:
            raise pytest.UsageError(
                f"--llm-strategy={name}: unknown strategy; "
                f"choose from {', '.join(KNOWN_STRATEGIES)}"
            )
        if name not in STRATEGIES:
            raise pytest.UsageError(
                f"--llm-strategy={name}: this strategy is not available in this version "
                f"(available: {', '.join(STRATEGIES)})"
            )
    if not strategies:
        raise pytest.UsageError("--llm-strategy: give at least one of vp, cot, iip")
    tasks = _tasks(config, strategies)
    report = raw_value(config, "--llm-report")
    html = raw_value(config, "--llm-html")
    if html and (Path(config.invocation_params.dir) / html).is_dir():
        raise pytest.UsageError(
            f"--llm-html={html}: is a directory; give a file name such as report.html"
        )
    root = Path(config.invocation_params.dir)
    replay, replay_by_task = _replay(config, root)
    base_urls = tuple(dict.fromkeys(_split(raw_value(config, "--llm-base-url"))))
    templates = raw_value(config, "--llm-templates")
    template_dir = (root / templates) if templates else None
    try:  # every file the run reads, checked now: a broken template is one clear error
        checked = Templates(template_dir)
        for name in strategies:
            strategy = get_strategy(name, checked)
            for task in tasks:
                if task in strategy.tasks:
                    strategy.template_hash_for(task)  # reads and checks the files
    except TemplateError as exc:
        raise pytest.UsageError(str(exc)) from None
    return Settings(
        models=models,
        strategies=strategies,
        samples=_number(config, "--llm-samples", int, 1),
        report=(root / report) if report else None,
        html=(root / html) if html else None,
        replay=replay,
        replay_by_task=replay_by_task,
        tasks=tasks,
        base_url=base_urls[0] if base_urls else None,
        base_urls=base_urls,
        api_key_env=raw_value(config, "--llm-api-key-env"),
        concurrency=_number(config, "--llm-concurrency", int, 1),
        timeout=_number(config, "--llm-timeout", float, 0.01),
        iip_max_steps=_number(config, "--llm-iip-max-steps", int, 1),
        describe=_describe(config),
        examples=_number(config, "--llm-examples", int, 0),
        seed=_number(config, "--llm-seed", int, 0),
        shrink=_number(config, "--llm-shrink", int, 0),
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
    chosen = tuple(dict.fromkeys(_split(raw)))
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
    tasks = tuple(dict.fromkeys(_split(raw_value(config, "--llm-task"))))
    if not tasks:
        raise pytest.UsageError("--llm-task: give at least one of " + ", ".join(TASKS))
    for name in tasks:
        if name not in TASKS:
            raise pytest.UsageError(
                f"--llm-task={name}: unknown task; choose from {', '.join(TASKS)}"
            )
        able = [s for s in strategies if name in _tasks_of(s)]
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


@dataclass(frozen=True)
class GateSettings:
    """What the regression gate compares with and when it fails (see report/gate.py)."""

    baseline: Path | None  # compare with (or, updating, write to) this file
    update: bool
    force: bool  # --llm-update-baseline=force: update even when CI is set
    tolerance: float  # points
    alpha: float
    fail_under: float | None  # percent

    @property
    def configured(self) -> bool:
        """Whether a gate (rather than the plain pass/fail of each test) sets the exit status."""
        return self.baseline is not None or self.fail_under is not None

    def header(self) -> str:
        parts = []
        if self.baseline is not None:
            action = "update" + ("=force" if self.force else "") if self.update else "compare"
            parts.append(f"baseline={self.baseline.name} ({action})")
            parts.append(f"tolerance={self.tolerance:g} alpha={self.alpha:g}")
        if self.fail_under is not None:
            parts.append(f"fail-under={self.fail_under:g}%")
        return "llmexec gate: " + " ".join(parts)


def gate_settings_from(config: pytest.Config) -> GateSettings:
    """Read and validate the gate's options; a bad value is a `pytest.UsageError`."""
    update_raw = raw_value(config, "--llm-update-baseline")
    if update_raw not in (None, "yes", "force"):
        raise pytest.UsageError(
            f"--llm-update-baseline={update_raw}: the only value it takes is 'force'; "
            "write it as --llm-update-baseline or --llm-update-baseline=force, after the paths"
        )
    baseline = raw_value(config, "--llm-baseline")
    root = Path(config.invocation_params.dir)
    if baseline is not None:
        candidate = root / baseline
        if candidate.is_dir() or candidate.suffix.lower() in (".yaml", ".yml", ".jsonl", ".py"):
            raise pytest.UsageError(
                f"--llm-baseline {baseline}: this looks like a test path, not a baseline file; "
                f"write --llm-baseline=PATH (with '='), or --llm-baseline after the paths for "
                f"the default {DEFAULT_BASELINE}"
            )
    elif update_raw is not None:
        baseline = DEFAULT_BASELINE
    alpha = _number(config, "--llm-alpha", float, 0.0)
    if not 0.0 < alpha < 1.0:
        raise pytest.UsageError(f"--llm-alpha={alpha:g}: must be between 0 and 1, e.g. 0.05")
    fail_under = None
    if raw_value(config, "--llm-fail-under") is not None:
        fail_under = _number(config, "--llm-fail-under", float, 0.0)
        if fail_under > 100:
            raise pytest.UsageError(
                f"--llm-fail-under={fail_under:g}: a percentage between 0 and 100"
            )
    return GateSettings(
        baseline=(root / baseline) if baseline else None,
        update=update_raw is not None,
        force=update_raw == "force",
        tolerance=_number(config, "--llm-tolerance", float, 0.0),
        alpha=alpha,
        fail_under=fail_under,
    )


REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


@dataclass(frozen=True)
class ProviderSettings:
    """How API models are reached, cached and paid for (see providers/api.py)."""

    cache: str
    cache_dir: Path
    budget: float | None
    prices: Path | None
    max_tokens: int | None
    temperature: float
    reasoning_effort: str | None
    thinking_budget: int | None
    request_timeout: float | None  # None: each provider's default
    retries: int = 5

    def header(self) -> str:
        parts = [f"cache={self.cache}"]
        if self.cache != "off":
            parts.append(f"cache-dir={self.cache_dir}")
        if self.budget is not None:
            parts.append(f"budget=${self.budget:g}")
        for name, value in (
            ("prices", self.prices),
            ("max-tokens", self.max_tokens),
            ("reasoning-effort", self.reasoning_effort),
            ("thinking-budget", self.thinking_budget),
        ):
            if value is not None:
                parts.append(f"{name}={value}")
        parts.append(f"temperature={self.temperature:g}")
        timeout = (
            f"{self.request_timeout:g}s"
            if self.request_timeout is not None
            else "600s(llamacpp:none)"
        )
        parts.append(f"request-timeout={timeout} retries={self.retries}")
        return "llmexec providers: " + " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "cache": self.cache,
            "cache_dir": str(self.cache_dir),
            "budget": self.budget,
            "prices": str(self.prices) if self.prices else None,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "reasoning_effort": self.reasoning_effort,
            "thinking_budget": self.thinking_budget,
            "request_timeout": self.request_timeout,
            "retries": self.retries,
        }


def provider_settings_from(config: pytest.Config) -> ProviderSettings:
    """Read and validate the provider options; a bad value is a `pytest.UsageError`."""
    root = Path(config.invocation_params.dir)
    cache = str(raw_value(config, "--llm-cache")).strip().lower()
    if cache not in CACHE_MODES:
        raise pytest.UsageError(f"--llm-cache={cache}: choose one of {', '.join(CACHE_MODES)}")
    cache_dir = raw_value(config, "--llm-cache-dir")
    effort = raw_value(config, "--llm-reasoning-effort")
    if effort is not None:
        effort = str(effort).strip().lower()
        if effort not in REASONING_EFFORTS:
            raise pytest.UsageError(
                f"--llm-reasoning-effort={effort}: choose one of {', '.join(REASONING_EFFORTS)}"
            )
    budget = None
    if raw_value(config, "--llm-budget") is not None:
        budget = _number(config, "--llm-budget", float, 0.0)
    max_tokens = None
    if raw_value(config, "--llm-max-tokens") is not None:
        max_tokens = _number(config, "--llm-max-tokens", int, 1)
    thinking = None
    if raw_value(config, "--llm-thinking-budget") is not None:
        thinking = _number(config, "--llm-thinking-budget", int, 1024)
    prices = raw_value(config, "--llm-prices")
    return ProviderSettings(
        cache=cache,
        cache_dir=(root / cache_dir) if cache_dir else config.rootpath / ".llmexec",
        budget=budget,
        prices=(root / prices) if prices else None,
        max_tokens=max_tokens,
        temperature=_number(config, "--llm-temperature", float, 0.0),
        reasoning_effort=effort,
        thinking_budget=thinking,
        request_timeout=(
            _number(config, "--llm-request-timeout", float, 0.001)
            if raw_value(config, "--llm-request-timeout") is not None
            else None
        ),
        retries=_number(config, "--llm-retries", int, 0),
    )
