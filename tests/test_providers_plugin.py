"""API models end to end: `pytest -p llmexec` against the loopback fakes through the real SDKs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import AnthropicFake, Fault, OpenAIFake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def suite(count: int) -> str:
    """*count* cases: snippets of two inputs each; the very first input raises."""
    lines = ["category: math", "snippets:"]
    for i in range((count + 1) // 2):
        lines += [
            f"  - id: s{i}",
            "    raises: [ZeroDivisionError]",
            "    code: |",
            "      def f(a, b):",
            f"          return a * {i} // b",
            "    inputs:",
            "      - {a: 1, b: 0}" if i == 0 else f"      - {{a: {i + 1}, b: 2}}",
            f"      - {{a: {i}, b: 3}}",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIFake]:
    with OpenAIFake() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        yield server


def args(server: OpenAIFake, *extra: str) -> list[str]:
    return [
        "-p",
        "llmexec",
        "--llm-model=gpt-4o-mini",
        f"--llm-base-url={server.url}",
        "--llm-examples=0",
        "--llm-report=report.json",
        *extra,
    ]


def report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / "report.json").read_text())
    return data


def test_a_run_is_correct_and_a_rerun_makes_no_request(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    pytester.makefile(".yaml", bench=suite(6))
    result = pytester.runpytest(*args(openai_fake))
    result.assert_outcomes(passed=6)
    assert len(openai_fake.requests) == 6
    cases = report(pytester)["cases"]
    assert all(c["verdict"] == "correct" and not c["cache_hit"] for c in cases)
    assert all(c["usage"]["input_tokens"] > 0 and c["cost"] > 0 and c["calls"] == 1 for c in cases)
    usage = report(pytester)["summary"]["usage"]
    assert usage["total"]["n"] == 6 and usage["total"]["spent"] > 0
    assert "gpt-4o-mini/vp" in usage["runs"]
    result.stdout.fnmatch_lines(["tokens, cost and latency*", "*gpt-4o-mini/vp*0/6*"])
    assert (pytester.path / ".llmexec" / "replies.sqlite3").exists()

    rerun = pytester.runpytest(*args(openai_fake))
    rerun.assert_outcomes(passed=6)
    assert len(openai_fake.requests) == 6  # nothing new was asked
    assert all(c["cache_hit"] for c in report(pytester)["cases"])
    rerun.stdout.fnmatch_lines(["*gpt-4o-mini/vp*6/6*"])
    assert report(pytester)["run"]["providers"]["cache"] == "use"


def test_header_shows_the_provider_settings(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    pytester.makefile(".yaml", bench=suite(2))
    result = pytester.runpytest(*args(openai_fake, "--llm-budget=5", "--llm-max-tokens=64"))
    result.stdout.fnmatch_lines(
        [
            "llmexec providers: cache=use cache-dir=*.llmexec budget=$5 "
            "max-tokens=64 temperature=0 request-timeout=600s(llamacpp:none) retries=5"
        ]
    )


def test_injected_429s_and_500s_change_no_verdict(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    faults = {
        2: Fault(status=429, retry_after_ms="20"),
        3: Fault(status=500),
        5: Fault(status=503, retry_after="0"),
        7: Fault(status=429, retry_after="0"),
        8: Fault(kind="malformed"),
    }
    openai_fake.plan = faults.get
    pytester.makefile(".yaml", bench=suite(8))
    result = pytester.runpytest(*args(openai_fake, "--llm-cache=off", "--llm-concurrency=4"))
    result.assert_outcomes(passed=8)
    statuses = [r.status for r in openai_fake.requests]
    assert statuses.count(200) == 9 and 429 in statuses and 500 in statuses  # 8 + malformed
    assert not (pytester.path / ".llmexec").exists()  # off: no cache written


def test_a_failure_past_the_retries_is_an_error_verdict_and_the_run_goes_on(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    openai_fake.fail_next(*[Fault(status=500)] * 50)
    pytester.makefile(".yaml", bench=suite(2))
    result = pytester.runpytest(
        *args(openai_fake, "--llm-concurrency=1", "--llm-cache=off"), "-o", "llm_retries=1"
    )
    cases = report(pytester)["cases"]
    assert [c["verdict"] for c in cases] == ["error", "error"]
    assert "HTTP 500" in cases[0]["error"] and "gave up after 2 tries" in cases[0]["error"]
    assert len(openai_fake.requests) == 4
    result.assert_outcomes(failed=2)


def test_truncation_is_reported(pytester: pytest.Pytester, openai_fake: OpenAIFake) -> None:
    openai_fake.fail_next(Fault(kind="truncate"))
    pytester.makefile(".yaml", bench=suite(2))
    result = pytester.runpytest(*args(openai_fake, "--llm-concurrency=1"))
    data = report(pytester)
    first, second = data["cases"]
    assert first["truncated"] is True and first["verdict"] != "correct"  # half an answer
    assert second["truncated"] is False and second["verdict"] == "correct"
    assert data["summary"]["overall"]["truncated"] == 1
    result.stdout.fnmatch_lines(["*truncated*looped*forced", "gpt-4o-mini/vp * 1  *0"])


def test_a_looping_reply_is_counted_apart_from_other_truncated_ones(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    openai_fake.fail_next(Fault(kind="loop"), Fault(kind="truncate"))
    pytester.makefile(".yaml", bench=suite(4))
    result = pytester.runpytest(*args(openai_fake, "--llm-concurrency=1"))
    data = report(pytester)
    looped, cut, *whole = data["cases"]
    assert looped["truncated"] and looped["looped"] and looped["verdict"] == "unparseable"
    assert cut["truncated"] and not cut["looped"]
    assert whole and not any(c["truncated"] or c["looped"] for c in whole)
    assert data["summary"]["overall"]["truncated"] == 2
    assert data["summary"]["overall"]["looped"] == 1
    result.stdout.fnmatch_lines(["*truncated*looped*forced", "gpt-4o-mini/vp * 2 * 1 * 0"])


def test_cache_only_needs_no_key_and_fails_a_miss_clearly(
    pytester: pytest.Pytester, openai_fake: OpenAIFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", bench=suite(2))
    pytester.runpytest(*args(openai_fake, "-k", "s0 and i0")).assert_outcomes(passed=1)
    monkeypatch.delenv("OPENAI_API_KEY")
    result = pytester.runpytest(*args(openai_fake, "--llm-cache=only"))
    result.assert_outcomes(passed=1, failed=1)
    assert len(openai_fake.requests) == 1
    errors = [c["error"] for c in report(pytester)["cases"] if c["verdict"] == "error"]
    assert len(errors) == 1 and "--llm-cache=only: no stored reply" in errors[0]

    missing = pytester.runpytest(*args(openai_fake))
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(
        ["*no API key for OpenAI: set the environment variable OPENAI_API_KEY*"]
    )


def test_api_key_env_names_the_variable(pytester: pytest.Pytester, openai_fake: OpenAIFake) -> None:
    pytester.makefile(".yaml", bench=suite(1))
    result = pytester.runpytest(*args(openai_fake, "--llm-api-key-env=TEAM_KEY_X"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*set the environment variable TEAM_KEY_X*"])


def test_an_interrupted_run_resumes_from_what_was_stored(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    pytester.makefile(".yaml", bench=suite(6))
    pytester.runpytest(*args(openai_fake, "-k", "s0 or s1")).assert_outcomes(passed=4)
    pytester.runpytest(*args(openai_fake)).assert_outcomes(passed=6)
    assert len(openai_fake.requests) == 6  # four stored, two new
    assert sum(c["cache_hit"] for c in report(pytester)["cases"]) == 4


def test_budget_stops_requests_and_says_why(
    pytester: pytest.Pytester, openai_fake: OpenAIFake
) -> None:
    prices = pytester.path / "prices.json"
    prices.write_text(json.dumps({"gpt-4o-mini": {"input": 1e6, "output": 1e6}}))
    pytester.makefile(".yaml", bench=suite(4))
    result = pytester.runpytest(
        *args(
            openai_fake,
            "--llm-budget=1",
            "--llm-prices=prices.json",
            "--llm-concurrency=1",
            "--llm-cache=off",
        )
    )
    verdicts = [c["verdict"] for c in report(pytester)["cases"]]
    assert verdicts.count("correct") == 1 and verdicts.count("error") == 3
    assert len(openai_fake.requests) == 1
    assert "budget of $1 spent" in report(pytester)["cases"][-1]["error"]
    result.stdout.fnmatch_lines(["*budget of $1 spent (--llm-budget): request not sent*"])


def test_budget_needs_known_prices(pytester: pytest.Pytester, openai_fake: OpenAIFake) -> None:
    pytester.makefile(".yaml", bench=suite(1))
    result = pytester.runpytest(
        "-p",
        "llmexec",
        "--llm-model=openai:my-model",
        f"--llm-base-url={openai_fake.url}",
        "--llm-budget=1",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--llm-budget needs the price of openai:my-model*--llm-prices*"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--llm-cache=sometimes", "--llm-cache=sometimes: choose one of use, only, refresh, off"),
        ("--llm-reasoning-effort=huge", "--llm-reasoning-effort=huge: choose one of*"),
        ("--llm-thinking-budget=10", "--llm-thinking-budget=10: must be at least 1024"),
        ("--llm-budget=lots", "--llm-budget=lots: expected a number"),
        ("--llm-base-url=localhost:8000", "--llm-base-url=localhost:8000: expected an http*"),
    ],
)
def test_bad_provider_options_are_usage_errors(
    pytester: pytest.Pytester, openai_fake: OpenAIFake, option: str, message: str
) -> None:
    pytester.makefile(".yaml", bench=suite(1))
    result = pytester.runpytest("-p", "llmexec", "--llm-model=gpt-4o", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_anthropic_end_to_end(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    with AnthropicFake() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.key)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        server.fail_next(Fault(status=429, retry_after="0"), Fault(status=529, retry_after="0"))
        pytester.makefile(".yaml", bench=suite(4))
        result = pytester.runpytest(
            "-p",
            "llmexec",
            "--llm-model=claude-haiku-4-5",
            "--llm-examples=0",
            "--llm-thinking-budget=1024",
            "--llm-report=report.json",
        )
        result.assert_outcomes(passed=4)
        cases = report(pytester)["cases"]
        assert all(c["usage"]["reasoning_tokens"] == 32 for c in cases)
        assert all(r.body["thinking"]["budget_tokens"] == 1024 for r in server.completions)


def test_export_and_import_share_a_cache(
    pytester: pytest.Pytester, openai_fake: OpenAIFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", bench=suite(4))
    pytester.runpytest(*args(openai_fake)).assert_outcomes(passed=4)
    cli = [sys.executable, "-m", "pytest_llmexec.cache"]
    out = subprocess.run(
        [*cli, "export", "replies.jsonl"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "exported 4 replies" in out.stdout
    lines = (pytester.path / "replies.jsonl").read_text().splitlines()
    assert len(lines) == 4 and json.loads(lines[0])["reply"]["text"].startswith("[ANSWER]")

    other = pytester.path / "elsewhere"
    out = subprocess.run(
        [*cli, "import", "replies.jsonl", "--cache-dir", str(other)],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "imported 4 replies" in out.stdout
    monkeypatch.delenv("OPENAI_API_KEY")
    result = pytester.runpytest(*args(openai_fake, "--llm-cache=only", f"--llm-cache-dir={other}"))
    result.assert_outcomes(passed=4)
    assert len(openai_fake.requests) == 4

    (pytester.path / "bad.jsonl").write_text('{"key": "x"}\n')
    bad = subprocess.run(
        [*cli, "import", "bad.jsonl"], cwd=pytester.path, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "bad.jsonl:1: missing field(s)" in bad.stderr


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("workers", ["0", "2"])
def test_xdist_workers_prefetch_their_share(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    """With prefetching, more requests are in flight than there are workers."""
    with OpenAIFake(latency=0.3) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        pytester.makefile(".yaml", bench=suite(16))
        result = pytester.runpytest_subprocess(*args(server, "-n", workers, "--llm-concurrency=8"))
        result.assert_outcomes(passed=16)
        assert len(server.requests) == 16
        assert server.peak > 2, server.peak
        assert all(c["verdict"] == "correct" for c in report(pytester)["cases"])
        again = pytester.runpytest_subprocess(*args(server, "-n", workers))
        again.assert_outcomes(passed=16)
        assert len(server.requests) == 16


@pytest.mark.slow  # a long pytester run
def test_secrets_reach_no_file_the_run_wrote(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-llmexec-planted-0123456789abcdef"
    with OpenAIFake(key=secret) as server:
        monkeypatch.setenv("OPENAI_API_KEY", secret)
        server.fail_next(Fault(status=500), Fault(status=429, retry_after="0"))
        text = suite(4) + (
            "  - id: peek\n"
            "    code: |\n"
            "      def f():\n"
            "          import os\n"
            "          return any('sk-llmexec' in v for v in os.environ.values())\n"
            "    inputs:\n"
            "      - {}\n"
        )
        pytester.makefile(".yaml", bench=text)
        result = pytester.runpytest_subprocess(
            *args(
                server,
                "-n",
                "2",
                "--junitxml=junit.xml",
                "--log-file=run.log",
                "--log-file-level=DEBUG",
                "--llm-html=report.html",
                "-rA",
                "-v",
            ),
        )
        assert len(server.completions) == 5
    assert result.ret in (0, 1)
    assert secret not in result.stdout.str() + result.stderr.str()
    written = [p for p in pytester.path.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert {"replies.sqlite3", "report.json", "junit.xml", "run.log", "report.html"} <= names
    assert (pytester.path / "run.log").stat().st_size > 0
    for path in written:
        assert secret.encode() not in path.read_bytes(), path
    peek = next(c for c in report(pytester)["cases"] if c["snippet"] == "peek")
    assert peek["expected"] == "False"  # the snippet's own process saw no key


@pytest.mark.slow  # a long pytester run
def test_xdist_workers_share_one_budget(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request costs about $0.6 of a $1 budget: alone, each of the two workers would
    send two; sharing one ledger they send three at most (one may be in flight)."""
    with OpenAIFake() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        (pytester.path / "prices.json").write_text(
            json.dumps({"gpt-4o-mini": {"input": 2200, "output": 0}})  # ~272 tokens
        )
        pytester.makefile(".yaml", bench=suite(12))
        pytester.runpytest_subprocess(
            *args(
                server,
                "-n",
                "2",
                "--llm-budget=1",
                "--llm-prices=prices.json",
                "--llm-concurrency=1",
            )
        )
        cases = report(pytester)["cases"]
    assert all(0.5 < c["cost"] < 1 for c in cases if c["verdict"] == "correct")
    assert 2 <= len(server.requests) <= 3
    assert [c["verdict"] for c in cases].count("correct") == len(server.requests)
    assert sum("budget of $1 spent" in (c["error"] or "") for c in cases) == 12 - len(
        server.requests
    )
