"""What a prompting strategy is: a case in, a conversation to hold out.

A strategy returns the user turns of a conversation; the model's replies go
between them. Templates are text files (`templates`), and the hash of a
strategy's templates goes into cache keys and reports, so a prompt change is
visible and never served from a stale cache.

Every turn also says where a reply must end: its stop sequences (the closing
tag of the block the turn asks for, so that a model cannot go on to write the
next turn itself) and its default output-token limit, set well above what any
sane answer needs so that only a runaway reply reaches it (`--llm-max-tokens`
overrides it for every turn).

A strategy may also give an answer-forcing turn (`Prompt.forcing`): when the
last reply holds no closed answer block (it was cut at its limit, often while
looping, or it ended without the block), the conversation gets one more user
turn that asks for the answer alone. It is sent, cached, counted and recorded
like any turn, and the case says it was ``forced``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from ..answers import answers_in_block
from ..datasets.model import PYTHON, Case
from .templating import Templates, fill

__all__ = ["Prompt", "PromptOptions", "SingleTurn", "Strategy", "Templates", "fill"]


@dataclass(frozen=True)
class PromptOptions:
    """Run-wide settings that shape a prompt."""

    describe: str | None = None  # "en" or "zh": add the problem description
    iip_max_steps: int = 12


@dataclass(frozen=True)
class Prompt:
    """The user turns of a conversation and how its answer is delimited."""

    turns: tuple[str, ...]
    system: str | None = None
    answer_tag: str = "ANSWER"
    state_tag: str = "STATE"
    #: for multi-turn strategies, what each non-final turn asks for (step lines)
    steps: tuple[tuple[int, int], ...] = field(default=())
    #: For providers: the conversation resends a growing prefix (IIP), so mark it
    #: for prompt caching where the API needs it. Anthropic: put
    #: ``cache_control: {"type": "ephemeral"}`` on the last content block of the
    #: newest user message of every request (at most 4 breakpoints per request, so
    #: mark only that one); OpenAI caches prefixes by itself. Report the cached
    #: input tokens the API returns in ``Usage.cached_tokens``.
    cache_prefix: bool = False
    #: per turn: the stop sequences of its reply (empty: none)
    stops: tuple[tuple[str, ...], ...] = field(default=())
    #: per turn: the default most output tokens of its reply (0: the provider's default)
    max_tokens: tuple[int, ...] = field(default=())
    #: the answer-forcing turn, sent after the last one when its reply gave no answer
    #: (`follow_up`); its stops and limit are those of turn ``len(turns)``. Empty: never.
    forcing: str = ""

    def follow_up(self, reply: str, truncated: bool) -> str | None:
        """The answer-forcing turn to send after the last *reply*, or None when it answered:
        it was not cut at its limit and its answer block holds a whole answer (not ``= 3``)."""
        if not self.forcing:
            return None
        if not truncated and answers_in_block(reply, self.answer_tag):
            return None
        return self.forcing

    def stop(self, turn: int) -> tuple[str, ...]:
        return self.stops[turn] if turn < len(self.stops) else ()

    def limit(self, turn: int) -> int:
        return self.max_tokens[turn] if turn < len(self.max_tokens) else 0

    def closed(self, turn: int, text: str) -> str:
        """*text* with the closing tag back that a stop sequence cut off.

        APIs leave the matched stop sequence out of the reply; put it back so the
        conversation (resent in later turns of IIP) and the report read as written.
        """
        for stop in self.stop(turn):
            if stop.startswith("[/") and text.rfind("[" + stop[2:]) > text.rfind(stop):
                return text + stop
        return text


class Strategy(Protocol):
    name: str
    #: its marker's text (``pytest --markers``)
    description: str
    #: whether it asks Python snippets only (IIP traces Python's locals step by step)
    python_only: bool

    @property
    def files(self) -> tuple[str, ...]:
        """The template files it reads."""
        ...

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks (tasks/) this strategy can ask: each has a template of its own."""
        ...

    @property
    def template_hash(self) -> str:
        """The hash of the output task's templates."""
        ...

    def template_hash_for(self, task: str, language: str = PYTHON) -> str: ...

    def prompt(
        self,
        case: Case,
        options: PromptOptions,
        task: str = "output",
        fields: Mapping[str, str] | None = None,
    ) -> Prompt:
        """The turns asking *task* of *case*; *fields* are the task's placeholders."""
        ...


def pick_tag(base: str, *texts: str) -> str:
    """A delimiter tag that none of *texts* contains, so extraction cannot be fooled."""
    candidates = [base, f"{base}_1", f"{base}_2", f"{base}_X", f"{base}_{len(''.join(texts))}"]
    for tag in candidates:
        if not any(f"[{tag}]" in t or f"[/{tag}]" in t for t in texts):
            return tag
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:8]
    return f"{base}_{digest}"  # deterministic across processes, unlike hash()


def fence(*texts: str) -> str:
    """A backtick fence longer than any backtick run in *texts*, so code cannot close it."""
    longest = max((len(run) for t in texts for run in re.findall(r"`+", t)), default=0)
    return "`" * max(3, longest + 1)


