"""RE2-Bench's branch prediction: whether each branch is taken, each time it is reached.

A port of RE2-Bench's ``scripts/validators/validate_branch.py``
(``parse_branch``, ``read_ground_truth``, ``compare_branch``), kept exact:

- an answer line counts when it starts with a line number and carries
  ``## [BRANCH]taken=[...][/BRANCH]`` (a line indented before its number does
  not); its items are ``Y``/``N`` in any case, quoted or not, anything else
  dropped, and a line with none is ignored;
- the truth lists, per line, ``taken`` of each decision the tracer recorded
  there, in order (an ``if`` and its ``else`` are separate lines);
- a line is right when its list equals the truth's; overall is 1 when every
  line is right, partial the share of lines right; no decision: (1, 1.0).

Not to be confused with our per-line ``branch`` task (tasks/branch.py), which
asks whether a condition holds, on any Python snippet, by our own rule.
"""

from __future__ import annotations

import re
from typing import Any

from .re2annotated import AnnotatedTask, answer_block

BRANCH = re.compile(r"^(\d+)\s+.*##\s*\[BRANCH\]taken=\[(.*?)\]\[/BRANCH\]")


def parse_branch(content: str) -> dict[str, list[bool]]:
    """Each answer line's taken/not-taken list, keyed by its line number."""
    answer = answer_block(content)
    if answer is None:
        return {}
    result: dict[str, list[bool]] = {}
    for line in answer.split("\n"):
        match = BRANCH.search(line)
        if match:
            bool_list: list[bool] = []
            for val in (v.strip().strip("'\"") for v in match.group(2).split(",")):
                if val.upper() == "Y":
                    bool_list.append(True)
                elif val.upper() == "N":
                    bool_list.append(False)
            if bool_list:
                result[match.group(1)] = bool_list
    return result


def read_ground_truth(data: dict[str, Any]) -> dict[str, list[Any]]:
    """The truth per line: ``taken`` of each decision recorded there, in order."""
    result: dict[str, list[Any]] = {}
    for decision in data.get("branches", {}).get("decisions", []):
        result.setdefault(str(decision["line"]), []).append(decision["taken"])
    return result


def compare_branch(prediction: dict[str, Any], ground_truth: dict[str, Any]) -> tuple[int, float]:
    """(1 when every line's list is right, the share of lines right)."""
    all_lines = list(ground_truth.keys())
    if not all_lines:
        return 1, 1.0
    correct = sum(prediction.get(line, []) == ground_truth.get(line, []) for line in all_lines)
    return (1 if correct == len(all_lines) else 0), correct / len(all_lines)


class Re2BranchPrediction(AnnotatedTask):
    name = "re2branch"
    description = "RE2-Bench's branch prediction: whether each branch is taken, each time"
    summary = "RE2-Bench's branches taken"

    def truth(self, data: dict[str, Any]) -> dict[str, Any]:
        return read_ground_truth(data)

    def parse(self, content: str) -> dict[str, Any]:
        return parse_branch(content)

    def compare(self, prediction: dict[str, Any], truth: dict[str, Any]) -> tuple[int, float]:
        return compare_branch(prediction, truth)

    def answer_line(self, line: str, values: Any) -> str:
        taken = ", ".join("Y" if value else "N" for value in values)
        return f"{line} ## [BRANCH]taken=[{taken}][/BRANCH]"
