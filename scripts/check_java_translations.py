"""Check the shipped suite's Java translations against their Python snippets.

A translation (``language: java`` next to a Python snippet of the same id in
``benchmarks/*.yaml``) is faithful when, for every input of the Python
snippet, its result printed as JSON equals the Python result. The Python
results come from an oracle run's JSON report, which holds every case's input
and ``expected`` value (declared inputs and, with hypothesis, generated ones):

    pytest benchmarks -p llmexec --llm-model=oracle --llm-strategy=vp \\
        --llm-language=python --llm-report=/tmp/python.json
    python scripts/check_java_translations.py /tmp/python.json [--only ID,ID]

Each translation becomes one program (the translation and a ``main`` that
calls the method once per input, the inputs written as Java literals by the
`Java` language module), compiled and run in the sandbox by the
`NativeExecutor`: dataset code never runs in this process. It prints one line
per disagreement and exits 1 if there is any (or if a translation has no
Python input to be checked on).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_llmexec.execution.native import NativeExecutor  # noqa: E402
from pytest_llmexec.languages import Java  # noqa: E402

BENCHMARKS = ROOT / "benchmarks"
SCAFFOLD = "import java.util.*;\nimport java.util.stream.*;\n\n"
_METHOD = re.compile(r"\bpublic\s+([\w<>\[\], ]+?)\s+(\w+)\s*\(([^)]*)\)\s*\{")
#: what a call that threw prints instead of its result (never valid JSON)
THREW = "!threw "


@dataclass(frozen=True)
class Translation:
    file: str
    id: str
    code: str
    method: str
    params: tuple[tuple[str, str], ...]  # (type, name)


@dataclass(frozen=True)
class Check:
    input_id: str
    kwargs: dict[str, Any]
    expected: Any


def translations(files: Iterable[Path]) -> list[Translation]:
    """Every ``language: java`` snippet of *files*, with its entry's signature."""
    found = []
    for path in files:
        data = yaml.safe_load(path.read_text()) or {}
        for raw in data.get("snippets", []):
            if raw.get("language") != "java":
                continue
            match = _METHOD.search(raw["code"])
            if match is None:
                raise SystemExit(f"{path.name}: {raw['id']}: no public method in the code")
            found.append(
                Translation(
                    path.name,
                    raw["id"],
                    raw["code"],
                    match.group(2),
                    tuple(_param(p) for p in _split(match.group(3))),
                )
            )
    return found


def _split(text: str) -> list[str]:
    """Parameters split at the commas outside ``<...>``."""
    parts, depth, word = [], 0, ""
    for char in text:
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(word)
            word = ""
        else:
            word += char
    if word.strip():
        parts.append(word)
    return [part.strip() for part in parts]


def _param(text: str) -> tuple[str, str]:
    type_, _, name = text.rpartition(" ")
    return type_.strip(), name


def checks(report: Path) -> dict[str, list[Check]]:
    """The Python cases of an oracle report, by snippet id (output task, one strategy)."""
    found: dict[str, dict[str, Check]] = {}
    for case in json.loads(report.read_text())["cases"]:
        if case.get("language", "python") != "python" or case.get("task") != "output":
            continue
        if case.get("truth_status") != "ok":
            continue
        call = ast.parse(f"f({case['input']})", mode="eval").body
        assert isinstance(call, ast.Call)
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
        check = Check(case["input_id"], kwargs, ast.literal_eval(case["expected"]))
        found.setdefault(case["snippet"], {})[case["input_id"]] = check
    return {snippet: list(by_id.values()) for snippet, by_id in found.items()}


def program(java: Java, translation: Translation, cases: list[Check]) -> str:
    """The translation and a main that prints each case's result on a line of its own."""
    calls = []
    for case in cases:
        args = ", ".join(
            java.literal(case.kwargs[name], type_) for type_, name in translation.params
        )
        statement = java.print_statement(f"new Solution().{translation.method}({args})")
        calls.append(
            f"        try {{ {statement} }}\n"
            f'        catch (Throwable e) {{ System.out.println("{THREW}" + e); }}'
        )
    main = "class LlmexecCheck {\n    public static void main(String[] args) {\n"
    return SCAFFOLD + main + "\n".join(calls) + "\n    }\n}\n\n" + translation.code


def as_json(value: Any) -> Any:
    """A Python result as the JSON a faithful translation prints (tuples are lists)."""
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {
            json.dumps(k) if not isinstance(k, str) else k: as_json(v) for k, v in value.items()
        }
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


def verify(
    executor: NativeExecutor, java: Java, translation: Translation, cases: list[Check]
) -> list[str]:
    """What is wrong with *translation* on *cases* (empty: faithful)."""
    where = f"{translation.file}::{translation.id}"
    missing = {name for case in cases for name in case.kwargs} ^ {n for _, n in translation.params}
    if missing:
        return [f"{where}: parameter names differ from the Python ones: {sorted(missing)}"]
    outcome = executor.run(java, program(java, translation, cases), timeout=30.0)
    if outcome.status != "ok":
        return [f"{where}: {outcome.status}: {outcome.detail[-1500:]}"]
    lines = (outcome.value or "").splitlines()
    if len(lines) != len(cases):
        return [f"{where}: printed {len(lines)} lines for {len(cases)} inputs"]
    problems = []
    for case, line in zip(cases, lines, strict=True):
        expected = as_json(case.expected)
        got: Any = line if line.startswith(THREW) else json.loads(line)
        if not same(got, expected):
            problems.append(
                f"{where}[{case.input_id}] {case.kwargs}: "
                f"java {line} != python {json.dumps(expected)}"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="an oracle run's --llm-report JSON")
    parser.add_argument("--only", default="", help="comma-separated snippet ids")
    options = parser.parse_args(argv)
    only = {name for name in options.only.split(",") if name}
    found = [t for t in translations(sorted(BENCHMARKS.glob("*.yaml"))) if not only or t.id in only]
    by_snippet = checks(options.report)
    java = Java()
    executor = NativeExecutor([java])
    problems: list[str] = []
    checked = 0
    try:
        for translation in found:
            cases = by_snippet.get(translation.id, [])
            if not cases:
                problems.append(
                    f"{translation.file}::{translation.id}: no Python case in the report"
                )
                continue
            problems += verify(executor, java, translation, cases)
            checked += len(cases)
    finally:
        executor.close()
    for problem in problems:
        print(problem)
    print(f"{len(found)} Java translations, {checked} inputs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
