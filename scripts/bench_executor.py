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

It prints milliseconds per case (median and mean, the ways taking turns case
by case so that a shared machine's changing load weighs on all of them alike),
CPU time per case, and the ratios. Usage::

    python scripts/bench_executor.py                 # every benchmarks/*.yaml case + synthetic
    python scripts/bench_executor.py --cases 500
    python scripts/bench_executor.py --write         # and write the table into docs/results.md

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

from pytest_llmexec.datasets.suite import load_yaml  # noqa: E402
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
            if snippet.language != "python":  # translations run in the native executor
                continue
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


def timed(run: Callable[[Call], Any], call: Call) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run(call)
    return (time.perf_counter() - started) * 1000, result


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
        "--cpu-cases",
        type=int,
        default=200,
        help="cases of the separate pass that measures CPU time per way (default 200)",
    )
    parser.add_argument(
        "--write", action="store_true", help="write the table into docs/results.md (executor)"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    calls = corpus(max(500, args.cases))
    if args.cases:
        calls = calls[: args.cases]
    print(
        f"corpus: {len(calls)} cases; python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    executor = ForkServerExecutor(check_determinism=False)
    checked = ForkServerExecutor(check_determinism=True)
    namespace = child.prelude_namespace()
    print(f"fork server layers: {','.join(executor.layers)}")
    ways: dict[str, Callable[[Call], Any]] = {
        # this executor, as the plugin runs a call it has already checked once
        "forkserver": executor.run,
        # the first run of a call: on two servers at once (hash seeds 0 and 1)
        "forkserver, first run (2 seeds)": checked.run,
        # the floor: the same work in this process, no isolation
        "in-process (floor)": lambda c: child.run_call(request(c), namespace),
        # the common harness: a process and a Manager per case
        "process+manager per case": process_per_case,
    }
    rows: dict[str, list[float]] = {name: [] for name in ways}
    results: dict[str, list[Any]] = {name: [] for name in ways}
    try:
        for call in calls[:20]:  # warm-up
            executor.run(call)
        # wall time: the ways take turns case by case, so that the machine's load
        # (other processes come and go) weighs on all of them alike
        for call in calls:
            for name, run in ways.items():
                ms, result = timed(run, call)
                rows[name].append(ms)
                results[name].append(result)
    finally:
        executor.close()
        checked.close()
    mismatched = sum(
        1
        for o, r in zip(results["forkserver"], results["in-process (floor)"], strict=True)
        if (o.status, o.value) != (r.get("status"), r.get("value"))
    )

    # CPU time of all processes, one way at a time (servers are counted once reaped)
    cpu: dict[str, float] = {}
    sample = calls[: args.cpu_cases]
    for name in ways:
        before = cpu_seconds()
        if name.startswith("forkserver"):
            fresh = ForkServerExecutor(check_determinism=name != "forkserver")
            try:
                for call in sample:
                    fresh.run(call)
            finally:
                fresh.close()
        else:
            for call in sample:
                ways[name](call)
        cpu[name] = (cpu_seconds() - before) * 1000 / len(sample)

    width = max(len(k) for k in rows)
    print(f"\n{'way':<{width}}  {'median ms':>9}  {'mean ms':>8}  {'CPU ms':>7}")
    for name, values in rows.items():
        print(
            f"{name:<{width}}  {statistics.median(values):9.2f}  {statistics.mean(values):8.2f}"
            f"  {cpu[name]:7.2f}"
        )
    print("(median and mean: wall time per case, the ways taking turns case by case;")
    print(f" CPU: CPU time of all processes per case, over {len(sample)} cases one way at a time)")
    fork = statistics.median(rows["forkserver"])
    per_process = statistics.median(rows["process+manager per case"])
    floor = statistics.median(rows["in-process (floor)"])
    print(f"\nprocess-per-case / forkserver: {per_process / fork:.1f}x  (target >= 5x)")
    print(f"forkserver / in-process floor: {fork / floor:.1f}x  (target <= 30x)")
    print(f"forkserver median: {fork:.2f} ms (target <= 3 ms)")
    print(f"results differing between the fork server and in-process: {mismatched}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if args.write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from docs_block import provenance, write_block

        table = [
            "| way | median ms/case | mean ms/case | CPU ms/case |",
            "|---|---:|---:|---:|",
            *(
                f"| {name} | {statistics.median(values):.2f} | {statistics.mean(values):.2f} "
                f"| {cpu[name]:.2f} |"
                for name, values in rows.items()
            ),
        ]
        summary = (
            f"{len(calls)} cases, layers {','.join(executor.layers)}. The fork server is "
            f"{per_process / fork:.1f}x faster than a process per case and {fork / floor:.1f}x "
            f"the in-process floor; results differing from in-process execution: {mismatched}."
        )
        write_block("executor", "\n".join(table) + f"\n\n{summary}\n\n{provenance(load_before)}")


if __name__ == "__main__":
    main()
