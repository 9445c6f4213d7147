"""Collection: a benchmark file becomes one test per case, model, strategy and task.

`BenchmarkFile` reads a file through its dataset reader and makes the items;
`LLMItem` runs one test through the engine and puts its record on the report;
a bad row becomes a failing `BrokenEntry`, a language that cannot run here a
skipped `Unavailable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .. import inputs
from ..datasets import PYTHON, BenchmarkError, Case, Reader, Snippet, reader_for
from ..datasets.re2bench import is_re2bench
from ..engine import CaseResult
from ..execution.api import NONDETERMINISTIC
from ..languages import LanguageError, missing_libraries
from ..languages import get as get_language
from ..options import raw_value
from ..report.failure import format_failure
from ..report.records import PROPERTY
from ..strategies import TemplateError
from ..tasks import DEFAULT as DEFAULT_TASK
from ..tasks import TASKS
from . import batch as batching
from .markers import marker_name
from .re2bench import RE2Dataset
from .state import LLMExec, get_state

if TYPE_CHECKING:
    from ..inputs.shrink import Shrunk


def add_re2bench(config: pytest.Config) -> None:
    """``--llm-re2bench=CHECKOUT``: its dataset folder joins the paths to collect."""
    given = raw_value(config, "--llm-re2bench")
    if not given:
        return
    path = Path(config.invocation_params.dir) / str(given)
    dataset = path if is_re2bench(path) else path / "dataset" / "re2-bench"
    if not is_re2bench(dataset):
        raise pytest.UsageError(
            f"--llm-re2bench={given}: not an RE2-Bench checkout (no "
            "dataset/re2-bench/sampled_problems.json and input-output/ under it)"
        )
    root = Path(config.invocation_params.dir)
    chosen = {(root / arg.split("::")[0]).resolve() for arg in config.args}
    if dataset.resolve() not in chosen:
        config.args.append(str(dataset))


def collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """RE2-Bench's ``dataset/re2-bench/`` is one benchmark (its files are not collected)."""
    state = get_state(parent.config)
    if state is None or not is_re2bench(path):
        return None
    prompts = str(raw_value(parent.config, "--llm-re2bench-prompts"))
    return RE2Dataset.from_parent(
        parent, path=path, state=state, marker=marker_name, prompts=prompts
    )


def collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A benchmark file of a known format: found by pytest, or given as a path argument."""
    reader = reader_for(file_path)
    if reader is None:
        return None
    if reader.discovered or _given_explicitly(parent.config, file_path):
        return BenchmarkFile.from_parent(parent, path=file_path, reader=reader)
    return None


def _applies(task: str, snippet: Snippet) -> bool:
    """Whether *task* can ask anything of *snippet* (the per-line tasks need a line)."""
    applies = getattr(TASKS[task], "applies", None)
    return applies is None or bool(applies(snippet.cases()[0]))


def _task_part(task: str) -> str:
    """The task in a test id: nothing for output prediction (ids unchanged), else ``input-``."""
    return "" if task == DEFAULT_TASK else f"{task}-"


def _given_explicitly(config: pytest.Config, path: Path) -> bool:
    root = Path(config.invocation_params.dir)
    for arg in config.args:
        candidate = (root / arg.split("::")[0]).resolve()
        if candidate == path.resolve():
            return True
    return False


def _relative(message: str, path: Path, config: pytest.Config) -> str:
    """Show a file as the user typed it: relative to where pytest was started."""
    try:
        shown = path.relative_to(Path(config.invocation_params.dir))
    except ValueError:
        return message
    return message.replace(str(path), str(shown), 1)


class CollectionProblem(Exception):
    """A problem that is the user's to fix; shown as its message, without a traceback."""


