"""Replay: answers from a generations file, CRUXEval's ``generations.json`` format.

``{"<snippet id>": ["answer for sample 0", "answer for sample 1", ...]}``; for a
snippet with several inputs the key ``"<snippet id>[<input id>]"`` is used, and
the bare snippet id only when the snippet has a single input. An answer is the
text a model would have replied: a value for output prediction (``"[1, 2]"``),
a whole call for input prediction (``"f('abc')"``), as CRUXEval publishes them.
One file serves every task, or ``output=PATH,input=PATH`` gives one per task.

CRUXEval-X's published results are read too: a file that is a JSON list of
``{"id", "answer", "res", ...}`` (``infer_results/<model>/cpp_output.json``)
gives each row id its one answer (a row without an answer has none), and a
directory, such as ``infer_results/<model>/``, gives each case the file of its
language and task: ``<lang>_<task>.json`` (``cpp_input.json``; ``py_`` for
Python).

RE2-Bench's published predictions are read too: a ``results/summary/
<model>_<task>.jsonl`` file (lines ``{"prediction", "problem_id", ...}``)
gives each problem its prediction, already parsed by RE2-Bench, and a raw
replies folder (``results/<task>/<model>/``, holding ``HC/`` and ``LC/`` or
``difficult/`` and ``easy/`` of ``<problem_id>.txt``) gives each problem the
model's whole reply, read by RE2-Bench's parser when scored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..tasks.re2rule import PARSED_KEY
from .base import Conversation, Model, ModelError, Reply, Request

#: the sub-folders of an RE2-Bench raw replies folder (results/<task>/<model>/)
RE2_REPLY_FOLDERS = ("HC", "LC", "difficult", "easy")


class Replay(Model):
    name = "replay"

    def __init__(self, path: Path | None, by_task: Mapping[str, Path] | None = None) -> None:
        by_task = dict(by_task or {})
        if path is None and not by_task:
            raise ModelError("the model 'replay' needs --llm-replay=PATH (a generations file)")
        self.files = {task: _read(file) for task, file in by_task.items()}
        #: a directory of CRUXEval-X results: one file per language and task, read when needed
        self.directory = path if path is not None and path.is_dir() else None
        if self.directory is not None and _is_re2_replies(self.directory):
            self.directory = None  # read whole, as a generations file
        self._by_file: dict[Path, dict[str, list[str]] | str] = {}
        self.default = _read(path) if path is not None and self.directory is None else None
        shown = [_display(path)] if path is not None else []
        shown += [f"{task}={_display(file)}" for task, file in by_task.items()]
        self.path = ", ".join(shown)

    def describe(self) -> str:
        return f"replay ({self.path})"

    def _source(self, task: Request) -> dict[str, list[str]] | None:
        """The generations that serve *task*: its own file, else the file for every task,
        else its language's and task's file in the results directory."""
        if self.directory is not None and task.task not in self.files:
            found = self._results(task)
            return found if isinstance(found, dict) else None
        return self.files.get(task.task, self.default)

    def _file_of(self, task: Request) -> str:
        if self.directory is None or task.task in self.files:
            return self.path
        stem = "py" if task.case.snippet.language == "python" else task.case.snippet.language
        return _display(self.directory / f"{stem}_{task.task}.json")

    def _unreadable(self, task: Request) -> str | None:
        """Why the results directory's file for *task* cannot serve it (None: it can)."""
        if self.directory is None or task.task in self.files:
            return None
        found = self._results(task)
        return found if isinstance(found, str) else None

    def _results(self, task: Request) -> dict[str, list[str]] | str:
        """The directory's file for *task*'s language and task, or why there is none."""
        assert self.directory is not None
        language = task.case.snippet.language
        path = self.directory / f"{'py' if language == 'python' else language}_{task.task}.json"
        found = self._by_file.get(path)
        if found is None:
            try:
                found = _read(path)
            except ModelError as exc:
                found = str(exc)
            self._by_file[path] = found
        return found

    def _answers(self, task: Request) -> list[str] | None:
        generations = self._source(task)
        if generations is None:
            return None
        case = task.case
        keyed = generations.get(case.key)
        if keyed is not None:
            return keyed
        if len(case.snippet.inputs) == 1 and not case.generated:
            return generations.get(case.snippet.id)
        return None

    async def converse(self, task: Request) -> Conversation:
        conversation = Conversation(
            messages=[{"role": "user", "content": t} for t in task.prompt.turns[-1:]]
        )
        answers = self._answers(task)
        unread = self._unreadable(task)
        if unread is not None:
            conversation.error = unread
        elif self._source(task) is None:
            conversation.error = (
                f"--llm-replay gives no generations file for the {task.task} task "
                f"(give {task.task}=PATH)"
            )
        elif answers is None:
            source = self._file_of(task)
            conversation.error = f"{source} has no generations for {task.case.key!r}" + (
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


def _is_re2_replies(path: Path) -> bool:
    return any((path / name).is_dir() for name in RE2_REPLY_FOLDERS)


def _re2_replies(path: Path) -> dict[str, list[str]]:
    """RE2-Bench's raw replies: ``<folder>/<problem_id>.txt`` under HC/LC (or easy/difficult)."""
    answers: dict[str, list[str]] = {}
    for name in RE2_REPLY_FOLDERS:
        for file in sorted((path / name).glob("*.txt")) if (path / name).is_dir() else []:
            try:
                answers[file.stem] = [file.read_text(encoding="utf-8", errors="replace")]
            except OSError as exc:
                raise ModelError(f"--llm-replay: {file}: {exc}") from None
    if not answers:
        raise ModelError(f"--llm-replay: {path}: no <problem_id>.txt replies under HC/ or LC/")
    return answers


def _re2_summary(path: Path, text: str) -> dict[str, list[str]]:
    """RE2-Bench's ``results/summary/<model>_<task>.jsonl``: each problem's parsed prediction."""
    answers: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ModelError(f"--llm-replay: {path}:{number}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("problem_id"), str):
            raise ModelError(
                f"--llm-replay: {path}:{number}: expected RE2-Bench's "
                '{"prediction": ..., "problem_id": "...", "difficulty": "..."}'
            )
        answers[row["problem_id"]] = [json.dumps({PARSED_KEY: row.get("prediction")})]
    return answers


def _read(path: Path) -> dict[str, list[str]]:
    if path.is_dir() and _is_re2_replies(path):
        return _re2_replies(path)
    if path.suffix.lower() == ".jsonl" and path.is_file():
        return _re2_summary(path, path.read_text(encoding="utf-8"))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"--llm-replay: no such file: {path}") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"--llm-replay: {path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if isinstance(data, list):
        return _published(path, data)
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in data.values()
    ):
        raise ModelError(
            f'--llm-replay: {path}: expected {{"<snippet id>": ["answer", ...]}} or '
            'CRUXEval-X\'s [{"id": ..., "answer": "..."}, ...]'
        )
    return data


def _published(path: Path, data: list[object]) -> dict[str, list[str]]:
    """CRUXEval-X's published results: each row id's answer (a row without one has none)."""
    answers: dict[str, list[str]] = {}
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("id"), (int, str)):
            raise ModelError(
                f"--llm-replay: {path}: item {index} is not a CRUXEval-X result "
                '{"id": ..., "answer": "...", "res": ...}'
            )
        answer = item.get("answer")
        if answer is None:
            continue  # published without an answer (a row the language does not have)
        if not isinstance(answer, str):
            raise ModelError(f"--llm-replay: {path}: item {index}: 'answer' must be a string")
        answers[str(item["id"])] = [answer]
    return answers


def _display(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
