"""Check the shipped suite's translations against their Python snippets on more inputs.

``tests/test_translations.py`` holds every translation (``language: cpp`` /
``language: java`` next to a Python snippet of the same id) to its Python
snippet's result on the declared inputs. This script holds them to every
input of an oracle run's JSON report, the hypothesis-generated ones too
(translations have no generated inputs of their own), so that a translation
that agrees by luck on the declared inputs is caught:

    pytest benchmarks -p llmexec --llm-model=oracle --llm-language=python \\
        --llm-report=/tmp/python.json
    python scripts/check_translations.py /tmp/python.json [--language java] [--only ID,ID]

Each translation becomes one program that prints each input's result as a
line of JSON (the language module's scaffold, its literals and its printer),
built and run in the sandbox by the `NativeExecutor`: dataset code never runs
in this process. Results are compared as JSON with booleans, integers and
floats told apart (a Python tuple is a list). It prints one line per
disagreement (a program that fails is run again input by input to name the
inputs) and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_llmexec.datasets import Snippet  # noqa: E402
from pytest_llmexec.datasets.suite import read_yaml  # noqa: E402
from pytest_llmexec.execution.api import OK  # noqa: E402
from pytest_llmexec.execution.native import NativeExecutor  # noqa: E402
from pytest_llmexec.languages import Language, LanguageError, get  # noqa: E402

BENCHMARKS = ROOT / "benchmarks"


@dataclass(frozen=True)
class Check:
    """One Python case of the report: its input by parameter name and its result."""

    input_id: str
    arguments: dict[str, Any]
    expected: Any


def python_cases(report: Path) -> dict[tuple[str, str], list[Check]]:
    """The Python output-task cases of an oracle report, by (file name, snippet id)."""
    found: dict[tuple[str, str], dict[str, Check]] = {}
    for case in json.loads(report.read_text())["cases"]:
        if case.get("language", "python") != "python" or case.get("task", "output") != "output":
            continue
        if case.get("truth_status") != OK:
            continue
        call = ast.parse(f"f({case['input']})", mode="eval").body
        assert isinstance(call, ast.Call)
        arguments = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
        check = Check(case["input_id"], arguments, ast.literal_eval(case["expected"]))
        found.setdefault((Path(case["file"]).name, case["snippet"]), {})[case["input_id"]] = check
    return {key: list(by_id.values()) for key, by_id in found.items()}


def as_json(value: Any) -> Any:
    """A Python result as the JSON a faithful translation prints (tuples are lists)."""
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {k if isinstance(k, str) else json.dumps(k): as_json(v) for k, v in value.items()}
    return value


def same(a: Any, b: Any) -> bool:
    """JSON equality that tells booleans, integers and floats apart."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


class Checker:
    """Runs translations in the sandbox and says where they differ from Python."""

    def __init__(self, executor: NativeExecutor) -> None:
        self.executor = executor

    def problems(self, snippet: Snippet, cases: list[Check]) -> list[str]:
        where = f"{snippet.path.name}::{snippet.id} ({snippet.language})"
        language = get(snippet.language)
        try:
            signature = language.signature(snippet.code, snippet.entry)
            calls = [
                language.call(
                    signature,
                    [
                        language.argument(case.arguments[p.name], p.type)
                        for p in signature.parameters
                    ],
                )
                for case in cases
            ]
        except (LanguageError, KeyError) as exc:
            return [f"{where}: {exc}"]
        printed = self._run(language, snippet.code, calls)
        if printed is None or len(printed) != len(cases):
            printed = [
                (self._run(language, snippet.code, [call]) or ["<no output>"])[0] for call in calls
            ]
        found = []
        for case, call, line in zip(cases, calls, printed, strict=True):
            got = _read(line)
            if not same(got, as_json(case.expected)):
                found.append(
                    f"{where} [{case.input_id}] {call}: {snippet.language} {line} "
                    f"!= python {json.dumps(as_json(case.expected))}"
                )
        return found

    def _run(self, language: Language, code: str, calls: list[str]) -> list[str] | None:
        """The lines the calls printed, or None with the failure as the only line."""
        program = language.program(
            code, [language.print_statement(call) for call in calls], printing=True
        )
        outcome = self.executor.run_program(language, program, timeout=60.0)
        if outcome.status != OK:
            if len(calls) > 1:
                return None
            return [f"<{outcome.status}: {' '.join(outcome.detail.split())[:300]}>"]
        return [line for line in (outcome.value or "").splitlines() if line.strip()]


def _read(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return line  # a failure's text: never equal to a result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("report", type=Path, help="an oracle run's --llm-report JSON")
    parser.add_argument("--language", default="", help="comma-separated: cpp,java (default all)")
    parser.add_argument("--only", default="", help="comma-separated snippet ids")
    options = parser.parse_args(argv)
    languages = {name for name in options.language.split(",") if name}
    only = {name for name in options.only.split(",") if name}
    translations = [
        snippet
        for path in sorted(BENCHMARKS.glob("*.yaml"))
        for snippet in read_yaml(path).snippets
        if snippet.language != "python"
        and (not languages or snippet.language in languages)
        and (not only or snippet.id in only)
    ]
    by_snippet = python_cases(options.report)
    executor = NativeExecutor([get(name) for name in sorted({s.language for s in translations})])
    checker = Checker(executor)
    problems: list[str] = []
    inputs = 0
    try:
        for snippet in translations:
            cases = by_snippet.get((snippet.path.name, snippet.id), [])
            if not cases:
                problems.append(f"{snippet.path.name}::{snippet.id}: no Python case in the report")
                continue
            problems += checker.problems(snippet, cases)
            inputs += len(cases)
    finally:
        executor.close()
    for problem in problems:
        print(problem)
    print(f"{len(translations)} translations, {inputs} inputs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
