"""The pytest side of the warm fork server, and the executor built on it.

`ForkServer` starts ``server.py`` in a clean interpreter and talks to it over
two pipes; it restarts the server lazily when it died (a snippet cannot kill
it through the sandbox, but nothing else is assumed). `ForkServerExecutor`
runs every call there and, the first time it sees a call, also on a second
server with another hash seed: differing results make the call
``nondeterministic``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from typing import IO, Any

from .api import HARNESS, NONDETERMINISTIC, Call, Outcome

SERVER = Path(__file__).with_name("server.py")
#: bumped whenever a change may change an outcome (part of the truth cache key)
EXECUTOR_VERSION = "forkserver-1"
START_TIMEOUT = 30.0
#: time the server gets beyond a call's own timeout to kill, reap and answer
GRACE = 10.0
DEFAULT_MEMORY = 512 << 20


class ServerError(RuntimeError):
    """The fork server could not start or stopped answering."""


def sandbox_enabled() -> bool:
    """``LLMEXEC_SANDBOX=off`` turns the optional layers off (to test both ways)."""
    return os.environ.get("LLMEXEC_SANDBOX", "auto").strip().lower() not in (
        "0",
        "off",
        "no",
        "false",
        "none",
    )


def server_env(seed: int) -> dict[str, str]:
    """The server's whole environment: no keys, no PYTHON* variables, a fixed hash seed."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": str(seed),
        "MALLOC_ARENA_MAX": "2",  # threads would otherwise each reserve 64 MB of address space
    }


class ForkServer:
    """One server process: `send` a request, `receive` its answer.

    Subclasses run another server script (`script`) with other start options.
    """

    script: Path | None = None  # None: SERVER, read when the server starts

    def __init__(
        self, seed: int = 0, *, memory: int = DEFAULT_MEMORY, sandbox: bool | None = None
    ) -> None:
        self.seed = seed
        self.memory = memory
        self.sandbox = sandbox_enabled() if sandbox is None else sandbox
        self.proc: subprocess.Popen[bytes] | None = None
        self.layers: tuple[str, ...] = ()
        self.notes: tuple[str, ...] = ()  # why an optional layer is off
        self.python = ""
        self.base: str | None = None  # the server's working directory, outside a namespace
        self.hello: dict[str, Any] = {}
        self._stderr: IO[bytes] | None = None

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        """Start the server, or raise `ServerError` saying why it did not come up."""
        self.stop()
        tag = os.environ.get("LLMEXEC_SERVER_TAG")
        argv = [
            sys.executable,
            "-S",
            "-s",
            "-B",
            str(self.script or SERVER),
            json.dumps(self.options()),
        ]
        if tag:
            argv.append(tag)  # lets tests find our processes in /proc
        self._stderr = tempfile.TemporaryFile(prefix="llmexec-server-")  # noqa: SIM115 - kept open
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=server_env(self.seed),
                cwd="/",
                close_fds=True,
                start_new_session=True,
                bufsize=0,
            )
        except OSError as exc:
            raise ServerError(f"cannot start {sys.executable}: {exc}") from exc
        hello = self._receive(time.monotonic() + START_TIMEOUT)
        if not isinstance(hello, dict) or not hello.get("hello"):
            problem = self._diagnosis()
            self.kill()
            raise ServerError(f"the fork server did not start: {problem}")
        self.layers = tuple(hello["layers"])
        self.notes = tuple(str(note) for note in hello.get("notes") or ())
        self.base = hello.get("base")
        self.python = str(hello.get("python", ""))
        self.hello = hello

    def options(self) -> dict[str, Any]:
        """The server's start options (its command line)."""
        return {"memory": self.memory, "sandbox": self.sandbox, "parent": os.getpid()}

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Close the server's stdin (it exits and kills its call); kill it if it lingers."""
        proc, self.proc = self.proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self.base:  # what a killed server could not remove (a server removes its own)
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def _diagnosis(self) -> str:
        code = self.proc.poll() if self.proc is not None else None
        text = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            text = self._stderr.read()[-1500:].decode(errors="replace").strip()
        state = "still running" if code is None else f"exit status {code}"
        return f"{state}; stderr: {text or '(empty)'}"

    # ------------------------------------------------------------------ protocol
    def send(self, request: dict[str, Any]) -> None:
        if not self.alive:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        body = json.dumps(request).encode()
        try:
            self.proc.stdin.write(struct.pack(">I", len(body)) + body)
        except OSError:  # it died since: once more on a fresh server
            self.start()
            assert self.proc is not None and self.proc.stdin is not None
            try:
                self.proc.stdin.write(struct.pack(">I", len(body)) + body)
            except OSError as exc:
                raise ServerError(f"the fork server does not take requests: {exc}") from exc

    def receive(self, timeout: float) -> dict[str, Any]:
        """The answer to the last request; `ServerError` if the server died or hangs."""
        answer = self._receive(time.monotonic() + timeout + GRACE)
        if not isinstance(answer, dict):
            problem = self._diagnosis()
            self.kill()
            raise ServerError(f"the fork server stopped answering ({problem})")
        return answer

    def _receive(self, deadline: float) -> Any:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        poller = select.poll()  # (select() fails on descriptors above 1023)
        poller.register(fd, select.POLLIN)
        data = bytearray()
        need = 4
        length: int | None = None
        while len(data) < need:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(max(1, int(remaining * 1000))):
                return None
            chunk = os.read(fd, need - len(data))
            if not chunk:
                return None
            data += chunk
            if length is None and len(data) == 4:
                length = struct.unpack(">I", data)[0]
                need = 4 + length
        try:
            return json.loads(data[4:])
        except ValueError:
            return None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        self.stop()


