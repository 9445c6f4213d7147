"""``pytest-llmexec merge`` and ``pytest-llmexec gate`` on the reports of real sharded runs.

The suite has 40 cases (the gate tests' shape) answered by ``replay`` from a
generations file, two samples each so that pass@k is in the summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import OpenAIFake

pytestmark = [
    pytest.mark.slow,  # long pytester runs: every test runs the shards of a run, some with -n 2
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

SQ, NEG = 30, 10
ALL_CASES = [f"sq[i{i}]" for i in range(SQ)] + [f"neg[i{i}]" for i in range(NEG)]
REPLAY = (
    "-p",
    "llmexec",
    "--llm-examples=0",
    "--llm-model=replay",
    "--llm-replay=gen.json",
    "--llm-samples=2",
)
#: fields that hold timings or where the reply came from, not results
TIMING = {"latency", "mean_latency", "cache_hit", "cache_hits"}


def suite() -> str:
    return (
        "category: math\nsnippets:\n"
        "  - id: sq\n    code: |\n      def sq(x):\n          return x * x\n"
        f"    inputs: [{', '.join(repr(str(i)) for i in range(SQ))}]\n"
        "  - id: neg\n    category: other\n    code: |\n      def neg(x):\n          return -x\n"
        f"    inputs: [{', '.join(repr(str(i)) for i in range(NEG))}]\n"
    )


def truth(case: str) -> int:
    x = int(case.split("[i")[1].rstrip("]"))
    return x * x if case.startswith("sq") else -x


@pytest.fixture(autouse=True)
def outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests write their baseline with --llm-update-baseline, which a run refuses under
    CI by design (docs/gating.md); the runs they start are a developer's, not CI's."""
    monkeypatch.delenv("CI", raising=False)


def answers(wrong: Iterable[str] = (), half: Iterable[str] = ()) -> str:
    """Both samples right, except *wrong* (both wrong) and *half* (the second wrong)."""
    wrong, half = set(wrong), set(half)
    data = {}
    for case in ALL_CASES:
        right, off = str(truth(case)), str(truth(case) + 1)
        data[case] = [off, off] if case in wrong else [right, off if case in half else right]
    return json.dumps(data)


def setup(pytester: pytest.Pytester, wrong: Iterable[str] = ("sq[i0]",)) -> None:
    pytester.makefile(".yaml", bench=suite())
    pytester.makefile(".json", gen=answers(wrong, half=("sq[i1]", "neg[i2]")))


