"""A sharded run on a real one-node Slurm cluster: the array job, the merge-and-gate job.

The cluster is started and stopped by the module's fixture (`tests/slurm_cluster.py`);
the test is skipped, saying why, only where Slurm cannot be installed. Jobs run the
scripts of ``examples/slurm`` as a user would, with PYTHON set to this interpreter.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cruxeval_rows import rows, write_jsonl
from tests.slurm_cluster import Cluster, unavailable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "slurm"
TIMING = {"latency", "mean_latency", "cache_hit", "cache_hits"}
#: the fields of a case that name where it ran rather than what it is
PLACE = {"file"}

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with Cluster(tmp_path_factory.mktemp("slurm")) as running:
        yield running
    assert all(p.poll() is not None for p in running.processes)


def comparable(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: comparable(v) for k, v in data.items() if k not in TIMING | PLACE}
    if isinstance(data, list):
        return [comparable(v) for v in data]
    return data


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def unsharded(where: Path, args: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}  # a person accepts the baseline
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", *extra],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )


def submit(
    cluster: Cluster, where: Path, args: list[str], baseline: str | None, **env: str
) -> tuple[str, str]:
    """The array (4 tasks) and its merge-and-gate job, through examples/slurm/submit.sh."""
    command = [str(EXAMPLES / "submit.sh"), "4"]
    if baseline:
        command += ["--baseline", baseline]
    cluster.env.update({"PYTHON": sys.executable, **env})
    try:
        done = cluster.run(*command, "--", *args, cwd=where)
    finally:
        for name in ("PYTHON", *env):
            cluster.env.pop(name, None)
    ids = dict(word.split("=") for word in done.stdout.split())
    return ids["array"], ids["merge"]


def exit_code(cluster: Cluster, job: str) -> int:
    return int(cluster.job(job)["ExitCode"].split(":")[0])


def compare(merged: dict[str, Any], whole: dict[str, Any]) -> None:
    def by_id(report: dict[str, Any]) -> list[Any]:
        return comparable(sorted(report["cases"], key=lambda c: c["nodeid"]))

    assert len(merged["cases"]) == len(whole["cases"]) > 0
    assert by_id(merged) == by_id(whole)  # case by case
    assert comparable(merged["summary"]) == comparable(whole["summary"])
    assert merged["summary"]["overall"].get("pass_at_k") == whole["summary"]["overall"].get(
        "pass_at_k"
    )
    assert merged["session"] == whole["session"]


@pytest.mark.slow  # a long pytester run
def test_shipped_suite_with_oracle_on_four_array_tasks(cluster: Cluster, tmp_path: Path) -> None:
    (tmp_path / "benchmarks").symlink_to(ROOT / "benchmarks")
    args = [
        "benchmarks",
        "-p",
        "llmexec",
        "--llm-model=oracle",
        "--llm-language=python",
        "--llm-examples=0",
        "-p",
        "no:cacheprovider",
    ]
    whole = unsharded(
        tmp_path,
        args,
        "--llm-report=whole.json",
        "--llm-baseline=base.json",
        "--llm-update-baseline",
    )
    assert whole.returncode == 0, whole.stdout[-3000:]
    gated = unsharded(tmp_path, args, "--llm-baseline=base.json")
    array, merge = submit(cluster, tmp_path, args, "base.json")
    cluster.wait_done([array, merge], timeout=1800)
    log = (tmp_path / "merge.log").read_text(encoding="utf-8")
    assert exit_code(cluster, merge) == gated.returncode == 0, log
    assert "pytest-llmexec merge: 4 shards" in log
    compare(load(tmp_path / "merged.json"), load(tmp_path / "whole.json"))
    assert (tmp_path / "merged.html").is_file()
    shards = [load(tmp_path / "shards" / f"shard-{i}.json") for i in range(4)]
    assert [s["run"]["shard"]["source"] for s in shards] == ["SLURM_ARRAY_TASK_ID"] * 4
    assert all(s["cases"] for s in shards)


@pytest.mark.slow  # a long pytester run
def test_cruxeval_replay_regression_fails_the_gate_as_in_pytest(
    cluster: Cluster, tmp_path: Path
) -> None:
    data = rows()
    write_jsonl(tmp_path / "own.jsonl", data)
    right = {row["id"]: [row["output"], row["output"]] for row in data}
    (tmp_path / "gen.json").write_text(json.dumps(right), encoding="utf-8")
    args = [
        "own.jsonl",
        "-p",
        "llmexec",
        "--llm-model=replay",
        "--llm-replay=gen.json",
        "--llm-samples=2",
        "--llm-examples=0",
        "-p",
        "no:cacheprovider",
    ]
    accepted = unsharded(tmp_path, args, "--llm-baseline=base.json", "--llm-update-baseline")
    assert accepted.returncode == 0, accepted.stdout[-3000:]
    # the model got worse: most answers are wrong now, one sample of another is
    wrong = {key: ["0", "0"] for key in list(right)[: len(right) * 2 // 3]}
    half = {key: [answers[0], "0"] for key, answers in list(right.items())[-1:]}
    (tmp_path / "gen.json").write_text(json.dumps({**right, **wrong, **half}), encoding="utf-8")
    gated = unsharded(tmp_path, args, "--llm-baseline=base.json", "--llm-report=whole.json")
    assert gated.returncode == 1, gated.stdout[-3000:]
    array, merge = submit(cluster, tmp_path, args, "base.json")
    cluster.wait_done([array, merge], timeout=1800)
    log = (tmp_path / "merge.log").read_text(encoding="utf-8")
    assert exit_code(cluster, merge) == gated.returncode == 1, log
    assert "FAILED" in log
    merged = load(tmp_path / "merged.json")
    compare(merged, load(tmp_path / "whole.json"))
    assert merged["summary"]["overall"]["pass_at_k"]


@pytest.mark.slow  # a long pytester run
def test_a_failed_array_task_makes_the_merge_refuse(cluster: Cluster, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "own.jsonl")
    args = ["own.jsonl", "-p", "llmexec", "--llm-model=oracle", "-p", "no:cacheprovider"]
    # the node of task 2 dies: its python is killed before it writes anything
    broken = tmp_path / "python"
    broken.write_text(
        "#!/bin/bash\n"
        'if [ "$SLURM_ARRAY_TASK_ID" = 2 ]; then kill -9 $$; fi\n'
        f'exec {shlex.quote(sys.executable)} "$@"\n',
        encoding="utf-8",
    )
    broken.chmod(0o755)
    array, merge = submit(cluster, tmp_path, args, None, PYTHON=str(broken))
    cluster.wait_done([array, merge], timeout=1800)
    # afterok: Slurm never starts the merge of a failed array
    assert cluster.job(merge)["JobState"] == "CANCELLED"
    assert not (tmp_path / "merged.json").exists()
    # started anyway (afterany), the merge itself refuses and names the missing shard
    cluster.env["PYTHON"] = sys.executable
    try:
        late = cluster.run(
            "sbatch",
            "--parsable",
            f"--dependency=afterany:{array}",
            str(EXAMPLES / "merge-and-gate.sbatch"),
            cwd=tmp_path,
        ).stdout.strip()
    finally:
        cluster.env.pop("PYTHON")
    cluster.wait_done([late], timeout=600)
    assert exit_code(cluster, late) == 1
    log = (tmp_path / "merge.log").read_text(encoding="utf-8")
    assert "refused: missing shard 3/4 (given: 1/4, 2/4, 4/4)" in log
    assert not (tmp_path / "merged.json").exists()
