"""A local llama.cpp server that the run starts and stops: ``--llm-model=llamacpp:<model.gguf>``.

`LlamaServer` runs ``llama-server`` (found on PATH, or ``--llm-server=PATH``)
on a free loopback port with one slot per request the run keeps in flight,
waits until ``/health`` answers 200, and stops it (SIGTERM, then SIGKILL)
when the session ends. The process dies with the pytest process that started
it even when that one is killed (``PR_SET_PDEATHSIG``), and an ``atexit`` hook
stops it after a crash. Its output goes to a log file that the header names;
a server that exits or stays unhealthy is one `ModelError` naming that log.
Under xdist the controller starts one server and its workers share it: they
get its URL and pid through ``workerinput``.

`LlamaCppModel` talks to it as to any OpenAI-compatible server, with three
differences: its name in test ids and markers is the file's stem; its cache
key names the model file (its size and a hash of its head and tail), not the
random port, so a rerun is served from the cache; and a server that has died
makes the remaining requests errors at once rather than retries.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .base import ModelError, Reply
from .openai_provider import OpenAIModel
from .pacing import Transient

T = TypeVar("T")
PREFIX = "llamacpp:"
BINARY = "llama-server"
CONTEXT_PER_SLOT = 8192  # tokens: an IIP conversation of 12 steps fits
HEALTH_TIMEOUT = 300.0  # seconds for the model to load
_GGUF_MAGIC = b"GGUF"


def is_llamacpp(name: str) -> bool:
    return name.startswith(PREFIX)


def model_file(name: str) -> Path:
    return Path(name[len(PREFIX) :]).expanduser()


def label(name: str) -> str:
    """The name a ``llamacpp:`` model goes by in ids, markers and reports: the file's stem."""
    return model_file(name).stem if is_llamacpp(name) else name


def check_model_file(name: str) -> Path:
    path = model_file(name)
    if not str(path) or str(path) == ".":
        raise ModelError(f"--llm-model={name}: give the path of a GGUF model after 'llamacpp:'")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelError(f"--llm-model={name}: cannot read {path} ({exc.strerror})") from None
    if magic != _GGUF_MAGIC:
        raise ModelError(f"--llm-model={name}: {path} is not a GGUF model file")
    return path.resolve()


