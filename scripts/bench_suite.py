"""Time the main command, plain against ``-n 2``, with the truth cache cold and warm.

    python scripts/bench_suite.py              # vp
    python scripts/bench_suite.py --all --write   # and write the table into docs/results.md
    python scripts/bench_suite.py --all        # also vp,cot,iip, and the HTML page's size
    python scripts/bench_suite.py --runs 5

Each figure is the median wall time of ``--runs`` runs of
``pytest benchmarks -p llmexec --llm-model=oracle -q --llm-language=python`` (plus the mode's
options, and ``-p no:cacheprovider`` so that the runs leave nothing behind),
modes interleaved so that a change in the machine's load falls on all of them
alike. The plain run is the named baseline: the ``-n 2`` line prints its ratio
to it. Runs use a truth cache of their own (``--llm-cache-dir``), so the
user's ``.llmexec/`` is never touched: a cold run starts from an empty one, a
warm run from one already filled. The load average before and after is
printed beside the figures, since on a shared machine it moves them more than
anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the main command on the Python suite (the translations compile: see docs/suite.md)
COMMAND = "pytest benchmarks -p llmexec --llm-model=oracle -q --llm-language=python"
BASE = [sys.executable, "-m", *COMMAND.split()]


def run(args: list[str], cache: Path) -> tuple[float, str]:
    """Wall time of one run and its last line (``1768 passed in ...``)."""
    start = time.perf_counter()
    done = subprocess.run(
        [*BASE, *args, f"--llm-cache-dir={cache}", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    last = lines[-1] if lines else done.stderr.strip()[-300:]
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr}")
    return elapsed, last.strip("= ")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timings(label: str, extra: list[str], runs: int, scratch: Path) -> dict[str, list[float]]:
    modes = {"plain": [], "-n 2": ["-n", "2"]}
    warm = scratch / f"{label}-warm"
    cold: dict[str, list[float]] = {m: [] for m in modes}
    hot: dict[str, list[float]] = {m: [] for m in modes}
    last = ""
    print(f"{label}: {COMMAND} {' '.join(extra)}")
    print(f"  before: {load()}")
    for index in range(runs):
        for mode, args in modes.items():
            seconds, _ = run([*extra, *args], scratch / f"{label}-cold-{mode}-{index}")
            cold[mode].append(seconds)
            if index == 0 and mode == "plain":
                run([*extra], warm)  # fill the warm cache once
        for mode, args in modes.items():
            seconds, last = run([*extra, *args], warm)
            hot[mode].append(seconds)
    print(f"  after:  {load()}   ({last})")
    for name, table in (("cold", cold), ("warm", hot)):
        plain = statistics.median(table["plain"])
        xdist = statistics.median(table["-n 2"])
        print(
            f"  {name}: plain {plain:5.1f} s (baseline)   -n 2 {xdist:5.1f} s   "
            f"ratio -n 2 / plain {xdist / plain:.2f}   runs: "
            + ", ".join(f"{m} {' '.join(f'{t:.1f}' for t in ts)}" for m, ts in table.items())
        )
    return {mode: [statistics.median(cold[mode]), statistics.median(hot[mode])] for mode in modes}


def table_rows(extra: list[str], medians: dict[str, list[float]]) -> list[str]:
    """The table's rows for one strategy set: cold and warm, plain and ``-n 2``."""
    command = " ".join([COMMAND, *extra])
    return [
        f"| `{command}{'' if mode == 'plain' else ' ' + mode}` | "
        + " | ".join(f"{t:.1f} s" for t in times)
        + " |"
        for mode, times in medians.items()
    ]


def html_page(scratch: Path) -> str:
    """The HTML page of the shipped suite under every strategy: tests, size, build time."""
    sys.path.insert(0, str(ROOT))
    from pytest_llmexec.report import html

    page, report = scratch / "report.html", scratch / "report.json"
    extra = ["--llm-strategy=vp,cot,iip", "--llm-examples=0"]
    seconds, last = run([*extra, f"--llm-html={page}", f"--llm-report={report}"], scratch / "h")
    document = json.loads(report.read_text(encoding="utf-8"))
    start = time.perf_counter()
    html.build(document)
    built = time.perf_counter() - start
    line = (
        f"html: `{COMMAND} --llm-strategy=vp,cot,iip "
        f"--llm-examples=0 --llm-html=report.html`: {len(document['cases']):,} tests, "
        f"{page.stat().st_size / 1e6:.1f} MB, page built in {built:.2f} s "
        f"(run {seconds:.1f} s; {last}; {load()})"
    )
    print(line)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="also vp,cot,iip and the HTML page")
    parser.add_argument(
        "--write", action="store_true", help="write the table into docs/results.md (suite-times)"
    )
    options = parser.parse_args()
    load_before = os.getloadavg()[0]
    html = ""
    with tempfile.TemporaryDirectory(prefix="llmexec-bench-") as tmp:
        scratch = Path(tmp)
        rows = table_rows([], timings("vp", [], options.runs, scratch))
        if options.all:
            extra = ["--llm-strategy=vp,cot,iip"]
            rows += table_rows(extra, timings("vp,cot,iip", extra, options.runs, scratch))
            html = html_page(scratch)
        table = "| run | truth cache cold | warm |\n|---|---:|---:|\n" + "\n".join(rows)
        print("\n" + table)
    if options.write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from docs_block import provenance, write_block

        parts = [table, html, provenance(load_before)]
        write_block("suite-times", "\n\n".join(part for part in parts if part))


if __name__ == "__main__":
    main()
