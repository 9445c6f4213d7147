"""Guards for the shipped benchmark suite (benchmarks/*.yaml).

The suite is only useful for comparing categories, lengths and complexities if
it stays large, well described and exactly reproducible; these tests fail the
moment a snippet loses its metadata, the docs/suite.md table drifts, or a case stops
being reproduced by the oracle (nondeterminism, a crash, a slow input).
"""

from __future__ import annotations

import importlib.util
import re
import statistics
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from pytest_llmexec.datasets import Snippet
from pytest_llmexec.inputs.types import plan
from pytest_llmexec.inputs.values import missing_kinds

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
REQUIRED_CATEGORIES = {
    "dynamic_programming",
    "bit_manipulation",
    "string",
    "array",
    "hash_table",
    "math",
    "greedy",
    "two_pointers",
    "sorting",
    "stack_queue",
    "heap",
    "binary_search",
    "graph",
    "tree",
    "linked_list",
    "backtracking",
    "matrix",
}
MAIN_CATEGORIES = ("dynamic_programming", "bit_manipulation", "string", "array", "math")


def _load_script() -> ModuleType:
    path = ROOT / "scripts" / "suite_table.py"
    spec = importlib.util.spec_from_file_location("suite_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


suite_table = _load_script()
SUITE: list[Snippet] = suite_table.load_suite(BENCHMARKS)


def test_size_and_categories() -> None:
    per_category = Counter(s.category for s in SUITE)
    assert len(SUITE) >= 150
    assert len(per_category) >= 12
    missing = REQUIRED_CATEGORIES - set(per_category)
    assert not missing, missing
    for name in MAIN_CATEGORIES:
        assert per_category[name] >= 10, (name, per_category[name])
    assert len({s.id for s in SUITE}) == len(SUITE), "snippet ids must be unique suite-wide"


def test_one_file_per_category() -> None:
    for path in sorted(BENCHMARKS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["category"] == path.stem, path
        assert all("category" not in raw for raw in data["snippets"]), path


def test_metadata_on_every_snippet() -> None:
    problems = []
    for s in SUITE:
        if s.difficulty is None or not s.complexity or not s.space or not s.tags:
            problems.append(f"{s.id}: difficulty, complexity, space and tags are required")
        if set(s.description) != {"en", "zh"} or not all(v.strip() for v in s.description.values()):
            problems.append(f"{s.id}: needs an 'en' and a 'zh' description")
        elif not re.search(r"[\u4e00-\u9fff]", s.description["zh"]):
            problems.append(f"{s.id}: the 'zh' description has no Chinese text")
        if len(s.inputs) < 3:
            problems.append(f"{s.id}: {len(s.inputs)} declared inputs, at least 3 wanted")
        if len(set(s.inputs)) != len(s.inputs):
            problems.append(f"{s.id}: a declared input is repeated")
        if "class Solution" not in s.code:
            problems.append(f"{s.id}: LeetCode style wants a class Solution")
    assert not problems, "\n".join(problems)


def test_spread_of_difficulty_length_and_complexity() -> None:
    difficulty = Counter(s.difficulty for s in SUITE)
    share = {d: difficulty[d] / len(SUITE) for d in ("easy", "medium", "hard")}
    assert 0.25 <= share["easy"] <= 0.45, share
    assert 0.40 <= share["medium"] <= 0.60, share
    assert 0.10 <= share["hard"] <= 0.25, share
    lines = [s.lines for s in SUITE]
    assert sum(n > 40 for n in lines) >= 10
    assert sum(n < 10 for n in lines) >= 10
    assert 8 <= statistics.median(lines) <= 20
    classes = Counter(suite_table.complexity_class(s.complexity) for s in SUITE)
    assert set(classes) == set(suite_table.CLASSES), classes  # O(1) up to O(n!)


@pytest.mark.parametrize(
    ("bound", "growth"),
    [
        ("O(1)", "O(1)"),
        ("O(log(m*n))", "O(log n)"),
        ("O(V+E)", "O(n)"),
        ("O(n \u03b1(n))", "O(n)"),
        ("O((V+E) log V)", "O(n log n)"),
        ("O(n log log n)", "O(n)"),
        ("O(m*n)", "O(n^2)"),
        ("O(n*m^2)", "O(n^3)"),
        ("O(2^n*n^2)", "O(2^n)"),
        ("O(m*n*4^L)", "O(2^n)"),
        ("O(n!*n)", "O(n!)"),
    ],
)
def test_complexity_classes(bound: str, growth: str) -> None:
    assert suite_table.complexity_class(bound) == growth


@pytest.mark.parametrize("bound", ["n^2", "O(n", "quadratic"])
def test_unreadable_complexity_is_an_error(bound: str) -> None:
    with pytest.raises(ValueError):
        suite_table.complexity_class(bound)


def test_input_generation_plans_are_valid() -> None:
    """Every snippet's annotations, schema and constraints are accepted by the generator."""
    for s in SUITE:
        assert not missing_kinds(plan(s)), s.id


def test_suite_page_tables_are_current() -> None:
    readme = (ROOT / "docs" / "suite.md").read_text(encoding="utf-8")
    assert suite_table.readme_block(readme) == suite_table.render(SUITE), (
        "run `python scripts/suite_table.py --write` (it rewrites docs/suite.md)"
    )
    translations = suite_table.render_translations(suite_table.load_translations(BENCHMARKS))
    block = suite_table.readme_block(
        readme, suite_table.TRANSLATIONS_BEGIN, suite_table.TRANSLATIONS_END
    )
    assert block == translations, (
        "run `python scripts/suite_table.py --write` (it rewrites docs/suite.md)"
    )


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize(
    ("workers", "options"),
    [
        ("0", ["--llm-examples=0", "-m", "not generated"]),  # exactly the declared cases
        ("2", []),  # declared and generated inputs, split over two xdist workers
    ],
)
def test_oracle_reproduces_the_suite(
    pytester: pytest.Pytester, workers: str, options: list[str]
) -> None:
    """The whole suite through the plugin: 100% for the oracle, alone and under xdist.

    ``examples:`` in a snippet overrides --llm-examples, hence the marker filter
    in the declared-only run.
    """
    declared = sum(len(s.inputs) for s in SUITE)
    result = pytester.runpytest_subprocess(
        str(BENCHMARKS),
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-language=python",  # the translations: tests/test_translations_plugin.py
        "-n",
        workers,
        "-q",
        "-p",
        "no:cacheprovider",
        *options,
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, outcomes
    if options:
        assert outcomes["passed"] == declared
    else:
        assert outcomes["passed"] > declared  # generated inputs came on top
        result.stdout.fnmatch_lines(
            [f"*declared*{declared}/{declared} 100.0%*", "*generated*100.0%*"]
        )
        result.stdout.no_fnmatch_line("*fewer than asked*")
    total = outcomes["passed"]
    result.stdout.fnmatch_lines([f"oracle/vp*{total}*{total}*100.0%*"])
