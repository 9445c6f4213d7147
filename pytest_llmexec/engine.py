"""Evaluates cases: ground truth, prompt, model conversation, verdict.

The engine wires the parts together and owns the process-wide resources:
the executor (started first, before any thread exists, so a fork server can
fork safely), a background event loop on which model conversations run,
so that requests for many tests can be in flight at once, and, once a case
of a compiled language is collected, a native executor per language (its
server is started as a new process, never forked from this one, so threads
do not matter to it). Every run goes through `Engine.run`, which sends a
call to the executor of its language.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Coroutine, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .answers import NotALiteral, Raised, equal, parse_literal
from .datasets.model import PYTHON, Case
from .execution import Call, Executor, Outcome
from .execution.native import NativeExecutor
from .languages import get as get_language
from .providers import Conversation, Model, Request, Usage
from .report.records import CaseRecord, SampleRecord, UsageRecord
from .strategies import Prompt, PromptOptions, Strategy
from .strategies.iip import check_steps, first_divergent
from .tasks import TASKS, Expected, Task, native
from .verdicts import CORRECT, ERROR, UNPARSEABLE, VERDICTS, WRONG

__all__ = ["CORRECT", "ERROR", "UNPARSEABLE", "VERDICTS", "WRONG", "CaseResult", "Engine"]
_NON_CORRECT_ORDER = {WRONG: 0, UNPARSEABLE: 1, ERROR: 2}


@dataclass
class SampleResult:
    verdict: str
    predicted: str | None  # the extracted answer text
    reply: str | None
    problem: str = ""
    partial: float | None = None  # per-line tasks: the share of asked lines right

    def to_json(self) -> SampleRecord:
        return {
            "verdict": self.verdict,
            "predicted": self.predicted,
            "reply": self.reply,
            "problem": self.problem,
            "partial": self.partial,
        }


@dataclass
class CaseResult:
    """Everything known about one test, JSON-ready for reports and xdist."""

    case: Case
    model: str
    strategy: str
    template_hash: str
    verdict: str
    expected: str | None
    truth: Outcome
    samples: list[SampleResult] = field(default_factory=list)
    error: str | None = None
    recorded_mismatch: bool = False
    conversation: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cache_hit: bool = False
    latency: float = 0.0
    cost: float = 0.0
    batch_cost: float = 0.0  # of the replies answered through a batch API (at its rate)
    calls: int = 0
    truncated: bool = False
    looped: bool = False  # a reply cut at the limit while repeating itself
    forced: bool = False  # a sample's last reply gave no answer: the forcing turn was sent
    model_ids: list[str] = field(default_factory=list)  # as reported by the provider
    # IIP step-level scoring (see strategies/iip.py): over all samples, and sample 0's steps
    steps_matched: int = 0
    steps_total: int = 0
    first_divergent_step: int | None = None
    step_checks: list[dict[str, Any]] = field(default_factory=list)
    step_problem: str = ""
    task: str = "output"

    @property
    def step_accuracy(self) -> float | None:
        return self.steps_matched / self.steps_total if self.steps_total else None

    @property
    def passed(self) -> bool:
        return self.verdict == CORRECT

    @property
    def n_correct(self) -> int:
        return sum(1 for s in self.samples if s.verdict == CORRECT)

    @property
    def partial(self) -> float | None:
        """The mean partial credit of the samples that have one (per-line tasks)."""
        shares = [s.partial for s in self.samples if s.partial is not None]
        return sum(shares) / len(shares) if shares else None

    @property
    def predicted(self) -> str | None:
        for sample in self.samples:
            if sample.predicted is not None:
                return sample.predicted
        return None

    def to_json(self, nodeid: str) -> CaseRecord:
        """The test's record (`report.records.CaseRecord`: the JSON report's ``cases``)."""
        snippet = self.case.snippet
        usage: UsageRecord = {
            "input_tokens": self.usage.input_tokens,
            "output_tokens": self.usage.output_tokens,
            "reasoning_tokens": self.usage.reasoning_tokens,
            "cached_tokens": self.usage.cached_tokens,
        }
        return {
            "nodeid": nodeid,
            "file": str(snippet.path),
            "line": snippet.line,
            "snippet": snippet.id,
            "language": snippet.language,
            "input_id": self.case.input_id,
            "input": self.case.args,
            "call": self.case.call,
            "generated": self.case.generated,
            "model": self.model,
            "strategy": self.strategy,
            "task": self.task,
            "template_hash": self.template_hash,
            "category": snippet.category,
            "difficulty": snippet.difficulty,
            "complexity": snippet.complexity,
            "lines": snippet.lines,
            "verdict": self.verdict,
            "expected": self.expected,
            "predicted": self.predicted,
            "recorded_output": self.case.recorded_output,
            "recorded_mismatch": self.recorded_mismatch,
            "truth_status": self.truth.verdict,
            "error": self.error,
            "n_samples": len(self.samples),
            "n_correct": self.n_correct,
            "partial": self.partial,
            "samples": [s.to_json() for s in self.samples],
            "conversation": self.conversation,
            "usage": usage,
            "cost": self.cost,
            "batch_cost": self.batch_cost,
            "cache_hit": self.cache_hit,
            "latency": self.latency,
            "calls": self.calls,
            "truncated": self.truncated,
            "looped": self.looped,
            "forced": self.forced,
            "model_ids": self.model_ids,
            "step_accuracy": self.step_accuracy,
            "first_divergent_step": self.first_divergent_step,
            "steps_matched": self.steps_matched,
            "steps_total": self.steps_total,
            "steps": self.step_checks,
            "step_problem": self.step_problem,
            "code": snippet.code,
        }


def _case_call(
    case: Case,
    default_timeout: float,
    *,
    trace: bool = False,
    steps: tuple[tuple[int, int], ...] | None = None,
) -> Call:
    snippet = case.snippet
    if case.native is not None:
        return native.truth_call(case, snippet.timeout or default_timeout)
    return Call(
        code=snippet.code,
        entry=snippet.entry,
        args=case.args,
        timeout=snippet.timeout or default_timeout,
        score=snippet.score,
        trace=trace,
        steps=steps if trace else None,
        expressions=snippet.expression_inputs,
        prelude=snippet.prelude,
    )


class _LoopThread:
    """A daemon thread running an asyncio loop; coroutines are submitted to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="llmexec-loop", daemon=True
        )
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        """Cancel what is left, stop the loop, then close it (an unclosed loop warns when freed)."""
        if self.loop.is_closed():
            return
        if self.thread.is_alive():
            with contextlib.suppress(Exception):
                self.submit(self._drain()).result(timeout=5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
        if not self.thread.is_alive():  # a loop still running cannot be closed: leave it be
            self.loop.close()

    async def _drain(self) -> None:
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.loop.shutdown_asyncgens()
        await self.loop.shutdown_default_executor()


class Engine:
    """Evaluates (case, model, strategy) triples; one per pytest process."""

    def __init__(
        self,
        executor: Executor,
        models: dict[str, Model],
        strategies: dict[str, Strategy],
        *,
        samples: int = 1,
        options: PromptOptions | None = None,
        default_timeout: float = 5.0,
        tasks: dict[str, Task] | None = None,
        native_cache_dir: Path | None = None,
    ) -> None:
        self.default_timeout = default_timeout
        self.native_cache_dir = native_cache_dir  # None: a temporary directory per executor
        self._native: dict[str, NativeExecutor] = {}
        self.tasks = tasks if tasks is not None else dict(TASKS)
        self.executor = executor
        #: one executor per language, all behind `execution.Executor`: Python's is given,
        #: a compiled language's is started the first time one of its calls runs
        self._executors: dict[str, Executor] = {PYTHON: executor}
        self.models = models
        self.strategies = strategies
        self.samples = samples
        self.options = options or PromptOptions()
        self._truths: dict[Call, Outcome] = {}
        self._references: dict[Call, Outcome] = {}
        self._pending: dict[
            tuple[str, str, str, str], tuple[Future[list[Conversation]], Prompt]
        ] = {}
        self._loop: _LoopThread | None = None

    # ------------------------------------------------------------------ execution
    def native(self, language: str) -> NativeExecutor:
        """The executor of *language*, started the first time it is needed.

        Raises `languages.LanguageError` (a missing toolchain, an unknown language)
        or `execution.forkserver.ServerError` (a sandbox that cannot start).
        """
        executor = self._native.get(language)
        if executor is None:
            executor = NativeExecutor([get_language(language)], cache_dir=self.native_cache_dir)
            self._native[language] = executor
            self._executors[language] = executor
        return executor

    def executor_for(self, language: str) -> Executor:
        """The executor of *language* (raises as `native` does for a compiled one)."""
        return self._executors.get(language) or self.native(language)

    def native_lines(self) -> list[str]:
        """What each started native executor's sandbox allows, for the report header."""
        return [executor.describe() for executor in self._native.values()]

    def run(self, call: Call) -> Outcome:
        """Run *call* in the sandbox of its language."""
        return self.executor_for(call.language).run(call)

    # ------------------------------------------------------------------ truth
    def truth(self, case: Case, *, steps: tuple[tuple[int, int], ...] | None = None) -> Outcome:
        """The real outcome; with *steps*, a traced run that also gives the state per step."""
        call = _case_call(case, self.default_timeout, trace=steps is not None, steps=steps)
        outcome = self._truths.get(call)
        if outcome is None:
            outcome = self.run(call)
            self._truths[call] = outcome
        return outcome

    def reference(
        self, case: Case, *, trace: bool, steps: tuple[tuple[int, int], ...] | None = None
    ) -> Outcome:
        """The oracle's answer: a run of its own, never the cached truth."""
        call = _case_call(case, self.default_timeout, trace=trace, steps=steps)
        outcome = self._references.get(call)
        if outcome is None:
            outcome = self.run(call)
            self._references[call] = outcome
        return outcome

    # ------------------------------------------------------------------ models
    def _loop_thread(self) -> _LoopThread:
        if self._loop is None:
            self._loop = _LoopThread()
        return self._loop

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        """Run a model conversation on the engine's loop (RE2-Bench's items ask their own)."""
        return self._loop_thread().submit(coro)

    def _start(
        self, case: Case, model_name: str, strategy_name: str, task_name: str = "output"
    ) -> tuple[Future[list[Conversation]], Prompt]:
        key = (case.key + "@" + str(case.snippet.path), model_name, strategy_name, task_name)
        pending = self._pending.get(key)
        if pending is not None:
            return pending
        model = self.models[model_name]
        strategy = self.strategies[strategy_name]
        task = self.tasks[task_name]
        fields: dict[str, str] | None = None
        # the question shows the true result (input prediction), or a compiled case's
        # program, which is only asked when it holds
        if task.needs_truth or case.native is not None:
            expected = self.expected(case)
            if not isinstance(expected, Expected):  # no question to ask: evaluate says why
                done: Future[list[Conversation]] = Future()
                done.set_result([])
                self._pending[key] = (done, Prompt(turns=()))
                return self._pending[key]
            fields = task.fields(case, expected)
        prompt = strategy.prompt(case, self.options, task_name, fields)
        steps = prompt.steps or None
        trace_steps = getattr(task, "trace_steps", None)  # per-line tasks: a line trace
        if trace_steps is not None:
            steps = trace_steps(case)
        reference = (
            self.reference(case, trace=bool(steps), steps=steps) if model.wants_reference else None
        )
        answer = task.oracle_answer(case, reference) if reference is not None else None
        requests = [
            Request(
                case,
                strategy_name,
                prompt,
                sample=i,
                reference=reference,
                task=task_name,
                answer=answer,
            )
            for i in range(self.samples)
        ]

        async def run_all() -> list[Conversation]:
            return await model.converse_samples(requests)

        future = self._loop_thread().submit(run_all())
        self._pending[key] = (future, prompt)
        return self._pending[key]

    def prefetch(self, tests: Iterable[tuple[Case, str, str, str]]) -> None:
        """Start the conversations of tests (case, model, strategy, task) before they run."""
        for case, model_name, strategy_name, task_name in tests:
            self._start(case, model_name, strategy_name, task_name)

    def settle(self) -> None:
        """Wait until every started conversation has ended (a batch round: see providers/batch)."""
        for future, _prompt in list(self._pending.values()):
            future.exception()  # waits; a failure is raised again when the test evaluates

    def forget(self) -> None:
        """Drop the started conversations, so that the next prefetch holds them again."""
        self._pending.clear()

    # ------------------------------------------------------------------ verdict
    def expected(self, case: Case) -> Expected | str:
        """The true outcome as the tasks score it, or why the snippet gave none."""
        truth = self.truth(case)
        if case.native is not None:
            return native.expected(case, truth)
        value: Any
        if truth.ok and truth.value is not None:
            try:
                value = parse_literal(truth.value)
            except NotALiteral:
                return f"the snippet's result does not read back: {truth.value[:200]}"
            text = truth.value
        elif truth.status == "raised" and truth.exc_type in case.snippet.raises:
            value = Raised(truth.exc_type)
            text = repr(value)
        else:
            return f"the snippet itself gave no result: {truth.verdict}" + (
                f" ({truth.detail})" if truth.detail else ""
            )
        check = text
        if case.recorded_output is not None and not _recorded_mismatch(case, value):
            check = case.recorded_output  # CRUXEval's assert uses the row's own text
        return Expected(value=value, text=text, check=check)

    def evaluate(
        self, case: Case, model_name: str, strategy_name: str, task_name: str = "output"
    ) -> CaseResult:
        strategy = self.strategies[strategy_name]
        task = self.tasks[task_name]
        truth = self.truth(case)
        result = CaseResult(
            case=case,
            model=model_name,
            strategy=strategy_name,
            template_hash=strategy.template_hash_for(task_name, case.snippet.language),
            verdict=ERROR,
            expected=None,
            truth=truth,
            task=task_name,
        )
        expected = self.expected(case)
        if not isinstance(expected, Expected):
            result.error = expected
            # a compiled case's program asserts its recorded output: it failed
            result.recorded_mismatch = case.native is not None and case.recorded_output is not None
            return result
        result.expected = expected.text
        if case.native is None and case.recorded_output is not None:
            result.recorded_mismatch = _recorded_mismatch(case, expected.value)

        key = (case.key + "@" + str(case.snippet.path), model_name, strategy_name, task_name)
        future, prompt = self._start(case, model_name, strategy_name, task_name)
        conversations = future.result()
        self._pending.pop(key, None)
        tag = prompt.answer_tag
        timeout = case.snippet.timeout or self.default_timeout
        for conversation in conversations:
            result.calls += len(conversation.replies)
            result.forced = result.forced or conversation.forced
            for reply in conversation.replies:
                result.usage.add(reply.usage)
                result.latency += reply.latency
                result.cost += reply.cost
                if reply.batch:
                    result.batch_cost += reply.cost
                result.truncated = result.truncated or reply.truncated
                result.looped = result.looped or reply.looped
                if reply.model_id and reply.model_id not in result.model_ids:
                    result.model_ids.append(reply.model_id)
            if conversation.error is not None or conversation.final is None:
                problem = conversation.error or "the model gave no reply"
                result.samples.append(SampleResult(ERROR, None, None, problem))
                continue
            scored = task.score(conversation.final, tag, case, expected, self.run, timeout)
            result.samples.append(
                SampleResult(
                    scored.verdict,
                    scored.predicted,
                    conversation.final,
                    scored.problem,
                    scored.partial,
                )
            )
        if conversations:
            result.conversation = conversations[0].messages
            replies = [r for c in conversations for r in c.replies]
            result.cache_hit = bool(replies) and all(r.cache_hit for r in replies)
        if prompt.steps:
            self._score_steps(result, prompt, conversations)
        result.verdict = case_verdict(result.samples)
        errors = [s.problem for s in result.samples if s.verdict == ERROR]
        if result.verdict == ERROR and errors:
            result.error = errors[0]
        return result

    def _score_steps(
        self, result: CaseResult, prompt: Prompt, conversations: list[Conversation]
    ) -> None:
        """IIP: compare each reported state with the true locals after that step."""
        traced = self.truth(result.case, steps=prompt.steps)
        truth = result.truth
        if (traced.status, traced.value, traced.exc_type) != (
            truth.status,
            truth.value,
            truth.exc_type,
        ):
            result.step_problem = f"the traced run differs from the truth: {traced.verdict}"
            return
        if traced.steps is None or len(traced.steps) != len(prompt.steps):
            result.step_problem = "no state per step was recorded for the entry function"
            return
        for conversation in conversations:
            if conversation.error is not None or len(conversation.replies) < len(prompt.turns):
                continue  # an error sample, or a model that does not hold the conversation
            replies = [reply.text for reply in conversation.replies[: len(prompt.turns) - 1]]
            checks = check_steps(traced.steps, prompt.steps, replies, prompt.state_tag)
            result.steps_total += len(checks)
            result.steps_matched += sum(1 for c in checks if c.match)
            if not result.step_checks:
                result.step_checks = [c.to_json() for c in checks]
                result.first_divergent_step = first_divergent(checks)
        if not result.steps_total:
            result.step_problem = "no sample answered every step turn"

    def close(self) -> None:
        if self._loop is not None:
            for model in self.models.values():
                with contextlib.suppress(Exception):
                    self._loop.submit(model.aclose()).result(timeout=5)
            self._loop.close()
        self.executor.close()
        for executor in self._native.values():
            executor.close()
        self._native.clear()
        self._executors = {PYTHON: self.executor}


def _recorded_mismatch(case: Case, value: Any) -> bool:
    """Whether the dataset's recorded output differs from real execution."""
    assert case.recorded_output is not None
    try:
        return not equal(parse_literal(case.recorded_output), value)
    except NotALiteral:
        return True


def case_verdict(samples: list[SampleResult]) -> str:
    """Correct when most samples are; else the most common other verdict."""
    if not samples:
        return ERROR
    counts = Counter(s.verdict for s in samples)
    if counts[CORRECT] * 2 > len(samples):
        return CORRECT
    others = [(n, -_NON_CORRECT_ORDER[v], v) for v, n in counts.items() if v != CORRECT]
    if not others:  # exactly half correct and nothing else cannot happen; be safe
        return WRONG
    return max(others)[2]