def cli(pytester: pytest.Pytester, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmexec.cli", *args],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def load(pytester: pytest.Pytester, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / name).read_text(encoding="utf-8"))
    return data


def without_timings(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k not in TIMING}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data


def shards(pytester: pytest.Pytester, n: int, *extra: str, prefix: str = "s") -> list[str]:
    names = []
    for k in range(1, n + 1):
        name = f"{prefix}{k}.json"
        workers = ("-n", "2") if k % 2 else ("-p", "no:xdist")
        result = pytester.runpytest_subprocess(
            *REPLAY, *workers, f"--llm-shard={k}/{n}", f"--llm-report={name}", *extra
        )
        assert result.ret in (0, 1), result.stdout.str()
        names.append(name)
    return names


def test_merge_equals_the_unsharded_report_and_writes_html(pytester: pytest.Pytester) -> None:
    setup(pytester)
    whole = pytester.runpytest_subprocess(*REPLAY, "-p", "no:xdist", "--llm-report=whole.json")
    whole.assert_outcomes(passed=37, failed=3)
    names = shards(pytester, 4)
    done = cli(pytester, "merge", "merged.json", *names, "--html", "merged.html")
    assert done.returncode == 0, done.stderr
    assert "4 shards, 40 cases" in done.stdout
    merged, unsharded = load(pytester, "merged.json"), load(pytester, "whole.json")
    key = lambda case: case["nodeid"]  # noqa: E731
    assert without_timings(sorted(merged["cases"], key=key)) == without_timings(
        sorted(unsharded["cases"], key=key)
    )
    assert without_timings(merged["summary"]) == without_timings(unsharded["summary"])
    assert merged["summary"]["overall"]["pass_at_k"] == unsharded["summary"]["overall"]["pass_at_k"]
    assert merged["session"] == {**unsharded["session"]}
    assert merged["run"]["fingerprint"] == unsharded["run"]["fingerprint"]
    assert merged["run"]["shard"] is None
    assert [m["shard"] for m in merged["run"]["merged_from"]] == ["1/4", "2/4", "3/4", "4/4"]
    assert "<html" in (pytester.path / "merged.html").read_text(encoding="utf-8").lower()


def test_merge_refuses_missing_duplicate_foreign_and_unfinished_shards(
    pytester: pytest.Pytester,
) -> None:
    setup(pytester)
    names = shards(pytester, 3)
    missing = cli(pytester, "merge", "out.json", names[0], names[2])
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        "pytest-llmexec merge: refused: missing shard 2/3 (given: 1/3, 3/3): every shard's "
        "report is needed; did its job fail? Run it again (--llm-shard=K/N) and merge"
    ]
    twice = cli(pytester, "merge", "out.json", *names, names[1])
    assert twice.returncode == 1
    assert "a shard given more than once: 2/3 in s2.json, s2.json" in twice.stderr
    foreign = shards(pytester, 3, "--llm-seed=7", prefix="seed")
    other = cli(pytester, "merge", "out.json", names[0], foreign[1], names[2])
    assert other.returncode == 1
    assert "seed2.json is a shard of another run than s1.json: they differ in seed" in (
        other.stderr
    )
    split = shards(pytester, 2, prefix="two")
    assert "shards of different splits" in cli(pytester, "merge", "o.json", *names, split[0]).stderr
    # a shard stopped at its first failure (-x) did not finish
    pytester.runpytest_subprocess(
        *REPLAY, "-p", "no:xdist", "-x", "--llm-shard=1/3", "--llm-report=stopped.json"
    )
    stopped = load(pytester, "stopped.json")
    assert stopped["session"]["finished"] < stopped["session"]["selected"]
    unfinished = cli(pytester, "merge", "out.json", "stopped.json", names[1], names[2])
    assert unfinished.returncode == 1
    assert "shard 1/3 (stopped.json) did not finish" in unfinished.stderr
    whole = pytester.runpytest_subprocess(*REPLAY, "-p", "no:xdist", "--llm-report=whole.json")
    assert "not a shard's report" in cli(pytester, "merge", "o.json", "whole.json").stderr
    assert not (pytester.path / "out.json").exists()
    bad = cli(pytester, "merge", "o.json", "nothing.json")
    assert (bad.returncode, bad.stderr.strip()) == (
        1,
        "pytest-llmexec merge: refused: nothing.json: no such file",
    )
    del whole


def test_gate_on_the_merged_report_decides_as_the_gated_run(pytester: pytest.Pytester) -> None:
    setup(pytester, wrong=())
    accepted = pytester.runpytest_subprocess(
        *REPLAY, "-p", "no:xdist", "--llm-baseline=base.json", "--llm-update-baseline"
    )
    assert accepted.ret == 0
    # a regression: 8 cases that were right are wrong now
    regressed = [f"sq[i{i}]" for i in range(8)]
    pytester.makefile(".json", gen=answers(regressed))
    gated = pytester.runpytest_subprocess(
        *REPLAY, "-p", "no:xdist", "--llm-baseline=base.json", "--llm-report=whole.json"
    )
    assert gated.ret == 1
    merged = cli(pytester, "merge", "merged.json", *shards(pytester, 4))
    assert merged.returncode == 0, merged.stderr
    decided = cli(pytester, "gate", "merged.json", "--baseline", "base.json")
    assert decided.returncode == gated.ret == 1
    in_pytest = gated.stdout.str()
    for line in decided.stdout.splitlines():
        if "FAILED" in line or "regress" in line.lower():
            assert line.strip() in in_pytest, line
    # the same on the unsharded report
    assert cli(pytester, "gate", "whole.json", "--baseline", "base.json").returncode == 1
    # a few flips both ways pass, in pytest and here
    pytester.makefile(".json", gen=answers(["sq[i0]"]))
    gated = pytester.runpytest_subprocess(*REPLAY, "-p", "no:xdist", "--llm-baseline=base.json")
    assert gated.ret == 0
    cli(pytester, "merge", "ok.json", *shards(pytester, 2, prefix="ok"))
    passed = cli(pytester, "gate", "ok.json", "--baseline", "base.json")
    assert passed.returncode == gated.ret == 0, passed.stdout
    floor = cli(pytester, "gate", "ok.json", "--fail-under", "99")
    assert floor.returncode == 1 and "below" in floor.stdout
    assert cli(pytester, "gate", "ok.json").returncode == 2
    assert cli(pytester, "gate", "ok.json", "--alpha", "3").returncode == 2


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIFake]:
    with OpenAIFake() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        yield server


