"""``pytest-llmexec merge OUT.json SHARD.json...``: one report from a sharded run's reports.

It can also write the HTML report (``--html``) and gather the shards' reply
caches into one (``--cache-dir DIR --shard-cache DIR...``), so that a later
run on one machine is served from the cache.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..providers.cache import CacheError, ResponseCache
from ..report import html as html_report
from ..report import json_report
from ..sharding.merge import MergeError, load
from ..sharding.merge import merge as merge_reports


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "merge",
        help="merge the JSON reports of a run's shards (--llm-shard=K/N) into one",
        description="Merge the JSON reports of shards 1/N ... N/N of one run into the report "
        "the whole run would have written. Refuses shards of different runs, a shard given "
        "twice, a missing shard and a shard that did not finish.",
    )
    parser.add_argument("out", type=Path, metavar="OUT.json", help="the merged report")
    parser.add_argument(
        "shards", type=Path, nargs="+", metavar="SHARD.json", help="every shard's report"
    )
    parser.add_argument("--html", type=Path, metavar="PATH", help="also write the HTML report")
    parser.add_argument(
        "--shard-cache",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a shard's reply cache folder (--llm-cache-dir) to gather into --cache-dir "
        "(repeatable)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="the reply cache the shards' caches are gathered into (replies already there "
        "are kept)",
    )
    parser.set_defaults(run=run)


def gather_caches(sources: list[Path], into: Path) -> tuple[int, int]:
    """Copy every reply of *sources* into the cache *into*; (added, already there)."""
    target = ResponseCache(into)
    added = kept = 0
    try:
        for source in sources:
            if not (source / "replies.sqlite3").is_file():
                raise CacheError(f"--shard-cache {source}: no reply cache there (replies.sqlite3)")
            store = ResponseCache(source)
            try:
                for entry in store.entries():
                    if target.get(entry.key) is None:
                        target.put(entry)
                        added += 1
                    else:
                        kept += 1
            finally:
                store.close()
    finally:
        target.close()
    return added, kept


def run(args: argparse.Namespace) -> int:
    if args.shard_cache and args.cache_dir is None:
        print("pytest-llmexec merge: --shard-cache needs --cache-dir DIR", file=sys.stderr)
        return 2
    try:
        merged = merge_reports([(path, load(path)) for path in args.shards])
    except MergeError as exc:
        print(f"pytest-llmexec merge: refused: {exc}", file=sys.stderr)
        return 1
    json_report.write_atomic(args.out, merged)
    overall = merged["summary"]["overall"]
    print(
        f"pytest-llmexec merge: {len(args.shards)} shards, {len(merged['cases'])} cases "
        f"({overall.get('correct', 0)} correct) written to {args.out}"
    )
    if args.html is not None:
        try:
            html_report.write(args.html, merged)
        except html_report.HTMLReportError as exc:
            print(f"pytest-llmexec merge: {exc}", file=sys.stderr)
            return 2
        print(f"pytest-llmexec merge: HTML report written to {args.html}")
    if args.shard_cache:
        try:
            added, kept = gather_caches(args.shard_cache, args.cache_dir)
        except CacheError as exc:
            print(f"pytest-llmexec merge: {exc}", file=sys.stderr)
            return 2
        print(
            f"pytest-llmexec merge: reply cache {args.cache_dir}: {added} replies added, "
            f"{kept} already there"
        )
    return 0
