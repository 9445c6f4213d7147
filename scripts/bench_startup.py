"""Benchmark the plugin's start-up against a named baseline commit, in the same run.

The plugin is a ``pytest11`` entry point: every pytest run in an environment
where it is installed imports it, whether or not it collects a benchmark, and
so does every xdist worker and every pytester subprocess of this project's
own tests. This script measures three things, for this checkout and for the
baseline (a git commit, extracted with ``git archive`` into a temporary
directory), each in a fresh interpreter, the two taking turns so that a shared
machine's changing load weighs on both alike:

* ``import``: ``import pytest, pytest_llmexec.plugin``;
* ``plain run``: ``pytest`` on a directory holding one ordinary test (the
  plugin loaded by its entry point, nothing to collect for it);
* ``oracle run``: ``pytest -p llmexec`` on a three-row CRUXEval file with the
  ``oracle`` model (a benchmark with no generated inputs), in one process and
  with ``-n 2`` (where each xdist worker imports the plugin too).

Hypothesis's own pytest plugin still imports Hypothesis in the terminal summary
of every run (an xdist worker prints none), so the main process of a pytest run
loads it either way; the figures say what the plugin's own imports cost net.

It prints the median CPU time (user + system of the child) and wall time of
each, and the ratio baseline / this checkout. Both trees are byte-compiled
first, as an installed package is. Usage::

    python scripts/bench_startup.py                      # against 3545737 (before lazy imports)
    python scripts/bench_startup.py --baseline main --runs 15

This is a script, not a test: its figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: main just before the plugin stopped importing Hypothesis at start-up
DEFAULT_BASELINE = "3545737"

ROWS = [
    {"id": "a", "code": "def f(x):\n    return x * 3", "input": "4", "output": "12"},
    {"id": "b", "code": "def f(s):\n    return s[::-1]", "input": "'abc'", "output": "'cba'"},
    {"id": "c", "code": "def f(xs):\n    return sorted(xs)", "input": "[3, 1]", "output": "[1, 3]"},
]


def extract(ref: str, target: Path) -> Path:
    """The package of commit *ref*, unpacked under *target*."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "pytest_llmexec"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], cwd: Path, path: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of *command* with *path* first on sys.path."""
    env = {**os.environ, "PYTHONPATH": str(path), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    cpu, wall = child_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, child_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{done.stdout}\n{done.stderr}")
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="a git commit or branch")
    parser.add_argument("--runs", type=int, default=11, help="runs of each command and tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baseline = extract(args.baseline, work / "baseline")
        trees = {f"baseline {args.baseline}": baseline, "this checkout": ROOT}
        for tree in trees.values():
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(tree / "pytest_llmexec")],
                check=True,
            )
        plain = work / "plain"
        plain.mkdir()
        (plain / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
        oracle = work / "oracle"
        oracle.mkdir()
        (oracle / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
        python = sys.executable
        pytest = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        oracle_run = [*pytest, "-p", "llmexec", "rows.jsonl", "--llm-model=oracle"]
        commands = {
            "import": ([python, "-c", "import pytest, pytest_llmexec.plugin"], plain),
            "plain run": ([*pytest, "-p", "no:xdist", "test_one.py"], plain),
            "oracle run": ([*oracle_run, "-p", "no:xdist"], oracle),
            "oracle -n 2": ([*oracle_run, "-n", "2"], oracle),
        }
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.runs):
            for what, (command, cwd) in commands.items():
                for name, tree in trees.items():
                    times.setdefault((what, name), []).append(measure(command, cwd, tree))
    load = os.getloadavg()[0]
    print(f"{args.runs} runs of each, medians; load average {load:.2f} at the end")
    print(f"{'':12} {'tree':24} {'CPU ms':>8} {'wall ms':>8}")
    for what in commands:
        medians = {}
        for name in trees:
            runs = times[(what, name)]
            medians[name] = (
                statistics.median(c for c, _ in runs),
                statistics.median(w for _, w in runs),
            )
            cpu, wall = medians[name]
            print(f"{what:12} {name:24} {cpu * 1000:8.0f} {wall * 1000:8.0f}")
        (base_cpu, base_wall), (cpu, wall) = medians.values()
        ratio = "ratio baseline / this"
        print(f"{what:12} {ratio:24} {base_cpu / cpu:8.2f} {base_wall / wall:8.2f}")


if __name__ == "__main__":
    main()
