"""RE2-Bench through pytest: a checkout's ``dataset/re2-bench/`` collected as a benchmark.

One test per problem, model, strategy and task, with ids and markers as for
the other formats: ``dataset/re2-bench::<problem_id>[<model>-<strategy>-i<n>]``
for output prediction, ``...-input-i<n>]`` for input prediction (``n`` is the
problem's line of its input-output file). Markers: ``llmexec``, ``re2bench``,
the strategy, the task, the model, the source benchmark (``humaneval``,
``swebench``, ...) as the category, the difficulty (``easy``, ``difficult``)
and ``python``. RE2-Bench's loop and branch tasks are the tasks ``re2loop`` and
``re2branch`` (``...-cot-re2loop-i0]``): their problems are the files of
``dataset/re2-bench/loop|branch/`` (`re2bench.read_annotated`), asked with its
CoT prompt only and scored by its validators' rule (`tasks.re2loop`,
`tasks.re2branch`).

The question is RE2-Bench's own prompt file, read from the checkout:
``--llm-strategy=cot`` asks ``prompts/<task>_prediction/`` (with the hint
of the structure to fill; ``--llm-re2bench-prompts=re2-nohint`` asks the
``_wohint`` variant), ``vp`` asks ``<task>_prediction_wocot/``; ``iip`` does
not ask RE2-Bench. ``--llm-re2bench-prompts=ours`` asks our own VP and CoT
templates instead, showing the problem's code and its input or output as JSON
(for input prediction, `strategies.re2input`: the input's shape to fill).
The reply is read and scored by RE2-Bench's rule (`tasks.re2bench`): ``rs``
is the verdict, ``partial_rs`` travels beside it on the record.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, cast

import pytest

from ..datasets import re2bench
from ..datasets.model import BenchmarkError, Case, Snippet
from ..datasets.re2bench import Problem
from ..engine import CaseResult, SampleResult, case_verdict
from ..execution import Outcome
from ..providers import Conversation, Request
from ..report.records import PROPERTY, CaseRecord, Re2Figures
from ..strategies import Prompt, PromptOptions, get_strategy, re2input
from ..strategies.templating import TemplateError
from ..tasks import TASKS as TASK_REGISTRY
from ..tasks import Expected, re2bench_strategies
from ..tasks import re2bench as rule
from ..tasks.re2annotated import AnnotatedTask
from ..verdicts import CORRECT, ERROR

PROMPT_CHOICES = ("re2", "re2-nohint", "ours")
#: the strategies that ask RE2-Bench, and which of its prompt variants each asks
STRATEGY_COT = {"vp": False, "cot": True}
TASKS = ("output", "input", *re2bench.ANNOTATED)
#: default output limits of RE2's prompts per strategy (a JSON answer can be long)
MAX_TOKENS = {"vp": 2048, "cot": 4096}
#: the loop and branch answers repeat the whole annotated code
ANNOTATED_MAX_TOKENS = 8192
MARKERS = {
    "re2bench": "a problem of RE2-Bench (read from a user's checkout)",
    "easy": "RE2-Bench's easy problems",
    "difficult": "RE2-Bench's difficult problems",
}


class DatasetProblem(Exception):
    """A problem the user must fix; shown as its message, without a traceback."""


def runs(strategies: tuple[str, ...], tasks: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (strategy, task) pairs that ask RE2-Bench (iip does not; loop and branch: cot)."""
    return [
        (s, t)
        for t in tasks
        if t in TASKS
        for s in strategies
        if s in STRATEGY_COT and s in (re2bench_strategies(t) or STRATEGY_COT)
    ]


def check_prompts(choice: str) -> str:
    """``--llm-re2bench-prompts``: a known choice, else a usage error."""
    if choice not in PROMPT_CHOICES:
        raise pytest.UsageError(
            f"--llm-re2bench-prompts={choice}: choose from {', '.join(PROMPT_CHOICES)}"
        )
    return choice


