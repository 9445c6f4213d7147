"""Re-score RE2-Bench's published predictions through the plugin and compare row by row.

    python scripts/re2bench_agreement.py CHECKOUT [--models a,b] [--tasks output,input]
                                                  [--source summary|raw] [-n N]

For each model and task this runs ``pytest -p llmexec CHECKOUT/dataset/re2-bench
--llm-model=replay`` on the published predictions (``results/summary/
<model>_<task>_prediction.jsonl``, or with ``--source raw`` the raw replies
``results/<task>_prediction/<model>/``), reads the JSON report, and compares
each problem's ``rs``, ``partial_rs`` (and, for input, ``is_fn``) with the
published ``results/validations/<model>_<task>.csv``. Rows whose verdict is
``error`` (a repository problem whose false-negative check needs its project's
environment; a problem whose files the checkout lacks) are counted apart.
The checkout is read in place; nothing of it is copied.

RE2-Bench's loop and branch tasks (``--tasks re2loop,re2branch``) have published raw
replies (``results/loop_prediction/<model>/``) but no published verdicts: for them the
script replays the raw replies and prints this plugin's ``rs`` and ``partial_rs``
(means over the problems scored, as RE2-Bench's ``evaluate_model`` reports them) with
no published column to agree with (docs/re2bench.md says how the port was checked
against RE2-Bench's own validators).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

MODELS = (
    "claude-haiku-4.5",
    "claude-haiku-4.5-reasoning",
    "cwm",
    "cwm-pretrain",
    "deepseek-v3.2",
    "deepseek-v3.2-reasoning",
    "gemini-3-pro-preview",
    "gemini-3-pro-preview-reasoning",
    "gpt-5-mini",
    "gpt-5-mini-reasoning",
)
SELF_CONTAINED = ("cruxeval", "HumanEval", "Classeval", "Avatar")
#: RE2-Bench's loop and branch tasks: raw replies only, no published verdicts
ANNOTATED = {"re2loop": "loop", "re2branch": "branch"}


def run_plugin(checkout: Path, model: str, task: str, source: str, workers: int) -> list[Any]:
    """The plugin's records for one model and task, replaying the published predictions."""
    if task in ANNOTATED:
        replay = checkout / "results" / f"{ANNOTATED[task]}_prediction" / model
    elif source == "summary":
        replay = checkout / "results" / "summary" / f"{model}_{task}_prediction.jsonl"
    else:
        replay = checkout / "results" / f"{task}_prediction" / model
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        (Path(tmp) / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "llmexec",
            str(checkout / "dataset" / "re2-bench"),
            "-c",
            str(Path(tmp) / "pytest.ini"),
            "--rootdir",
            tmp,
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-header",
            "-n",
            str(workers),
            "--llm-model=replay",
            f"--llm-replay={task}={replay}",
            "--llm-strategy=cot",
            f"--llm-task={task}",
            "--llm-cache=off",
            f"--llm-report={report}",
        ]
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        if not report.exists():
            raise SystemExit(f"pytest wrote no report ({done.returncode}):\n{done.stdout[-3000:]}")
        cases: list[Any] = json.loads(report.read_text(encoding="utf-8"))["cases"]
        return cases


def figures(cases: list[Any]) -> str:
    """A loop or branch run's figures: rs and partial_rs over the problems scored."""
    scored = [c for c in cases if c.get("re2bench") and c["rs"] is not None]
    if not scored:
        return "no problem scored"
    rs = sum(c["rs"] for c in scored) / len(scored)
    partial = sum(c["partial_rs"] for c in scored) / len(scored)
    errors = sum(1 for c in cases if c.get("re2bench") and c["rs"] is None)
    return (
        f"scored {len(scored):>4}  error {errors}  rs {rs:.3f}  partial_rs {partial:.3f}  "
        "(no published verdicts)"
    )


def compare(checkout: Path, model: str, task: str, cases: list[Any]) -> dict[str, Any]:
    published_path = checkout / "results" / "validations" / f"{model}_{task}.csv"
    with published_path.open(encoding="utf-8") as handle:
        published = {(r["case_name"], r["difficulty_level"]): r for r in csv.DictReader(handle)}
    ours = {(c["case_name"], c["difficulty"]): c for c in cases if c.get("re2bench")}
    rows = agree = errors = 0
    sc_rows = sc_agree = 0
    rs_sum = 0.0
    differ: list[str] = []
    for key, row in published.items():
        rows += 1
        case = ours.get(key)
        if case is None or case["rs"] is None:
            errors += 1
            continue
        rs_sum += case["rs"]
        same = (
            int(row["rs"]) == case["rs"]
            and abs(float(row["partial_rs"]) - case["partial_rs"]) < 1e-9
        )
        if task == "input":
            same = same and (row["is_fn"] == "True") == bool(case["is_fn"])
        agree += same
        if row["benchmark"] in SELF_CONTAINED:
            sc_rows += 1
            sc_agree += same
        if not same:
            differ.append(
                f"    {key[0]}: published rs {row['rs']} partial {row['partial_rs']} "
                f"fn {row.get('is_fn', '-')}; ours rs {case['rs']} partial {case['partial_rs']} "
                f"fn {case['is_fn']}"
            )
    meta_path = checkout / "results" / "validations" / f"{model}_{task}_metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return {
        "rows": rows,
        "agree": agree,
        "errors": errors,
        "self_contained": (sc_agree, sc_rows),
        "total_rs": rs_sum / rows if rows else 0.0,
        "published_total_rs": meta.get("total_rs"),
        "differ": differ,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--tasks", default="output,input")
    parser.add_argument("--source", choices=("summary", "raw"), default="summary")
    parser.add_argument("-n", "--workers", type=int, default=0)
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    print(f"RE2-Bench checkout {checkout}, predictions from {args.source}")
    print(
        f"{'model':32} {'task':6} {'agree':>9} {'scored':>6} {'error':>5} "
        f"{'self-contained':>14} {'total_rs':>8} {'published':>9}"
    )
    for model in args.models.split(","):
        for task in args.tasks.split(","):
            cases = run_plugin(checkout, model, task, args.source, args.workers)
            if task in ANNOTATED:
                print(f"{model:32} {task:9} {figures(cases)}")
                continue
            found = compare(checkout, model, task, cases)
            scored = found["rows"] - found["errors"]
            sc_agree, sc_rows = found["self_contained"]
            published = found["published_total_rs"]
            print(
                f"{model:32} {task:6} {found['agree']:>4}/{scored:<4} {scored:>6} "
                f"{found['errors']:>5} {sc_agree:>7}/{sc_rows:<6} {found['total_rs']:>8.3f} "
                f"{published if published is not None else '-':>9}"
            )
            for line in found["differ"][:10]:
                print(line)
    print(
        "agree: rows whose rs and partial_rs (and is_fn for input) equal the published CSV's, "
        "of the rows scored; error: rows with no verdict here (a repository problem's "
        "false-negative check, a problem the checkout lacks); total_rs: the sum of rs over "
        "the rows scored, divided by all published rows"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
