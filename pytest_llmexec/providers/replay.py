"""Replay: answers from a generations file, CRUXEval's ``generations.json`` format.

``{"<snippet id>": ["answer for sample 0", "answer for sample 1", ...]}``; for a
snippet with several inputs the key ``"<snippet id>[<input id>]"`` is used, and
the bare snippet id only when the snippet has a single input.
"""

from __future__ import annotations

import json
from pathlib import Path

from .base import Conversation, Model, ModelError, Reply, Task


class Replay(Model):
    name = "replay"

    def __init__(self, path: Path | None) -> None:
        if path is None:
            raise ModelError("the model 'replay' needs --llm-replay=PATH (a generations file)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"--llm-replay: no such file: {path}") from None
        except json.JSONDecodeError as exc:
            raise ModelError(
                f"--llm-replay: {path}:{exc.lineno}: invalid JSON ({exc.msg})"
            ) from None
        if not isinstance(data, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in data.values()
        ):
            raise ModelError(f'--llm-replay: {path}: expected {{"<snippet id>": ["answer", ...]}}')
        self.path = _display(path)
        self.generations: dict[str, list[str]] = data

    def describe(self) -> str:
        return f"replay ({self.path})"

    def _answers(self, task: Task) -> list[str] | None:
        case = task.case
        keyed = self.generations.get(case.key)
        if keyed is not None:
            return keyed
        if len(case.snippet.inputs) == 1 and not case.generated:
            return self.generations.get(case.snippet.id)
        return None

    async def converse(self, task: Task) -> Conversation:
        conversation = Conversation(
            messages=[{"role": "user", "content": t} for t in task.prompt.turns[-1:]]
        )
        answers = self._answers(task)
        if answers is None:
            conversation.error = f"{self.path} has no generations for {task.case.key!r}" + (
                f" or {task.case.snippet.id!r}" if len(task.case.snippet.inputs) == 1 else ""
            )
        elif task.sample >= len(answers):
            conversation.error = (
                f"{self.path} has {len(answers)} generation(s) for {task.case.key!r}; "
                f"sample {task.sample + 1} was asked (lower --llm-samples)"
            )
        else:
            text = answers[task.sample]
            conversation.replies.append(Reply(text=text, model_id="replay", cache_hit=True))
            conversation.messages.append({"role": "assistant", "content": text})
        return conversation


def _display(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
