"""``llamacpp:`` against the real llama-server and model that ``scripts/setup_llama.sh`` makes.

CI runs the script first (``.ci/run``), which caches both under
``~/.cache/pytest-llmexec/llama``; these tests find them through the
``LLMEXEC_LLAMA_SERVER`` / ``LLMEXEC_LLAMA_MODEL`` variables it prints, or in
that cache. They assert behaviour, never the model's accuracy, and keep every
reply short (``--llm-max-tokens``): the model generates about 15 tokens a
second on a 2-core CPU without AVX2.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.providers.llamacpp import alive

CACHE = Path.home() / ".cache" / "pytest-llmexec" / "llama"
SERVER = Path(
    os.environ.get("LLMEXEC_LLAMA_SERVER")
    or CACHE / "llama.cpp-11434.0.0" / "build" / "bin" / "llama-server"
)
MODEL = Path(
    os.environ.get("LLMEXEC_LLAMA_MODEL") or CACHE / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
)
NAME = MODEL.stem
MISSING = [str(p) for p in (SERVER, MODEL) if not p.is_file()]

pytestmark = [
    pytest.mark.slow,  # needs the real model
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"no real llama-server/model ({', '.join(MISSING)}): run bash scripts/setup_llama.sh"
        + (
            f" ({os.environ['LLMEXEC_LLAMA_SKIP']})" if os.environ.get("LLMEXEC_LLAMA_SKIP") else ""
        ),
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

ROWS = [
    ("triple", "def f(x):\n    return x * 3", "4"),
    ("reverse", "def f(s):\n    return s[::-1]", "'abc'"),
    ("count", "def f(xs):\n    return len([x for x in xs if x > 1])", "[1, 2, 3]"),
]


def write_rows(path: Path, count: int) -> None:
    lines = []
    for name, code, arg in ROWS[:count]:
        namespace: dict[str, Any] = {}
        exec(code, namespace)
        output = repr(namespace["f"](eval(arg)))
        lines.append(json.dumps({"id": name, "code": code, "input": arg, "output": output}))
    (path / "rows.jsonl").write_text("\n".join(lines) + "\n")


def run(pytester: pytest.Pytester, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "llmexec",
        "rows.jsonl",
        f"--llm-model=llamacpp:{MODEL}",
        f"--llm-server={SERVER}",
        "--llm-report=report.json",
        "-p",
        "no:randomly",
        *extra,
    )


def report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / "report.json").read_text())
    return data


def server_pid(result: pytest.RunResult) -> int:
    match = re.search(
        r"llmexec llama-server: \S+ at http://127\.0\.0\.1:\d+/v1 slots=\d+ pid=(\d+)",
        result.stdout.str(),
    )
    assert match, result.stdout.str()
    return int(match.group(1))


def launches(pytester: pytest.Pytester) -> list[str]:
    """The server's tasks for the run's requests, from its log: ``is_child = 1`` for the
    extra choices of an ``n``. Its first task is the one-token probe the plugin sends at
    start (a binary that does not fit the CPU dies there), not a request of the run."""
    log = (pytester.path / ".llmexec" / f"llama-server-{NAME}.log").read_text()
    found = re.findall(r"launch_slot_.*is_child = (\d)", log)
    assert found[:1] == ["0"], "the start-up probe is the server's first task"
    return found[1:]


def test_vp_cot_and_iip_against_the_real_server(pytester: pytest.Pytester) -> None:
    """Short replies, cut at 4 tokens whatever the model says (finish_reason=length: no
    answer fits in 4 tokens, so the truncation is recorded however the model begins), IIP
    holds a conversation of a step and the answer; a rerun is served from the cache."""
    write_rows(pytester.path, 2)
    result = run(pytester, "--llm-strategy=vp,cot,iip", "--llm-max-tokens=4", "--llm-concurrency=1")
    pid = server_pid(result)
    assert not alive(pid)  # stopped at the end of the session
    result.stdout.fnmatch_lines([f"*{NAME}/cot *"])
    cases = report(pytester)["cases"]
    assert len(cases) == 6
    assert all(c["verdict"] in ("correct", "wrong", "unparseable") for c in cases), cases
    assert all(c["usage"]["input_tokens"] > 0 and c["usage"]["output_tokens"] > 0 for c in cases)
    by = {(c["snippet"], c["strategy"]): c for c in cases}
    assert all(by[(row, "cot")]["truncated"] for row in ("triple", "reverse"))
    assert report(pytester)["summary"]["runs"][f"{NAME}/cot"]["truncated"] == 2
    # the second VP prompt shares the first's few-shot prefix: llama-server reuses it
    assert by[("reverse", "vp")]["usage"]["cached_tokens"] > 0
    iip = by[("triple", "iip")]
    assert iip["calls"] == 2 and [m["role"] for m in iip["conversation"]] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    rerun = run(pytester, "--llm-strategy=vp,cot,iip", "--llm-max-tokens=4")
    assert all(c["cache_hit"] for c in report(pytester)["cases"])
    assert launches(pytester) == []  # the new server was asked nothing
    assert not alive(server_pid(rerun))


def test_samples_with_n_and_two_workers_sharing_one_server(pytester: pytest.Pytester) -> None:
    write_rows(pytester.path, 2)
    result = run(
        pytester,
        "-n",
        "2",
        "--llm-samples=2",
        "--llm-temperature=0.8",
        "--llm-max-tokens=12",
        "--llm-concurrency=1",
    )
    assert result.stdout.str().count("llmexec llama-server:") == 1
    assert not alive(server_pid(result))
    cases = report(pytester)["cases"]
    assert [c["n_samples"] for c in cases] == [2, 2]
    assert all(c["verdict"] != "error" for c in cases), cases
    assert sorted(launches(pytester)) == ["0", "0", "1", "1"]  # one request with n=2 per case


CONFTEST_KILL = """
import os, signal

