"""The one option table: every ``--llm-`` flag and its ini twin, and how a raw value is read.

Precedence, for every setting: command line, then ini file, then default.
Every value in force is shown in the report header, so a run can be repeated
exactly. The settings that validate these values sit next to their users:
`plugin.settings` (the run), `providers.settings`, `gate.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from .languages import names as language_names
from .providers import CACHE_MODES
from .tasks import DEFAULT as DEFAULT_TASK

DEFAULT_BASELINE = "llmexec-baseline.json"


def _registered() -> dict[str, str]:
    """The registries' names, as the help of the options that choose among them shows them."""
    from .providers.registry import model_help
    from .strategies import STRATEGIES
    from .tasks import TASKS

    return {
        "models": model_help(),
        "strategies": ", ".join(STRATEGIES),
        "strategy_list": ",".join(STRATEGIES),
        "tasks": ", ".join(f"{name} ({task.summary})" for name, task in TASKS.items()),
        "task_list": ",".join(TASKS),
        "languages": ", ".join(language_names()),
    }


@dataclass(frozen=True)
class Option:
    flag: str  # --llm-model
    ini: str | None  # llm_model
    #: the help text; ``{strategies}``, ``{tasks}``, ``{models}``, ``{languages}`` (and the
    #: comma-joined ``{strategy_list}``, ``{task_list}``) are filled from the registries
    help: str
    default: Any = None
    type: Any = str
    metavar: str | None = None
    append: bool = False
    const: str | None = None  # value of a bare flag whose value is optional (--llm-baseline)

    def shown(self, text: str | None) -> str | None:
        """*text* (the help or the metavar) with the registries' names filled in."""
        if text is None or "{" not in text:
            return text
        for key, value in _registered().items():
            text = text.replace("{" + key + "}", value)
        return text

    @property
    def shown_help(self) -> str:
        return self.shown(self.help) or ""


OPTIONS: tuple[Option, ...] = (
    Option(
        "--llm-model",
        "llm_model",
        "model(s) to evaluate, repeatable or comma-separated: {models}",
        metavar="NAME[,NAME]",
        append=True,
    ),
    Option(
        "--llm-strategy",
        "llm_strategy",
        "prompting strategies, comma-separated: {strategies} (default: vp)",
        default="vp",
        metavar="{strategy_list}",
    ),
    Option(
        "--llm-task",
        "llm_task",
        "what the model predicts, comma-separated: {tasks}; the per-line tasks (state, "
        "branch, coverage, path) ask Python snippets only (docs: per-line tasks) "
        "(default: output)",
        default=DEFAULT_TASK,
        metavar="output,input,state,...",
    ),
    Option(
        "--llm-language",
        "llm_language",
        "languages to run, comma-separated: {languages} (default: every "
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
        "re2-nohint (the _wohint ones, cot only), ours (our VP and CoT templates; for input "
        "vp_re2input.txt and cot_re2input.txt, which ask for its input structure); its loop "
        "and branch tasks (re2loop, re2branch) are asked with re2 and cot only (default re2)",
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
        metavar="|".join(CACHE_MODES),
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
        "budget); default: the turn's own limit (VP 512, CoT 1024, CoT answer-forcing 256, IIP "
        "step 1024, IIP answer 512), none for OpenAI reasoning models",
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
            metavar=opt.shown(opt.metavar),
            help=opt.shown_help,
            **({"nargs": "?", "const": opt.const} if opt.const is not None else {}),
        )
        if opt.ini:
            parser.addini(opt.ini, opt.shown_help, type="string", default=None)


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


def split(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in str(value).replace("\n", ",").split(",") if v.strip())
    return out


def number(config: pytest.Config, flag: str, kind: type, minimum: float) -> Any:
    value = raw_value(config, flag)
    try:
        parsed = kind(value)
    except (TypeError, ValueError):
        expected = "a whole number" if kind is int else "a number"
        raise pytest.UsageError(f"{flag}={value}: expected {expected}") from None
    if parsed < minimum:
        raise pytest.UsageError(f"{flag}={value}: must be at least {minimum:g}")
    return parsed
