"""Per-task accuracy side by side per model: the terminal table, summary.by_task, the HTML."""

from __future__ import annotations

import pytest
from helpers import read_report, write_demo

from pytest_llmexec.report import by_task
from pytest_llmexec.report.records import CaseRecord, record_of


def record(model: str, task: str, verdict: str, partial: float | None = None) -> CaseRecord:
    return record_of(
        {
            "nodeid": f"x::{model}{task}{verdict}",
            "snippet": "x",
            "model": model,
            "strategy": "vp",
            "task": task,
            "verdict": verdict,
            "partial": partial,
        }
    )


def test_the_table_puts_each_task_of_a_model_side_by_side() -> None:
    records = [
        record("m1", "output", "correct"),
        record("m1", "output", "wrong"),
        record("m1", "state", "wrong", 0.5),
        record("m1", "state", "correct", 1.0),
        record("m2", "path", "correct", 1.0),
    ]
    lines = by_task.lines(records)
    assert lines[1].startswith("accuracy by task")
    header, m1, m2 = (line.split() for line in lines[2:])
    assert header == ["model/strategy", "output", "state", "path"]  # the registry's order
    assert m1 == ["m1/vp", "1/2", "50.0%", "1/2", "50.0%", "(0.75)", "-"]
    assert m2 == ["m2/vp", "-", "-", "1/1", "100.0%", "(1.00)"]
    data = by_task.summary(records)
    assert data["m1/vp"]["state"]["partial"] == 0.75
    assert by_task.lines(records[:2]) == []  # one task: no table


def test_a_run_of_several_tasks_shows_them_side_by_side(pytester: pytest.Pytester) -> None:
    write_demo(pytester)
    result = pytester.runpytest_subprocess(
        "demo.yaml",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-task=output,input,coverage",
        "--llm-examples=0",
        "--llm-report=report.json",
        "--llm-html=report.html",
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "accuracy by task, side by side*",
            "*model/strategy*output*input*coverage",
            "*oracle/vp*5/5 100.0%*5/5 100.0%*3/3 100.0% (1.00)",
        ]
    )
    summary = read_report(pytester)["summary"]["by_task"]
    assert set(summary["oracle/vp"]) == {"output", "input", "coverage"}
    html = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert 'id="tasks"' in html and "Accuracy by task" in html
