"""Wall time of a sharded CRUXEval oracle run on a one-node Slurm cluster, against an
unsharded run in the same script, and what the merge costs.

    python scripts/bench_shards.py [--rows examples/own-rows.jsonl] [--shards 1,2,4]

The file is CRUXEval-format rows of our own (examples/own-rows.jsonl). Every run
uses --llm-cache=off (no reply or truth cache), so each one executes every
snippet. The baseline is the same pytest command run directly, without Slurm.
For N shards the time is from submitting the array (examples/slurm/shards.sbatch)
to the end of its merge job (merge-and-gate.sbatch, --dependency=afterok), so it
includes Slurm's scheduling; the merge alone is also timed on its own. Needs root
and Debian's slurmctld, slurmd, slurm-client and munge (see tests/slurm_cluster.py).
The load average is printed with every figure: this machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slurm_cluster import Cluster, unavailable  # noqa: E402

EXAMPLES = ROOT / "examples" / "slurm"


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def pytest_args(rows: str) -> list[str]:
    return [
        rows,
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-cache=off",
        "-p",
        "no:cacheprovider",
    ]


def unsharded(work: Path, rows: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args(rows), "-q", "--llm-report=whole.json"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"the unsharded run failed:\n{done.stdout[-2000:]}{done.stderr}")
    return elapsed


def sharded(cluster: Cluster, work: Path, rows: str, count: int) -> tuple[float, float]:
    """(seconds from submitting the array to the end of the merge job, merge alone)."""
    for name in ("shards", "merged.json", "merged.html", "merge.log", ".llmexec"):
        path = work / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    cluster.env["PYTHON"] = sys.executable
    started = time.perf_counter()
    submitted = cluster.run(
        str(EXAMPLES / "submit.sh"), str(count), "--", *pytest_args(rows), cwd=work
    )
    ids = dict(word.split("=") for word in submitted.stdout.split())
    cluster.wait_done([ids["array"], ids["merge"]], timeout=3600)
    elapsed = time.perf_counter() - started
    state = cluster.job(ids["merge"])
    if state.get("ExitCode") != "0:0" or not (work / "merged.json").is_file():
        log = (work / "merge.log").read_text() if (work / "merge.log").exists() else ""
        raise SystemExit(f"the merge job of {count} shards failed: {state}\n{log}")
    reports = sorted(str(p) for p in (work / "shards").glob("shard-*.json"))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest_llmexec.cli", "merge", "again.json", *reports],
        cwd=work,
        check=True,
        capture_output=True,
    )
    return elapsed, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=str(ROOT / "examples" / "own-rows.jsonl"))
    parser.add_argument("--shards", default="1,2,4")
    args = parser.parse_args()
    why = unavailable()
    if why is not None:
        print(f"cannot measure: {why}")
        return 2
    counts = [int(n) for n in args.shards.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        rows = "rows.jsonl"
        shutil.copyfile(args.rows, work / rows)
        with Cluster(Path(tmp) / "cluster") as cluster:
            print(f"CRUXEval oracle run of {args.rows}, --llm-cache=off; {os.cpu_count()} CPUs")
            base = unsharded(work, rows)
            print(f"unsharded (pytest, no Slurm)   {base:7.1f} s   1.00x   [{load()}]")
            for count in counts:
                wall, merge = sharded(cluster, work, rows, count)
                print(
                    f"{count} shard{'s' if count > 1 else ' '} on Slurm + merge job "
                    f"{wall:7.1f} s   {base / wall:.2f}x   merge alone {merge:.2f} s   [{load()}]"
                )
            after = unsharded(work, rows)
            print(f"unsharded again                {after:7.1f} s           [{load()}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
