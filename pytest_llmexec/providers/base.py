"""The one interface every model offers: hold a conversation for a case.

Providers know nothing of snippets beyond what a `Request` hands them: the turns
of a prompt, a sample index and, for the offline oracle, a reference outcome
computed by a run of its own.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..datasets.model import Case
from ..execution import Outcome
from ..strategies import Prompt


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.cached_tokens += other.cached_tokens

    def to_json(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cached_tokens": self.cached_tokens,
        }


@dataclass
class Reply:
    """One assistant message, with what it cost."""

    text: str
    usage: Usage = field(default_factory=Usage)
    model_id: str | None = None
    latency: float = 0.0
    finish_reason: str | None = None
    cache_hit: bool = False
    cost: float = 0.0
    batch: bool = False  # answered through a batch API (billed at the batch rate)

    @property
    def truncated(self) -> bool:
        return self.finish_reason in ("length", "max_tokens")

    @property
    def looped(self) -> bool:
        """Cut at the token limit while repeating itself: a loop, which greedy decoding of a
        small model falls into, told apart from a long trace that merely ran out of room."""
        return self.truncated and repeats(self.text)


#: how far back a loop is looked for, and how often a line must come back to be one
LOOP_TAIL, LOOP_LINES, LOOP_REPEATS = 600, 30, 3


#: a line's own number ("Step 12:", "12.", "3)"), which a numbered loop changes every time
_LINE_NUMBER = re.compile(r"^(?:step\s*)?\d+\s*[.:)]\s*", re.IGNORECASE)


def repeats(text: str) -> bool:
    """Whether *text* ends in a loop: its tail is periodic (one chunk over and over), or one
    line comes back at least three times among its last lines, its own number set aside
    ("Step 41: n //= 10 = 0", "Step 43: n //= 10 = 0", ...)."""
    tail = text[-LOOP_TAIL:]
    for period in range(1, len(tail) // LOOP_REPEATS + 1):
        if tail[period:] == tail[:-period]:
            return True
    lines = [_LINE_NUMBER.sub("", line.strip()) for line in text.splitlines() if line.strip()]
    lines = [line for line in lines[-LOOP_LINES:] if line]
    return any(lines.count(line) >= LOOP_REPEATS for line in set(lines))


@dataclass
class Conversation:
    """A whole exchange for one sample: messages sent, replies received, or an error."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    error: str | None = None
    #: the prompt's answer-forcing turn was sent (`Prompt.follow_up`): its last reply answers it
    forced: bool = False

    @property
    def final(self) -> str | None:
        return self.replies[-1].text if self.replies and self.error is None else None


@dataclass(frozen=True)
class Request:
    """What a model is asked: one sample of one case under one strategy."""

    case: Case
    strategy: str
    prompt: Prompt
    sample: int = 0
    reference: Outcome | None = None  # for the oracle only: a separate run's outcome
    task: str = "output"  # what is asked (tasks/): output or input prediction
    answer: str | None = None  # for the oracle only: its answer, from the reference
    turn: int = 0  # the index of the user turn being answered (its stops and token limit)

    @property
    def stop(self) -> tuple[str, ...]:
        return self.prompt.stop(self.turn)

    @property
    def max_tokens(self) -> int:
        """The strategy's default output limit for this turn (0: none)."""
        return self.prompt.limit(self.turn)


class ModelError(Exception):
    """A usage error about a model: unknown name, missing key, missing file."""


class Model:
    """Base class: a named model that answers tasks."""

    name: str = ""
    #: whether the engine must compute a reference outcome (the oracle)
    wants_reference: bool = False
    wants_trace: bool = False

    def describe(self) -> str:
        return self.name

    async def converse(self, task: Request) -> Conversation:
        raise NotImplementedError

    async def converse_samples(self, tasks: list[Request]) -> list[Conversation]:
        """The conversations of every sample of one case (the same prompt, *tasks* in order)."""
        return list(await asyncio.gather(*(self.converse(t) for t in tasks)))

    async def aclose(self) -> None:
        return None


class SamplesRefused(Exception):
    """The server would not give several samples in one request (no ``n``)."""


class ChatModel(Model):
    """A model reached through a chat API: the turns are sent one by one.

    Where the server honours ``n`` (`samples_in_one_request`), the samples of a
    one-turn prompt are asked for in one request; a server that refuses it, or
    answers with fewer choices, gets one request per sample from then on.
    """

    samples_in_one_request = False

    async def complete(self, messages: list[dict[str, Any]], task: Request) -> Reply:
        raise NotImplementedError

    async def complete_samples(
        self, messages: list[dict[str, Any]], tasks: list[Request]
    ) -> list[Reply]:
        """One reply per task from one request; `SamplesRefused` when the server will not."""
        raise SamplesRefused

    async def converse_samples(self, tasks: list[Request]) -> list[Conversation]:
        if self.samples_in_one_request and len(tasks) > 1 and len(tasks[0].prompt.turns) == 1:
            prompt = tasks[0].prompt
            messages = [{"role": "system", "content": prompt.system}] if prompt.system else []
            messages.append({"role": "user", "content": prompt.turns[0]})
            try:
                replies = await self.complete_samples(list(messages), tasks)
            except SamplesRefused:
                self.samples_in_one_request = False
            except ModelError as exc:
                return [Conversation(list(messages), error=str(exc)) for _ in tasks]
            else:
                conversations = []
                for reply in replies:
                    if not reply.truncated:
                        reply.text = prompt.closed(0, reply.text)
                    answer = {"role": "assistant", "content": reply.text}
                    conversations.append(Conversation([*messages, answer], [reply]))
                await asyncio.gather(
                    *(self.follow_up(c, t) for c, t in zip(conversations, tasks, strict=False))
                )
                return conversations
        return await super().converse_samples(tasks)

    async def converse(self, task: Request) -> Conversation:
        conversation = Conversation()
        if task.prompt.system:
            conversation.messages.append({"role": "system", "content": task.prompt.system})
        for index, turn in enumerate(task.prompt.turns):
            if not await self._turn(conversation, task, index, turn):
                return conversation
        await self.follow_up(conversation, task)
        return conversation

    async def follow_up(self, conversation: Conversation, task: Request) -> None:
        """Send the prompt's answer-forcing turn when the last reply gave no answer."""
        if conversation.error is not None or not conversation.replies:
            return
        last = conversation.replies[-1]
        turn = task.prompt.follow_up(last.text, last.truncated)
        if turn is not None:
            conversation.forced = True
            await self._turn(conversation, task, len(task.prompt.turns), turn)

    async def _turn(self, conversation: Conversation, task: Request, index: int, turn: str) -> bool:
        """Send user turn *index* and note the reply; False (and the error noted) on failure."""
        conversation.messages.append({"role": "user", "content": turn})
        try:
            reply = await self.complete(list(conversation.messages), replace(task, turn=index))
        except ModelError as exc:
            conversation.error = str(exc)
            return False
        if not reply.truncated:
            reply.text = task.prompt.closed(index, reply.text)
        conversation.replies.append(reply)
        conversation.messages.append({"role": "assistant", "content": reply.text})
        return True
