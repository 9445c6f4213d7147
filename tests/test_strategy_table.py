"""scripts/strategy_table.py: copied template values are counted from a real pytest report."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_json

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "strategy_table.py"
ROWS = [
    {"code": "def f(w):\n    return w * 2\n", "input": "'pop'", "output": "'poppop'", "id": "r_0"},
    {"code": "def f(n):\n    return n + 1\n", "input": "1", "output": "2", "id": "r_1"},
]


def table_of(report: Path) -> str:
    """The script's table and notes for one VP report, as a user runs it."""
    command = [sys.executable, str(SCRIPT), f"vp={report}", "--notes"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_answers_holding_a_worked_example_value_are_counted(pytester: pytest.Pytester) -> None:
    (pytester.path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    # r_0 answers VP's own worked example value ('HEY!HEY!'), r_1 answers right
    write_json(pytester, "gen.json", {"r_0": ["'HEY!HEY!'"], "r_1": ["2"]})
    pytester.runpytest(
        "rows.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "--llm-report=report.json",
    )
    out = table_of(pytester.path / "report.json")
    assert "| vp | 1/2 (50.0%) | 0 | 0 | 0 | 0 | 1 of 2 answers |" in out, out
    assert "r_0: answer \"'HEY!HEY!'\" is a template value" in out, out


def _js_row(rid: int, body: str, call: str, output: str) -> dict[str, object]:
    """A CRUXEval-X JavaScript row of our own: ``f`` and the test() that asserts it."""
    end = "const assert = require('node:assert');\n\n\nfunction test() {\n  let candidate = f;\n"
    tail = "}\n\ntest();"
    return {
        "id": rid,
        "code": f"{body}\n{end}  assert.deepEqual(candidate({call}),{output});\n{tail}",
        "input_reasoning": f"{end}  assert.deepEqual(candidate(????),{output});\n{tail}",
        "output_reasoning": f"{end}  assert.deepEqual(candidate({call}),????);\n{tail}",
    }


def test_a_compiled_language_is_held_against_its_own_templates(
    pytester: pytest.Pytester,
) -> None:
    """A JavaScript answer equal to js/vp.txt's worked value is counted (it is no Python
    template's value, and ``"aaabbb"`` reads as a Python literal only by chance)."""
    rows = [
        _js_row(0, "function f(s){\n    return s + s;\n}", '"ab"', '"abab"'),
        _js_row(1, "function f(n){\n    return n + 1;\n}", "1", "2"),
    ]
    (pytester.path / "js.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    answers = [{"id": 0, "answer": '"aaabbb"'}, {"id": 1, "answer": "2"}]
    (pytester.path / "infer" / "demo").mkdir(parents=True)
    write_json(pytester, "infer/demo/js_output.json", answers)
    pytester.runpytest(
        "js.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=infer/demo",
        "--llm-strategy=vp",
        "--llm-report=report.json",
    )
    out = table_of(pytester.path / "report.json")
    assert "| vp | 1/2 (50.0%) | 0 | 0 | 0 | 0 | 1 of 2 answers |" in out, out
    assert "0: answer '\"aaabbb\"' is a template value" in out, out


def test_a_compiled_language_template_shows_its_worked_answers_and_no_instruction_word() -> None:
    """The instruction's "between [ANSWER] and [/ANSWER]" is no worked value: an answer
    ``and`` would otherwise count as a copy."""
    spec = importlib.util.spec_from_file_location("strategy_table", SCRIPT)
    assert spec is not None and spec.loader is not None
    table = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = table  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(table)
    finally:
        del sys.modules[spec.name]
    values = table.example_values(table.BUILTIN, "vp", "js")
    assert values == ['"aaabbb"', "[5,3,7]"], values
    assert table.example_values(table.BUILTIN, "cot", "js") == []  # CoT shows no worked answer