class BenchmarkFile(pytest.File):
    """A file of a dataset format (`datasets`): one item per case, model and strategy."""

    def __init__(self, *, reader: Reader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader

    _library_problems: dict[str, str] = {}  # noqa: RUF012 - replaced per file in collect

    def collect(self) -> Iterator[pytest.Item]:
        state = get_state(self.config)
        assert state is not None
        if not state.settings.active:
            raise CollectionProblem(
                f"{self.path.name} is a pytest-llmexec benchmark but no model was given: "
                "pass --llm-model=NAME (for example --llm-model=oracle) or set llm_model in "
                "the ini file"
            )
        loaded = self.reader.read(self.path)
        if loaded.problems and not loaded.snippets:  # nothing to run: a collection error
            raise CollectionProblem(
                "\n".join(_relative(str(p), self.path, self.config) for p in loaded.problems)
            )
        self._library_problems = self._check_libraries(state, loaded.snippets)
        for snippet in loaded.snippets:
            yield from self._items(state, snippet)
        for problem in loaded.problems:  # one failing test per bad row: the rest still runs
            broken = self._broken(state, problem)
            if broken is not None:
                yield broken

    def _broken(self, state: LLMExec, problem: BenchmarkError) -> pytest.Item | None:
        # a bad translation is a test of its own language; anything else, of the file's
        language = problem.language or self.reader.language(self.path) or PYTHON
        if not state.settings.runs_language(language):
            return None
        name = f"line{problem.line}" if problem.line is not None else "file"
        item = BrokenEntry.from_parent(
            self,
            name=name,
            nodeid=f"{self.nodeid}::{name}",
            message=_relative(str(problem), self.path, self.config),
        )
        # selected by the usual -m expressions, so a bad row is not filtered away unseen
        for mark in (
            "llmexec",
            language,
            *(s for s, _ in state.strategies_for(language)),
            *map(marker_name, state.settings.models),
        ):
            item.add_marker(mark)
        return item

    def _asked(self, state: LLMExec) -> bool:
        """Whether the user asked for this file's other languages (not only a suite's)."""
        fixed = self.reader.language(self.path)
        return fixed not in (None, PYTHON) or state.settings.languages is not None

    def _check_libraries(self, state: LLMExec, snippets: list[Snippet]) -> dict[str, str]:
        """Libraries the programs import that this machine lacks: one collection error
        before any test runs when the language was asked for, else a reason to skip."""
        programs: dict[str, list[str]] = {}
        for snippet in snippets:
            if snippet.language != PYTHON and state.settings.runs_language(snippet.language):
                texts = programs.setdefault(snippet.language, [])
                texts.extend(native.truth_program() for native in snippet.natives)
        problems: dict[str, str] = {}
        for language, texts in programs.items():
            try:
                problem = missing_libraries(get_language(language), texts)
            except LanguageError:
                continue  # an unknown language is reported where it is read
            if problem is None:
                continue
            if self._asked(state):
                raise CollectionProblem(f"{self.path.name}: {language} cannot run here: {problem}")
            problems[language] = f"{language} cannot run here: {problem}"
        return problems

    def _runs(self, state: LLMExec, language: str) -> list[tuple[str, str]] | str:
        """The runs for snippets in *language*, or why its toolchain cannot run here.

        A language the user asked for (a CRUXEval-X file, ``--llm-language``) that
        cannot run is one collection error; the translations of a suite file that
        holds Python snippets too are skipped, saying why, so the rest still runs.
        """
        runs = state.strategies_for(language)
        if language == PYTHON or not runs:
            return runs
        problem = self._library_problems.get(language) or state.start_native(language)
        if problem is not None:
            if self._asked(state):
                raise CollectionProblem(f"{self.path.name}: {problem}")
            return f"{problem} (install it, or run --llm-language=python)"
        try:
            for strategy, task in runs:
                state.engine.strategies[strategy].template_hash_for(task, language)
        except TemplateError as exc:
            raise CollectionProblem(f"{self.path.name}: {exc}") from None
        return runs

    def _items(self, state: LLMExec, snippet: Snippet) -> Iterator[pytest.Item]:
        language = snippet.language
        if not state.settings.runs_language(language):  # --llm-language
            return
        runs = self._runs(state, language)
        if isinstance(runs, str):
            name = f"{snippet.id}[{language}]"
            skipped = Unavailable.from_parent(
                self, name=name, nodeid=f"{self.nodeid}::{name}", reason=runs
            )
            for mark in ("llmexec", language, snippet.category):
                skipped.add_marker(mark)
            yield skipped
            return
        language_part = "" if language == PYTHON else f"{language}-"
        state.register_marker(snippet.category, f"snippets of the category {snippet.category}")
        wanted = inputs.examples_for(snippet, state.settings.examples)
        try:
            extra = inputs.generate(
                snippet, wanted, state.settings.seed, state.engine if wanted else None
            )
        except BenchmarkError as exc:
            raise CollectionProblem(str(exc)) from None
        if state.settings.shrink:
            state.generated[(str(snippet.path), snippet.id)] = extra
        # a per-line task that has no line to ask of this snippet makes no test
        runs = [(s, t) for s, t in runs if _applies(t, snippet)]
        for case in [*snippet.cases(), *extra.cases]:
            for model in state.settings.models:
                for strategy, task in runs:
                    name = (
                        f"{snippet.id}[{model}-{strategy}-{_task_part(task)}"
                        f"{language_part}{case.input_id}]"
                    )
                    # The node id is given as text so that pytest parses it like the ids it
                    # reads back (--lf, --deselect): "<file>::<snippet>[<params>]".
                    item = LLMItem.from_parent(
                        self,
                        name=name,
                        nodeid=f"{self.nodeid}::{name}",
                        case=case,
                        model=model,
                        strategy=strategy,
                        task=task,
                    )
                    marks = (
                        "llmexec",
                        strategy,
                        task,
                        marker_name(model),
                        snippet.category,
                        language,
                    )
                    for mark in marks:
                        item.add_marker(mark)
                    if case.generated:
                        item.add_marker("generated")
                    if extra.note:  # travels to the controller; shown once in the summary
                        item.user_properties.append(
                            (inputs.NOTE_PROPERTY, f"{self.nodeid}::{snippet.id}: {extra.note}")
                        )
                    yield item

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | Any:
        if isinstance(excinfo.value, CollectionProblem):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class BrokenEntry(pytest.Item):
    """A benchmark row or snippet that could not be loaded: it fails with its message.

    The rest of the file still collects and runs; the run's exit status is non-zero.
    """

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        raise CollectionProblem(self.message)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, CollectionProblem):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name}: {self.message}"