def test_merging_the_shards_caches_serves_a_later_whole_run(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    pytester.makefile(".yaml", bench=suite())
    api = ("-p", "llmexec", "--llm-examples=0", "--llm-model=gpt-4o-mini", "-p", "no:xdist")
    url = f"--llm-base-url={openai_fake.url}"
    for k in (1, 2):
        result = pytester.runpytest_subprocess(
            *api, url, f"--llm-shard={k}/2", f"--llm-cache-dir=cache{k}", f"--llm-report=c{k}.json"
        )
        assert result.ret == 0, result.stdout.str()
    sent = len(openai_fake.completions)
    assert sent == 40
    done = cli(
        pytester,
        "merge",
        "m.json",
        "c1.json",
        "c2.json",
        "--shard-cache",
        "cache1",
        "--shard-cache",
        "cache2",
        "--cache-dir",
        "shared",
    )
    assert done.returncode == 0, done.stderr
    assert "reply cache shared: 40 replies added, 0 already there" in done.stdout
    again = pytester.runpytest_subprocess(
        *api, url, "--llm-cache=only", "--llm-cache-dir=shared", "--llm-report=again.json"
    )
    again.assert_outcomes(passed=40)
    assert len(openai_fake.completions) == sent
    assert Path(pytester.path / "shared" / "replies.sqlite3").is_file()


def test_the_installed_command_is_the_entry_point(pytester: pytest.Pytester) -> None:
    script = Path(sys.executable).parent / "pytest-llmexec"
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e . makes it)")
    shown = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0
    assert "merge" in shown.stdout and "gate" in shown.stdout
    refused = subprocess.run(
        [str(script), "merge", "out.json", "nothing.json"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == "pytest-llmexec merge: refused: nothing.json: no such file"


def test_a_gate_inside_one_shard_compares_on_its_own_cases(pytester: pytest.Pytester) -> None:
    setup(pytester, wrong=())
    accepted = pytester.runpytest_subprocess(
        *REPLAY, "-p", "no:xdist", "--llm-baseline=base.json", "--llm-update-baseline"
    )
    assert accepted.ret == 0
    shard = pytester.runpytest_subprocess(
        *REPLAY, "-p", "no:xdist", "--llm-shard=1/2", "--llm-baseline=base.json"
    )
    shard.stdout.fnmatch_lines(
        ["*partial selection (shard 1/2): compared on the cases that ran*", "*gate PASSED*"]
    )
    # the merged report of both shards is the whole run again: no partial selection
    shards(pytester, 2)
    cli(pytester, "merge", "both.json", "s1.json", "s2.json")
    whole = cli(pytester, "gate", "both.json", "--baseline", "base.json")
    assert whole.returncode == 0
    assert "partial selection" not in whole.stdout


def test_a_merged_report_deselects_what_the_run_deselected_not_the_shards(
    pytester: pytest.Pytester,
) -> None:
    """session.deselected counts a conftest's deselection, never the other shards' tests:
    the merge equals the unsharded report, and the gate on it sees the partial selection."""
    setup(pytester, wrong=())
    accepted = pytester.runpytest_subprocess(
        *REPLAY, "-p", "no:xdist", "--llm-baseline=base.json", "--llm-update-baseline"
    )
    assert accepted.ret == 0
    pytester.makeconftest(
        "def pytest_collection_modifyitems(config, items):\n"
        "    gone = [i for i in items if '::neg[' in i.nodeid]\n"
        "    items[:] = [i for i in items if i not in gone]\n"
        "    config.hook.pytest_deselected(items=gone)\n"
    )
    whole = pytester.runpytest_subprocess(*REPLAY, "-p", "no:xdist", "--llm-report=whole.json")
    assert whole.ret == 1, whole.stdout.str()  # sq[i1]'s second sample is wrong
    names = shards(pytester, 2)  # shard 1 with -n 2, shard 2 without
    for name in names:
        session = load(pytester, name)["session"]
        assert session["deselected"] == NEG
        assert session["collected"] - session["selected"] > 0  # the shard's own
    assert cli(pytester, "merge", "merged.json", *names).returncode == 0
    merged = load(pytester, "merged.json")
    assert merged["session"] == load(pytester, "whole.json")["session"]
    assert merged["session"]["deselected"] == NEG
    gated = cli(pytester, "gate", "merged.json", "--baseline", "base.json")
    assert gated.returncode == 0, gated.stdout
    assert f"partial selection ({NEG} deselected): compared on the cases that ran" in (gated.stdout)
    assert f"removed 0, outside this selection {NEG}" in gated.stdout
