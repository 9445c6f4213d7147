"""A small checkout in RE2-Bench's shape, written by the tests (all content our own).

RE2-Bench has no licence file, so none of its data is in this repository: the
problems, prompts, predictions and published verdicts below are made up here,
in the layout of a real checkout (``dataset/re2-bench``, ``prompts``,
``results/summary``, ``results/validations``, raw replies under ``HC/LC``).
The verdicts in ``VERDICTS`` were worked out by hand from RE2-Bench's rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import re2annotated_fixture

MODEL = "alpha"

#: problem id -> (difficulty, benchmark, input-output file, code path, code, values, name)
PROBLEMS: dict[str, dict[str, Any]] = {
    "sample_1": {
        "difficulty": "easy",
        "benchmark": "cruxeval",
        "file": "cruxeval_1.jsonl",
        "code_file": "dataset/re2-bench/code/cruxeval_1.py",
        "code": "def f(nums):\n    return sorted(set(nums))\n",
        "name": "f",
        "inputs": {"self": {}, "args": {"nums": [3, 1, 3]}, "kwargs": {}},
        "output": [1, 3],
    },
    "sample_2": {
        "difficulty": "easy",
        "benchmark": "cruxeval",
        "file": "cruxeval_2.jsonl",
        "code_file": "dataset/re2-bench/code/cruxeval_2.py",
        "code": "def f(nums):\n    return set(nums)\n",
        "name": "f",
        "inputs": {"self": {}, "args": {"nums": [1, 2, 2]}, "kwargs": {}},
        "output": "{1, 2}",
    },
    "HumanEval_7": {
        "difficulty": "easy",
        "benchmark": "HumanEval",
        "file": "HumanEval_7.jsonl",
        "code_file": "dataset/re2-bench/code/HumanEval_7.py",
        "code": "def add_pairs(a, b):\n    return a + b\n",
        "name": "add_pairs",
        "inputs": {"self": {}, "args": {"a": 2, "b": 3}, "kwargs": {}},
        "output": 5,
    },
    "ClassEval_3@Counter.bump": {
        "difficulty": "easy",
        "benchmark": "Classeval",
        "file": "Counter@bump.jsonl",
        "code_file": "dataset/original_datasets/ClassEval/code/Counter.py",
        "code": (
            "class Counter:\n    def __init__(self, start=0):\n        self.count = start\n\n"
            "    def bump(self, step):\n        self.count += step\n        return self.count\n"
        ),
        "name": "bump",
        "inputs": {"self": {"count": 2}, "args": {"step": 3}, "kwargs": {}},
        "output": 5,
    },
    "atcoder_ABC001_A": {
        "difficulty": "easy",
        "benchmark": "Avatar",
        "file": "atcoder_ABC001_A.jsonl",
        "code_file": "dataset/re2-bench/code/atcoder_ABC001_A.py",
        "code": "a, b = map(int, input().split())\nprint(a * b)\n",
        "name": None,
        "inputs": "3 4",
        "output": 12,
    },
    "proj__proj-1@@pkg.mod.py@@scale": {
        "difficulty": "difficult",
        "benchmark": "Swebench",
        "file": "proj__proj-1@@pkg.mod.scale.jsonl",
        "code_file": "dataset/re2-bench/code/proj__proj-1@@pkg.mod.py@@scale.py",
        "code": "def scale(self, x):\n    return [self.factor * v for v in x]\n",
        "name": "scale",
        "inputs": {"self": {"factor": 2}, "args": {"x": [1, 2]}, "kwargs": {}},
        "output": [2, 4],
    },
    "repo@@src_mod.py@@merge_L10": {
        "difficulty": "difficult",
        "benchmark": "Real",
        "file": "repo@@src_mod.py@@merge_L10.jsonl",
        "code_file": "dataset/re2-bench/code/repo@@src_mod.py@@merge_L10.py",
        "code": "def merge(self, a, b):\n    return {**a, **b}\n",
        "name": "merge",
        "inputs": {"self": {}, "args": {"a": {"k": 1}, "b": {"j": 2}}, "kwargs": {}},
        "output": {"k": 1, "j": 2},
    },
}

#: the published predictions of MODEL, per task
PREDICTIONS: dict[str, dict[str, Any]] = {
    "output": {
        "sample_1": {"output": "sorted([3, 1])"},  # a string: eval'd (in the child) -> [1, 3]
        "sample_2": {"output": "{1, 3}"},  # sets: scored by intersection, 1 of 2
        "HumanEval_7": {"output": 5.0},  # type-strict: 5.0 is not 5
        "ClassEval_3@Counter.bump": {"output": "5"},  # a string read back as 5
        "atcoder_ABC001_A": {"output": 12},
        "proj__proj-1@@pkg.mod.py@@scale": {"output": [2, 4, 6]},  # longer list: 0
        "repo@@src_mod.py@@merge_L10": {"k": 1, "j": 2, "extra": 0},  # an extra key: 0
    },
    "input": {
        # another input with the same output: a false negative, so rs 1
        "sample_1": {"self": {}, "args": {"nums": [1, 3]}, "kwargs": {}},
        "sample_2": {"self": {}, "args": {"nums": [2, 1]}, "kwargs": {}},
        # "x" + 4 raises: the run fails, not a false negative
        "HumanEval_7": {"self": {}, "args": {"a": "x", "b": 4}, "kwargs": {}},
        # 4 + 2 is 6, not 5: no false negative
        "ClassEval_3@Counter.bump": {"self": {"count": 4}, "args": {"step": 2}, "kwargs": {}},
        "atcoder_ABC001_A": {"input": "2 6"},  # stdin: 2 * 6 is 12
        "proj__proj-1@@pkg.mod.py@@scale": {
            "self": {"factor": 2},
            "args": {"x": [1, 2]},
            "kwargs": {},
        },
        # partial 0.5: the false-negative check needs the project (an error here)
        "repo@@src_mod.py@@merge_L10": {"self": {}, "args": {"a": {"k": 1}, "b": {"j": 3}}},
    },
}

#: the verdicts RE2-Bench's rule gives (rs, partial_rs, is_fn), worked out by hand
VERDICTS: dict[str, dict[str, tuple[int, float, bool | None]]] = {
    "output": {
        "sample_1": (1, 1.0, None),
        "sample_2": (0, 0.5, None),
        "HumanEval_7": (0, 0.0, None),
        "ClassEval_3@Counter.bump": (1, 1.0, None),
        "atcoder_ABC001_A": (1, 1.0, None),
        "proj__proj-1@@pkg.mod.py@@scale": (0, 0.0, None),
        "repo@@src_mod.py@@merge_L10": (0, 0.0, None),
    },
    "input": {
        "sample_1": (1, 1.0, True),
        "sample_2": (1, 1.0, True),
        "HumanEval_7": (0, 0.5, False),
        "ClassEval_3@Counter.bump": (0, 1 / 3, False),
        "atcoder_ABC001_A": (1, 1.0, True),
        "proj__proj-1@@pkg.mod.py@@scale": (1, 1.0, False),
        "repo@@src_mod.py@@merge_L10": (0, 0.5, False),
    },
}

PROMPT = {
    "output": (
        "Predict what the function returns (JSON) and write it between [OUTPUT] and "
        "[/OUTPUT].{cot}\n[PYTHON]\n{code}[/PYTHON]\n[INPUT]\n{given}\n[/INPUT]\n"
        "[STRUCTURE]\n{structure}\n[/STRUCTURE]\n"
    ),
    "input": (
        "Give an input (JSON) for which the function returns this output, between [INPUT] "
        "and [/INPUT].{cot}\n[PYTHON]\n{code}[/PYTHON]\n[OUTPUT]\n{given}\n[/OUTPUT]\n"
        "[STRUCTURE]\n{structure}\n[/STRUCTURE]\n"
    ),
}


def case_name(problem_id: str) -> str:
    return str(PROBLEMS[problem_id]["file"])


def build(root: Path, *, raw_replies: bool = True) -> Path:
    """Write the checkout under *root*; return *root*."""
    dataset = root / "dataset" / "re2-bench"
    sampled: dict[str, dict[str, Any]] = {"difficult": {}, "easy": {}}
    for pid, p in PROBLEMS.items():
        sampled[p["difficulty"]][pid] = {"benchmark": p["benchmark"], "input-output": 1}
        io_file = dataset / "input-output" / p["benchmark"] / p["file"]
        io_file.parent.mkdir(parents=True, exist_ok=True)
        if p["benchmark"] == "Avatar":
            values = {"input": p["inputs"], "output": p["output"]}
            line = {"types": {}, "values": values}
        else:
            values = {"inputs": p["inputs"], "return": p["output"]}
            line = {"name": p["name"], "types": {}, "values": values}
        decoy = json.loads(json.dumps(line))
        decoy["values"]["return" if "return" in values else "output"] = "not this line"
        io_file.write_text(json.dumps(decoy) + "\n" + json.dumps(line) + "\n", encoding="utf-8")
        code = root / p["code_file"]
        code.parent.mkdir(parents=True, exist_ok=True)
        code.write_text(p["code"], encoding="utf-8")
        for task in ("output", "input"):
            given = p["inputs"] if task == "output" else {"output": p["output"]}
            for folder, cot in (("", " Think step by step first."), ("_wocot", "")):
                prompt = root / "prompts" / f"{task}_prediction{folder}" / p["difficulty"]
                prompt.mkdir(parents=True, exist_ok=True)
                text = PROMPT[task].format(
                    cot=cot, code=p["code"], given=json.dumps(given), structure="XXX"
                )
                (prompt / f"{pid}.txt").write_text(text, encoding="utf-8")
    (dataset / "sampled_problems.json").write_text(json.dumps(sampled), encoding="utf-8")
    _results(root, raw_replies)
    re2annotated_fixture.build(root)  # the loop and branch tasks
    return root


def _results(root: Path, raw_replies: bool) -> None:
    summary = root / "results" / "summary"
    validations = root / "results" / "validations"
    summary.mkdir(parents=True, exist_ok=True)
    validations.mkdir(parents=True, exist_ok=True)
    for task in ("output", "input"):
        lines = [
            json.dumps(
                {
                    "model": MODEL,
                    "prediction": prediction,
                    "problem_id": pid,
                    "difficulty": PROBLEMS[pid]["difficulty"],
                }
            )
            for pid, prediction in PREDICTIONS[task].items()
        ]
        (summary / f"{MODEL}_{task}_prediction.jsonl").write_text("\n".join(lines) + "\n")
        header = "case_name,benchmark,rs,partial_rs,difficulty_level" + (
            ",is_fn" if task == "input" else ""
        )
        rows = [header]
        for pid, (rs, partial, fn) in VERDICTS[task].items():
            p = PROBLEMS[pid]
            row = f"{p['file']},{p['benchmark']},{rs},{partial},{p['difficulty']}"
            rows.append(row + (f",{fn}" if task == "input" else ""))
        (validations / f"{MODEL}_{task}.csv").write_text("\n".join(rows) + "\n")
        total = sum(v[0] for v in VERDICTS[task].values()) / len(VERDICTS[task])
        (validations / f"{MODEL}_{task}_metadata.json").write_text(json.dumps({"total_rs": total}))
        if raw_replies:
            for pid, prediction in PREDICTIONS[task].items():
                level = "HC" if PROBLEMS[pid]["difficulty"] == "difficult" else "LC"
                folder = root / "results" / f"{task}_prediction" / MODEL / level
                folder.mkdir(parents=True, exist_ok=True)
                tag = task.upper()
                text = (
                    f"[THOUGHT]\nWorking it out.\n[/THOUGHT]\n[{tag}]\n```\n"
                    f"{json.dumps(prediction, indent=2)}\n```\n[/{tag}]\n"
                )
                (folder / f"{pid}.txt").write_text(text, encoding="utf-8")