class Unavailable(pytest.Item):
    """The tests of a snippet whose language cannot run here: skipped, saying why."""

    def __init__(self, *, reason: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reason = reason

    def runtest(self) -> None:
        pytest.skip(self.reason)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


class LLMFailure(Exception):
    """A test whose verdict is not ``correct``."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.verdict)
        self.result = result


class LLMItem(pytest.Item):
    """One (case, model, strategy): execute, ask, compare."""

    def __init__(self, *, case: Case, model: str, strategy: str, task: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.model = model
        self.strategy = strategy
        self.task = task
        self.result: CaseResult | None = None
        self.shrunk: Shrunk | None = None

    def runtest(self) -> None:
        state = get_state(self.config)
        assert state is not None
        batch = batching.hooks_of(self.config)
        waiting = batch and batch.waiting(self.case, self.model, self.strategy, self.task)
        if waiting:  # its request is in a batch: collected and scored by a later run
            pytest.skip(waiting)
        result = state.engine.evaluate(self.case, self.model, self.strategy, self.task)
        self.result = result
        record = result.to_json(self.nodeid)
        if state.settings.shrink and result.verdict == "wrong" and self.case.generated:
            self.shrunk = self._shrink(state)
            if self.shrunk is not None:
                record["shrunk"] = self.shrunk.to_json()
        self.user_properties.append((PROPERTY, record))
        if result.truth.status == NONDETERMINISTIC:  # not scored: listed in the summary
            pytest.skip(f"nondeterministic snippet, not scored: {result.truth.detail}"[:300])
        if not result.passed:
            raise LLMFailure(result)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, LLMFailure):
            text = format_failure(excinfo.value.result)
            return text + "\n\n" + self.shrunk.describe() if self.shrunk else text
        return super().repr_failure(excinfo)

    def _shrink(self, state: LLMExec) -> Shrunk | None:
        """A smaller generated input the model still gets wrong, within --llm-shrink calls."""
        origin = state.generated.get((str(self.case.snippet.path), self.case.snippet.id))
        if origin is None:
            return None
        from ..inputs.shrink import shrink  # imports Hypothesis: only with --llm-shrink

        engine = state.engine
        return shrink(
            origin,
            self.case,
            lambda case: engine.evaluate(case, self.model, self.strategy, self.task),
            engine,
            state.settings.shrink,
        )

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.snippet.line - 1, self.name
