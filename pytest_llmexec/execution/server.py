"""The warm fork server: one clean interpreter that forks a child per call.

Started by `forkserver.ForkServer` as ``python -S -s -B server.py OPTIONS`` with
a cleared environment and a fixed ``PYTHONHASHSEED``. It imports the LeetCode
prelude once and keeps one child forked ahead: that child sets its limits and
sandbox, then waits on a pipe for its call. For every request the server hands
the call to that child, which runs it (`child.run_call`) and writes the
serialised result to another pipe. The server enforces the wall-clock timeout
and answers; then it SIGKILLs the child's whole process group, reaps
everything (it is a child subreaper, so orphans come back to it), empties the
call's working directory and forks the next child, while the parent reads the
answer.

The protocol, start-up, the children's sandbox and clean-up are the
skeleton's (`skeleton.SandboxServer`); between server and child the request is
marshalled (the child reads it with the least work: after a fork every page a
process writes is copied).

Standard library only: this file must not import the plugin, pytest or an SDK.
"""

from __future__ import annotations

import contextlib
import gc
import json
import marshal
import math
import os
import resource
import select
import signal
import struct
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path[:1] != [HERE]:
    sys.path.insert(0, HERE)

try:  # run as a script (it is), this directory is on sys.path instead
    from . import child, sandbox, skeleton
except ImportError:
    import child  # type: ignore[no-redef,import-not-found]
    import sandbox  # type: ignore[no-redef,import-not-found]
    import skeleton  # type: ignore[no-redef,import-not-found]

#: modules snippets commonly import beyond the prelude; loaded once, shared by every fork
PRELOAD = (
    "copy",
    "fractions",
    "decimal",
    "dataclasses",
    "enum",
    "array",
    "datetime",
    "string",
    "json",
    "inspect",
)
# Not preloaded: ``random`` (it re-seeds itself after every fork, a cost every call would
# pay), ``statistics`` and ``tempfile`` (they import it), ``threading`` (its after-fork
# hook is dearer still). Snippets that use them import them in their own child.
MAX_RESULT_BYTES = 1 << 20
FILE_SIZE = 16 << 20
OPEN_FILES = 64
PROCESSES = 64
RESULT_FD = 3
REQUEST_FD = 4
read_all, write_all, remove_tree = skeleton.read_all, skeleton.write_all, skeleton.remove_tree


