"""Benchmark: how close does a run against an API come to N x latency / concurrency?

Starts the loopback fake OpenAI server of the tests (``tests/fakes``) with a
fixed latency per request, writes a benchmark of N cases, and times real
``pytest -p llmexec`` runs (subprocesses, wall clock, start-up included):

- ``oracle``      the same suite with the offline oracle: the harness's own time;
- ``sequential``  ``--llm-concurrency=1`` (on ``--seq-n`` cases, all of them run);
- ``c32``         ``--llm-concurrency=32``, with injected 429s and 500s;
- ``c32 -n 2``    the same under pytest-xdist with two workers (32 per process);
- ``rerun``       the c32 run again with the cache on: it must send no request.

Ideal = N x latency / (concurrency x processes). The target of the issue is
``wall <= 1.3 x ideal + the oracle run's wall`` with no wrong verdict. The
oracle and concurrent runs are repeated (``--repeat``, interleaved, so that a
change of machine load hits both alike) and their median walls compared; the
verdicts shown are those of the worst repetition. "API phase" is the time from
the first request's arrival at the server to the last answer.

    python scripts/bench_providers.py                 # N=400, latency 100 ms
    python scripts/bench_providers.py --n 200 --seq-n 100
    python scripts/bench_providers.py --write         # and write the table into docs/results.md
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import Fault, OpenAIFake  # noqa: E402


def write_suite(path: Path, n: int) -> None:
    """*n* cases: snippets of four inputs, each snippet a little different."""
    lines = ["category: bench", "snippets:"]
    for i in range((n + 3) // 4):
        count = min(4, n - 4 * i)
        lines += [
            f"  - id: s{i}",
            "    code: |",
            "      def f(xs, k):",
            "          total = 0",
            "          for x in xs:",
            f"              total += (x * {i + 1}) % (k + 1)",
            "          return total",
            "    inputs:",
            *[f"      - {{xs: [{j}, {i}, {j + i}], k: {j + 2}}}" for j in range(count)],
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def faults(every_429: int, every_500: int) -> object:
    def plan(number: int) -> Fault | None:
        if every_429 and number % every_429 == 0:
            return Fault(status=429, retry_after_ms="50", retry_after="1")
        if every_500 and number % every_500 == 0:
            return Fault(status=500)
        return None

    return plan


def run(
    server: OpenAIFake, workdir: Path, suite: Path, model: str, *extra: str
) -> tuple[float, dict[str, int], int, float]:
    """Wall seconds, verdict counts, requests sent, and the seconds from the first
    request's arrival to the last answer (the API phase), for one pytest run."""
    report = workdir / "report.json"
    report.unlink(missing_ok=True)
    before = len(server.requests)
    env = dict(os.environ, OPENAI_API_KEY=server.key)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "llmexec",
        str(suite),
        f"--llm-model={model}",
        f"--llm-base-url={server.url}",
        "--llm-examples=0",
        "-q",
        "--no-header",
        f"--llm-report={report}",
        f"--llm-cache-dir={workdir / 'cache'}",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if not report.exists():
        sys.exit(f"run failed: {' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    verdicts: dict[str, int] = {}
    for case in json.loads(report.read_text())["cases"]:
        verdicts[case["verdict"]] = verdicts.get(case["verdict"], 0) + 1
    new = server.requests[before:]
    span = max(r.finished for r in new) - min(r.started for r in new) if new else 0.0
    return wall, verdicts, len(new), span


@dataclass
class Row:
    name: str
    cases: int
    wall: float
    verdicts: dict[str, int]
    sent: int = 0
    span: float = 0.0  # first request in to last answer out
    ideal: float = 0.0  # N x latency / (concurrency x processes)
    oracle: float | None = None  # the matching oracle run's wall
    checked: bool = False  # a criterion of the issue (the exit status depends on it)

    @property
    def target(self) -> float | None:
        return None if self.oracle is None else 1.3 * self.ideal + self.oracle

    @property
    def ok(self) -> bool:
        right = self.verdicts.get("correct", 0) == self.cases
        if self.name.startswith("rerun"):
            return right and self.sent == 0
        return right and self.target is not None and self.wall <= self.target


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="cases (default 400)")
    parser.add_argument(
        "--seq-n", type=int, default=None, help="cases of the sequential run (default: --n)"
    )
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--every-429", type=int, default=37, help="every K-th request gets a 429 (0: none)"
    )
    parser.add_argument(
        "--every-500", type=int, default=41, help="every K-th request gets a 500 (0: none)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="repetitions of the oracle and concurrent runs; medians shown",
    )
    parser.add_argument(
        "--write", action="store_true", help="write the table into docs/results.md (providers)"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    n, lat, conc_n, workers = args.n, args.latency, args.concurrency, args.workers
    seq_n = args.seq_n or n
    rows: list[Row] = []

    with (
        tempfile.TemporaryDirectory(prefix="bench-providers-") as tmp,
        OpenAIFake(latency=lat) as server,
    ):
        work = Path(tmp)
        suite, seq_suite = work / "bench.yaml", work / "seq.yaml"
        write_suite(suite, n)
        write_suite(seq_suite, seq_n)
        model, off, conc = "gpt-4o-mini", "--llm-cache=off", f"--llm-concurrency={conc_n}"
        xdist = ("-n", str(workers))

        plan = faults(args.every_429, args.every_500)
        walls: dict[str, list[float]] = {}
        last: dict[str, tuple[dict[str, int], int, float]] = {}

        def measure(name: str, file: Path, who: str, *extra: str) -> None:
            server.plan = plan if who != "oracle" else None  # type: ignore[assignment]
            wall, verdicts, sent, span = run(server, work, file, who, off, *extra)
            walls.setdefault(name, []).append(wall)
            worst = last.get(name)
            if worst is None or verdicts.get("correct", 0) < worst[0].get("correct", 0):
                last[name] = (verdicts, sent, span)  # the worst repetition's verdicts

        for _ in range(args.repeat):  # interleaved, so that load changes hit both alike
            measure("oracle", suite, "oracle")
            measure("c", suite, model, conc)
            measure("oracle-x", suite, "oracle", *xdist)
            measure("c-x", suite, model, conc, *xdist)
        wall, verdicts, _, _ = run(server, work, seq_suite, "oracle", off)
        oracle_seq = Row("oracle (seq subset)", seq_n, wall, verdicts)
        server.plan = None
        wall, verdicts, sent, span = run(server, work, seq_suite, model, off, "--llm-concurrency=1")
        sequential = Row(
            "sequential", seq_n, wall, verdicts, sent, span, seq_n * lat, oracle_seq.wall
        )

        def row(name: str, key: str, **kwargs: object) -> Row:
            verdicts, sent, span = last[key]
            return Row(name, n, statistics.median(walls[key]), verdicts, sent, span, **kwargs)  # type: ignore[arg-type]

        rows.append(oracle := row("oracle", "oracle"))
        rows.append(oracle_x := row(f"oracle -n {workers}", "oracle-x"))
        rows.append(oracle_seq)
        rows.append(sequential)
        rows.append(
            row(
                f"c{conc_n} +429/500", "c", ideal=n * lat / conc_n, oracle=oracle.wall, checked=True
            )
        )
        rows.append(
            row(
                f"c{conc_n} -n {workers} +429/500",
                "c-x",
                ideal=n * lat / (conc_n * workers),
                oracle=oracle_x.wall,
            )
        )

        run(server, work, suite, model, conc)  # fills the cache
        wall, verdicts, sent, span = run(server, work, suite, model, conc)
        rows.append(Row("rerun (cache)", n, wall, verdicts, sent, checked=True))

    setting = (
        f"N={n}, latency {lat * 1000:g} ms, a 429 every {args.every_429}th and a 500 every "
        f"{args.every_500}th request; wall = median of {args.repeat} interleaved runs "
        f"(sequential: one); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(setting)
    for key, values in walls.items():
        print(f"  {key}: " + ", ".join(f"{v:.1f}" for v in values))
    print()
    table = [
        "| run | cases | wall s | ideal s | wall/ideal | API phase s | target s | ok "
        "| requests | verdicts |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = f"{row.wall / row.ideal:.1f}x" if row.ideal else "-"
        target = f"{row.target:.1f}" if row.target is not None and row.ideal else "-"
        ok = ("yes" if row.ok else "NO") if row.oracle is not None or row.checked else "-"
        span = f"{row.span:.1f}" if row.span else "-"
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(row.verdicts.items()))
        table.append(
            f"| {row.name} | {row.cases} | {row.wall:.1f} | {row.ideal:.2f} | {ratio} | "
            f"{span} | {target} | {ok} | {row.sent} | {verdicts} |"
        )
    print("\n".join(table))
    failed = [row.name for row in rows if row.checked and not row.ok]
    verdict = "the issue's criteria (c32 within target, rerun sends nothing): " + (
        "met" if not failed else f"NOT met by {', '.join(failed)}"
    )
    print("\n" + verdict)
    if args.write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from docs_block import provenance, write_block

        body = "\n".join(table) + f"\n\n{setting}; {verdict}.\n\n{provenance(load_before)}"
        write_block("providers", body)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
