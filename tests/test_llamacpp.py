"""``--llm-model=llamacpp:<file.gguf>``: the plugin starts, shares and stops a llama-server.

These tests run a stand-in server (`tests/fakes/llama_server.py`) in place of
the binary, so every path, failures included, is quick; `test_llamacpp_real.py`
runs the same options against the real llama-server and model.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.providers.llamacpp import alive

FAKE = Path(__file__).parent / "fakes" / "llama_server.py"
NAME = "tiny-coder-q4"


def rows(path: Path, count: int) -> Path:
    lines = [
        json.dumps(
            {
                "id": f"r{i}",
                "code": f"def f(x):\n    return x * {i}",
                "input": "3",
                "output": f"{3 * i}",
            }
        )
        for i in range(count)
    ]
    target = path / "rows.jsonl"
    target.write_text("\n".join(lines) + "\n")
    return target


@pytest.fixture
def llama(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake model file and a ``llama-server`` executable that runs the stand-in."""
    (pytester.path / f"{NAME}.gguf").write_bytes(b"GGUF" + bytes(64))
    binary = pytester.path / "bin" / "llama-server"
    binary.parent.mkdir()
    binary.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
    binary.chmod(0o755)
    starts = pytester.path / "starts.jsonl"
    monkeypatch.setenv("FAKE_LLAMA_STARTS", str(starts))
    monkeypatch.setenv("PATH", f"{binary.parent}{os.pathsep}{os.environ['PATH']}")
    return starts


def starts(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def run(pytester: pytest.Pytester, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "llmexec",
        "rows.jsonl",
        f"--llm-model=llamacpp:{NAME}.gguf",
        "--llm-report=report.json",
        *extra,
    )


def report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / "report.json").read_text())
    return data


def log_requests(pytester: pytest.Pytester) -> int:
    log = pytester.path / ".llmexec" / f"llama-server-{NAME}.log"
    return log.read_text().count("POST /v1/chat/completions")


@pytest.mark.slow  # a long pytester run
def test_a_run_starts_the_server_names_the_model_by_its_stem_and_stops_it(
    pytester: pytest.Pytester, llama: Path
) -> None:
    rows(pytester.path, 3)
    result = run(pytester, "--llm-concurrency=2", "-m", NAME, "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            f"llmexec: models={NAME} *",
            f"llmexec llama-server: {NAME} at http://127.0.0.1:*/v1 slots=2 pid=* "
            f"log=*/.llmexec/llama-server-{NAME}.log",
            f"*rows.jsonl::r0[[]{NAME}-vp-i0[]] PASSED*",
        ]
    )
    (started,) = starts(llama)
    assert started["args"][started["args"].index("--host") + 1] == "127.0.0.1"
    assert started["args"][started["args"].index("--parallel") + 1] == "2"
    assert not alive(started["pid"])
    cases = report(pytester)["cases"]
    assert {c["model"] for c in cases} == {NAME}
    assert all(c["usage"]["cached_tokens"] == 60 for c in cases)  # read from the reply
    # a rerun is served from the cache: the key names the model file, not the port
    rerun = run(pytester)
    rerun.assert_outcomes(passed=3)
    assert all(c["cache_hit"] for c in report(pytester)["cases"])
    assert log_requests(pytester) == 0


@pytest.mark.slow  # a long pytester run
def test_under_xdist_one_server_serves_every_worker(pytester: pytest.Pytester, llama: Path) -> None:
    rows(pytester.path, 4)
    result = run(pytester, "-n", "2", "--llm-concurrency=1")
    result.assert_outcomes(passed=4)
    (started,) = starts(llama)  # the controller's, and no worker's
    assert started["args"][started["args"].index("--parallel") + 1] == "2"  # 2 workers x 1
    assert log_requests(pytester) == 4
    assert not alive(started["pid"])


@pytest.mark.slow  # a long pytester run
def test_samples_are_one_request_with_n(pytester: pytest.Pytester, llama: Path) -> None:
    rows(pytester.path, 2)
    result = run(pytester, "--llm-samples=3")
    result.assert_outcomes(passed=2)
    assert log_requests(pytester) == 2
    cases = report(pytester)["cases"]
    assert [c["n_samples"] for c in cases] == [3, 3]
    assert all(c["n_correct"] == 3 for c in cases)


def test_a_server_that_does_not_come_up_is_one_error_naming_its_log(
    pytester: pytest.Pytester, llama: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows(pytester.path, 3)
    monkeypatch.setenv("FAKE_LLAMA_MODE", "exit")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: llama-server for {NAME}.gguf exited with code 1 before it was ready; "
            f"its log is */.llmexec/llama-server-{NAME}.log:",
            "*error: failed to load model*",
        ]
    )
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


