"""RE2-Bench's loop and branch tasks in a checkout of our own (all content made up here).

Written into the checkout of `re2bench_fixture.build`: the truths under
``dataset/re2-bench/loop|branch/<difficulty>/``, the prompts under
``prompts/loop_prediction|branch_prediction/``, and one model's raw replies
under ``results/<task>_prediction/<model>/HC|LC``, in RE2-Bench's layout.
RE2-Bench publishes no verdicts of these tasks; `VERDICTS` were worked out by
hand from its validators' rule (validate_loop.py, validate_branch.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MODEL = "alpha"
TASKS = ("re2loop", "re2branch")
FOLDER = {"re2loop": "loop", "re2branch": "branch"}


def _iterations(var: str, values: list[Any], control: str, control_value: Any) -> list[Any]:
    return [
        {"loop_variables": {var: v}, "control_variable": {"name": control, "value": control_value}}
        for v in values
    ]


#: task -> problem id -> difficulty, numbered code shown, truth file, reply
PROBLEMS: dict[str, dict[str, dict[str, Any]]] = {
    "re2loop": {
        "sample_9": {
            "difficulty": "easy",
            "code": (
                "1 def f(text):\n2     out = []\n"
                "3     for ch in text: ## [STATE]ch=??[/STATE] [STATE]text=??[/STATE]\n"
                "4         out.append(ch * 2)\n5     return out\n"
            ),
            "truth": {
                "input": {"self": {}, "args": {"text": "ab"}, "kwargs": {}},
                "name": "f",
                "loops": {
                    "0": {"line": 3, "iterations": _iterations("ch", ["a", "b"], "text", "ab")}
                },
            },
            # a tuple is read as a list: right
            "reply": (
                "[THOUGHT]\nTwo characters.\n[/THOUGHT]\n[ANSWER]\n1 def f(text):\n"
                "3     for ch in text: ## [STATE]ch=['a', 'b'][/STATE] "
                "[STATE]text=('ab', 'ab')[/STATE]\n[/ANSWER]\n"
            ),
        },
        "HumanEval_8": {
            "difficulty": "easy",
            "code": (
                "1 def pairs(n):\n2     for i in range(n): ## [STATE]i=??[/STATE]\n"
                "3         pass\n4     for j in range(n): ## [STATE]j=??[/STATE]\n"
                "5         pass\n"
            ),
            "truth": {
                "input": {"self": {}, "args": {"n": 2}, "kwargs": {}},
                "name": "pairs",
                "loops": {
                    "0": {"line": 2, "iterations": _iterations("i", [0, 1], "range(n)", None)},
                    # the tracer numbered this loop 6, the prompt shows it as line 4
                    "1": {"line": 6, "iterations": _iterations("j", [0, 1], "range(n)", None)},
                },
            },
            # loop 2 right; line 6 is not in the answer: 1 of 2 loops
            "reply": (
                "[ANSWER]\n2     for i in range(n): ## [STATE]i=[0, 1][/STATE]\n"
                "4     for j in range(n): ## [STATE]j=[0, 1][/STATE]\n[/ANSWER]"
            ),
        },
        "repo@@src_walk.py@@walk_L5": {
            "difficulty": "difficult",
            "code": (
                "1 def walk(self, items):\n"
                "2     for k in items: ## [STATE]k=??[/STATE] [STATE]items=??[/STATE]\n"
                "3         self.seen.add(k)\n4     while False: ## [STATE]x=??[/STATE]\n"
                "5         pass\n"
            ),
            "truth": {
                "input": {"self": {"seen": "set()"}, "args": {"items": [4, 5]}, "kwargs": {}},
                "name": "walk",
                "loops": {
                    # the control variable is empty every time: not asked
                    "0": {"line": 2, "iterations": _iterations("k", [4, 5], "items", [])},
                    # a loop that never iterates is not asked
                    "1": {"line": 4, "iterations": []},
                },
            },
            # no [/ANSWER]: read to the end of the reply; right
            "reply": "[ANSWER]\n2     for k in items: ## [STATE]k=[4, 5][/STATE]\n",
        },
        "proj__proj-2@@pkg.walk.py@@count": {
            "difficulty": "difficult",
            "code": "1 def count(self, n):\n2     for i in range(n): ## [STATE]i=??[/STATE]\n",
            "truth": {
                "input": {"self": {}, "args": {"n": 1}, "kwargs": {}},
                "name": "count",
                "loops": {"0": {"line": 2, "iterations": _iterations("i", [0], "range(n)", [0])}},
            },
            "reply": "i takes 0 once.",  # no [ANSWER] block: unparseable
        },
    },
    "re2branch": {
        "sample_9": {
            "difficulty": "easy",
            "code": (
                "1 def f(xs):\n2     for x in xs:\n"
                "3         if x > 0: ## [BRANCH]taken=??[/BRANCH]\n4             pass\n"
                "5         else: ## [BRANCH]taken=??[/BRANCH]\n6             pass\n"
            ),
            "truth": {
                "input": {"self": {}, "args": {"xs": [1, -1]}, "kwargs": {}},
                "name": "f",
                "branches": {
                    "decisions": [
                        {"line": 3, "type": "if", "taken": True},
                        {"line": 5, "type": "else", "taken": False},
                        {"line": 3, "type": "if", "taken": False},
                        {"line": 5, "type": "else", "taken": True},
                    ]
                },
            },
            # quoted and lower-case items are read: right
            "reply": (
                "[ANSWER]\n3         if x > 0: ## [BRANCH]taken=['Y', 'n'][/BRANCH]\n"
                '5         else: ## [BRANCH]taken=["N", "Y"][/BRANCH]\n[/ANSWER]'
            ),
        },
        "ClassEval_4@Shelf.put": {
            "difficulty": "easy",
            "code": (
                "1 class Shelf:\n2     def put(self, book):\n"
                "3         if book in self.books: ## [BRANCH]taken=??[/BRANCH]\n"
                "4             return False\n5         self.books.append(book)\n"
                "6         if len(self.books) > 3: ## [BRANCH]taken=??[/BRANCH]\n"
                "7             self.books.pop(0)\n"
            ),
            "truth": {
                "input": {"self": {"books": ["a"]}, "args": {"book": "b"}, "kwargs": {}},
                "name": "put",
                "branches": {
                    "decisions": [
                        {"line": 3, "type": "if", "taken": False},
                        {"line": 6, "type": "if", "taken": False},
                    ]
                },
            },
            # the second line is indented before its number: not read, so 1 of 2
            "reply": (
                "[ANSWER]\n3         if book in self.books: ## [BRANCH]taken=[N][/BRANCH]\n"
                "  6         if len(self.books) > 3: ## [BRANCH]taken=[N][/BRANCH]\n[/ANSWER]"
            ),
        },
        "repo@@src_gate.py@@open_L9": {
            "difficulty": "difficult",
            "code": (
                "1 def open(self, key):\n2     if key: ## [BRANCH]taken=??[/BRANCH]\n"
                "3         return True\n4     return False\n"
            ),
            "truth": {
                "input": {"self": {}, "args": {"key": ""}, "kwargs": {}},
                "name": "open",
                "branches": {"decisions": [{"line": 2, "type": "if", "taken": False}]},
            },
            # a wrong answer, with an item that is neither Y nor N (dropped)
            "reply": "[ANSWER]\n2     if key: ## [BRANCH]taken=[maybe, Y][/BRANCH]\n[/ANSWER]",
        },
    },
}

#: (rs, partial_rs, verdict) by RE2-Bench's rule, worked out by hand
VERDICTS: dict[str, dict[str, tuple[int, float, str]]] = {
    "re2loop": {
        "sample_9": (1, 1.0, "correct"),
        "HumanEval_8": (0, 0.5, "wrong"),
        "repo@@src_walk.py@@walk_L5": (1, 1.0, "correct"),
        "proj__proj-2@@pkg.walk.py@@count": (0, 0.0, "unparseable"),
    },
    "re2branch": {
        "sample_9": (1, 1.0, "correct"),
        "ClassEval_4@Shelf.put": (0, 0.5, "wrong"),
        "repo@@src_gate.py@@open_L9": (0, 0.0, "wrong"),
    },
}

PROMPT = (
    "Fill every ?? in the comments of the code below with what the run gives, and give the "
    "annotated code between [ANSWER] and [/ANSWER]. Think first.\n[PYTHON]\n{code}[/PYTHON]\n"
    "The input to the method ```{name}``` is:\n{given}\n"
)


def build(root: Path) -> None:
    """Write the loop and branch problems, prompts and raw replies into the checkout."""
    for task, problems in PROBLEMS.items():
        folder = FOLDER[task]
        for pid, p in problems.items():
            truth = root / "dataset" / "re2-bench" / folder / p["difficulty"] / f"{pid}.json"
            truth.parent.mkdir(parents=True, exist_ok=True)
            truth.write_text(json.dumps(p["truth"], indent=2), encoding="utf-8")
            prompt = root / "prompts" / f"{folder}_prediction" / p["difficulty"] / f"{pid}.txt"
            prompt.parent.mkdir(parents=True, exist_ok=True)
            given = json.dumps(p["truth"]["input"], indent=4)
            text = PROMPT.format(code=p["code"], name=p["truth"]["name"], given=given)
            prompt.write_text(text, encoding="utf-8")
            level = "HC" if p["difficulty"] == "difficult" else "LC"
            reply = root / "results" / f"{folder}_prediction" / MODEL / level / f"{pid}.txt"
            reply.parent.mkdir(parents=True, exist_ok=True)
            reply.write_text(p["reply"], encoding="utf-8")
