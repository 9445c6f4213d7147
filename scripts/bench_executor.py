"""Benchmark the ground-truth executor against the common harness pattern and the floor.

One run, one corpus, three ways:

* ``forkserver``: this project's executor (warm fork server, full sandbox),
  one call at a time, as the plugin runs them;
* ``process+manager``: one process per case with a ``multiprocessing.Manager``
  list for the result and a kill on timeout -- the pattern of the common
  code-eval harnesses;
* ``in-process``: the same work (`child.run_call`, which parses the
  arguments, execs the snippet, calls it and serialises the result) in this
  process with no isolation at all: the floor.

It prints milliseconds per case (median and mean) and the ratios. Usage::

    python scripts/bench_executor.py                 # every benchmarks/*.yaml case + synthetic
    python scripts/bench_executor.py --cases 500 --rounds 3

This is a script, not a test: its figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_llmexec.benchmark import load_yaml  # noqa: E402
from pytest_llmexec.execution import child  # noqa: E402
from pytest_llmexec.execution.api import Call  # noqa: E402
from pytest_llmexec.execution.forkserver import ForkServerExecutor  # noqa: E402

SYNTHETIC = [
    ("def f(n):\n    return sum(i * i for i in range(n))\n", "f", "{n}"),
    ("def f(s):\n    return s[::-1].upper() + str(len(s))\n", "f", "'abc{n}xyz'"),
    (
        "class Solution:\n"
        "    def fib(self, n: int) -> int:\n"
        "        a, b = 0, 1\n"
        "        for _ in range(n):\n"
        "            a, b = b, a + b\n"
        "        return a\n",
        "Solution.fib",
        "{n}",
    ),
    (
        "def f(nums):\n    seen = {}\n    for i, x in enumerate(nums):\n"
        "        seen.setdefault(x % 7, []).append(i)\n    return sorted(seen.items())\n",
        "f",
        "list(range({n}))",
    ),
    (
        "def f(head: Optional[ListNode]) -> Optional[ListNode]:\n    prev = None\n"
        "    while head:\n        head.next, prev, head = prev, head, head.next\n    return prev\n",
        "f",
        "[1, 2, 3, {n}]",
    ),
]


def corpus(minimum: int) -> list[Call]:
    """Every case of the shipped benchmarks, topped up with synthetic calls to *minimum*."""
    calls: list[Call] = []
    for path in sorted((ROOT / "benchmarks").glob("*.yaml")):
        for snippet in load_yaml(path):
            for case in snippet.cases():
                calls.append(Call(snippet.code, snippet.entry, case.args, 5.0, snippet.score))
    n = 0
    while len(calls) < minimum:
        code, entry, args = SYNTHETIC[n % len(SYNTHETIC)]
        text = args.format(n=n % 50)
        if "list(range" in text:
            text = repr(list(range(n % 50)))
        calls.append(Call(code, entry, text, 5.0))
        n += 1
    return calls


def request(call: Call) -> dict[str, Any]:
    return {"code": call.code, "entry": call.entry, "args": call.args, "score": call.score}


# --------------------------------------------------------------------------- the three ways


def _unsafe_execute(req: dict[str, Any], result: Any) -> None:
    result.append(child.run_call(req))


def process_per_case(call: Call) -> dict[str, Any]:
    """The common harness: a Manager, a Process, join with a timeout, kill."""
    manager = multiprocessing.Manager()
    try:
        result = manager.list()
        proc = multiprocessing.Process(target=_unsafe_execute, args=(request(call), result))
        proc.start()
        proc.join(timeout=call.timeout + 1)
        if proc.is_alive():
            proc.kill()
            proc.join()
            return {"status": "timeout"}
        return dict(result[0]) if result else {"status": "crashed"}
    finally:
        manager.shutdown()


def cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (servers, forks, managers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(run: Callable[[Call], Any], calls: list[Call]) -> tuple[list[float], list[Any]]:
    times, results = [], []
    for call in calls:
        started = time.perf_counter()
        results.append(run(call))
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cases",
        type=int,
        default=0,
        help="use only the first N cases (default: every benchmark case, "
        "topped up with synthetic calls to at least 500)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="passes over the corpus for the fork server and the floor",
    )
    args = parser.parse_args()
    calls = corpus(max(500, args.cases))
    if args.cases:
        calls = calls[: args.cases]
    print(
        f"corpus: {len(calls)} cases; python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )

    rows: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}

    # this executor, as the plugin runs it on a cache miss after the first run of a call
    before = cpu_seconds()
    executor = ForkServerExecutor(check_determinism=False)
    print(f"fork server layers: {','.join(executor.layers)}")
    try:
        measure(executor.run, calls[:20])  # warm-up
        rows["forkserver"], outcomes = [], []
        for _ in range(args.rounds):
            times, outcomes = measure(executor.run, calls)
            rows["forkserver"] += times
    finally:
        executor.close()  # its CPU time (and its children's) is counted once it is reaped
    cpu["forkserver"] = cpu_seconds() - before

    # the first run of a call: on two servers at once (hash seeds 0 and 1)
    before = cpu_seconds()
    checked = ForkServerExecutor(check_determinism=True)
    try:
        rows["forkserver, first run (2 seeds)"], _ = measure(checked.run, calls)
    finally:
        checked.close()
    cpu["forkserver, first run (2 seeds)"] = cpu_seconds() - before

    # the floor: the same work in this process, no isolation
    namespace = child.prelude_namespace()
    before = cpu_seconds()
    rows["in-process (floor)"], floor_results = [], []
    for _ in range(args.rounds):
        times, floor_results = measure(lambda c: child.run_call(request(c), namespace), calls)
        rows["in-process (floor)"] += times
    cpu["in-process (floor)"] = cpu_seconds() - before

    # the common harness: a process and a Manager per case
    before = cpu_seconds()
    rows["process+manager per case"], _ = measure(process_per_case, calls)
    cpu["process+manager per case"] = cpu_seconds() - before

    mismatched = sum(
        1
        for o, r in zip(outcomes, floor_results, strict=False)
        if (o.status, o.value) != (r.get("status"), r.get("value"))
    )
    width = max(len(k) for k in rows)
    print(f"\n{'way':<{width}}  {'median ms':>9}  {'mean ms':>8}  {'CPU ms':>7}")
    for name, values in rows.items():
        print(
            f"{name:<{width}}  {statistics.median(values):9.2f}  {statistics.mean(values):8.2f}"
            f"  {cpu[name] * 1000 / len(values):7.2f}"
        )
    print("(median and mean: wall time per case; CPU: all processes' CPU time per case)")
    fork = statistics.median(rows["forkserver"])
    per_process = statistics.median(rows["process+manager per case"])
    floor = statistics.median(rows["in-process (floor)"])
    print(f"\nprocess-per-case / forkserver: {per_process / fork:.1f}x  (target >= 5x)")
    print(f"forkserver / in-process floor: {fork / floor:.1f}x  (target <= 30x)")
    print(f"forkserver median: {fork:.2f} ms (target <= 3 ms)")
    print(f"results differing between the fork server and in-process: {mismatched}")


if __name__ == "__main__":
    main()
