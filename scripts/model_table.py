"""Measure a model on a fixed sample of the shipped suite and print its table (docs/results.md).

The sample is the first declared input (``i0``) of the first ``--per-file``
snippets of every suite file, in file order (6 per file: 102 cases), so the
same cases are asked under every strategy. Each strategy is one pytest run
(``-p llmexec ... --llm-report``); the table is read from the JSON reports.
Replies are cached, so a second run of the same command asks nothing and
prints the same table ("model time per case" is the replies' own latency,
which the cache keeps; "wall time" is then the cached run's).

    python scripts/model_table.py --model llamacpp:$M --server $S --strategies vp,cot,iip

With ``--write`` the table goes into docs/results.md, in the block
``model-table-N-per-file`` of its ``--per-file`` value, with the command and load.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

SUITE = Path(__file__).resolve().parent.parent / "pytest_llmexec" / "benchmarks"


def sample(per_file: int) -> list[str]:
    """Node-id prefixes (``file::snippet``) of the sample, in suite order."""
    chosen: list[str] = []
    for path in sorted(SUITE.glob("*.yaml")):
        ids: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            snippet = line.removeprefix("  - id: ").strip()
            if line.startswith("  - id: ") and snippet not in ids:  # a translation repeats it
                ids.append(snippet)
        chosen += [f"{path}::{snippet}" for snippet in ids[:per_file]]
    return chosen


def wilson(correct: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    z = 1.959963984540054
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the --llm-model value")
    parser.add_argument("--server", help="the --llm-server value (llama-server's path)")
    parser.add_argument("--strategies", default="vp,cot,iip")
    parser.add_argument("--per-file", type=int, default=6)
    parser.add_argument("--out", default="model-table", help="folder for the JSON reports")
    parser.add_argument(
        "--write",
        action="store_true",
        help="write the table into docs/results.md (block model-table-N-per-file)",
    )
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = sample(args.per_file)
    keep = "i0"
    rows = []
    for strategy in args.strategies.split(","):
        report = out / f"{strategy}.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "llmexec",
            *wanted,
            f"--llm-model={args.model}",
            "--llm-language=python",  # the fixed sample is of Python snippets
            f"--llm-strategy={strategy}",
            "--llm-examples=0",
            f"--llm-report={report}",
            "-q",
            "--no-header",
            "-p",
            "no:cacheprovider",
            "-k",
            keep,
            *args.pytest_args,
        ]
        if args.server:
            command.append(f"--llm-server={args.server}")
        started = time.monotonic()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        wall = time.monotonic() - started
        cases = _in_sample(json.loads(report.read_text())["cases"], wanted)
        rows.append(_row(strategy, cases, wall))
    table = "\n".join(
        [
            "| model/strategy | n | correct | accuracy | 95% CI | unparseable | truncated | "
            "output tokens per case | model time per case | wall time |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    print(table)
    if args.write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from docs_block import provenance, write_block

        block = f"model-table-{args.per_file}-per-file"
        write_block(block, f"{table}\n\n{provenance(load_before)}")
    return 0


def _in_sample(cases: list[dict[str, Any]], wanted: list[str]) -> list[dict[str, Any]]:
    names = {(Path(w.split("::")[0]).name, w.split("::")[1]) for w in wanted}
    return [
        case
        for case in cases
        if (Path(case["nodeid"].split("::")[0]).name, case["snippet"]) in names
        and not case.get("generated")
        and case.get("language", "python") == "python"
    ]


def _row(strategy: str, cases: list[dict[str, Any]], wall: float) -> str:
    n = len(cases)
    counts: dict[str, int] = defaultdict(int)
    for case in cases:
        counts[case["verdict"]] += 1
    low, high = wilson(counts["correct"], n)
    truncated = sum(1 for case in cases if case.get("truncated"))
    tokens = sum(case.get("usage", {}).get("output_tokens", 0) for case in cases)
    latency = sum(case.get("latency", 0.0) for case in cases)
    model = cases[0]["model"] if cases else "?"
    return (
        f"| {model}/{strategy} | {n} | {counts['correct']} | "
        f"{100 * counts['correct'] / max(n, 1):.1f}% | [{100 * low:.1f}, {100 * high:.1f}] | "
        f"{counts['unparseable']} | {truncated} | {tokens / max(n, 1):.0f} | "
        f"{latency / max(n, 1):.1f} s | {wall:.0f} s |"
    )


if __name__ == "__main__":
    sys.exit(main())
