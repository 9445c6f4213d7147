"""RE2-Bench (Intelligent-CAT-Lab/RE2Bench): read a user's checkout in place.

A checkout's ``dataset/re2-bench/`` holds ``sampled_problems.json`` (500
problems: ``{"easy"|"difficult": {problem_id: {"benchmark", "input-output"}}}``)
and, per problem, the line of ``input-output/<benchmark>/<case>.jsonl`` that
is its stored ground truth. The prompts are ``prompts/<task>_prediction[_wocot|
_wohint]/<difficulty>/<problem_id>.txt``, and the code that the input task's
false-negative check runs is under ``dataset/`` too. Nothing of it is copied:
every path is read from the checkout at collection time.

The file and path rules are RE2-Bench's own (``get_case_index``,
``read_case_name``, ``load_ground_truths``, ``get_code_path``), so that the
stored truth scored is the truth its validators score. Loaders know nothing of
pytest: problems come back as `Problem`, or as `BenchmarkError` naming the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import BenchmarkError

SAMPLED = "sampled_problems.json"
DIFFICULTIES = ("easy", "difficult")
#: the source benchmarks whose problems run alone (plain Python, stdin for Avatar)
SELF_CONTAINED = ("cruxeval", "HumanEval", "Classeval", "Avatar")
#: the source benchmarks that need a project's environment to run anything
REPOSITORY = ("Swebench", "Real")
BENCHMARKS = SELF_CONTAINED + REPOSITORY
#: what the RE2 prompt of each task asks the answer between (its reader's tag)
ANSWER_TAGS = {"output": "OUTPUT", "input": "INPUT", "re2loop": "ANSWER", "re2branch": "ANSWER"}
#: RE2-Bench's tasks asked of annotated code -> their folder (truths under dataset/re2-bench/,
#: prompts under prompts/<folder>_prediction/); registered as tasks under these names, so
#: that RE2-Bench's branch task and our per-line ``branch`` task never share a name or a marker
ANNOTATED = {"re2loop": "loop", "re2branch": "branch"}
_SWEBENCH_ID = re.compile(r"^[\w.-]+__[\w.-]+-\d+@@")


@dataclass(frozen=True)
class Problem:
    """One RE2-Bench problem: where it comes from and its stored ground truth."""

    problem_id: str
    difficulty: str  # easy | difficult
    benchmark: str  # cruxeval, HumanEval, Classeval, Avatar, Swebench, Real
    index: int  # the line of the input-output file
    case_name: str  # the input-output file's name (the published CSVs' ``case_name``)
    function_name: str | None
    truth_input: Any
    truth_output: Any
    code_path: str  # as RE2-Bench's validators name it, relative to scripts/
    root: Path  # the checkout
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def self_contained(self) -> bool:
        return self.benchmark in SELF_CONTAINED

    @property
    def category(self) -> str:
        """The source benchmark as a marker and report category (``humaneval``)."""
        return self.benchmark.lower()

    @property
    def class_name(self) -> str | None:
        return self.case_name.split("@")[0] if self.benchmark == "Classeval" else None

    @property
    def code_file(self) -> Path:
        return (self.root / "scripts" / self.code_path).resolve()

    def prompt_file(self, folder: str) -> Path:
        return self.root / "prompts" / folder / self.difficulty / f"{self.problem_id}.txt"


def benchmark_of(problem_id: str) -> str:
    """The source benchmark of a problem, from its id (a loop or branch problem need not be
    in ``sampled_problems.json``); it gives the benchmark of all 500 sampled problems."""
    for prefix, benchmark in (
        ("sample_", "cruxeval"),
        ("HumanEval_", "HumanEval"),
        ("ClassEval_", "Classeval"),
        ("atcoder_", "Avatar"),
        ("codeforces_", "Avatar"),
    ):
        if problem_id.startswith(prefix):
            return benchmark
    return "Swebench" if _SWEBENCH_ID.match(problem_id) else "Real"


def checkout_of(directory: Path) -> Path:
    """The checkout that holds *directory* (``<checkout>/dataset/re2-bench``)."""
    return directory.resolve().parent.parent


def is_re2bench(directory: Path) -> bool:
    """A directory is RE2-Bench's dataset when it has the sample list and the truths."""
    return (directory / SAMPLED).is_file() and (directory / "input-output").is_dir()


