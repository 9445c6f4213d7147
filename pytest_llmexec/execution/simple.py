"""A process per call: slow but simple and isolated; the reference executor."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .api import CRASHED, HARNESS, TIMEOUT, Call, Outcome

CHILD = Path(__file__).with_name("child.py")


def child_env() -> dict[str, str]:
    """The environment a snippet sees: nothing of ours, no keys, a fixed hash seed."""
    return {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0", "LANG": "C.UTF-8"}


class SubprocessExecutor:
    """Starts ``python -S -s -B child.py`` for every call (the environment is ours,
    so ``-E``/``-I``, which would drop the fixed ``PYTHONHASHSEED``, are not used)."""

    name = "subprocess"
    version = "subprocess-1"
    layers: tuple[str, ...] = ("process", "clean-env", "tmpdir")

    def __init__(self, reason: str = "") -> None:
        self.reason = reason  # why the fork server is not used, for the report header

    def run(self, call: Call) -> Outcome:
        request = json.dumps(
            {
                "code": call.code,
                "entry": call.entry,
                "args": call.args,
                "score": call.score,
                "trace": call.trace,
                "steps": call.steps,
                **call.options(),
            }
        )
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="llmexec-") as cwd:
            proc = subprocess.Popen(
                [sys.executable, "-S", "-s", "-B", str(CHILD)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=child_env(),
                start_new_session=True,
            )
            try:
                out, _err = proc.communicate(request.encode(), timeout=call.timeout)
            except subprocess.TimeoutExpired:
                with_group_killed(proc)
                return Outcome(TIMEOUT, detail=f"no result after {call.timeout:g}s")
            finally:
                with_group_killed(proc)
        duration = time.perf_counter() - started
        if proc.returncode and proc.returncode < 0:
            name = signal.Signals(-proc.returncode).name
            return Outcome(CRASHED, detail=name, duration=duration)
        lines = out.decode(errors="replace").strip().splitlines()
        try:
            data = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            return Outcome(
                HARNESS,
                detail=f"the child exited with {proc.returncode} and no result",
                duration=duration,
            )
        return Outcome(
            status=data["status"],
            value=data.get("value"),
            detail=data.get("detail", ""),
            exc_type=data.get("exc_type"),
            stdout=data.get("stdout", ""),
            duration=duration,
            steps=tuple(data["steps"]) if data.get("steps") is not None else None,
            value_type=data.get("value_type"),
        )

    def close(self) -> None:
        pass


def with_group_killed(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group, then reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
