"""MkDocs hook: the reference pages are rendered from the code at every build.

``reference/options.md`` comes from the plugin's option table (the one that
makes every ``--llm-`` flag and its ini twin) and ``reference/markers.md``
from the markers pytest itself registers with the plugin loaded, so neither
is committed and neither can drift from what ``pytest --help`` and
``pytest --markers`` show. ``mkdocs.yml`` names this file under ``hooks:``.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

#: the module that holds ``OPTIONS``, the option table (moved here if the table moves)
OPTION_TABLE_MODULE = "pytest_llmexec.options"

OPTIONS_PAGE = "reference/options.md"
MARKERS_PAGE = "reference/markers.md"


def option_table() -> Sequence[Any]:
    """The plugin's option table, each entry with ``flag``, ``ini``, ``help``, ``metavar``..."""
    module = importlib.import_module(OPTION_TABLE_MODULE)
    table = getattr(module, "OPTIONS", None)
    if not table:
        raise RuntimeError(
            f"{OPTION_TABLE_MODULE} has no OPTIONS table: point OPTION_TABLE_MODULE in "
            "docs/hooks.py at the module that now holds it"
        )
    return tuple(table)


def _cell(text: str) -> str:
    """Text for one Markdown table cell: pipes escaped, on one line."""
    return " ".join(text.replace("|", "\\|").split())


def _code(text: str) -> str:
    return f"`{text}`" if "|" not in text else f"<code>{_cell(text)}</code>"


def _default(option: Any) -> str:
    if option.const is not None:
        return f"bare flag: `{option.const}`"
    if option.default is None or option.default == []:
        return "—"
    value = option.default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def options_page() -> str:
    rows = []
    for option in option_table():
        # help and metavar name the registered strategies, tasks, models and languages
        metavar = option.shown(option.metavar)
        usage = option.flag + (f"={metavar}" if metavar else "")
        if option.const is not None:
            usage = f"{option.flag}[={metavar}]"
        ini = f"`{option.ini}`" if option.ini else "—"
        rows.append(f"| {_code(usage)} | {ini} | {_default(option)} | {_cell(option.shown_help)} |")
    return "\n".join(
        [
            "# Options",
            "",
            "<!-- generated at build time by docs/hooks.py from the plugin's option table -->",
            "",
            "Every option of the plugin, as `pytest --help` lists them under",
            '"pytest-llmexec". This page is generated from the option table in the code each',
            "time the site is built, so it cannot drift from it.",
            "",
            "Each option with an ini name can also be set in `pytest.ini` or",
            "`[tool.pytest.ini_options]` (`llm_model = oracle`); the command line wins over",
            "the ini file. Options marked repeatable may be given more than once, and",
            "comma-separated lists are split.",
            "",
            "| option | ini | default | what it does |",
            "|---|---|---|---|",
            *rows,
            "",
            f"{len(rows)} options. Repeatable: "
            + ", ".join(f"`{o.flag}`" for o in option_table() if o.append)
            + ".",
            "",
        ]
    )


_MARKER = re.compile(r"^@pytest\.mark\.([\w.\-+]+)(?:\([^)]*\))?: (.*)$")


def pytest_markers(*flags: str) -> dict[str, str]:
    """``pytest --markers`` in an empty directory: marker name -> description."""
    with tempfile.TemporaryDirectory() as empty:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider", *flags],
            cwd=empty,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"pytest --markers {' '.join(flags)} failed:\n{done.stderr}")
    found = {}
    for line in done.stdout.splitlines():
        match = _MARKER.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def plugin_markers() -> dict[str, str]:
    """The markers the plugin registers in every run: those it adds to pytest's own."""
    with_plugin = pytest_markers("-p", "llmexec")
    without = pytest_markers("-p", "no:llmexec")
    return {name: text for name, text in with_plugin.items() if name not in without}


def markers_page() -> str:
    rows = [f"| `{name}` | {_cell(text)} |" for name, text in plugin_markers().items()]
    return "\n".join(
        [
            "# Markers",
            "",
            "<!-- generated at build time by docs/hooks.py from `pytest --markers` -->",
            "",
            "Every test the plugin makes carries markers, all registered, so",
            "`--strict-markers` passes and `-m` selects with them",
            '(`-m iip`, `-m "oracle and not generated"`, `-m "not python"`).',
            "",
            "## Registered in every run",
            "",
            "These are the markers `pytest --markers` lists with the plugin loaded (and not",
            "without it); this table is generated from that output each time the site is",
            "built.",
            "",
            "| marker | meaning |",
            "|---|---|",
            *rows,
            "",
            "## Registered for the run's models and categories",
            "",
            "- **the model**: one marker per `--llm-model`, named after the model without",
            "  its `openai:` or `anthropic:` prefix; characters a marker cannot hold become",
            "  `_` (`qwen2.5-coder:7b` is `-m qwen2.5-coder_7b`), and a `llamacpp:` model",
            "  is named by its file's stem.",
            "- **the category**: one marker per snippet category collected (`array`,",
            "  `dynamic_programming`, `cruxeval`, ...).",
            "",
            "A language marker (`python`, `cpp`, ...) is on every test, and `generated` is on",
            "the tests of Hypothesis-generated inputs.",
            "",
        ]
    )


def on_files(files: Any, config: Any) -> Any:
    """Add the generated reference pages to the site's files (nothing is written to docs/)."""
    from mkdocs.structure.files import File

    for path, render in ((OPTIONS_PAGE, options_page), (MARKERS_PAGE, markers_page)):
        files.append(File.generated(config, path, content=render()))
    return files
