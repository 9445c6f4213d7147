"""The wheel carries the shipped suite: a user who only installs the plugin can run it.

Builds the wheel offline from a copy of the package, installs it alone into a
directory (its dependencies are this environment's), and runs the documented
command from a directory that holds no checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds and installs a wheel

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ["--pyargs", "pytest_llmexec.benchmarks", "-p", "llmexec", "--llm-model=oracle"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the package installed from a freshly built wheel."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "pytest_llmexec",
        source / "pytest_llmexec",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist")]
    subprocess.run([*build, str(source)], check=True, timeout=300)
    (wheel,) = (base / "dist").glob("pytest_llmexec-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = sorted(p.name for p in (ROOT / "pytest_llmexec" / "benchmarks").glob("*.yaml"))
    assert shipped, "no shipped benchmark files"
    assert {f"pytest_llmexec/benchmarks/{name}" for name in shipped} <= names
    assert "pytest_llmexec/benchmarks/__init__.py" in names
    assert "pytest_llmexec/__init__.py" in names
    target = base / "site"
    install = [*pip, "install", "--no-deps", "--no-index", "--target", str(target)]
    subprocess.run([*install, str(wheel)], check=True, timeout=300)
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(installed)}  # the wheel's files come first
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_installed_package_has_its_version(installed: Path, tmp_path: Path) -> None:
    shown = _run(
        installed,
        tmp_path,
        "-c",
        "import pytest_llmexec.plugin as p, pytest_llmexec as m; print(m.__version__, p.__file__)",
    )
    assert shown.returncode == 0, shown.stderr
    version, location = shown.stdout.split()
    declared = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert declared is not None and version == declared.group(1)
    assert Path(location).is_relative_to(installed)


def test_the_installed_package_ships_the_report_schema(installed: Path, tmp_path: Path) -> None:
    shown = _run(
        installed,
        tmp_path,
        "-c",
        "import pytest_llmexec.report.records as r; print(r.__file__, r.schema()['title'])",
    )
    assert shown.returncode == 0, shown.stderr
    assert Path(shown.stdout.split()[0]).is_relative_to(installed)
    assert "JSON report" in shown.stdout


def test_the_documented_command_runs_the_shipped_suite_without_a_checkout(
    installed: Path, tmp_path: Path
) -> None:
    # the Python suite: its translations compile for minutes (the C++ harness is checked below)
    python = [*COMMAND, "--llm-language=python", "-p", "no:cacheprovider"]
    result = _run(installed, tmp_path, "-m", "pytest", *python)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
    assert "oracle/vp" in result.stdout and " 100.0% " in result.stdout
    assert not (installed / "pytest_llmexec" / "benchmarks" / ".llmexec").exists()


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++ (apt-get install g++)")
def test_a_translation_runs_from_the_installed_package(installed: Path, tmp_path: Path) -> None:
    """The C++ harness (its JSON printer) ships in the wheel with the translations."""
    cpp = [*COMMAND, "--llm-language=cpp", "-k", "max_subarray", "-p", "no:cacheprovider"]
    result = _run(installed, tmp_path, "-m", "pytest", *cpp)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"\b4 passed", result.stdout.strip().splitlines()[-1]), result.stdout[-2000:]
