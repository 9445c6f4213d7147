"""Two real llama-servers on one model file behind ``--llm-base-url=URL1,URL2``; one is
killed (SIGKILL) while it holds a request. Every case still gets a verdict from a whole
reply, and the report says how many requests each served.

Run it holding the machine's model lock:
``flock /work/model.lock pytest tests/test_endpoints_real.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from pytest_llmexec.providers.llamacpp import LlamaServer

CACHE = Path.home() / ".cache" / "pytest-llmexec" / "llama"
SERVER = Path(
    os.environ.get("LLMEXEC_LLAMA_SERVER")
    or CACHE / "llama.cpp-11434.0.0" / "build" / "bin" / "llama-server"
)
MODEL = Path(
    os.environ.get("LLMEXEC_LLAMA_MODEL") or CACHE / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
)
MISSING = [str(p) for p in (SERVER, MODEL) if not p.is_file()]

pytestmark = [
    pytest.mark.slow,  # needs the real model
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"no real llama-server/model ({', '.join(MISSING)}): "
        "run bash scripts/setup_llama.sh",
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

ROWS = [
    ("triple", "def f(x):\n    return x * 3", "4"),
    ("reverse", "def f(s):\n    return s[::-1]", "'abc'"),
    ("count", "def f(xs):\n    return len([x for x in xs if x > 1])", "[1, 2, 3]"),
    ("first", "def f(xs):\n    return xs[0]", "[7, 8]"),
    ("upper", "def f(s):\n    return s.upper()", "'ok'"),
    ("add", "def f(a, b):\n    return a + b", "2, 5"),
]


def write_rows(path: Path) -> None:
    lines = []
    for name, code, arg in ROWS:
        namespace: dict[str, Any] = {}
        exec(code, namespace)
        output = repr(namespace["f"](*eval(f"({arg},)")))
        lines.append(json.dumps({"id": name, "code": code, "input": arg, "output": output}))
    (path / "rows.jsonl").write_text("\n".join(lines) + "\n")


def busy(url: str, log: Path) -> bool:
    """Whether the server is working on a request: its /slots, or its log's launch_slot_."""
    try:
        with urllib.request.urlopen(url.removesuffix("/v1") + "/slots", timeout=5) as answer:
            if any(slot.get("is_processing") for slot in json.loads(answer.read())):
                return True
    except (OSError, ValueError, AttributeError):
        pass
    return "launch_slot_" in log.read_text(errors="replace")


def test_two_real_servers_one_killed_while_it_holds_a_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMA_ARG_THREADS", "1")  # a shared 2-core machine
    write_rows(tmp_path)
    first = LlamaServer(SERVER, MODEL, 2, tmp_path / "first.log")
    second = LlamaServer(SERVER, MODEL, 2, tmp_path / "second.log")
    try:
        a, b = first.start(), second.start()
        env = {**os.environ, "OPENAI_API_KEY": "unused"}
        env.pop("OPENAI_BASE_URL", None)
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "llmexec",
                "rows.jsonl",
                "--llm-model=qwen2.5-coder-0.5b",
                f"--llm-base-url={a.url},{b.url}",
                "--llm-max-tokens=12",
                "--llm-concurrency=4",
                "--llm-cache-dir=cache",
                "--llm-report=report.json",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:xdist",
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 600
        while not busy(a.url, tmp_path / "first.log"):
            assert run.poll() is None and time.monotonic() < deadline, "no request reached it"
            time.sleep(0.2)
        os.kill(a.pid, signal.SIGKILL)  # it holds a request now
        output, _ = run.communicate(timeout=1800)
        assert run.returncode in (0, 1), output
        data = json.loads((tmp_path / "report.json").read_text())
        cases = data["cases"]
        assert len(cases) == len(ROWS)
        assert all(c["verdict"] in ("correct", "wrong", "unparseable") for c in cases), cases
        assert all(c["usage"]["output_tokens"] > 0 for c in cases)  # whole replies only
        served = data["endpoints"]
        assert served[a.url]["out_of_rotation"], served
        assert served[a.url]["moved"] >= 1, served
        assert served[b.url]["out_of_rotation"] is None
        assert served[a.url]["served"] + served[b.url]["served"] == len(ROWS)
        assert f"llmexec endpoint {a.url}: served" in output
    finally:
        first.stop()
        second.stop()
