"""RE2-Bench's loop prediction: the values a loop's variables take, iteration by iteration.

A port of RE2-Bench's ``scripts/validators/validate_loop.py`` (``parse_loop``,
``read_ground_truth``, ``normalize_value``, ``compare_loop``), kept exact:

- the answer's lines are keyed by their first space-separated token (the
  line number the model wrote), each ``[STATE]name=value[/STATE]`` read with
  ``ast.literal_eval`` (a value that does not read stays a string);
- the truth of a loop line lists each loop variable's value per iteration, and
  each control variable's value per iteration when one of them is neither null
  nor empty; a loop that never iterated is not asked;
- a loop is right when the answer has its line and every truth variable equals
  it (tuples read as lists; plain ``==``, so ``1 == 1.0 == True``); overall is 1
  when every loop is right, partial the share of loops right; no loop: (1, 1.0).

The truth numbers lines as its tracer did, which for some problems is not the
number the prompt shows: such a loop cannot be right for an answer that keeps
the prompt's numbers. That is upstream's rule, kept (docs/re2bench.md).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .re2annotated import AnnotatedTask, answer_block

STATE = re.compile(r"\[STATE\](.+?)=(.+?)\[/STATE\]")


def parse_loop(content: str) -> dict[str, dict[str, Any]]:
    """Each answer line's variable states, keyed by the line's first token."""
    answer = answer_block(content)
    if answer is None:
        return {}
    result: dict[str, dict[str, Any]] = {}
    for raw in answer.strip().split("\n"):
        line = raw.strip()
        if not line:
            continue
        line_num = line.split(" ", 1)[0]
        states = STATE.findall(line)
        if states:
            line_states: dict[str, Any] = {}
            for var_name, var_value in states:
                try:
                    parsed_value = ast.literal_eval(var_value)
                except (ValueError, SyntaxError):
                    parsed_value = var_value
                line_states[var_name] = parsed_value
            if line_states:
                result[line_num] = line_states
    return result


def _meaningful(value: Any) -> bool:
    """Neither null nor an empty collection (upstream's ``is_meaningful``)."""
    if value is None:
        return False
    return not (isinstance(value, (list, dict, str, tuple, set)) and len(value) == 0)


def read_ground_truth(data: dict[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """The truth per loop line: each variable's values over the iterations."""
    result: dict[str, dict[str, list[Any]]] = {}
    for loop_data in data.get("loops", {}).values():
        line_num = str(loop_data.get("line"))
        iterations = loop_data.get("iterations", [])
        if not iterations:
            continue
        line_states: dict[str, list[Any]] = {}
        for iteration in iterations:
            for var_name, var_value in iteration.get("loop_variables", {}).items():
                line_states.setdefault(var_name, []).append(var_value)
        ctrl_values_by_name: dict[str, list[Any]] = {}
        for iteration in iterations:
            control_var = iteration.get("control_variable", {})
            ctrl_name = control_var.get("name")
            if ctrl_name:
                ctrl_values_by_name.setdefault(ctrl_name, []).append(control_var.get("value"))
        for ctrl_name, ctrl_values in ctrl_values_by_name.items():
            if any(_meaningful(v) for v in ctrl_values):
                line_states[ctrl_name] = ctrl_values
        if line_states:
            result[line_num] = line_states
    return result


def normalize_value(value: Any) -> Any:
    """Tuples (at any depth) as lists, for comparison."""
    if isinstance(value, (tuple, list)):
        return [normalize_value(item) for item in value]
    if isinstance(value, dict):
        return {k: normalize_value(v) for k, v in value.items()}
    return value


def compare_loop(prediction: dict[str, Any], ground_truth: dict[str, Any]) -> tuple[int, float]:
    """(1 when every loop is right, the share of loops right)."""
    all_lines = list(ground_truth.keys())
    if not all_lines:
        return 1, 1.0
    correct_loops = 0
    for line_num in all_lines:
        gt_vars = ground_truth.get(line_num, {})
        pred_vars = prediction.get(line_num, {})
        loop_correct = line_num in prediction
        if loop_correct:
            for var_name, gt_value in gt_vars.items():
                if var_name not in pred_vars or normalize_value(
                    pred_vars[var_name]
                ) != normalize_value(gt_value):
                    loop_correct = False
                    break
        correct_loops += loop_correct
    return (1 if correct_loops == len(all_lines) else 0), correct_loops / len(all_lines)


class Re2LoopPrediction(AnnotatedTask):
    name = "re2loop"
    description = "RE2-Bench's loop prediction: loop variables' values per iteration"
    summary = "RE2-Bench's loop states"

    def truth(self, data: dict[str, Any]) -> dict[str, Any]:
        return read_ground_truth(data)

    def parse(self, content: str) -> dict[str, Any]:
        return parse_loop(content)

    def compare(self, prediction: dict[str, Any], truth: dict[str, Any]) -> tuple[int, float]:
        return compare_loop(prediction, truth)

    def answer_line(self, line: str, values: Any) -> str:
        states = " ".join(f"[STATE]{name}={value!r}[/STATE]" for name, value in values.items())
        return f"{line} ## {states}"
