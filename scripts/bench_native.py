"""How fast C++, Java, JavaScript and Rust rows are scored: the native executor against
compiling (or starting node) from scratch.

Each row of the corpus costs two programs, as one pass of a CRUXEval-X task
does: the row's own program (the ground truth) and the program with one
answer in place of ``????`` (here the recorded output, spelled differently, so
that it is a program of its own that the artifact cache has never seen). The
corpus is the fixture rows of ``tests/fixtures/cruxeval_x`` repeated with a
distinct first line, so that every row is a distinct program.

Two ways, taking turns row by row in the same run:

- ``llmexec``: the native executor as the plugin uses it: the sandbox server,
  ``bits/stdc++.h`` precompiled, a warm ``javac``, a cold artifact cache
  (prepared once before timing; that one-time cost is printed apart);
- ``scratch``: what the issue measured: per program a fresh directory,
  ``g++ -std=c++17`` then the binary, or ``javac`` then ``java -ea``,
  ``node main.js``, ``rustc --edition 2021`` then the binary; no sandbox.

It prints seconds per row for each way, the ratio, the projected time of one
pass over CRUXEval-X's rows (733 C++, 698 Java, 743 JavaScript, 690 Rust) on
two workers, and the cost of a rerun (every build cached):

    python scripts/bench_native.py [--rows 20] [--languages cpp,java,js,rs] [--write]

``--write`` puts the table into docs/results.md (block ``native``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_llmexec.datasets.cruxeval_x import read_rows  # noqa: E402
from pytest_llmexec.execution.native import NativeExecutor  # noqa: E402
from pytest_llmexec.languages import Cpp, Java, JavaScript, Language, Rust  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "cruxeval_x"
CRUXEVAL_X_ROWS = {"cpp": 733, "java": 698, "js": 743, "rs": 690}
JAVATUPLES = "/usr/share/java/javatuples.jar"
#: seconds to compile and run one program from scratch on the idle 2-core machine (issue #14)
IDLE_SCRATCH = {"cpp": 1.5, "java": 0.85}
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def corpus(language: str, count: int) -> list[tuple[str, str]]:
    """*count* rows as (truth program, answer program), every program distinct."""
    rows, problems = read_rows(FIXTURES / f"{language}.jsonl")
    if problems:
        raise SystemExit(f"{language}: {problems[0]}")
    programs = []
    for index in range(count):
        row = rows[index % len(rows)]
        first = f"// benchmark row {index}\n"  # a comment in all four languages
        answer = row.program("output", f"({row.recorded['output']})")
        programs.append((first + row.code, first + answer))
    return programs


def from_scratch(language: str, program: str) -> bool:
    """Compile and run *program* the plain way; whether it passed."""
    with tempfile.TemporaryDirectory(prefix="llmexec-bench-") as scratch:
        if language == "cpp":
            Path(scratch, "main.cpp").write_text(program)
            steps = [["g++", "-std=c++17", "-o", "main", "main.cpp"], ["./main"]]
        elif language == "js":
            Path(scratch, "main.js").write_text(program)
            steps = [[JavaScript().node_path(), "main.js"]]
        elif language == "rs":
            Path(scratch, "main.rs").write_text(program)
            rustc = Rust().compiler_path()
            steps = [[rustc, "--edition", "2021", "-o", "main", "main.rs"], ["./main"]]
        else:
            Path(scratch, "Problem.java").write_text(program)
            steps = [
                ["javac", "-cp", JAVATUPLES, "Problem.java"],
                ["java", "-ea", "-cp", f".:{JAVATUPLES}", "Problem"],
            ]
        for step in steps:
            done = subprocess.run(step, cwd=scratch, env=ENV, capture_output=True, check=False)
            if done.returncode != 0:
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20, help="rows per language (default 20)")
    parser.add_argument("--languages", default="cpp,java,js,rs")
    parser.add_argument(
        "--write", action="store_true", help="write the table into docs/results.md (native)"
    )
    options = parser.parse_args()
    languages: dict[str, Language] = {
        "cpp": Cpp(),
        "java": Java(),
        "js": JavaScript(),
        "rs": Rust(),
    }
    chosen = [languages[name] for name in options.languages.split(",")]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="llmexec-bench-cache-") as cache:
        started = time.perf_counter()
        executor = NativeExecutor(chosen, cache_dir=Path(cache))
        prepare = time.perf_counter() - started
        print(f"{executor.describe()}")
        print(f"prepared once (precompiled header, harness code, server): {prepare:.1f}s")
        try:
            rows = [measure(executor, language, options.rows) for language in chosen]
        finally:
            executor.close()
    print(f"load average at the start: {load:.1f} (2 CPUs shared with other jobs)")
    if options.write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from docs_block import provenance, write_block

        table = [
            "| | llmexec s/row (median) | from scratch s/row (median) | ratio "
            "| rerun, builds cached | one CRUXEval-X pass on 2 workers |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
        note = (
            f"{options.rows} rows per language, each two programs; prepared once before "
            f"(precompiled header, harness code, server): {prepare:.1f} s."
        )
        write_block("native", "\n".join(table) + f"\n\n{note}\n\n{provenance(load)}")


def measure(executor: NativeExecutor, language: Language, count: int) -> str:
    """Time one language's rows both ways; print them and return the table's row."""
    programs = corpus(language.name, count)
    ours: list[float] = []
    scratch: list[float] = []
    first_java = True
    for index, pair in enumerate(programs):
        ways = [("llmexec", ours), ("scratch", scratch)]
        for way, times in ways if index % 2 == 0 else ways[::-1]:
            started = time.perf_counter()
            for program in pair:
                if way == "scratch":
                    passed, why = from_scratch(language.name, program), "failed from scratch"
                else:
                    outcome = executor.run_program(language, program)
                    passed, why = outcome.ok, f"{outcome.verdict}: {outcome.detail[:300]}"
                if not passed:
                    raise SystemExit(f"{language.name} row {index} ({way}): {why}")
            elapsed = time.perf_counter() - started
            if way == "llmexec" and first_java and language.name == "java":
                first_java = False  # the warm compiler's start-up: counted, and shown
                print(f"java: the first row (starts the warm compiler) took {elapsed:.2f}s")
            times.append(elapsed)
    rerun: list[float] = []
    for truth, answer in programs:
        started = time.perf_counter()
        for program in (truth, answer):
            executor.run_program(language, program)
        rerun.append(time.perf_counter() - started)
    mean_ours, mean_scratch = statistics.fmean(ours), statistics.fmean(scratch)
    total = CRUXEVAL_X_ROWS[language.name]
    print(
        f"{language.name}: {count} rows x 2 programs | "
        f"llmexec {mean_ours:.3f} s/row (median {statistics.median(ours):.3f}) | "
        f"scratch {mean_scratch:.3f} s/row (median {statistics.median(scratch):.3f}) | "
        f"{mean_scratch / mean_ours:.2f}x "
        f"{'faster' if mean_scratch >= mean_ours else 'the speed (slower)'} | "
        "rerun (cached builds) "
        f"{statistics.fmean(rerun):.3f} s/row"
    )
    ratio = mean_scratch / mean_ours
    print(
        f"{language.name}: one pass over CRUXEval-X's {total} rows on 2 workers at this load: "
        f"llmexec {mean_ours * total / 2 / 60:.1f} min, "
        f"scratch {mean_scratch * total / 2 / 60:.1f} min"
    )
    row = (
        f"| {language.name} | {mean_ours:.3f} ({statistics.median(ours):.3f}) "
        f"| {mean_scratch:.3f} ({statistics.median(scratch):.3f}) | {ratio:.2f}x "
        f"| {statistics.fmean(rerun):.3f} s/row | {mean_ours * total / 2 / 60:.1f} min "
        f"({total} rows) |"
    )
    if language.name not in IDLE_SCRATCH:
        return row  # the issue measured C++ and Java only
    idle = IDLE_SCRATCH[language.name] * 2 / ratio  # two programs per row
    print(
        f"{language.name}: on an idle machine (from scratch {IDLE_SCRATCH[language.name]} s a "
        f"program, the issue's figure, divided by this ratio): {idle:.2f} s/row, "
        f"{idle * total / 2 / 60:.1f} min a pass"
    )
    return row


if __name__ == "__main__":
    main()
