"""The documentation site: its generated reference pages, its strict build, the README's size.

The options page is rendered from the option table by ``docs/hooks.py`` at build
time; these tests hold it to what users see, ``pytest --help``, and check that
``mkdocs build --strict`` fails on the two mistakes it is configured to catch: a
page left out of the navigation and a broken link.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
GROUP = "pytest-llmexec: how well do language models execute code"


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _hooks()


def pytest_help(tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "llmexec", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def llmexec_group(help_text: str) -> tuple[list[str], list[str]]:
    """The flags of the llmexec option group and the ini names of ``pytest --help``."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(GROUP))
    flags: list[str] = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):  # the next group's title
            break
        match = re.match(r"  (--llm-[\w-]+)", line)
        if match:
            flags.append(match.group(1))
    inis = re.findall(r"^  (llm_\w+) \(", help_text, flags=re.MULTILINE)
    return flags, inis


def test_options_page_lists_every_option_of_pytest_help(tmp_path: Path) -> None:
    flags, inis = llmexec_group(pytest_help(tmp_path))
    assert len(flags) >= 30 and "--llm-model" in flags and "--llm-update-baseline" in flags
    page = hooks.options_page()
    listed = re.findall(r"^\| (?:`|<code>)(--llm-[\w-]+)", page, flags=re.MULTILINE)
    assert sorted(listed) == sorted(flags), "the options page and pytest --help differ"
    for ini in inis:
        assert f"`{ini}`" in page, f"{ini} (an ini option in pytest --help) is not on the page"


def test_markers_page_lists_the_plugin_markers() -> None:
    page = hooks.markers_page()
    for marker in ("llmexec", "vp", "cot", "iip", "generated", "output", "input", "python", "cpp"):
        assert f"| `{marker}` |" in page, marker
    assert "| `hypothesis` |" not in page, "a marker of another plugin is listed"


def test_readme_is_a_front_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    assert 'pip install -e ".[dev]" && pytest\n' in readme  # the command CI runs
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).is_file(), f"README links to {link}, which does not exist"


def _site(tmp_path: Path) -> Path:
    """A copy of the site's sources, to build (and break) without touching the checkout."""
    copy = tmp_path / "site-src"
    shutil.copytree(ROOT / "docs", copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    return copy


def mkdocs_build(source: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(source / "site")],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_strict_build_passes_and_renders_the_options_page(tmp_path: Path) -> None:
    source = _site(tmp_path)
    done = mkdocs_build(source)
    assert done.returncode == 0, done.stderr
    html = (source / "site" / "reference" / "options" / "index.html").read_text(encoding="utf-8")
    flags, _ = llmexec_group(pytest_help(tmp_path))
    for flag in flags:
        assert f"<code>{flag}" in html, flag


@pytest.mark.slow
def test_strict_build_fails_on_a_page_left_out_and_a_broken_link(tmp_path: Path) -> None:
    source = _site(tmp_path)
    (source / "docs" / "stray.md").write_text("# Stray\n\nIn no nav.\n", encoding="utf-8")
    with (source / "docs" / "design.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [the missing page](missing.md).\n")
    done = mkdocs_build(source)
    assert done.returncode != 0
    assert "stray.md" in done.stderr and 'not included in the "nav"' in done.stderr
    assert "missing.md" in done.stderr
