"""Join the JSON reports of a run's shards into the report the whole run would have written.

The cases are the union of the shards' cases and the summary is computed from
them again, so the merged report equals an unsharded run's up to timings
(latency, cache hits) and order. A merge refuses, with one message each:

- a report that is not a shard's (no ``run.shard``), or not a report at all;
- shards of different runs (another fingerprint, another number of shards, or
  another collection);
- a shard given twice, or two shards that hold the same test;
- a missing shard (its array task failed, or its report was not copied);
- a shard that did not finish (interrupted, or stopped early).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..providers.endpoints import add_counts
from ..report import json_report
from ..report.records import RecordError, record_of
from .run import VOLATILE, VOLATILE_PROVIDER


class MergeError(Exception):
    """Shards that do not make one run; the message says which and what to do."""


def load(path: Path) -> dict[str, Any]:
    """A pytest-llmexec JSON report, or a `MergeError` naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MergeError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MergeError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise MergeError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("run"), dict):
        raise MergeError(f"{path}: not a pytest-llmexec report (no 'run' section)")
    if not isinstance(data.get("cases"), list):
        raise MergeError(f"{path}: not a pytest-llmexec report (no 'cases' list)")
    try:  # complete records (a report of an older version lacks some keys)
        data["cases"] = [record_of(case) for case in data["cases"] if isinstance(case, dict)]
    except RecordError as exc:
        raise MergeError(f"{path}: {exc}") from None
    return data


def _differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The result-shaping settings in which two runs differ (as the fingerprint sees them)."""
    out = []
    for key in sorted(set(a) | set(b)):
        if key in VOLATILE:
            continue
        left, right = a.get(key), b.get(key)
        if key == "providers" and isinstance(left, dict) and isinstance(right, dict):
            out += [
                f"providers.{k}"
                for k in sorted(set(left) | set(right))
                if k not in VOLATILE_PROVIDER and left.get(k) != right.get(k)
            ]
        elif left != right:
            out.append(key)
    return out


def _shard(path: Path, data: Mapping[str, Any]) -> tuple[int, int]:
    shard = data["run"].get("shard")
    if not isinstance(shard, dict):
        raise MergeError(
            f"{path}: not a shard's report (the run had no --llm-shard); merge the reports "
            "of shards 1/N ... N/N of one run"
        )
    if "fingerprint" not in data["run"] or not isinstance(data.get("session"), dict):
        raise MergeError(f"{path}: written by a pytest-llmexec without merge support")
    return int(shard["index"]), int(shard["count"])


def check(reports: Sequence[tuple[Path, dict[str, Any]]]) -> None:
    """Refuse shards that do not make exactly one whole, finished run."""
    if not reports:
        raise MergeError("no shard reports given")
    shards = [(path, data, *_shard(path, data)) for path, data in reports]
    first_path, first, _, count = shards[0]
    for path, data, _, n in shards[1:]:
        if data["run"]["fingerprint"] != first["run"]["fingerprint"]:
            differ = _differences(first["run"], data["run"]) or ["the fingerprint"]
            raise MergeError(
                f"{path} is a shard of another run than {first_path}: they differ in "
                f"{', '.join(differ)}; merge only the shards of one run"
            )
        if n != count:
            raise MergeError(
                f"{path} is a shard of {n} but {first_path} of {count}: shards of different "
                "splits of the run; merge only the shards of one split"
            )
        collected = (data["session"]["collected"], first["session"]["collected"])
        if collected[0] != collected[1]:
            raise MergeError(
                f"{path} collected {collected[0]} tests but {first_path} {collected[1]}: the "
                "shards ran on different files; run every shard on the same checkout"
            )
    by_index: dict[int, list[Path]] = {}
    for path, _, index, _ in shards:
        by_index.setdefault(index, []).append(path)
    twice = {i: paths for i, paths in sorted(by_index.items()) if len(paths) > 1}
    if twice:
        raise MergeError(
            "a shard given more than once: "
            + "; ".join(
                f"{i}/{count} in {', '.join(map(str, paths))}" for i, paths in twice.items()
            )
            + "; give each shard's report once"
        )
    missing = [i for i in range(1, count + 1) if i not in by_index]
    if missing:
        raise MergeError(
            f"missing shard{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"{i}/{count}" for i in missing)
            + f" (given: {', '.join(f'{i}/{count}' for i in sorted(by_index))}): every shard's "
            "report is needed; did its job fail? Run it again (--llm-shard=K/N) and merge"
        )
    for path, data, index, _ in shards:
        session = data["session"]
        empty = session["selected"] == 0 and session["exitstatus"] == 5  # owns no test
        if session["finished"] < session["selected"] or not (
            session["exitstatus"] in (0, 1) or empty
        ):
            raise MergeError(
                f"shard {index}/{count} ({path}) did not finish: {session['finished']} of its "
                f"{session['selected']} tests ran (pytest exit status {session['exitstatus']}); "
                "run that shard again and merge"
            )
    owner: dict[str, int] = {}
    for _, data, index, _ in shards:
        for case in data["cases"]:
            other = owner.setdefault(str(case["nodeid"]), index)
            if other != index:
                raise MergeError(
                    f"shards {other}/{count} and {index}/{count} both hold {case['nodeid']}: "
                    "they split the run differently; run every shard with the same "
                    "pytest-llmexec"
                )


def merge(reports: Sequence[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """The report of the whole run, from its shards' reports (checked first)."""
    check(reports)
    ordered = sorted(reports, key=lambda item: int(item[1]["run"]["shard"]["index"]))
    run = dict(ordered[0][1]["run"])
    run["shard"] = None
    run["merged_from"] = [
        {
            "shard": f"{data['run']['shard']['index']}/{data['run']['shard']['count']}",
            "report": str(path),
            "tests": data["session"]["selected"],
        }
        for path, data in ordered
    ]
    cases = [case for _, data in ordered for case in data["cases"]]
    merged = json_report.build(cases, run)
    sessions = [data["session"] for _, data in ordered]
    merged["session"] = {
        "collected": sessions[0]["collected"],
        "selected": sum(s["selected"] for s in sessions),
        "finished": sum(s["finished"] for s in sessions),
        # the run's own deselection (a conftest's, -k's), not the shard's: every shard makes
        # it before the shard is applied, so they agree (max keeps any one's); a shard
        # report written before the field existed lacks it: 0, as the gate reads it
        "deselected": max(int(s.get("deselected", 0)) for s in sessions),
        # every shard collects every file: a collection error shows in each of them
        "collect_errors": max(s["collect_errors"] for s in sessions),
        "other_failures": sum(s["other_failures"] for s in sessions),
        "exitstatus": max(s["exitstatus"] for s in sessions if s["selected"])
        if any(s["selected"] for s in sessions)
        else sessions[0]["exitstatus"],
    }
    served: dict[str, dict[str, Any]] = {}
    for _, data in ordered:
        add_counts(served, data.get("endpoints") or {})
    if served:
        merged["endpoints"] = served
    return merged