def pytest_runtest_logreport(report):
    if report.when == "call" and report.nodeid.endswith("triple[{name}-vp-i0]"):
        state = report_config.pluginmanager.get_plugin("llmexec-state")
        for managed in state.local_servers.servers.values():
            os.kill(managed.process.pid, signal.SIGKILL)

def pytest_configure(config):
    global report_config
    report_config = config
"""


def test_a_server_killed_mid_run_errors_the_rest_and_a_rerun_resumes(
    pytester: pytest.Pytester,
) -> None:
    write_rows(pytester.path, 3)
    pytester.makeconftest(CONFTEST_KILL.replace("{name}", NAME))
    result = run(pytester, "--llm-max-tokens=12", "--llm-concurrency=1")
    cases = {c["snippet"]: c for c in report(pytester)["cases"]}
    assert cases["triple"]["verdict"] != "error"
    assert [cases[n]["verdict"] for n in ("reverse", "count")] == ["error", "error"], cases
    assert all("is no longer running" in cases[n]["error"] for n in ("reverse", "count"))
    assert not alive(server_pid(result))
    (pytester.path / "conftest.py").unlink()
    run(pytester, "--llm-max-tokens=12", "--llm-concurrency=1")
    cases = {c["snippet"]: c for c in report(pytester)["cases"]}
    assert [cases[n]["cache_hit"] for n in ("triple", "reverse", "count")] == [True, False, False]
    assert all(c["verdict"] != "error" for c in cases.values())


def test_ctrl_c_during_a_real_reply_leaves_no_server(pytester: pytest.Pytester) -> None:
    """SIGINT while the real server is generating: pytest ends and takes the server with it."""
    write_rows(pytester.path, 1)
    out = pytester.path / "out.txt"
    with out.open("w") as handle:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "pytest", "-p", "llmexec", "rows.jsonl", "-s"),
                *(f"--llm-model=llamacpp:{MODEL}", f"--llm-server={SERVER}"),
                *("--llm-strategy=cot", "--llm-max-tokens=2000", "-p", "no:cacheprovider"),
            ],
            cwd=pytester.path,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    log = pytester.path / ".llmexec" / f"llama-server-{NAME}.log"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not (
            log.exists() and log.read_text().count("launch_slot_") >= 2
        ):
            time.sleep(0.2)
        # the start-up probe, then the reply the server is generating
        assert log.read_text().count("launch_slot_") >= 2
        pid = int(re.findall(r"llama-server: .* pid=(\d+)", out.read_text())[0])
        assert alive(pid)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        deadline = time.monotonic() + 15
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid), out.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
