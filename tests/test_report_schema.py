"""The JSON report's schema: shipped, met by what the plugin writes, and able to refuse.

(Every report any test makes the plugin write is validated too: see ``conftest.py``.)
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from helpers import read_report

from pytest_llmexec.report.html import build as html_build
from pytest_llmexec.report.records import (
    SCHEMA_VERSION,
    RecordError,
    record_of,
    schema,
)

ORACLE = ("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle")
BENCH = """\
category: misc
snippets:
  - id: double
    code: |
      def double(n: int) -> int:
          return 2 * n
    inputs: [{n: 1}, {n: 2}]
  - id: divides
    code: |
      def divide(a: int, b: int) -> float:
          return a / b
    inputs: [{a: 1, b: 0}]
"""


def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


def test_the_schema_ships_in_the_package_and_is_a_valid_schema() -> None:
    assert schema()["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    validator()


@pytest.mark.parametrize("samples", [1, 3], ids=["one-sample", "samples"])
def test_a_run_report_meets_the_schema(pytester: pytest.Pytester, samples: int) -> None:
    pytester.makefile(".yaml", bench=BENCH)
    result = pytester.runpytest(
        *ORACLE, "--llm-report=report.json", f"--llm-samples={samples}", "--llm-strategy=vp,cot"
    )
    result.assert_outcomes(passed=4, failed=2)
    report = read_report(pytester)
    assert report["schema_version"] == report["version"] == SCHEMA_VERSION
    assert (pytester.path / "report.json").read_text().startswith('{\n "schema_version"')
    assert list(validator().iter_errors(report)) == []
    assert ("pass_at_k" in report["summary"]["runs"]["oracle/vp"]) == (samples > 1)
    verdicts = {case["verdict"] for case in report["cases"]}
    assert verdicts == {"correct", "error"}


def test_the_schema_refuses_a_broken_report(pytester: pytest.Pytester) -> None:
    """The check can fail: a case without its verdict, a verdict outside the four, a summary
    group without its interval."""
    pytester.makefile(".yaml", bench=BENCH)
    pytester.runpytest(*ORACLE, "--llm-report=report.json")
    report = read_report(pytester)
    broken: dict[str, Any] = json.loads(json.dumps(report))
    del broken["cases"][0]["verdict"]
    broken["cases"][1]["verdict"] = "maybe"
    del broken["summary"]["overall"]["ci95"]
    paths = {"/".join(map(str, e.absolute_path)) for e in validator().iter_errors(broken)}
    assert paths == {"cases/0", "cases/1/verdict", "summary/overall"}


def test_an_older_record_is_completed_in_one_place() -> None:
    old = {"nodeid": "b.yaml::s[m-vp-i0]", "snippet": "s", "model": "m", "strategy": "vp"}
    record = record_of({**old, "verdict": "wrong", "task": None})
    assert record["task"] == "output" and record["language"] == "python"
    assert record["usage"]["input_tokens"] == 0 and record["samples"] == []
    with pytest.raises(RecordError, match="without verdict"):
        record_of(old)
    # the HTML report shows such a case rather than failing on it
    assert "b.yaml::s[m-vp-i0]" in html_build({"run": {}, "cases": [old]})
