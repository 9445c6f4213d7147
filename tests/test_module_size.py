"""Small modules with one job: no module of the package over 600 lines, the hooks at most 300.

Lines are counted as ``wc -l`` counts them (newline characters). A module that
grows past its limit is split where its jobs part, not trimmed of comments.
"""

from __future__ import annotations

from pathlib import Path

import pytest_llmexec

ROOT = Path(next(iter(pytest_llmexec.__path__))).resolve()
MODULE_LIMIT = 600
HOOKS = ROOT / "plugin" / "__init__.py"  # the pytest11 entry point: hooks that hand off
HOOKS_LIMIT = 300


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def test_no_module_is_over_600_lines() -> None:
    modules = sorted(ROOT.rglob("*.py"))
    assert len(modules) > 50  # the package itself, not an empty folder
    over = {str(p.relative_to(ROOT)): lines(p) for p in modules if lines(p) > MODULE_LIMIT}
    assert over == {}, f"modules over {MODULE_LIMIT} lines: {over}"


def test_the_hooks_module_is_at_most_300_lines() -> None:
    assert HOOKS.is_file()
    assert lines(HOOKS) <= HOOKS_LIMIT, f"{HOOKS} has {lines(HOOKS)} lines"
    hooks = [n for n in vars(__import__("pytest_llmexec.plugin").plugin) if n.startswith("pytest_")]
    assert "pytest_addoption" in hooks and "pytest_collect_file" in hooks


def test_the_limits_are_counted_like_wc(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("a = 1\nb = 2\nc = 3", encoding="utf-8")  # no final newline: wc says 2
    assert lines(sample) == 2
