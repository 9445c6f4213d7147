"""The oracle: answers with the result of a separate run of the snippet.

It checks the harness itself: an oracle run below 100% means the benchmark is
broken or nondeterministic, or the extraction/comparison path has a bug.
"""

from __future__ import annotations

from ..answers import parse_literal
from .base import Conversation, Model, Reply, Request


def _format_answer(task: Request) -> str:
    assert task.answer is not None, "the engine gives the oracle its answer (tasks/)"
    return task.answer


class Oracle(Model):
    name = "oracle"
    wants_reference = True

    def describe(self) -> str:
        return "oracle (answers from a separate execution)"

    async def converse(self, task: Request) -> Conversation:
        conversation = Conversation()
        tag = task.prompt.answer_tag
        steps = task.reference.steps if task.reference is not None else None
        for index, turn in enumerate(task.prompt.turns):
            conversation.messages.append({"role": "user", "content": turn})
            last = index == len(task.prompt.turns) - 1
            if last:
                text = f"[{tag}]{_format_answer(task)}[/{tag}]"
            else:
                state = steps[index] if steps is not None and index < len(steps) else {}
                body = "{" + ", ".join(f"{k!r}: {v}" for k, v in state.items()) + "}"
                parse_literal(body)  # the oracle never says what it could not parse back
                text = f"[{task.prompt.state_tag}]{body}[/{task.prompt.state_tag}]"
            conversation.replies.append(Reply(text=text, model_id="oracle"))
            conversation.messages.append({"role": "assistant", "content": text})
        return conversation