def numbered(code: str, first: int = 1, last: int | None = None) -> str:
    """Lines *first*..*last* of *code* with right-aligned 1-based line numbers."""
    lines = code.rstrip().splitlines()
    width = len(str(len(lines)))
    end = len(lines) if last is None else last
    return "\n".join(f"{n:>{width}} | {lines[n - 1]}" for n in range(first, end + 1))


def description_block(case: Case, options: PromptOptions) -> str:
    if options.describe is None:
        return ""
    text = case.snippet.description.get(options.describe)
    if not text:
        return ""
    heading = "Problem description" if options.describe == "en" else "题目描述"
    return f"{heading}:\n{text.strip()}\n\n"


def case_texts(case: Case, options: PromptOptions) -> tuple[str, ...]:
    """Everything of the case that a prompt shows: delimiters and fences must avoid it."""
    return (case.snippet.code, case.call, description_block(case, options))


#: a compiled snippet's prompt shows its program with ???? where the answer goes (the
#: task's `NativeCase.shown`): a call or an output of its own is already in it
NATIVE_REQUIRED = {"code"}
NATIVE_OPTIONAL = {"description", "fence", "tag", "function"}


def native_file(language: str, name: str) -> str:
    """The template of *language* for the file *name*: ``cpp/vp.txt``."""
    return f"{language}/{name}"


SINGLE_TURN_REQUIRED = {"code", "call"}
SINGLE_TURN_OPTIONAL = {"description", "fence", "tag", "function"}
#: a per-line task's template shows the numbered code, the call and the lines asked about
LINE_TASKS = ("state", "branch", "coverage", "path")
LINES_REQUIRED = {"code", "call", "questions"}
LINES_OPTIONAL = {"description", "fence", "tag", "function"}
#: an input-prediction template shows the true output and names the function to call
INPUT_REQUIRED = {"code", "output"}
INPUT_OPTIONAL = {"description", "fence", "tag", "function"}


class SingleTurn:
    """A one-turn strategy: its template filled with the code and the task's fields.

    VP and CoT differ only in their templates and output limit; subclasses name
    them: *template* for output prediction, *task_templates* for other tasks.
    A template without ``{{tag}}`` (a published prompt used verbatim) is read with
    the plain ``ANSWER`` tag. A compiled language has its own templates in a
    folder named after it (``cpp/vp.txt``), and the task gives the program to
    show as the ``code`` field.
    """

    name: str = ""
    description: str = ""
    python_only = False
    template: str = ""
    task_templates: ClassVar[Mapping[str, str]] = {}
    max_tokens: int = 0
    #: task -> the template of its answer-forcing turn (Python snippets; see `Prompt.forcing`).
    #: A ``--llm-templates`` folder without that file sends none: its prompt runs as written.
    forcing_templates: ClassVar[Mapping[str, str]] = {}
    forcing_max_tokens: int = 0

    def __init__(self, templates: Templates | None = None) -> None:
        self.templates = templates or Templates()

    @property
    def task_files(self) -> dict[str, str]:
        """task -> the template file that asks it."""
        return {"output": self.template, **self.task_templates}

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(self.task_files.values())

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.task_files)

    @property
    def template_hash(self) -> str:
        return self.template_hash_for("output")

    def file_for(self, task: str, language: str = PYTHON) -> str:
        """The template file that asks *task* of a snippet in *language*."""
        name = self.task_files[task]
        return name if language == PYTHON else native_file(language, name)

    def forcing_file(self, task: str, language: str = PYTHON) -> str | None:
        """The template of *task*'s answer-forcing turn, or None when there is none."""
        name = self.forcing_templates.get(task)
        if name is None or language != PYTHON or not self.templates.has(name):
            return None
        return name

    def template_hash_for(self, task: str, language: str = PYTHON) -> str:
        forcing = self.forcing_file(task, language)
        names = (self.file_for(task, language), *([forcing] if forcing else []))
        return self.templates.hash(*names)

    def prompt(
        self,
        case: Case,
        options: PromptOptions,
        task: str = "output",
        fields: Mapping[str, str] | None = None,
    ) -> Prompt:
        values = dict(fields) if fields is not None else {"call": case.call}
        code = values.pop("code", case.snippet.code)
        texts = (*case_texts(case, options), code, *values.values())
        template = self.templates.text(self.file_for(task, case.snippet.language))
        tag = pick_tag("ANSWER", *texts) if "{{tag}}" in template else "ANSWER"
        text = fill(
            template,
            **{
                "description": description_block(case, options),
                "fence": fence(*texts),
                "code": code.rstrip(),
                "tag": tag,
                "function": case.snippet.function_name,
                **values,
            },
        )
        forcing_file = self.forcing_file(task, case.snippet.language)
        forcing = ""
        if forcing_file is not None:
            forcing = fill(
                self.templates.text(forcing_file),
                **{"tag": tag, "function": case.snippet.function_name, **values},
            ).strip()
        return Prompt(
            turns=(text,),
            answer_tag=tag,
            stops=((f"[/{tag}]",),) * (2 if forcing else 1),
            max_tokens=(self.max_tokens, *([self.forcing_max_tokens] if forcing else [])),
            forcing=forcing,
        )