class RE2Dataset(pytest.Directory):
    """``dataset/re2-bench/`` of an RE2-Bench checkout: one item per problem and run."""

    def __init__(
        self, *, state: Any, marker: Callable[[str], str], prompts: str, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.state = state  # the plugin's per-process state (settings, engine, markers)
        self.marker = marker  # a model name as a marker
        self.prompts = prompts

    def collect(self) -> Iterator[pytest.Item]:
        settings = self.state.settings
        if not settings.active:
            raise DatasetProblem(
                f"{self.path} is RE2-Bench's dataset but no model was given: pass "
                "--llm-model=NAME (for example --llm-model=oracle)"
            )
        try:
            problems, broken = re2bench.read_problems(self.path)
        except BenchmarkError as exc:
            raise DatasetProblem(str(exc)) from None
        pairs = runs(settings.strategies, settings.tasks)
        if not pairs or not settings.runs_language("python"):
            return
        annotated = [t for t in dict.fromkeys(t for _, t in pairs) if t in re2bench.ANNOTATED]
        if annotated and self.prompts != "re2":
            raise DatasetProblem(
                f"--llm-re2bench-prompts={self.prompts}: RE2-Bench's {', '.join(annotated)} "
                "task is asked with its own prompt only (with CoT and the hint): use re2"
            )
        if self.prompts == "re2-nohint" and any(s == "vp" for s, _ in pairs):
            raise DatasetProblem(
                "RE2-Bench publishes no prompt without the hint and without CoT: "
                "--llm-re2bench-prompts=re2-nohint asks --llm-strategy=cot only"
            )
        for name, text in MARKERS.items():
            self.state.register_marker(name, text)
        plain = [(s, t) for s, t in pairs if t not in re2bench.ANNOTATED]
        for problem in problems if plain else []:
            self.state.register_marker(
                problem.category, f"RE2-Bench problems of {problem.benchmark}"
            )
            for model in settings.models:
                for strategy, task in plain:
                    yield self._item(problem, model, strategy, task)
        for index, unreadable in enumerate(broken if plain else []):
            yield RE2Broken.from_parent(self, name=f"unreadable{index}", message=str(unreadable))
        for task in annotated:
            yield from self._annotated_items(task, settings.models)

    def _annotated_items(self, task: str, models: tuple[str, ...]) -> Iterator[pytest.Item]:
        """The items of RE2-Bench's loop or branch task: its own problem files, cot only."""
        try:
            problems, broken = re2bench.read_annotated(self.path, task)
        except BenchmarkError as exc:
            raise DatasetProblem(str(exc)) from None
        for problem in problems:
            self.state.register_marker(
                problem.category, f"RE2-Bench problems of {problem.benchmark}"
            )
            for model in models:
                yield self._item(problem, model, "cot", task)
        for index, unreadable in enumerate(broken):
            name = f"unreadable-{task}{index}"
            yield RE2Broken.from_parent(self, name=name, message=str(unreadable))

    def _item(self, problem: Problem, model: str, strategy: str, task: str) -> RE2Item:
        task_part = "" if task == "output" else f"{task}-"
        name = f"{problem.problem_id}[{model}-{strategy}-{task_part}i{problem.index}]"
        item = RE2Item.from_parent(
            self,
            name=name,
            nodeid=f"{self.nodeid}::{name}",
            problem=problem,
            model=model,
            strategy=strategy,
            task=task,
        )
        for mark in (
            "llmexec",
            "re2bench",
            strategy,
            task,
            self.marker(model),
            problem.category,
            problem.difficulty,
            "python",
        ):
            item.add_marker(mark)
        return item

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | Any:
        if isinstance(excinfo.value, DatasetProblem):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class RE2Broken(pytest.Item):
    """A problem of the sample list whose files could not be read: it fails saying why."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise DatasetProblem(self.message)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, DatasetProblem):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.message


class RE2Failure(Exception):
    """A test whose verdict is not ``correct``."""


class RE2Item(pytest.Item):
    """One problem, model, strategy and task: ask, read, score by RE2-Bench's rule."""

    def __init__(
        self, *, problem: Problem, model: str, strategy: str, task: str, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.problem = problem
        self.model = model
        self.strategy = strategy
        self.task = task
        self._started: tuple[Future[list[Conversation]], Prompt, str] | str | None = None

    @property
    def dataset(self) -> RE2Dataset:
        assert isinstance(self.parent, RE2Dataset)
        return self.parent

    def case(self, code: str) -> Case:
        """The problem as a case: what the providers key their caches and replays on."""
        problem = self.problem
        snippet = Snippet(
            id=problem.problem_id,
            code=code,
            entry=problem.function_name or "main",
            category=problem.category,
            path=self.dataset.path,
            difficulty=problem.difficulty,
            inputs=(json.dumps(problem.truth_input),),
            input_ids=(f"i{problem.index}",),
            recorded_outputs=(None,),
            examples=0,
            dialect="re2bench",
        )
        return snippet.cases()[0]

    def start(self) -> None:
        """Send the question (once): the conversations run while other tests do."""
        if self._started is not None:
            return
        try:
            prompt, code = self._prompt()
            self._truth()  # a truth file upstream cannot read: this test's error
        except DatasetProblem as exc:
            self._started = str(exc)
            return
        engine = self.dataset.state.engine
        model = engine.models[self.model]
        if self.task in re2bench.ANNOTATED:  # the truth as an annotated answer
            truth = Outcome("ok", value=json.dumps(self._truth()))
            answer = TASK_REGISTRY[self.task].oracle_answer(self.case(code), truth)
        elif self.dataset.prompts == "ours" and self.task == "input":  # a dict literal
            answer = repr(re2input.answer_shape(self.problem.truth_input))
        elif self.dataset.prompts == "ours":  # a Python literal, as our templates ask
            answer = repr(self.problem.truth_output)
        else:
            answer = f"\n```\n{json.dumps(self._truth())}\n```\n"
        requests = [
            Request(
                self.case(code),
                self.strategy,
                prompt,
                sample=i,
                reference=Outcome("ok", detail="RE2-Bench's stored ground truth")
                if model.wants_reference
                else None,
                task=self.task,
                answer=answer if model.wants_reference else None,
            )
            for i in range(engine.samples)
        ]

        async def converse() -> list[Conversation]:
            conversations: list[Conversation] = await model.converse_samples(requests)
            return conversations

        self._started = (engine.submit(converse()), prompt, code)

    def _truth(self) -> Any:
        """What a right answer holds: RE2's output structure, its input structure, or the
        loop or branch truth as its validator reads the stored file."""
        if self.task == "output":
            return {"output": self.problem.truth_output}
        if self.task in re2bench.ANNOTATED:
            path = f"dataset/re2-bench/{re2bench.ANNOTATED[self.task]}/{self.problem.difficulty}"
            try:
                task = cast(AnnotatedTask, TASK_REGISTRY[self.task])
                return task.truth(self.problem.extra["truth"])
            except Exception as exc:  # upstream's validator stops on it: the problem fails
                raise DatasetProblem(
                    f"{path}/{self.problem.problem_id}.json: RE2-Bench's validator cannot read "
                    f"this truth ({type(exc).__name__}: {exc})"
                ) from None
        return self.problem.truth_input

    def _prompt(self) -> tuple[Prompt, str]:
        """The question, and the code it shows."""
        tag = re2bench.ANSWER_TAGS[self.task]
        if self.dataset.prompts == "ours":
            return self._our_prompt(tag)
        cot = STRATEGY_COT[self.strategy]
        folder = re2bench.prompt_folder(self.task, cot, self.dataset.prompts == "re2")
        assert folder is not None  # re2-nohint with vp is refused at collection
        path = self.problem.prompt_file(folder)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DatasetProblem(f"{path}: cannot read RE2-Bench's prompt: {exc}") from None
        limit = ANNOTATED_MAX_TOKENS if tag == "ANSWER" else MAX_TOKENS[self.strategy]
        prompt = Prompt(turns=(text,), answer_tag=tag, stops=((f"[/{tag}]",),), max_tokens=(limit,))
        return prompt, re2bench.shown_code(text)

    def _our_prompt(self, tag: str) -> tuple[Prompt, str]:
        """Our VP/CoT template, with the code and the input (or output) as JSON."""
        path = self.problem.prompt_file(re2bench.prompt_folder(self.task, True, True) or "")
        try:
            code = re2bench.shown_code(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise DatasetProblem(f"{path}: cannot read the problem's code: {exc}") from None
        engine = self.dataset.state.engine
        case = self.case(code)
        if self.task == "input":  # our templates of RE2-Bench's input structure
            shape = re2input.structure(self.problem.truth_input)
            output = json.dumps(self.problem.truth_output)
            templates = self.dataset.state.settings.template_set()
            try:
                prompt = re2input.prompt(self.strategy, templates, case, code, output, shape)
            except TemplateError as exc:
                raise DatasetProblem(str(exc)) from None
            return prompt, code
        strategy = engine.strategies.get(self.strategy) or get_strategy(self.strategy)
        name = self.problem.function_name or "the function"
        fields = {"call": f"{name} called with (JSON) {json.dumps(self.problem.truth_input)}"}
        prompt = strategy.prompt(case, PromptOptions(), self.task, {"code": code, **fields})
        return prompt, code

    def runtest(self) -> None:
        self.start()
        state = self.dataset.state
        record = self._evaluate(state.engine)
        self.user_properties.append((PROPERTY, record))
        if record["verdict"] != CORRECT:
            raise RE2Failure(record)

    def _evaluate(self, engine: Any) -> CaseRecord:
        problem = self.problem
        started = self._started
        code = ""
        samples: list[SampleResult] = []
        scores: list[rule.Score] = []
        conversations: list[Conversation] = []
        if isinstance(started, str):
            samples.append(SampleResult(ERROR, None, None, started))
        else:
            assert started is not None
            future, prompt, code = started
            conversations = future.result()
            row = rule.Row(
                task=self.task,
                benchmark=problem.benchmark,
                truth_input=problem.truth_input,
                truth_output=problem.truth_output,
                function_name=problem.function_name,
                class_name=problem.class_name,
                code_path=problem.code_path,
                code_file=problem.code_file,
            )
            for conversation in conversations:
                final = conversation.final
                if conversation.error is not None or final is None:
                    problem_text = conversation.error or "the model gave no reply"
                    samples.append(SampleResult(ERROR, None, None, problem_text))
                    continue
                scored = self._score(final, prompt, row, engine, code)
                scores.append(scored)
                samples.append(
                    SampleResult(scored.verdict, scored.predicted, final, scored.problem)
                )
        result = CaseResult(
            case=self.case(code),
            model=self.model,
            strategy=self.strategy,
            template_hash=self._template_hash(),
            verdict=case_verdict(samples),
            expected=json.dumps(self._truth()),
            truth=Outcome("ok", detail="RE2-Bench's stored ground truth"),
            samples=samples,
            task=self.task,
        )
        errors = [s.problem for s in samples if s.verdict == ERROR]
        if result.verdict == ERROR and errors:
            result.error = errors[0]
        if conversations:
            result.conversation = conversations[0].messages
            replies = [r for c in conversations for r in c.replies]
            result.cache_hit = bool(replies) and all(r.cache_hit for r in replies)
            for reply in replies:
                result.usage.add(reply.usage)
                result.latency += reply.latency
                result.cost += reply.cost
                result.calls += 1
                result.truncated = result.truncated or reply.truncated
                result.looped = result.looped or reply.looped
        record = result.to_json(self.nodeid)
        return cast(CaseRecord, {**record, **_figures(problem, scores)})

    def _score(
        self, final: str, prompt: Prompt, row: rule.Row, engine: Any, code: str
    ) -> rule.Score:
        """One reply's verdict and figures by RE2-Bench's rule for this task."""
        if self.task in re2bench.ANNOTATED:  # the task's own port (tasks/re2loop.py, ...)
            truth = self._truth()
            expected = Expected(truth, json.dumps(truth), "")
            task = TASK_REGISTRY[self.task]
            found = task.score(final, prompt.answer_tag, self.case(code), expected, engine.run, 10)
            rs = None if found.verdict == ERROR else int(found.verdict == CORRECT)
            partial = None if rs is None else found.partial
            return rule.Score(found.verdict, rs, partial, None, found.predicted, found.problem)
        if self.dataset.prompts == "ours" and self.task == "input":
            truth_input = self.problem.truth_input
            prediction, unread = rule.read_literal_input(final, prompt.answer_tag, truth_input)
        elif self.dataset.prompts == "ours":
            prediction, unread = rule.read_literal_prediction(final, prompt.answer_tag)
        else:
            prediction, unread = rule.read_prediction(final, self.task)
        return rule.score(row, prediction, engine.run, unread)

    def _template_hash(self) -> str:
        if self.dataset.prompts == "ours" and self.task == "input":
            templates = self.dataset.state.settings.template_set()
            try:
                return re2input.template_hash(self.strategy, templates)
            except TemplateError:
                return "unusable"  # the test's error says why
        if self.dataset.prompts == "ours":
            engine = self.dataset.state.engine
            return str(engine.strategies[self.strategy].template_hash_for(self.task))
        folder = re2bench.prompt_folder(
            self.task, STRATEGY_COT[self.strategy], self.dataset.prompts == "re2"
        )
        return f"re2bench:{folder}"

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, RE2Failure):
            return failure_text(excinfo.value.args[0])
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


def _figures(problem: Problem, scores: list[rule.Score]) -> Re2Figures:
    """RE2-Bench's figures for the record: rs and partial_rs (means over samples)."""
    rated = [s for s in scores if s.rs is not None]
    fn = [s.is_fn for s in rated if s.is_fn is not None]
    return {
        "re2bench": True,
        "problem_id": problem.problem_id,
        "benchmark": problem.benchmark,
        "case_name": problem.case_name,
        "rs": sum(s.rs or 0 for s in rated) / len(rated) if rated else None,
        "partial_rs": sum(s.partial_rs or 0.0 for s in rated) / len(rated) if rated else None,
        "is_fn": any(fn) if fn else None,
    }


def failure_text(record: dict[str, Any]) -> str:
    """What a failing RE2-Bench test shows: verdict, figures, answer, truth, reply."""
    verdict = record["verdict"]
    run = f"({record['model']}/{record['strategy']}/{record['task']})"
    if verdict == ERROR:
        head = f"error: {record.get('error')} {run}"
    else:
        head = f"{verdict}: rs {record.get('rs')}, partial_rs {record.get('partial_rs')} {run}"
    lines = [
        head,
        f"RE2-Bench {record['benchmark']} problem {record['problem_id']} ({record['difficulty']})",
        f"predicted: {(record.get('predicted') or '-')[:500]}",
        f"expected:  {(record.get('expected') or '')[:500]}",
    ]
    samples = record.get("samples") or []
    reply = samples[0].get("reply") if samples else None
    if reply and verdict != CORRECT:
        clipped = reply if len(reply) <= 800 else reply[-800:]
        lines += ["", "reply (end):", *("  " + line for line in clipped.splitlines())]
    return "\n".join(lines)