def case_name(problem_id: str, benchmark: str) -> str:
    """The input-output file of a problem (RE2-Bench's ``read_case_name``)."""
    if benchmark == "Swebench":
        parts = problem_id.split("@@")
        return parts[0] + "@@" + parts[1].rstrip(".py") + "." + parts[2] + ".jsonl"
    if benchmark == "cruxeval":
        return problem_id.replace("sample", "cruxeval") + ".jsonl"
    if benchmark == "Classeval":
        return problem_id.split("@")[-1].replace(".", "@") + ".jsonl"
    return problem_id + ".jsonl"  # HumanEval, Avatar, Real


def code_path(problem_id: str, benchmark: str) -> str:
    """The code file RE2-Bench's false-negative check runs (``get_code_path``)."""
    if benchmark == "Classeval":
        name = problem_id.split("@")[1].split(".")[0]
        return f"../dataset/original_datasets/ClassEval/code/{name}.py"
    if benchmark == "cruxeval":
        return f"../dataset/re2-bench/code/{problem_id.replace('sample', 'cruxeval')}.py"
    return f"../dataset/re2-bench/code/{problem_id}.py"


def read_problems(directory: Path) -> tuple[list[Problem], list[BenchmarkError]]:
    """Every problem of ``sampled_problems.json`` that loads, and one error per bad one."""
    sampled_path = directory / SAMPLED
    try:
        sampled = json.loads(sampled_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarkError(sampled_path, f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BenchmarkError(sampled_path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    if not isinstance(sampled, dict) or not set(sampled) <= set(DIFFICULTIES):
        raise BenchmarkError(
            sampled_path,
            'expected {"easy": {problem_id: {"benchmark", "input-output"}}, "difficult": ...}',
        )
    root = checkout_of(directory)
    problems: list[Problem] = []
    problems_bad: list[BenchmarkError] = []
    for difficulty in DIFFICULTIES:
        for problem_id, info in (sampled.get(difficulty) or {}).items():
            try:
                problems.append(_problem(directory, root, difficulty, problem_id, info))
            except BenchmarkError as exc:
                problems_bad.append(exc)
    return problems, problems_bad


def _problem(directory: Path, root: Path, difficulty: str, problem_id: str, info: Any) -> Problem:
    sampled_path = directory / SAMPLED
    if not isinstance(info, dict) or info.get("benchmark") not in BENCHMARKS:
        raise BenchmarkError(
            sampled_path,
            f"needs 'benchmark' (one of {', '.join(BENCHMARKS)}) and 'input-output'",
            snippet=problem_id,
        )
    index = info.get("input-output")
    if not isinstance(index, int) or index < 0:
        raise BenchmarkError(
            sampled_path, "'input-output' must be a line index", snippet=problem_id
        )
    benchmark = info["benchmark"]
    name = case_name(problem_id, benchmark)
    path = directory / "input-output" / benchmark / name
    record = _line(path, index, problem_id)
    values = record.get("values")
    if not isinstance(values, dict):
        raise BenchmarkError(path, "the line has no 'values'", line=index + 1, snippet=problem_id)
    inputs_key = "inputs" if "inputs" in values else "input"
    output_key = "return" if "return" in values else "output"
    if inputs_key not in values or output_key not in values:
        raise BenchmarkError(
            path,
            "'values' needs 'inputs' (or 'input') and 'return' (or 'output')",
            line=index + 1,
            snippet=problem_id,
        )
    return Problem(
        problem_id=problem_id,
        difficulty=difficulty,
        benchmark=benchmark,
        index=index,
        case_name=name,
        function_name=record.get("name"),
        truth_input=values[inputs_key],
        truth_output=values[output_key],
        code_path=code_path(problem_id, benchmark),
        root=root,
    )


def read_annotated(directory: Path, task: str) -> tuple[list[Problem], list[BenchmarkError]]:
    """The problems of RE2-Bench's loop or branch task (*task*: ``re2loop``, ``re2branch``).

    A problem is a prompt file ``prompts/<folder>_prediction/<difficulty>/<id>.txt`` or a
    truth ``dataset/re2-bench/<folder>/<difficulty>/<id>.json`` (upstream asks the
    former and scores the latter); one without its truth is one error naming the file.
    The truth file is kept whole in ``extra["truth"]``: the task reads it as upstream does.
    """
    folder = ANNOTATED[task]
    root = checkout_of(directory)
    if not (directory / folder).is_dir():
        raise BenchmarkError(
            directory / folder,
            f"no such folder: this checkout has no truths of RE2-Bench's {folder} task "
            f"(drop --llm-task={task}, or update the checkout)",
        )
    problems: list[Problem] = []
    problems_bad: list[BenchmarkError] = []
    for difficulty in DIFFICULTIES:
        truths = directory / folder / difficulty
        prompts = root / "prompts" / f"{folder}_prediction" / difficulty
        ids = {p.stem for p in truths.glob("*.json")} | {p.stem for p in prompts.glob("*.txt")}
        for problem_id in sorted(ids):
            path = truths / f"{problem_id}.json"
            try:
                problems.append(_annotated(path, root, difficulty, problem_id))
            except BenchmarkError as exc:
                problems_bad.append(exc)
    return problems, problems_bad


def _annotated(path: Path, root: Path, difficulty: str, problem_id: str) -> Problem:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchmarkError(
            path, "no such file (is the checkout complete?)", snippet=problem_id
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarkError(path, f"cannot read: {exc}", snippet=problem_id) from None
    except json.JSONDecodeError as exc:
        raise BenchmarkError(
            path, f"invalid JSON: {exc.msg}", line=exc.lineno, snippet=problem_id
        ) from None
    if not isinstance(data, dict):
        raise BenchmarkError(path, "expected a JSON object", snippet=problem_id)
    benchmark = benchmark_of(problem_id)
    return Problem(
        problem_id=problem_id,
        difficulty=difficulty,
        benchmark=benchmark,
        index=0,
        case_name=problem_id,
        function_name=data.get("name") if isinstance(data.get("name"), str) else None,
        truth_input=data.get("input"),
        truth_output=None,
        code_path=code_path(problem_id, benchmark),
        root=root,
        extra={"truth": data},
    )


def _line(path: Path, index: int, problem_id: str) -> dict[str, Any]:
    """Line *index* of an input-output file (0-based, as RE2-Bench counts)."""
    try:
        with path.open(encoding="utf-8") as handle:
            for i, line in enumerate(handle):
                if i == index:
                    try:
                        data = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise BenchmarkError(
                            path, f"invalid JSON: {exc.msg}", line=i + 1, snippet=problem_id
                        ) from None
                    if not isinstance(data, dict):
                        raise BenchmarkError(
                            path, "a line must be a JSON object", line=i + 1, snippet=problem_id
                        )
                    return data
    except FileNotFoundError:
        raise BenchmarkError(
            path, "no such file (is the checkout complete?)", snippet=problem_id
        ) from None
    raise BenchmarkError(path, f"has no line {index + 1}", snippet=problem_id)


# --------------------------------------------------------------------------- prompts

_PYTHON_BLOCK = re.compile(r"\[PYTHON\]\n?(.*?)\[/PYTHON\]", re.DOTALL)


def prompt_folder(task: str, cot: bool, hint: bool) -> str | None:
    """RE2-Bench's prompt folder for a task and variant (None: it publishes none).

    Its loop and branch prompts exist in one variant only: with CoT and the hint.
    """
    if task in ANNOTATED:
        return f"{ANNOTATED[task]}_prediction" if cot and hint else None
    base = f"{task}_prediction"
    if cot and hint:
        return base
    if cot:
        return base + "_wohint"
    if hint:
        return base + "_wocot"
    return None


def shown_code(prompt: str) -> str:
    """The problem's code in an RE2 prompt: its last [PYTHON] block (the first is the example)."""
    blocks = _PYTHON_BLOCK.findall(prompt)
    return blocks[-1].rstrip() if blocks else ""