@pytest.mark.slow  # a long pytester run
@pytest.mark.parametrize("mode", ["signal", "signal-on-compute"])
def test_a_server_killed_by_a_signal_at_start_is_one_usage_error_naming_it(
    pytester: pytest.Pytester, llama: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """A binary that does not fit the CPU dies while loading or at its first computation
    (after /health): one usage error naming the signal, the log and the likely cause, and
    no test runs; with -n 2 too, since the controller starts the one server."""
    rows(pytester.path, 3)
    monkeypatch.setenv("FAKE_LLAMA_MODE", mode)
    when = "before it was ready" if mode == "signal" else "at its first computation"
    for extra in ([], ["-n", "2"]):
        result = run(pytester, *extra)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(
            [
                f"ERROR: llama-server for {NAME}.gguf was killed by SIGSEGV (signal 11) {when};"
                f" its log is */.llmexec/llama-server-{NAME}.log:",
                "*executing an instruction this CPU lacks*",
                "Likely cause: this binary does not fit this CPU *rebuild it with bash "
                "scripts/setup_llama.sh*",
            ]
        )
        output = result.stdout.str() + result.stderr.str()
        assert "passed" not in output and "failed" not in output and "Traceback" not in output
        assert output.count("ERROR:") == 1
        assert all(not alive(start["pid"]) for start in starts(llama))


@pytest.mark.slow  # a long pytester run
def test_missing_binary_and_bad_model_file_are_clear_errors(
    pytester: pytest.Pytester, llama: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows(pytester.path, 1)
    result = run(pytester, "--llm-server=nowhere/llama-server")
    result.stderr.fnmatch_lines(["ERROR: --llm-server=nowhere/llama-server: not an executable*"])
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run(pytester)
    result.stderr.fnmatch_lines(["ERROR: llama-server is not on PATH: give its path with*"])
    (pytester.path / "notes.gguf").write_text("hello")
    result = pytester.runpytest_subprocess(
        "-p", "llmexec", "rows.jsonl", "--llm-model=llamacpp:notes.gguf"
    )
    result.stderr.fnmatch_lines(["ERROR: --llm-model=llamacpp:notes.gguf: *not a GGUF model file"])
    result = run(pytester, "--co")  # collecting starts no server
    assert result.ret == 0 and not starts(llama)


@pytest.mark.slow  # a long pytester run
def test_a_server_dying_mid_run_errors_the_rest_and_a_rerun_resumes(
    pytester: pytest.Pytester, llama: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows(pytester.path, 5)
    monkeypatch.setenv("FAKE_LLAMA_DIE_AFTER", "2")
    result = run(pytester, "--llm-concurrency=1", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=3)
    cases = report(pytester)["cases"]
    assert [c["verdict"] for c in cases] == ["correct"] * 2 + ["error"] * 3
    assert all("is no longer running" in c["error"] for c in cases[2:])
    monkeypatch.delenv("FAKE_LLAMA_DIE_AFTER")
    rerun = run(pytester, "--llm-concurrency=1")
    rerun.assert_outcomes(passed=5)
    assert [c["cache_hit"] for c in report(pytester)["cases"]] == [True] * 2 + [False] * 3
    assert log_requests(pytester) == 3


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_no_server_outlives_an_interrupted_or_killed_run(
    pytester: pytest.Pytester, llama: Path, monkeypatch: pytest.MonkeyPatch, how: signal.Signals
) -> None:
    rows(pytester.path, 2)
    monkeypatch.setenv("FAKE_LLAMA_DELAY", "60")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "pytest", "-p", "llmexec", "rows.jsonl"),
            *(f"--llm-model=llamacpp:{NAME}.gguf", "-p", "no:cacheprovider"),
        ],
        cwd=pytester.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not in_flight(pytester):
            time.sleep(0.2)
        assert in_flight(pytester)  # the stand-in holds the request for a minute
        (started,) = starts(llama)
        process.send_signal(how)
        process.wait(timeout=120)
        deadline = time.monotonic() + 15
        while alive(started["pid"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(started["pid"])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def in_flight(pytester: pytest.Pytester) -> bool:
    log = pytester.path / ".llmexec" / f"llama-server-{NAME}.log"
    return log.exists() and "received a completion request" in log.read_text()


@pytest.mark.slow  # a long pytester run
def test_a_slow_reply_is_waited_for_not_retried_unless_a_timeout_is_given(
    pytester: pytest.Pytester, llama: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retried local reply is generated again from its first token: by default the run
    waits for it (the server is watched instead); --llm-request-timeout still applies."""
    rows(pytester.path, 1)
    monkeypatch.setenv("FAKE_LLAMA_DELAY", "2")
    result = run(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert log_requests(pytester) == 1
    result.stdout.fnmatch_lines(["*request-timeout=600s(llamacpp:none)*"])
    assert report(pytester)["run"]["providers"]["request_timeout"] is None
    (pytester.path / ".llmexec" / "replies.sqlite3").unlink()
    result = run(pytester, "-p", "no:randomly", "--llm-request-timeout=0.5", "--llm-retries=1")
    assert "request-timeout=0.5s" in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*no response from http://127.0.0.1:* within 0.5s (gave up after 2 tries)*"]
    )
