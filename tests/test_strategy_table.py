"""scripts/strategy_table.py: copied template values are counted from a real pytest report."""

from __future__ import annotations

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
    out = subprocess.run(
        [sys.executable, str(SCRIPT), f"vp={pytester.path / 'report.json'}", "--notes"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "| vp | 1/2 (50.0%) | 0 | 0 | 0 | 0 | 1 of 2 answers |" in out, out
    assert "r_0: answer \"'HEY!HEY!'\" is a template value" in out, out