class Server(skeleton.SandboxServer):
    """The Python fork server: a warm interpreter, a child forked ahead for every call."""

    prefix = "llmexec"
    base_mode = 0o700

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.memory = int(options.get("memory", 512 << 20))
        self.errors = -1  # a memfd the children write C-level stderr to
        self.namespace: dict[str, Any] = {}
        self.code_cache: dict[str, bytes] = {}
        #: the next call's child, forked ahead: (pid, request pipe, result pipe)
        self.spare: tuple[int, int, int] | None = None
        self.vm_base = 0
        self.last: tuple[int, bool] = (0, True)  # the last call's child and whether it was reaped

    # ------------------------------------------------------------------ start-up
    def prepare(self) -> None:
        self.namespace = child.prelude_namespace()
        for name in PRELOAD:
            __import__(name)
        # the IIP step tracer, when it is there; a broken one fails the traced calls only
        with contextlib.suppress(Exception):
            __import__("tracer")

    def readable_paths(self) -> list[str]:
        return [os.path.dirname(os.__file__), HERE]

    def after_base(self) -> None:
        self.errors = os.memfd_create("llmexec-stderr")
        self.vm_base = sandbox.address_space_in_use()
        gc.collect()
        gc.freeze()  # the children's collections then leave the server's pages shared

    def hello(self) -> dict[str, Any]:
        return {"python": sys.version.split()[0]}

    def ready(self) -> None:
        self.spawn()

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        self.last = (0, True)
        result, pid, reaped = self.handle(request)
        self.last = (pid, reaped)
        return result

    def after_answer(self) -> None:
        self.finish(*self.last)  # while the parent reads the answer
        self.last = (0, True)
        with contextlib.suppress(OSError):  # the next call's child: it sets itself
            self.spawn()  # up while the parent works, then waits for its request

    def keep(self) -> set[int]:
        return {self.spare[0]} if self.spare is not None else set()

    def shutdown(self) -> None:
        self.drop_spare()

    # ------------------------------------------------------------------ one call
    def handle(self, request: dict[str, Any]) -> tuple[dict[str, Any], int, bool]:
        """Run *request* in the ready child; its result, its pid and whether it was reaped."""
        started = time.monotonic()
        timeout = float(request.get("timeout", 5.0))
        os.ftruncate(self.errors, 0)
        os.lseek(self.errors, 0, os.SEEK_SET)
        if not os.path.isdir(self.rundir):
            os.mkdir(self.rundir, 0o700)
            if self.uid is not None:
                os.chown(self.rundir, self.uid, self.uid)
        body = marshal.dumps(request)  # marshal: the child reads it with the least work
        payload = struct.pack(">I", len(body)) + body + self.compiled(request["code"])
        for _attempt in range(3):
            if self.spare is None:
                self.spawn()
            assert self.spare is not None
            pid, request_end, result_end = self.spare
            self.spare = None
            try:
                write_all(request_end, payload)
                break
            except BrokenPipeError:  # that child died while it waited: take a fresh one
                os.close(result_end)
                self.finish(pid, False)
            finally:
                os.close(request_end)
        else:
            return {"status": "harness error", "detail": "no child could be started"}, 0, True
        try:
            result, reaped = self.collect(pid, result_end, started + timeout, timeout)
        except BaseException:
            self.finish(pid, False)
            raise
        finally:
            os.close(result_end)
        result["duration"] = time.monotonic() - started
        return result, pid, reaped

    def finish(self, pid: int, reaped: bool) -> None:
        """Kill and reap whatever the call left; empty its working directory."""
        if pid <= 0:
            return
        if not reaped:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.clean_up(pid)
        self.reap()  # any other zombie (a waiting child that died, say)
        if os.listdir(self.rundir):  # the snippet left files: start afresh next time
            remove_tree(self.rundir)

    def compiled(self, text: str) -> bytes:
        """The snippet's code, compiled once per server and marshalled for the child
        (empty when it does not compile: the child then raises the SyntaxError itself)."""
        code = self.code_cache.get(text)
        if code is None:
            try:
                code = marshal.dumps(child.compile_snippet(text))
            except BaseException:
                return b""
            if len(self.code_cache) >= 512:
                self.code_cache.pop(next(iter(self.code_cache)))
            self.code_cache[text] = code
        return code

    # ------------------------------------------------------------------ the child
    def spawn(self) -> None:
        """Fork the next call's child; it sets up its sandbox and waits for its request."""
        if self.spare is not None:
            return
        request_read, request_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(request_write)
            os.close(result_read)
            self.run_child(request_read, result_write)
        os.close(request_read)
        os.close(result_write)
        self.spare = (pid, request_write, result_read)

    def drop_spare(self) -> None:
        if self.spare is not None:
            pid, request_end, result_end = self.spare
            self.spare = None
            os.close(request_end)
            os.close(result_end)
            self.finish(pid, False)

    def run_child(self, request_fd: int, result_fd: int) -> None:
        payload = b""
        try:
            self.child_prologue()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(self.errors, 1)
            os.dup2(self.errors, 2)
            os.dup2(result_fd, RESULT_FD)
            os.dup2(request_fd, REQUEST_FD)
            os.closerange(REQUEST_FD + 1, 1 << 16)
            self.child_sandbox(
                cpu_seconds=None,
                address_space=self.vm_base + self.memory,
                file_size=FILE_SIZE,
                open_files=OPEN_FILES,
                processes=PROCESSES,
            )
            data = read_all(REQUEST_FD)  # the wait: until the server sends the call
            os.close(REQUEST_FD)
            if not data:
                os._exit(0)
            os.chdir(self.rundir)  # now: the previous call may have replaced it
            size = struct.unpack(">I", data[:4])[0]
            request = marshal.loads(data[4 : 4 + size])
            marshalled = data[4 + size :]
            code = marshal.loads(marshalled) if marshalled else None
            cpu = math.ceil(float(request.get("timeout", 5.0))) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            payload = child.encode(child.run_call(request, self.namespace, code))
        except BaseException as exc:
            payload = child.encode(
                {"status": "harness error", "detail": f"setting up the child failed: {exc!r}"}
            )
        finally:
            try:
                write_all(RESULT_FD, payload)
                os.close(RESULT_FD)  # the server answers now, while we exit
            finally:
                os._exit(0)

    def collect(
        self, pid: int, read_end: int, deadline: float, timeout: float
    ) -> tuple[dict[str, Any], bool]:
        """Wait for the child's result (or its end); decide the verdict.

        A complete result is answered at once; the child's exit is awaited by
        `finish`. Otherwise the child is killed and reaped here, and its exit
        status says what happened.
        """
        poller = select.poll()
        poller.register(read_end, select.POLLIN)
        poller.register(self.proto_in, select.POLLIN)
        pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            pidfd = os.pidfd_open(pid)
            poller.register(pidfd, select.POLLIN)
        data = bytearray()
        eof = exited = False
        problem = None
        try:
            while problem is None and not (eof and exited):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    problem = "timeout"
                    break
                wait_ms = remaining * 1000 if pidfd is not None else min(remaining * 1000, 5)
                for fd, _event in poller.poll(max(1, math.ceil(wait_ms))):
                    if fd == read_end:
                        chunk = os.read(read_end, 1 << 16)
                        if not chunk:
                            eof = True
                            poller.unregister(read_end)
                        else:
                            data += chunk
                            if len(data) > MAX_RESULT_BYTES:
                                problem = "too large"
                    elif fd == pidfd:
                        exited = True
                        poller.unregister(pidfd)
                    elif fd == self.proto_in:  # the parent is gone: stop everything
                        self.finish(pid, False)
                        self.leave()
                if eof and not exited and problem is None:
                    result = parse_result(data)
                    if result is not None:
                        return result, False
                if pidfd is None and not exited:
                    exited = (
                        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
                    )
                if exited and not eof:  # a grandchild may hold the pipe open: take what is there
                    os.set_blocking(read_end, False)
                    with contextlib.suppress(BlockingIOError):
                        while chunk := os.read(read_end, 1 << 16):
                            data += chunk
                    eof = True
        finally:
            if pidfd is not None:
                os.close(pidfd)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        return self.verdict(problem, status, usage, data, timeout), True

    def verdict(
        self, problem: str | None, status: int, usage: Any, data: bytes | bytearray, timeout: float
    ) -> dict[str, Any]:
        cpu = usage.ru_utime + usage.ru_stime
        if problem == "timeout":
            return {"status": "timeout", "detail": f"no result after {timeout:g}s"}
        if problem == "too large":
            return {
                "status": "output too large",
                "detail": f"the result is over {MAX_RESULT_BYTES} bytes",
            }
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
            if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu >= math.ceil(timeout)):
                return {"status": "timeout", "detail": f"CPU time limit ({cpu:.1f}s used)"}
            return self.crash(name)
        code = os.WEXITSTATUS(status)
        result = parse_result(data) if code == 0 else None
        if result is not None:
            return result
        return self.crash(f"exit({code})", "the process ended without a result")

    def crash(self, what: str, note: str = "") -> dict[str, Any]:
        try:
            size = os.fstat(self.errors).st_size
            tail = os.pread(self.errors, 2000, max(0, size - 2000)).decode(errors="replace")
        except OSError:
            tail = ""
        tail = tail.strip()
        if "MemoryError" in tail or "Cannot allocate memory" in tail:
            return {"status": "memory", "detail": f"{what}: {tail[-300:]}"}
        detail = " ".join(part for part in (what, note, tail[-500:]) if part)
        return {"status": "crashed", "detail": detail}


def parse_result(data: bytes | bytearray) -> dict[str, Any] | None:
    """The child's JSON result, or None when it is incomplete or not ours."""
    try:
        result = json.loads(data)
    except ValueError:
        return None
    return result if isinstance(result, dict) and "status" in result else None


def main() -> None:
    skeleton.main(Server, "fork server")


if __name__ == "__main__":
    main()