def fingerprint(path: Path) -> str:
    """A cheap identity of a model file: its size and a hash of its first and last MiB."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:16]


def find_binary(given: str | None) -> Path:
    if given:
        path = Path(given).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path.resolve()
        raise ModelError(f"--llm-server={given}: not an executable file")
    found = shutil.which(BINARY)
    if found is None:
        raise ModelError(
            f"{BINARY} is not on PATH: give its path with --llm-server=PATH "
            "(bash scripts/setup_llama.sh builds one and prints it)"
        )
    return Path(found).resolve()


def alive(pid: int) -> bool:
    """Whether process *pid* runs (a zombie, exited but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not Path("/proc/self").exists()  # no /proc: trust kill(0)
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")


@dataclass(frozen=True)
class Endpoint:
    """Where a running server is reached, and how to tell that it still runs."""

    url: str  # the OpenAI-compatible base URL, ending in /v1
    pid: int
    log: str

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "pid": self.pid, "log": self.log}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Endpoint:
        return cls(str(data["url"]), int(data["pid"]), str(data["log"]))


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the pytest process that started it dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """One ``llama-server`` process serving one model file."""

    def __init__(self, binary: Path, model: Path, slots: int, log: Path) -> None:
        self.binary = binary
        self.model = model
        self.slots = max(1, slots)
        self.log = log
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "--model",
            str(self.model),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--parallel",
            str(self.slots),
            "--ctx-size",
            str(self.slots * CONTEXT_PER_SLOT),
            "--no-webui",
        ]

    def start(self, timeout: float = HEALTH_TIMEOUT) -> Endpoint:
        """Start it and wait until it is healthy; a `ModelError` names the log otherwise."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):  # another process may take the free port first
            self.port = _free_port()
            with self.log.open("wb") as out:
                self.process = subprocess.Popen(
                    self.command(),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C goes to pytest, which stops it
                    preexec_fn=_die_with_parent,
                )
            atexit.register(self.stop)
            try:
                self._wait_healthy(timeout)
            except _PortTaken:
                self.stop()
                if attempt == 2:
                    raise self._failure("could not bind a loopback port") from None
                continue
            self._first_computation(timeout)
            return Endpoint(f"http://127.0.0.1:{self.port}/v1", self.process.pid, str(self.log))
        raise AssertionError("unreachable")

    def _first_computation(self, timeout: float) -> None:
        """One token through llama-server's own ``/completion``: a binary built for another
        CPU loads its model and answers ``/health``, and dies at its first computation, which
        would otherwise be every test's error instead of one usage error here."""
        assert self.process is not None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/completion",
            data=json.dumps({"prompt": "1", "n_predict": 1, "cache_prompt": False}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            return
        except urllib.error.HTTPError as exc:
            answer = f"answered its first computation with HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            answer = f"gave no answer to its first computation ({exc})"
        code = self._exit_code(wait=5.0)
        self.stop()
        if code is not None:
            raise self._died(code, "at its first computation")
        raise self._failure(answer)

    def _exit_code(self, wait: float) -> int | None:
        """The server's exit status once it has ended within *wait* seconds, else None."""
        assert self.process is not None
        try:
            return self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def _died(self, code: int, when: str) -> ModelError:
        if code >= 0:
            return self._failure(f"exited with code {code} {when}")
        try:
            name = f"{signal.Signals(-code).name} (signal {-code})"
        except ValueError:
            name = f"signal {-code}"
        return self._failure(
            f"was killed by {name} {when}",
            "this binary does not fit this CPU (built for instructions it lacks, or"
            " llama.cpp's AMX code path): rebuild it with bash scripts/setup_llama.sh, which"
            " builds a portable llama-server and proves it on the machine that runs it",
        )

    def _wait_healthy(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/health"
        while True:
            code = self.process.poll()
            if code is not None:
                if b"couldn't bind" in self._tail().encode():
                    raise _PortTaken
                raise self._died(code, "before it was ready")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:  # 503 while the model loads
                if exc.code != 503:
                    self.stop()
                    raise self._failure(f"answered /health with HTTP {exc.code}") from None
            except (OSError, ValueError):
                pass  # not listening yet
            if time.monotonic() > deadline:
                self.stop()
                raise self._failure(f"was not healthy within {timeout:g}s")
            time.sleep(0.2)

    def _tail(self, lines: int = 8) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def _failure(self, what: str, cause: str = "") -> ModelError:
        tail = self._tail()
        return ModelError(
            f"llama-server for {self.model.name} {what}; its log is {self.log}"
            + (":\n" + tail if tail else "")
            + (f"\nLikely cause: {cause}" if cause else "")
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ValueError):
            atexit.unregister(self.stop)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _PortTaken(Exception):
    pass


class LlamaCppModel(OpenAIModel):
    """A model served by a `LlamaServer` of this run."""

    provider = "llamacpp"
    samples_in_one_request = True  # llama-server honours n (its "n_cmpl")
    #: no limit: the run watches the server itself, and a slow reply retried is a reply
    #: generated again from its first token (a 2048-token CoT trace takes 13 minutes at the
    #: 2.6 tokens a second one of 8 busy slots gets on 2 cores)
    default_timeout = None

    def __init__(self, *args: Any, endpoint: Endpoint, model_path: Path, **kwargs: Any) -> None:
        super().__init__(*args, base_url=endpoint.url, api_key="unused", **kwargs)
        self.endpoint = endpoint
        self.model_path = model_path
        self.cache_endpoint = f"llamacpp:{model_path.name}@{fingerprint(model_path)}"
        self.server_alive: Callable[[], bool] = lambda: alive(endpoint.pid)

    def describe(self) -> str:
        return f"{self.name} (llama-server at {self.base_url}, log {self.endpoint.log})"

    def _dead(self) -> ModelError:
        return ModelError(
            f"llama-server (pid {self.endpoint.pid}) is no longer running: request not sent; "
            f"its log is {self.endpoint.log}. Replies already received are in the cache: "
            "a rerun resumes from there"
        )

    async def send(self, body: dict[str, Any]) -> Reply:
        return await self._checked(super().send(body))

    async def send_samples(self, body: dict[str, Any]) -> list[Reply]:
        return await self._checked(super().send_samples(body))

    async def _checked(self, request: Awaitable[T]) -> T:
        """*request*, or a `ModelError` at once when the server has died (no retries)."""
        if not self.server_alive():
            close = getattr(request, "close", None)
            if close is not None:
                close()  # never awaited: no "coroutine was never awaited" warning
            raise self._dead()
        try:
            return await request
        except Transient:
            if not self.server_alive():
                raise self._dead() from None
            raise
