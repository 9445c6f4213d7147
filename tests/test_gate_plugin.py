"""The regression gate end to end: ``pytest -p llmexec --llm-baseline`` with replayed answers.

Each scenario runs with and without xdist. The suite has 40 cases (30 in the
category ``math``, 10 in ``other``); the ``replay`` model answers from a
generations file, so a test decides exactly which cases are right.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.sharding.spec import bucket

MODES = [
    pytest.param(("-p", "no:xdist"), id="plain"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]
REPLAY = ("-p", "llmexec", "--llm-examples=0", "--llm-model=replay", "--llm-replay=gen.json")
SQ, NEG = 30, 10
ALL_CASES = [f"sq[i{i}]" for i in range(SQ)] + [f"neg[i{i}]" for i in range(NEG)]
BASE_WRONG = {"sq[i0]", "neg[i0]"}


def suite(n_sq: int = SQ, n_neg: int = NEG) -> str:
    return (
        "category: math\nsnippets:\n"
        "  - id: sq\n    code: |\n      def sq(x):\n          return x * x\n"
        f"    inputs: [{', '.join(repr(str(i)) for i in range(n_sq))}]\n"
        "  - id: neg\n    category: other\n    code: |\n      def neg(x):\n          return -x\n"
        f"    inputs: [{', '.join(repr(str(i)) for i in range(n_neg))}]\n"
    )


def truth(case: str) -> int:
    x = int(case.split("[i")[1].rstrip("]"))
    return x * x if case.startswith("sq") else -x


def answers(wrong: Iterable[str] = (), samples: dict[str, list[bool]] | None = None) -> str:
    """A generations file: every case right except *wrong*; *samples* gives per-sample rights."""
    wrong = set(wrong)
    data: dict[str, list[str]] = {}
    for case in ALL_CASES:
        rights = (samples or {}).get(case, [case not in wrong])
        data[case] = [str(truth(case)) if r else str(truth(case) + 1) for r in rights]
    return json.dumps(data)


def setup(pytester: pytest.Pytester, wrong: Iterable[str] = BASE_WRONG, **kw: Any) -> None:
    pytester.makefile(".yaml", bench=suite(**kw))
    pytester.makefile(".json", gen=answers(wrong))


def run(pytester: pytest.Pytester, mode: tuple[str, ...], *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*REPLAY, *mode, *args)


def baseline_file(pytester: pytest.Pytester, name: str = "llmexec-baseline.json") -> Any:
    return json.loads((pytester.path / name).read_text())


def cases_of(data: Any) -> dict[str, str]:
    return {c["nodeid"]: c["verdict"] for c in data["cases"]}


def nodeid(case: str, model: str = "replay") -> str:
    snippet, input_id = case[:-1].split("[")
    return f"bench.yaml::{snippet}[{model}-vp-{input_id}]"


def accept_baseline(pytester: pytest.Pytester, *args: str) -> None:
    """Write the baseline from the current answers (plain run: the update is tested below)."""
    result = run(pytester, ("-p", "no:xdist"), "--llm-update-baseline", *args)
    assert result.ret == 0, result.stdout.str()


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_update_writes_the_baseline_and_an_unchanged_rerun_passes(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester)
    result = run(pytester, mode, "--llm-update-baseline")
    result.assert_outcomes(passed=38, failed=2)
    assert result.ret == 0  # the wrong predictions are the accepted baseline
    result.stdout.fnmatch_lines(
        ["*llmexec gate*", "baseline llmexec-baseline.json written: 40 added, 0 changed"]
    )
    data = baseline_file(pytester)
    assert cases_of(data)[nodeid("sq[i0]")] == "wrong"
    assert data["summary"]["replay/vp"]["correct"] == 38
    assert data["templates"]["vp"] and data["model_ids"] == {"replay": ["replay"]}

    result = run(pytester, mode, "--llm-baseline", "--llm-report=report.json")
    result.assert_outcomes(passed=38, failed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "baseline llmexec-baseline.json (40 cases, written *); paired 40, added 0, removed 0",
            "model/strategy*pairs*before*now*delta*95% CI*r->w*w->r*p*p Holm*unstable*gate",
            "replay/vp*40*95.0%*95.0%*+0.0*0*0*1.000*1.000*0*ok",
            "gate PASSED: no significant regression",
        ]
    )
    result.stdout.fnmatch_lines(
        ["what changed: no template hash or reported model id since the baseline"]
    )
    assert "to accept these results" not in result.stdout.str()
    gate = json.loads((pytester.path / "report.json").read_text())["gate"]
    assert gate["passed"] is True
    assert gate["comparison"]["runs"]["replay/vp"]["n"] == 40


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_a_handful_of_flips_both_ways_passes(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester)
    accept_baseline(pytester)
    data = baseline_file(pytester)  # as if the baseline had been written with an older prompt
    template = data["cases"][0]["template_hash"]
    for case in data["cases"]:
        case["template_hash"] = "0ld0ld0ld0ld"
    (pytester.path / "llmexec-baseline.json").write_text(json.dumps(data))
    pytester.makefile(".json", gen=answers({"sq[i1]", "sq[i2]", "neg[i3]"}))
    result = run(pytester, mode, "--llm-baseline=llmexec-baseline.json")
    result.assert_outcomes(passed=37, failed=3)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "replay/vp*40*95.0%*92.5%*-2.5*3*2*1.000*1.000*0*ok",
            "right -> wrong (3):",
            f"  {nodeid('neg[i3]')}: expected -3; was -3, now -2",
            "wrong -> right (2):",
            f"  {nodeid('neg[i0]')}: expected 0; was 1, now 0",
            "what changed:",
            f"  template of vp: 0ld0ld0ld0ld -> {template}",
            "gate PASSED*",
            "to accept these results as the new baseline (outside CI), run:",
            "  pytest *-p llmexec * --llm-baseline=llmexec-baseline.json --llm-update-baseline",
        ]
    )


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_a_real_regression_fails_and_lists_the_flipped_cases(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester)
    accept_baseline(pytester)
    broken = {f"sq[i{i}]" for i in range(1, 13)}
    pytester.makefile(".json", gen=answers(BASE_WRONG | broken))
    result = run(pytester, mode, "--llm-baseline", "--llm-report=report.json")
    result.assert_outcomes(passed=26, failed=14)
    assert result.ret == 1
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "replay/vp*40*95.0%*65.0%*-30.0*12*0*4.9e-04*4.9e-04*0*REGRESSION",
            "right -> wrong (12):",
            "gate FAILED:",
            "  replay/vp: accuracy dropped 30.0 points (>= 2) on 40 paired cases, 12 right->wrong "
            "vs 0 wrong->right, p=0.000488 (Holm) < 0.05",
        ]
    )
    for case in broken:
        assert nodeid(case) in out
    gate = json.loads((pytester.path / "report.json").read_text())["gate"]
    assert gate["passed"] is False
    assert {f["nodeid"] for f in gate["comparison"]["right_to_wrong"]} == {
        nodeid(c) for c in broken
    }
    # the baseline is untouched by a comparison
    assert cases_of(baseline_file(pytester))[nodeid("sq[i1]")] == "correct"


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_update_under_ci_is_refused_unless_forced(
    pytester: pytest.Pytester, mode: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(pytester)
    accept_baseline(pytester)
    before = (pytester.path / "llmexec-baseline.json").read_bytes()
    pytester.makefile(".json", gen=answers(BASE_WRONG | {"sq[i5]"}))
    monkeypatch.setenv("CI", "true")
    result = run(pytester, mode, "--llm-update-baseline")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "gate FAILED:",
            "  baseline NOT updated: the environment variable CI is set*=force to override)",
        ]
    )
    assert (pytester.path / "llmexec-baseline.json").read_bytes() == before

    result = run(pytester, mode, "--llm-update-baseline=force")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["baseline llmexec-baseline.json written: 0 added, 1 changed"])
    assert cases_of(baseline_file(pytester))[nodeid("sq[i5]")] == "wrong"


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_a_partial_selection_merges_and_does_not_destroy_the_baseline(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester)
    accept_baseline(pytester)
    pytester.makefile(".json", gen=answers({"sq[i0]", "sq[i7]"}))  # neg[i0] now right
    result = run(pytester, mode, "-k", "sq", "--llm-update-baseline")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "baseline llmexec-baseline.json written: 0 added, 1 changed, 10 kept from cases this "
            "run did not cover (merged: partial selection)",
        ]
    )
    verdicts = cases_of(baseline_file(pytester))
    assert len(verdicts) == 40
    assert verdicts[nodeid("sq[i7]")] == "wrong"
    assert verdicts[nodeid("neg[i0]")] == "wrong"  # did not run: kept as it was

    result = run(pytester, mode, "-m", "other", "--llm-baseline")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*paired 10, added 0, removed 0, outside this selection 30",
            "partial selection (-m other): compared on the cases that ran",
        ]
    )


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_deselection_by_a_plugin_is_a_partial_selection(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester)
    accept_baseline(pytester)
    pytester.makeconftest(
        "def pytest_collection_modifyitems(config, items):\n"
        "    gone = [i for i in items if '::neg[' in i.nodeid]\n"
        "    items[:] = [i for i in items if i not in gone]\n"
        "    config.hook.pytest_deselected(items=gone)\n"
    )
    result = run(pytester, mode, "--llm-update-baseline")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*10 kept from cases this run did not cover (merged: *"])
    assert len(baseline_file(pytester)["cases"]) == 40


@pytest.mark.parametrize("mode", MODES)
def test_a_partial_selection_cannot_start_a_baseline(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester)
    result = run(pytester, mode, "-k", "neg", "--llm-update-baseline")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["  baseline NOT updated: a partial selection (-k neg) cannot start a new baseline*"]
    )
    assert not (pytester.path / "llmexec-baseline.json").exists()


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES[:1])
def test_fewer_paths_keep_the_other_files_and_a_full_run_drops_removed_cases(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    for folder in ("suite_a", "suite_b"):
        (pytester.path / folder).mkdir()
        (pytester.path / folder / "bench.yaml").write_text(suite())
    pytester.makefile(".json", gen=answers(BASE_WRONG))
    result = run(pytester, mode, "suite_a", "suite_b", "--llm-update-baseline")
    assert result.ret == 0, result.stdout.str()
    assert len(baseline_file(pytester)["cases"]) == 80

    (pytester.path / "suite_a" / "bench.yaml").write_text(suite(n_sq=25))  # 5 inputs removed
    result = run(pytester, mode, "suite_a", "--llm-update-baseline")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "baseline llmexec-baseline.json written: 0 added, 0 changed, 40 kept from cases this "
            "run did not cover, 5 dropped (removed from the suite)",
            "  dropped suite_a/bench.yaml::sq[replay-vp-i25]",
        ]
    )
    nodeids = cases_of(baseline_file(pytester))
    assert len(nodeids) == 75
    assert "suite_b/bench.yaml::sq[replay-vp-i29]" in nodeids
    assert "suite_a/bench.yaml::sq[replay-vp-i29]" not in nodeids


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_unstable_samples_are_marked_and_do_not_fail_the_build(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    pytester.makefile(".yaml", bench=suite())
    pytester.makefile(".json", gen=answers(samples={c: [True] * 3 for c in ALL_CASES}))
    accept_baseline(pytester, "--llm-samples=3")
    shaky = {f"sq[i{i}]": [True, False, False] for i in range(12)}
    pytester.makefile(".json", gen=answers(samples={**{c: [True] * 3 for c in ALL_CASES}, **shaky}))
    result = run(pytester, mode, "--llm-samples=3", "--llm-baseline")
    result.assert_outcomes(passed=28, failed=12)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "replay/vp*28*100.0%*100.0%*+0.0*0*0*1.000*1.000*12*ok",
            "samples: pass^k (all k samples right) and flip rate between samples",
            "*model/strategy*pass^k before*now*flip rate before*now",
            "*replay/vp*100.0%*70.0%*0.0%*20.0%",
            "unstable: samples disagree, not counted as flips (12):",
            "gate PASSED*",
        ]
    )


@pytest.mark.parametrize("mode", MODES)
def test_other_failures_are_never_masked(pytester: pytest.Pytester, mode: tuple[str, ...]) -> None:
    setup(pytester)
    accept_baseline(pytester)
    pytester.makepyfile(test_other="def test_broken():\n    assert False\n")
    result = run(pytester, mode, "bench.yaml", "test_other.py", "--llm-baseline")
    result.assert_outcomes(passed=38, failed=3)
    result.stdout.fnmatch_lines(["gate PASSED*"])
    assert result.ret == 1


@pytest.mark.parametrize("mode", MODES)
def test_in_a_shard_the_gate_counts_what_the_shard_ran(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    """The gate reads the shard tracker's counts: the other shards' tests are neither
    "deselected" nor "did not run", and a broken test of the shard still fails the run."""
    setup(pytester)
    accept_baseline(pytester)
    pytester.makepyfile(test_other="def test_broken():\n    assert False\n")
    shard = f"{bucket('test_other.py::test_broken', 2) + 1}/2"  # the shard that runs it
    result = run(
        pytester, mode, "bench.yaml", "test_other.py", f"--llm-shard={shard}", "--llm-baseline"
    )
    result.stdout.fnmatch_lines(
        [f"*partial selection (shard {shard}): compared on the cases that ran*", "gate PASSED*"]
    )
    assert result.ret == 1


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", MODES)
def test_collection_errors_block_the_update_and_are_not_masked(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    setup(pytester)
    accept_baseline(pytester)
    before = (pytester.path / "llmexec-baseline.json").read_bytes()
    pytester.makefile(
        ".yaml", broken="snippets:\n  - id: bad\n    code: 'def f(:'\n    inputs: ['1']\n"
    )
    result = run(pytester, mode, "--continue-on-collection-errors", "--llm-update-baseline")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["  baseline NOT updated: 1 collection error(s)*"])
    assert (pytester.path / "llmexec-baseline.json").read_bytes() == before
    result = run(
        pytester, mode, "--continue-on-collection-errors", "--llm-baseline", "--llm-report=r.json"
    )
    result.stdout.fnmatch_lines(["gate PASSED*"])
    assert result.ret == 1
    # the gate on the run's report decides alike (the rule is gate/judge.py's, for both)
    refused = subprocess.run(
        [sys.executable, "-m", "pytest_llmexec.cli", "gate", "r.json", "--update-baseline"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "baseline NOT updated: 1 collection error(s): their cases would look removed" in (
        refused.stdout
    )
    assert (pytester.path / "llmexec-baseline.json").read_bytes() == before


@pytest.mark.parametrize("mode", MODES[:1])
def test_fail_under_without_a_baseline(pytester: pytest.Pytester, mode: tuple[str, ...]) -> None:
    setup(pytester)
    result = run(pytester, mode, "--llm-fail-under=90")
    result.assert_outcomes(passed=38, failed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["accuracy floor 90%: replay/vp 95.0%", "gate PASSED*"])
    result = run(pytester, mode, "--llm-fail-under=96")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["gate FAILED:", "  replay/vp: accuracy 95.0% is below --llm-fail-under=96%"]
    )


@pytest.mark.slow  # a long pytester run
def test_stopping_early_only_merges(pytester: pytest.Pytester) -> None:
    setup(pytester)
    accept_baseline(pytester)
    pytester.makefile(".json", gen=answers({"sq[i3]"}))
    result = run(pytester, ("-p", "no:xdist"), "-x", "--llm-update-baseline")
    assert result.ret == 0  # what ran was merged in: the gate (the update) holds
    result.stdout.fnmatch_lines(["*(merged: partial selection)"])
    verdicts = cases_of(baseline_file(pytester))
    assert len(verdicts) == 40 and verdicts[nodeid("sq[i3]")] == "wrong"


@pytest.mark.slow  # a long pytester run
def test_a_missing_or_broken_baseline_fails_the_gate_with_what_to_do(
    pytester: pytest.Pytester,
) -> None:
    setup(pytester, wrong=())
    result = run(pytester, ("-p", "no:xdist"), "--llm-baseline=ci/base.json")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "gate FAILED:",
            "  no comparison: */ci/base.json: no baseline file; create it from a full run with "
            "--llm-update-baseline",
        ]
    )
    (pytester.path / "ci").mkdir()
    (pytester.path / "ci" / "base.json").write_text("<<<<<<< HEAD\n")
    result = run(pytester, ("-p", "no:xdist"), "--llm-baseline=ci/base.json")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["  no comparison: */ci/base.json:1: invalid JSON*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--llm-update-baseline=sometimes",), "*--llm-update-baseline=sometimes: the only value*"),
        (("--llm-alpha=2",), "*--llm-alpha=2: must be between 0 and 1*"),
        (("--llm-fail-under=120",), "*--llm-fail-under=120: a percentage between 0 and 100*"),
        (("--llm-baseline", "bench.yaml"), "*--llm-baseline bench.yaml: this looks like a test*"),
    ],
)
def test_bad_options_are_usage_errors(
    pytester: pytest.Pytester, args: tuple[str, ...], message: str
) -> None:
    setup(pytester)
    result = pytester.runpytest(*REPLAY, "-p", "no:xdist", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_header_shows_the_gate(pytester: pytest.Pytester) -> None:
    setup(pytester)
    result = run(
        pytester,
        ("-p", "no:xdist"),
        "--llm-baseline",
        "--llm-tolerance=3",
        "--llm-fail-under=50",
        "--co",
    )
    result.stdout.fnmatch_lines(
        [
            "llmexec gate: baseline=llmexec-baseline.json (compare) tolerance=3 alpha=0.05 "
            "fail-under=50%"
        ]
    )


@pytest.mark.slow  # a long pytester run
def test_ini_twins(pytester: pytest.Pytester) -> None:
    setup(pytester)
    accept_baseline(pytester)
    pytester.makeini("[pytest]\nllm_baseline = llmexec-baseline.json\nllm_tolerance = 50\n")
    pytester.makefile(".json", gen=answers(BASE_WRONG | {f"sq[i{i}]" for i in range(1, 13)}))
    result = run(pytester, ("-p", "no:xdist"))
    assert result.ret == 0  # a 30-point drop is within the 50-point tolerance
    result.stdout.fnmatch_lines(["*tolerance=50*", "gate PASSED*"])


def test_baseline_path_is_relative_to_the_invocation_directory(pytester: pytest.Pytester) -> None:
    setup(pytester)
    result = run(
        pytester, ("-p", "no:xdist"), "--llm-update-baseline", "--llm-baseline=ci/accepted.json"
    )
    assert result.ret == 0, result.stdout.str()
    assert Path(pytester.path / "ci" / "accepted.json").exists()