def request_of(call: Call) -> dict[str, Any]:
    """What the server needs of a call (the memory limit is the server's own)."""
    return {
        "code": call.code,
        "entry": call.entry,
        "args": call.args,
        "timeout": call.timeout,
        "score": call.score,
        "trace": call.trace,
        "steps": [list(step) for step in call.steps] if call.steps else None,
        **call.options(),
    }


def outcome_of(data: dict[str, Any]) -> Outcome:
    steps = data.get("steps")
    return Outcome(
        status=str(data.get("status", HARNESS)),
        value=data.get("value"),
        detail=str(data.get("detail", "")),
        exc_type=data.get("exc_type"),
        stdout=str(data.get("stdout", "")),
        duration=float(data.get("duration", 0.0)),
        steps=tuple(steps) if isinstance(steps, list) else None,
        value_type=data.get("value_type"),
    )


def same_result(a: Outcome, b: Outcome) -> bool:
    """Equal for scoring: status, exception type, value (messages may differ)."""
    return (a.status, a.exc_type, a.value) == (b.status, b.exc_type, b.value)


class ForkServerExecutor:
    """Runs calls on a warm fork server; checks each new call under a second hash seed."""

    name = "forkserver"

    def __init__(
        self,
        *,
        memory: int = DEFAULT_MEMORY,
        check_determinism: bool = True,
        sandbox: bool | None = None,
    ) -> None:
        self.memory = memory
        self.check_determinism = check_determinism
        self.primary = ForkServer(0, memory=memory, sandbox=sandbox)
        self.secondary = ForkServer(1, memory=memory, sandbox=sandbox)
        self._checked: set[Call] = set()
        self.primary.start()
        # part of the truth cache key: a sandbox layer can change an outcome (fork denied...)
        self.version = f"{EXECUTOR_VERSION} memory={memory} layers={','.join(self.layers)}"
        _live.add(self)

    @property
    def layers(self) -> tuple[str, ...]:
        return self.primary.layers

    @property
    def notes(self) -> tuple[str, ...]:
        """Why an optional sandbox layer is off, for the report header."""
        return self.primary.notes

    def run(self, call: Call) -> Outcome:
        request = request_of(call)
        check = self.check_determinism and call not in self._checked
        try:
            self.primary.send(request)
            if check:
                self.secondary.send(request)  # both run at once
            first = outcome_of(self.primary.receive(call.timeout))
            if not check:
                return first
            second = outcome_of(self.secondary.receive(call.timeout))
        except ServerError as exc:
            self.primary.kill()
            self.secondary.kill()
            return Outcome(HARNESS, detail=str(exc))
        self._checked.add(call)
        if same_result(first, second):
            return first
        return Outcome(
            NONDETERMINISTIC,
            detail=(f"hash seed 0 gave {_brief(first)}; hash seed 1 gave {_brief(second)}"),
            stdout=first.stdout,
            duration=first.duration,
        )

    def close(self) -> None:
        self.primary.stop()
        self.secondary.stop()
        _live.discard(self)


def _brief(outcome: Outcome) -> str:
    if outcome.ok and outcome.value is not None:
        value = outcome.value if len(outcome.value) <= 80 else outcome.value[:77] + "..."
        return value
    return outcome.verdict


_live: weakref.WeakSet[ForkServerExecutor] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """No server outlives the pytest process, also after Ctrl-C or an unclean exit."""
    for executor in list(_live):
        executor.close()
