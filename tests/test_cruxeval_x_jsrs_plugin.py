"""CRUXEval-X's js.jsonl and rs.jsonl through `pytest -p llmexec`: oracle, prompts, ids."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import read_report

from pytest_llmexec.languages import JavaScript, LanguageError, Rust

FIXTURES = Path(__file__).with_name("fixtures") / "cruxeval_x"
ROWS = 28


def missing() -> str:
    """What this machine lacks for both languages ('' when it has both)."""
    lacking = []
    for language in (JavaScript(), Rust()):
        try:
            language.toolchain()
        except LanguageError as exc:
            lacking.append(str(exc))
    return "; ".join(lacking)


pytestmark = [
    pytest.mark.slow,  # needs node and rustc
    pytest.mark.skipif(bool(missing()), reason=f"{missing()} (.ci/run installs them)"),
]


@pytest.fixture(scope="module")
def cache_dir(seeded_cache: Callable[..., Path]) -> Path:
    """One build cache for the module's runs: the Rust rows are compiled once.
    The session's prepared toolchains are in it.
    """
    return seeded_cache("js", "rs")


def run(
    pytester: pytest.Pytester, cache_dir: Path, *args: str, model: str = "oracle"
) -> pytest.RunResult:
    for name in ("js.jsonl", "rs.jsonl"):
        shutil.copy(FIXTURES / name, pytester.path / name)
    return pytester.runpytest_subprocess(
        "js.jsonl",
        "rs.jsonl",
        "-p",
        "llmexec",
        f"--llm-model={model}",
        "--llm-task=output,input",
        f"--llm-cache-dir={cache_dir}",
        "--llm-report=report.json",
        "-p",
        "no:randomly",
        *args,
    )


@pytest.mark.parametrize(
    "mode",
    [("-n", "0", "--llm-strategy=vp,cot"), ("-n", "2", "--llm-strategy=vp")],
    ids=["plain", "xdist"],
)
def test_oracle_scores_every_js_and_rs_row_on_both_tasks(
    pytester: pytest.Pytester, cache_dir: Path, mode: tuple[str, ...]
) -> None:
    strategies = 2 if "cot" in mode[-1] else 1
    result = run(pytester, cache_dir, *mode)
    total = 2 * 2 * ROWS * strategies  # two languages, two tasks
    result.assert_outcomes(passed=total)
    cases = read_report(pytester)["cases"]
    assert len(cases) == total
    assert {c["verdict"] for c in cases} == {"correct"}
    assert {c["language"] for c in cases} == {"js", "rs"}
    assert not any(c["recorded_mismatch"] for c in cases)
    result.stdout.fnmatch_lines(["accuracy by language*", "*js*100.0%*", "*rs*100.0%*"])
    by_id = {c["nodeid"]: c for c in cases}
    first_js = by_id["js.jsonl::0[oracle-vp-input-js-i0]"]
    assert (first_js["predicted"], first_js["expected"]) == ("candidate([1, 2, 3, 4])", "[4, 8]")
    first_rs = by_id["rs.jsonl::0[oracle-vp-rs-i0]"]
    assert (first_rs["predicted"], first_rs["snippet"]) == ("vec![4, 8]", "0")
    # the prompts are the language's own: its fence, its worked examples, ???? in place
    shown_js = str(first_js["conversation"])
    assert "```javascript" in shown_js and "assert.deepEqual(????,[4, 8]);" in shown_js
    assert "candidate([2, 8, 5])" in shown_js  # a worked example of js/vp_input.txt
    shown_rs = str(first_rs["conversation"])
    assert "```rust" in shown_rs and "assert_eq!(candidate(vec![1, 2, 3, 4]), ????);" in shown_rs
    assert 'String::from("aaabbb")' in shown_rs  # a worked example of rs/vp.txt


def test_js_and_rs_ids_markers_and_the_language_option(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    result = run(pytester, cache_dir, "--co", "-q", "-m", "rs and vp", "--llm-language=rs")
    result.stdout.fnmatch_lines(["rs.jsonl::0[[]oracle-vp-rs-i0[]]", "*56 tests collected*"])
    assert "js.jsonl::" not in result.stdout.str()


def test_replaying_published_js_and_rs_results_agrees_with_their_res(
    pytester: pytest.Pytester, cache_dir: Path
) -> None:
    """Our own results in CRUXEval-X's published shape (``infer_results/demo_jsrs``, integer
    ids as CRUXEval-X publishes them; right answers, wrong values, answers that do not
    compile, ``res`` from running each program): re-scored, every row agrees with its res."""
    shutil.copytree(FIXTURES / "infer_results", pytester.path / "infer_results")
    result = run(pytester, cache_dir, "--llm-replay=infer_results/demo_jsrs", model="replay")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    cases = [c for c in read_report(pytester)["cases"] if c["model"] == "replay"]
    verdicts = {(c["language"], c["task"], c["snippet"]): c for c in cases}
    assert len(verdicts) == 2 * 2 * ROWS
    seen: dict[str, int] = {}
    disagreements = []
    for language in ("js", "rs"):
        for task in ("output", "input"):
            published = json.loads(
                (FIXTURES / "infer_results" / "demo_jsrs" / f"{language}_{task}.json").read_text()
            )
            assert len(published) == ROWS
            for item in published:
                case = verdicts[(language, task, str(item["id"]))]
                seen[case["verdict"]] = seen.get(case["verdict"], 0) + 1
                if (case["verdict"] == "correct") != item["res"]:
                    disagreements.append((language, task, item["id"], item["res"], case["verdict"]))
    assert not disagreements, disagreements
    assert seen["correct"] == 14 + 16 + 14 + 16
    assert seen["wrong"] > 0 and seen["unparseable"] > 0
