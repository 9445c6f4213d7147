"""Shared set-up for the project's own tests (they drive the plugin through pytester).

Every JSON report a test makes the plugin write (``--llm-report``) must validate
against the JSON Schema the package ships: after each test, the reports under
its pytester or ``tmp_path`` directory are checked, and at the end of the
session every report left under the session's temporary directory (module
fixtures write there too).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import jsonschema
import pytest

pytest_plugins = ["pytester"]

#: how a report the plugin wrote begins (``schema_version`` is its first key)
REPORT_START = b'{\n "schema_version"'
_checked: dict[Path, float] = {}


def _reports(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        for path in root.rglob("*.json"):
            try:
                with path.open("rb") as handle:
                    if handle.read(len(REPORT_START)) == REPORT_START:
                        yield path
            except OSError:
                continue


def _validate(paths: Iterable[Path]) -> list[str]:
    from pytest_llmexec.report.records import schema

    validator = jsonschema.Draft202012Validator(schema())
    problems = []
    for path in paths:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if _checked.get(path) == mtime:
            continue
        _checked[path] = mtime
        document = json.loads(path.read_text(encoding="utf-8"))
        for error in sorted(validator.iter_errors(document), key=str)[:5]:
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{path}: {where}: {error.message[:300]}")
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After each test: the reports its plugin runs wrote (under its pytester or
    ``tmp_path`` directory) validate against the shipped schema, or the test fails."""
    result = yield
    values = getattr(item, "funcargs", {})
    roots = [values["pytester"].path] if "pytester" in values else []
    roots += [values["tmp_path"]] if "tmp_path" in values else []
    problems = _validate(_reports(roots))
    if problems:
        pytest.fail("a JSON report does not match the schema:\n" + "\n".join(problems))
    return result


@pytest.fixture(scope="session", autouse=True)
def _every_report_matches_the_schema(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """At the end: every report under the session's temporary directory (module-scoped
    fixtures write there too) validates."""
    yield
    problems = _validate(_reports([tmp_path_factory.getbasetemp()]))
    if problems:
        pytest.fail("a JSON report does not match the schema:\n" + "\n".join(problems))
