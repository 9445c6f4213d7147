"""Ground truth for compiled languages: build in the sandbox, cache the artifacts, run.

`NativeExecutor` runs a whole program of a `Language` (a CRUXEval-X row, an
answer put into its program) and says what happened as an `Outcome`:

- ``ok``: it built, ran, ``main`` returned and the process exited 0; the
  printed output is the value;
- ``compile error``: the program does not build (also a compiler that runs
  out of time or memory: a compile-time bomb; for an interpreted language,
  whose run checks the syntax first, a run that notes ``compile error`` on
  descriptor 3) — for a dataset's own program a dataset error, for a model's
  answer an unparseable one;
- ``assertion failed``: it built and an ``assert`` failed (C++ ``assert``,
  Java ``assert`` under ``-ea``);
- ``timeout``, ``memory``, ``crashed <signal>`` / ``crashed exit(N)`` (also
  ``exit(0)`` before ``main`` returned), ``harness error``.

Builds are cached by content (`Language.artifact_key`: program, toolchain and
flags) in memory and under the cache directory, compile errors included; a
compiler that timed out is not cached (on a loaded machine it may be an
accident). Both the compiler and the program run in `native_server.py`'s
sandbox; the trusted, program-independent parts (`Language.prepare`: the
precompiled ``bits/stdc++.h``, the harness's wrappers) are built once per
toolchain outside it and shown to it read-only.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..languages.base import ASSERTION, MEMORY, Language
from .api import CRASHED, HARNESS, OK, TIMEOUT, Call, Outcome
from .api import MEMORY as MEMORY_STATUS
from .forkserver import ForkServer, ServerError

NATIVE_SERVER = Path(__file__).with_name("native_server.py")
COMPILE_ERROR = "compile error"
ASSERTION_FAILED = "assertion failed"
#: bumped whenever a change may change an outcome
NATIVE_VERSION = "native-1"
#: what each seccomp profile allows beyond the Python server's (for the report header); which
#: one each language's build and run use is its `Language.needs`: g++ and rustc build under
#: ``build`` (their drivers run the assembler and the linker), the warm javac under ``run``
#: (threads only), JavaScript has no build; every program runs under ``run``
PROFILES = {"build": "exec+fork", "run": "exec"}


class NativeServer(ForkServer):
    """The sandbox server for compiled languages (`native_server.py`)."""

    script = NATIVE_SERVER

    def __init__(
        self,
        shared: dict[str, str],
        *,
        sandbox: bool | None = None,
        reads: Sequence[str] = (),
        boundary: bool = True,
    ) -> None:
        super().__init__(0, sandbox=sandbox)
        self.shared = shared
        self.reads = list(reads)
        self.boundary = boundary

    def options(self) -> dict[str, Any]:
        return {
            "sandbox": self.sandbox,
            "parent": os.getpid(),
            "shared": self.shared,
            "reads": self.reads,
            "boundary": self.boundary,
        }


@dataclass(frozen=True)
class Built:
    """A build: its artifacts, or why there are none (``outcome``)."""

    files: dict[str, bytes]
    outcome: Outcome | None = None  # a compile error or a harness error
    cached: bool = False


class NativeExecutor:
    """Builds and runs programs of the given languages, one at a time, in the sandbox."""

    name = "native"

    def __init__(
        self,
        languages: Sequence[Language],
        *,
        cache_dir: Path | None = None,
        sandbox: bool | None = None,
        build_timeout: float | None = None,
        boundary: bool = True,
    ) -> None:
        """*boundary* False leaves the Landlock layer off where it works (tests use it to
        check the server without it: its warm compiler then lives one request each)."""
        self.build_timeout = build_timeout  # None: each language's own (60 s)
        self.languages = {language.name: language for language in languages}
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if cache_dir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="llmexec-artifacts-")
            root = Path(self._scratch.name)
        else:
            root = Path(cache_dir) / "native"
        self.root = root
        (root / "artifacts").mkdir(parents=True, exist_ok=True)
        shared = {name: str(prepared(language, root)) for name, language in self.languages.items()}
        reads = [path for language in self.languages.values() for path in language.reads()]
        self.server = NativeServer(shared, sandbox=sandbox, reads=reads, boundary=boundary)
        self.server.start()
        self._memory: dict[str, Built] = {}
        self._lock = threading.Lock()
        _live.add(self)

    @property
    def layers(self) -> tuple[str, ...]:
        return self.server.layers

    def describe(self) -> str:
        """One line for the report header: the layers and what each language's profile allows."""
        toolchains = "; ".join(f"{n}={lang.toolchain()}" for n, lang in self.languages.items())
        profiles = ",".join(f"{k}:{v}" for k, v in PROFILES.items())
        needs = "; ".join(f"{n}={lang.needs}" for n, lang in self.languages.items() if lang.needs)
        return (
            f"llmexec native: sandbox={','.join(self.layers) or 'none'} "
            f"seccomp-profiles={profiles} toolchains: {toolchains} | per language: {needs}"
        )

    def shared(self, language: Language) -> str:
        """Where the sandbox sees *language*'s prepared directory."""
        return str(self.server.hello.get("shared", {}).get(language.name, ""))

    # ------------------------------------------------------------------ build
    def build(self, language: Language, program: str) -> Built:
        """*program*'s artifacts, from the cache or built now in the sandbox.

        The key is the language's own (toolchain, program) with the build's command
        line (every flag) and the sandbox layers: a layer can change what a build
        sees (a hidden /tmp, a denied call).
        """
        with self._lock:
            if not self.server.alive:  # (a restarted server may see the shared files elsewhere)
                self._restart()
            plan = language.build(program, self.shared(language))
            if not plan.argv:  # nothing to build: the sources are the artifacts
                return Built(dict(plan.files))
            if self.build_timeout is not None:
                plan = dataclasses.replace(plan, timeout=self.build_timeout)
            text = "\0".join([language.artifact_key(program), *plan.argv, *self.layers])
            key = hashlib.sha256(text.encode()).hexdigest()
            built = self._memory.get(key) or self._read(key)
            if built is not None:
                return built
            request: dict[str, Any] = {
                "argv": list(plan.argv),
                "files": {name: b64(data) for name, data in plan.files.items()},
                "collect": list(plan.collect),
                "timeout": plan.timeout,
                "memory": plan.memory,
                "profile": "build",
            }
            if plan.warm:
                request.update(warm=plan.warm, profile="run")
            answer = self._ask(request, plan.timeout)
            built, keep = self._built(answer, plan.timeout, set(plan.files))
            if keep:
                self._memory[key] = built
                self._write(key, built)
            return built

    def _built(
        self, answer: dict[str, Any], timeout: float, sources: set[str]
    ) -> tuple[Built, bool]:
        """What a build answer means, and whether to cache it."""
        status = answer.get("status")
        stderr = str(answer.get("stderr", ""))
        if status == HARNESS:
            return Built({}, Outcome(HARNESS, detail=str(answer.get("detail", ""))), False), False
        if status == "timeout":
            detail = f"the compiler ran out of time ({timeout:g}s): {answer.get('detail', '')}"
            return Built({}, Outcome(COMPILE_ERROR, detail=detail)), False
        if status == "exited" and answer.get("code") == 0:
            files = {
                name: base64.b64decode(data)
                for name, data in answer.get("files", {}).items()
                if name not in sources
            }
            if not files:
                return Built({}, Outcome(HARNESS, detail="the build left no artifact")), False
            return Built(files), True
        if status == "signaled":
            what = f"the compiler was killed by {answer.get('signal')}"
            return Built({}, Outcome(COMPILE_ERROR, detail=f"{what}: {stderr}")), False
        crashed = answer.get("code") == 2 and stderr.startswith("the compiler failed")
        return Built({}, Outcome(COMPILE_ERROR, detail=stderr.strip())), not crashed

    # ------------------------------------------------------------------ run
    def run(self, call: Call) -> Outcome:
        """The `Executor` interface: *call* is a whole program of one of our languages."""
        language = self.languages.get(call.language)
        if language is None:
            return Outcome(HARNESS, detail=f"no executor for the language {call.language!r}")
        return self.run_program(language, call.code, call.timeout)

    def run_program(self, language: Language, program: str, timeout: float = 10.0) -> Outcome:
        """Build *program* (or take its cached build), run it, say what happened."""
        built = self.build(language, program)
        if built.outcome is not None:
            return built.outcome
        with self._lock:
            if not self.server.alive:
                self._restart()
            plan = language.run(program, self.shared(language))
            request = {
                "argv": list(plan.argv),
                "files": {name: b64(data) for name, data in built.files.items()},
                "timeout": timeout,
                "memory": plan.memory,
                "env": dict(plan.env),
                "profile": "run",
            }
            answer = self._ask(request, timeout)
        return outcome_of(language, answer, timeout)

    def _restart(self) -> None:
        with contextlib.suppress(ServerError):  # the request then reports the harness error
            self.server.start()

    def _ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        try:
            self.server.send(request)
            return self.server.receive(timeout)
        except ServerError as exc:
            self.server.kill()
            return {"status": HARNESS, "detail": str(exc)}

    # ------------------------------------------------------------------ the artifact cache
    def _path(self, key: str) -> Path:
        return self.root / "artifacts" / f"{key}.json"

    def _read(self, key: str) -> Built | None:
        try:
            data = json.loads(self._path(key).read_text())
            if "error" in data:
                built = Built({}, Outcome(COMPILE_ERROR, detail=data["error"]), cached=True)
            else:
                files = {name: base64.b64decode(text) for name, text in data["files"].items()}
                built = Built(files, cached=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        self._memory[key] = built
        return built

    def _write(self, key: str, built: Built) -> None:
        data: dict[str, Any] = (
            {"error": built.outcome.detail}
            if built.outcome is not None
            else {"files": {name: b64(blob) for name, blob in built.files.items()}}
        )
        with contextlib.suppress(OSError):  # a cache that cannot be written is no cache
            handle, temporary = tempfile.mkstemp(dir=self._path(key).parent, suffix=".tmp")
            with os.fdopen(handle, "w") as out:
                json.dump(data, out)
            os.replace(temporary, self._path(key))

    def close(self) -> None:
        self.server.stop()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        _live.discard(self)


def outcome_of(language: Language, answer: dict[str, Any], timeout: float) -> Outcome:
    """What a run's answer means: ok, an assertion, a crash, a limit."""
    status = answer.get("status")
    stdout, stderr = str(answer.get("stdout", "")), str(answer.get("stderr", ""))
    duration = float(answer.get("duration", 0.0))
    detail = stderr.strip()[-1500:]

    def made(kind: str, text: str = detail, value: str | None = None) -> Outcome:
        return Outcome(kind, value=value, detail=text, stdout=stdout, duration=duration)

    if status == TIMEOUT:
        return made(TIMEOUT, str(answer.get("detail", f"no end after {timeout:g}s")))
    if status not in ("exited", "signaled"):
        return made(HARNESS, str(answer.get("detail", "")) or f"unexpected answer {status!r}")
    said = language.failure(stderr)
    if "compile error" in str(answer.get("marks", "")):  # the run's own syntax check
        return made(COMPILE_ERROR)
    if status == "exited" and answer.get("code") == 0:
        if "main returned" in str(answer.get("marks", "")):
            return made(OK, "", value=stdout)
        return made(CRASHED, f"exit(0) before main returned (the program ended itself) {detail}")
    if said == ASSERTION:
        return made(ASSERTION_FAILED)
    if said == MEMORY:
        return made(MEMORY_STATUS)
    if status == "signaled":
        name = str(answer.get("signal"))
        if name == "SIGKILL" and float(answer.get("cpu", 0.0)) >= timeout:
            return made(TIMEOUT, f"CPU time limit ({timeout:g}s)")
        return made(CRASHED, f"{name} {detail}".strip())
    return made(CRASHED, f"exit({answer.get('code')}) {detail}".strip())


def prepared(language: Language, root: Path) -> Path:
    """*language*'s prepared directory for its toolchain, made once (atomically: xdist
    workers may race for it) and readable by the sandbox's own user."""
    digest = hashlib.sha256(f"{NATIVE_VERSION} {language.toolchain()}".encode()).hexdigest()[:16]
    final = root / f"{language.name}-{digest}"
    if (final / ".ready").exists():
        return final
    work = Path(tempfile.mkdtemp(prefix=f".{language.name}-", dir=root))
    try:
        language.prepare(work)
        (work / ".ready").write_text(language.toolchain())
        for path in [work, *work.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        try:
            work.rename(final)
        except OSError:  # another process was first: use its directory
            if not (final / ".ready").exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


_live: weakref.WeakSet[NativeExecutor] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """No server outlives the pytest process."""
    for executor in list(_live):
        executor.close()
