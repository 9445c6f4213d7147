"""The ``pytest-llmexec`` command: work on reports outside a pytest run.

    pytest-llmexec merge OUT.json SHARD.json...   join a sharded run's reports
    pytest-llmexec gate REPORT.json --baseline B  the regression gate on a report

Exit statuses: merge 0 (written) or 1 (refused, the message says why); gate
0 (passed) or 1 (failed), as a gated pytest run; 2 for a command line or a
file that cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import gate, merge


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pytest-llmexec",
        description="pytest-llmexec reports outside a pytest run: merge shards, gate a report",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    merge.add_parser(commands)
    gate.add_parser(commands)
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


def entry_point() -> None:
    sys.exit(main())
