"""``--llm-shard=K/N`` through the plugin: disjoint shards that cover the run, with and
without xdist, from the option, its ini twin and the environment of Slurm and Kubernetes."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pytest_llmexec.sharding.spec import Shard, ShardError, bucket, from_environment, parse

ORACLE = ("-p", "llmexec", "--llm-examples=0", "--llm-model=oracle")


def suite(n: int = 24) -> str:
    inputs = ", ".join(repr(str(i)) for i in range(n))
    return (
        "category: math\nsnippets:\n"
        "  - id: sq\n    code: |\n      def sq(x):\n          return x * x\n"
        f"    inputs: [{inputs}]\n"
        "  - id: neg\n    category: other\n    code: |\n      def neg(x):\n          return -x\n"
        f"    inputs: [{inputs}]\n"
    )


def report(pytester: pytest.Pytester, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / name).read_text(encoding="utf-8"))
    return data


def ids(data: dict[str, Any]) -> set[str]:
    return {case["nodeid"] for case in data["cases"]}


def run_shard(
    pytester: pytest.Pytester, shard: str | None, name: str, *extra: str
) -> pytest.RunResult:
    args = [*ORACLE, f"--llm-report={name}", *extra]
    if shard is not None:
        args.append(f"--llm-shard={shard}")
    return pytester.runpytest_subprocess(*args)


# --------------------------------------------------------------------------- the hash


def test_the_hash_is_sha256_of_the_node_id() -> None:
    # fixed values: the same on every machine and Python (no PYTHONHASHSEED in it)
    assert (
        bucket("bench.yaml::sq[oracle-vp-i0]", 4)
        == int.from_bytes(
            __import__("hashlib").sha256(b"bench.yaml::sq[oracle-vp-i0]").digest()[:8], "big"
        )
        % 4
    )
    assert [bucket(f"t::x[{i}]", 4) for i in range(8)] == [
        bucket(f"t::x[{i}]", 4) for i in range(8)
    ]


def test_parse_and_environment() -> None:
    assert parse("2/4", "--llm-shard") == Shard(2, 4, "--llm-shard")
    assert parse("off", "--llm-shard") is None
    assert parse("1/1", "--llm-shard") == Shard(1, 1, "--llm-shard")  # owns every test
    assert Shard(1, 1, "x").owns("anything")
    for bad, words in (("0/4", "count from 1"), ("5/4", "count from 1"), ("2", "K/N")):
        with pytest.raises(ShardError, match=words):
            parse(bad, "--llm-shard")
    slurm = {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"}
    assert from_environment(slurm) == Shard(4, 4, "SLURM_ARRAY_TASK_ID")
    slurm_from_1 = {**slurm, "SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1"}
    assert from_environment(slurm_from_1) == Shard(4, 4, "SLURM_ARRAY_TASK_ID")
    k8s = {"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "3"}
    assert from_environment(k8s) == Shard(1, 3, "JOB_COMPLETION_INDEX")
    with pytest.raises(ShardError, match="JOB_COMPLETIONS"):
        from_environment({"JOB_COMPLETION_INDEX": "0"})
    with pytest.raises(ShardError, match="SLURM_ARRAY_TASK_STEP"):
        from_environment({**slurm, "SLURM_ARRAY_TASK_STEP": "2"})
    assert from_environment({}) is None


# --------------------------------------------------------------------------- the plugin


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize(
    "workers", [(), pytest.param(("-n", "2"), marks=pytest.mark.slow)], ids=["plain", "xdist"]
)
def test_four_shards_are_disjoint_cover_the_run_and_do_not_depend_on_n(
    pytester: pytest.Pytester, workers: tuple[str, ...]
) -> None:
    pytester.makefile(".yaml", bench=suite())
    whole = run_shard(pytester, None, "whole.json", "-p", "no:xdist")
    whole.assert_outcomes(passed=48)
    everything = ids(report(pytester, "whole.json"))
    shards = []
    for k in range(1, 5):
        result = run_shard(pytester, f"{k}/4", f"s{k}.json", *(workers or ("-p", "no:xdist")))
        assert result.ret == 0
        result.stdout.fnmatch_lines(
            [f"llmexec shard: {k}/4 (from --llm-shard)*", f"llmexec shard {k}/4: * of 48 *"]
        )
        data = report(pytester, f"s{k}.json")
        assert data["run"]["shard"] == {"index": k, "count": 4, "source": "--llm-shard"}
        assert data["session"]["collected"] == 48
        assert data["session"]["selected"] == data["session"]["finished"] == len(data["cases"])
        shards.append(ids(data))
    assert all(shards), "a 4-way split of 48 tests leaves no shard empty"
    assert sum(len(s) for s in shards) == len(everything)
    assert set().union(*shards) == everything
    # the same shard without xdist: the same tests
    plain = run_shard(pytester, "2/4", "plain2.json", "-p", "no:xdist")
    assert plain.ret == 0
    assert ids(report(pytester, "plain2.json")) == shards[1]
    fingerprints = {report(pytester, f"s{k}.json")["run"]["fingerprint"] for k in range(1, 5)}
    assert fingerprints == {report(pytester, "whole.json")["run"]["fingerprint"]}


@pytest.mark.slow  # a long pytester run
def test_slurm_and_kubernetes_environments_pick_the_shard(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", bench=suite(8))
    run_shard(pytester, "3/4", "given.json", "-p", "no:xdist")
    given = ids(report(pytester, "given.json"))
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "2")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "4")
    result = run_shard(pytester, None, "slurm.json", "-p", "no:xdist")
    result.stdout.fnmatch_lines(["llmexec shard: 3/4 (from SLURM_ARRAY_TASK_ID)*"])
    assert ids(report(pytester, "slurm.json")) == given
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID")
    monkeypatch.delenv("SLURM_ARRAY_TASK_COUNT")
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "2")
    result = run_shard(pytester, None, "k8s.json", "-p", "no:xdist")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not*"])
    monkeypatch.setenv("JOB_COMPLETIONS", "4")
    result = run_shard(pytester, None, "k8s.json", "-p", "no:xdist")
    result.stdout.fnmatch_lines(["llmexec shard: 3/4 (from JOB_COMPLETION_INDEX)*"])
    assert ids(report(pytester, "k8s.json")) == given
    # the option wins over the environment, and 'off' runs everything
    result = run_shard(pytester, "off", "off.json", "-p", "no:xdist")
    result.assert_outcomes(passed=16)


@pytest.mark.slow  # a long pytester run
def test_ini_twin_and_bad_values(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", bench=suite(8))
    pytester.makeini("[pytest]\nllm_shard = 1/2\n")
    result = run_shard(pytester, None, "ini.json", "-p", "no:xdist")
    result.stdout.fnmatch_lines(["llmexec shard: 1/2 (from llm_shard (ini))*"])
    first = ids(report(pytester, "ini.json"))
    result = run_shard(pytester, "2/2", "two.json", "-p", "no:xdist")
    assert first.isdisjoint(ids(report(pytester, "two.json")))
    assert len(first | ids(report(pytester, "two.json"))) == 16
    for bad, words in (("0/2", "shards count from 1"), ("a/b", "expected K/N")):
        result = run_shard(pytester, bad, "bad.json", "-p", "no:xdist")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"*--llm-shard={bad}: {words}*"])


def test_a_run_without_a_model_is_never_sharded(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_plain="import pytest\n@pytest.mark.parametrize('i', range(8))\n"
        "def test_x(i):\n    pass\n"
    )
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "0")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "4")
    result = pytester.runpytest_subprocess("-p", "llmexec", "-p", "no:xdist")
    result.assert_outcomes(passed=8)
    assert "llmexec shard" not in result.stdout.str()


@pytest.mark.slow  # a long pytester run
def test_a_shard_that_owns_no_test_succeeds_reports_and_merges(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", bench=suite(1))  # 2 tests in 4 shards: some own none
    run_shard(pytester, None, "whole.json", "-p", "no:xdist").assert_outcomes(passed=2)
    names = []
    for k in range(1, 5):
        result = run_shard(pytester, f"{k}/4", f"e{k}.json", "-p", "no:xdist")
        assert result.ret == pytest.ExitCode.OK, result.stdout.str()
        names.append(f"e{k}.json")
    sizes = [report(pytester, name)["session"]["selected"] for name in names]
    assert sum(sizes) == 2 and 0 in sizes
    merged = subprocess.run(
        [sys.executable, "-m", "pytest_llmexec.cli", "merge", "m.json", *names],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert merged.returncode == 0, merged.stderr
    assert ids(report(pytester, "m.json")) == ids(report(pytester, "whole.json"))
    assert report(pytester, "m.json")["session"]["exitstatus"] == 0
