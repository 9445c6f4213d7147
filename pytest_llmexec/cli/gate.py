"""``pytest-llmexec gate REPORT.json --baseline B.json``: the regression gate on a report.

The decision is the one a gated pytest run makes (`gate.judge.judge` and
`gate.judge.exit_status`), on the records of a JSON report, typically the merge of
a sharded run: the same comparison, the same text and the same exit status.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from ..gate.baseline import Selection, narrowed_by
from ..gate.judge import exit_status, judge
from ..gate.settings import GateSettings
from ..options import DEFAULT_BASELINE
from ..report.gate import render
from ..report.records import language
from ..sharding.merge import MergeError, load


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "gate",
        help="the regression gate on a JSON report (e.g. a merged one)",
        description="Compare a JSON report with a baseline and exit as a pytest run with "
        "--llm-baseline would: 0 when the gate passes, 1 when it fails.",
    )
    parser.add_argument("report", type=Path, metavar="REPORT.json")
    parser.add_argument(
        "--baseline",
        type=Path,
        nargs="?",
        const=Path(DEFAULT_BASELINE),
        metavar="PATH",
        help=f"the baseline file (bare flag: {DEFAULT_BASELINE})",
    )
    parser.add_argument(
        "--update-baseline",
        nargs="?",
        const="yes",
        choices=["yes", "force"],
        metavar="force",
        help="write the report's results to the baseline (refused when CI is set unless =force)",
    )
    parser.add_argument("--tolerance", type=float, default=2.0, metavar="POINTS")
    parser.add_argument("--alpha", type=float, default=0.05, metavar="ALPHA")
    parser.add_argument("--fail-under", type=float, default=None, metavar="PERCENT")
    parser.set_defaults(run=run)


def settings_of(args: argparse.Namespace) -> GateSettings | str:
    """The gate's settings, or what is wrong with the command line."""
    if args.tolerance < 0:
        return f"--tolerance={args.tolerance:g}: must be at least 0"
    if not 0.0 < args.alpha < 1.0:
        return f"--alpha={args.alpha:g}: must be between 0 and 1, e.g. 0.05"
    if args.fail_under is not None and not 0 <= args.fail_under <= 100:
        return f"--fail-under={args.fail_under:g}: a percentage between 0 and 100"
    baseline = args.baseline
    if baseline is None and args.update_baseline is not None:
        baseline = Path(DEFAULT_BASELINE)
    settings = GateSettings(
        baseline=baseline,
        update=args.update_baseline is not None,
        force=args.update_baseline == "force",
        tolerance=args.tolerance,
        alpha=args.alpha,
        fail_under=args.fail_under,
    )
    if not settings.configured:
        return "give --baseline PATH, --fail-under PERCENT, or both"
    return settings


def selection_of(report: dict[str, Any]) -> Selection:
    """What the run selected, as the report records it (the gate's `Selection`), narrowed by
    the rule the session's gate applies to the same counts (`narrowed_by`)."""
    run = report["run"]
    chosen = run.get("selection") or {}
    session = report.get("session") or {}
    shard = run.get("shard")
    filters = narrowed_by(
        chosen.get("filters") or [],
        shard=f"{shard['index']}/{shard['count']}" if shard else None,
        # a report written before `deselected` was recorded lacks it: read as 0, the
        # full selection such a report was always judged as
        deselected=int(session.get("deselected", 0)),
        unfinished=int(session.get("selected", 0)) - int(session.get("finished", 0)),
    )
    held = tuple(sorted({language(r) for r in report["cases"]}))
    return Selection(
        tuple(chosen.get("paths") or ()),
        tuple(run.get("models") or ()),
        tuple(chosen.get("labels") or ()),
        filters,
        held,
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if isinstance(settings, str):
        print(f"pytest-llmexec gate: {settings}", file=sys.stderr)
        return 2
    try:
        report = load(args.report)
    except MergeError as exc:
        print(f"pytest-llmexec gate: {exc}", file=sys.stderr)
        return 2
    if "selection" not in report["run"]:
        print(
            f"pytest-llmexec gate: {args.report}: written by a pytest-llmexec that did not "
            "record its selection; run it again with this version",
            file=sys.stderr,
        )
        return 2
    records = report["cases"]
    if not records:
        print(f"pytest-llmexec gate: {args.report}: no pytest-llmexec test ran", file=sys.stderr)
        return 2
    session = report.get("session") or {}
    command = ["pytest-llmexec", "gate", str(args.report), "--baseline", str(settings.baseline)]
    result, baseline = judge(
        records,
        settings,
        selection_of(report),
        shown_baseline=str(settings.baseline) if settings.baseline is not None else None,
        accept_command=shlex.join([*command, "--update-baseline"]),
        update_command=shlex.join(command),
        collect_errors=int(session.get("collect_errors", 0)),
    )
    print("llmexec gate")
    for line in render(result, baseline):
        print(line)
    problems = int(session.get("other_failures", 0)) + int(session.get("collect_errors", 0))
    return int(exit_status(result, int(session.get("exitstatus", 0)), problems))
