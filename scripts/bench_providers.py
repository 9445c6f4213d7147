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
``wall <= 1.3 x ideal + the oracle run's wall`` with no wrong verdict.

    python scripts/bench_providers.py                 # N=400, latency 100 ms
    python scripts/bench_providers.py --n 200 --seq-n 100
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
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
) -> tuple[float, dict[str, int], int]:
    """Wall seconds, verdict counts and requests sent for one pytest run."""
    report = workdir / "report.json"
    report.unlink(missing_ok=True)
    before = len(server.requests)
    env = dict(os.environ, OPENAI_API_KEY=server.key)
    cmd = [
        sys.executable, "-m", "pytest", "-p", "llmexec", str(suite), f"--llm-model={model}",
        f"--llm-base-url={server.url}", "--llm-examples=0", "-q", "--no-header",
        f"--llm-report={report}", f"--llm-cache-dir={workdir / 'cache'}", "-p", "no:cacheprovider",
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
    return wall, verdicts, len(server.requests) - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="cases (default 400)")
    parser.add_argument("--seq-n", type=int, default=None,
                        help="cases of the sequential run (default: --n)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--every-429", type=int, default=37,
                        help="every K-th request gets a 429 (0: none)")
    parser.add_argument("--every-500", type=int, default=41,
                        help="every K-th request gets a 500 (0: none)")
    args = parser.parse_args()
    seq_n = args.seq_n or args.n
    rows: list[tuple[str, int, float, float, float | None, dict[str, int], int]] = []

    with tempfile.TemporaryDirectory(prefix="bench-providers-") as tmp, \
            OpenAIFake(latency=args.latency) as server:
        work = Path(tmp)
        suite, seq_suite = work / "bench.yaml", work / "seq.yaml"
        write_suite(suite, args.n)
        write_suite(seq_suite, seq_n)
        model = "gpt-4o-mini"
        off = "--llm-cache=off"
        conc = f"--llm-concurrency={args.concurrency}"
        xdist = ("-n", str(args.workers))

        oracle, verdicts, _ = run(server, work, suite, "oracle", off)
        rows.append(("oracle", args.n, oracle, 0.0, None, verdicts, 0))
        oracle_x, verdicts, _ = run(server, work, suite, "oracle", off, *xdist)
        rows.append((f"oracle -n {args.workers}", args.n, oracle_x, 0.0, None, verdicts, 0))
        oracle_seq = oracle
        if seq_n != args.n:
            oracle_seq, verdicts, _ = run(server, work, seq_suite, "oracle", off)
            rows.append(("oracle (seq subset)", seq_n, oracle_seq, 0.0, None, verdicts, 0))

        wall, verdicts, sent = run(server, work, seq_suite, model, off, "--llm-concurrency=1")
        rows.append(("sequential", seq_n, wall, seq_n * args.latency, oracle_seq, verdicts, sent))

        server.plan = faults(args.every_429, args.every_500)  # type: ignore[assignment]
        wall, verdicts, sent = run(server, work, suite, model, off, conc)
        rows.append((f"c{args.concurrency} +429/500", args.n, wall,
                     args.n * args.latency / args.concurrency, oracle, verdicts, sent))
        wall, verdicts, sent = run(server, work, suite, model, off, conc, *xdist)
        rows.append((f"c{args.concurrency} -n {args.workers} +429/500", args.n, wall,
                     args.n * args.latency / (args.concurrency * args.workers), oracle_x,
                     verdicts, sent))
        server.plan = None

        run(server, work, suite, model, conc)  # fills the cache
        wall, verdicts, sent = run(server, work, suite, model, conc)
        rows.append(("rerun (cache)", args.n, wall, 0.0, oracle, verdicts, sent))

    print(f"N={args.n} latency={args.latency * 1000:g} ms, "
          f"429 every {args.every_429}th and 500 every {args.every_500}th request\n")
    header = f"{'run':<24}{'cases':>6}{'wall s':>9}{'ideal s':>9}{'ratio':>8}" \
             f"{'target s':>10}{'ok':>5}{'sent':>6}  verdicts"
    print(header)
    failed = False
    for name, n, wall, ideal, oracle_wall, verdicts, sent in rows:
        ratio = f"{wall / ideal:.2f}x" if ideal else "-"
        target = 1.3 * ideal + oracle_wall if oracle_wall is not None else None
        ok = "-"
        if target is not None:
            good = wall <= target and verdicts.get("correct", 0) == n
            if name.startswith("rerun"):
                good = sent == 0 and verdicts.get("correct", 0) == n
            ok = "yes" if good else "NO"
            failed = failed or not good
        shown = f"{target:.2f}" if target is not None and ideal else "-"
        print(f"{name:<24}{n:>6}{wall:>9.2f}{ideal:>9.2f}{ratio:>8}{shown:>10}{ok:>5}"
              f"{sent:>6}  {verdicts}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
