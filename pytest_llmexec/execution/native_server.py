"""The sandbox server for compiled languages: a compiler, a JVM or a built program per request.

Started by `native.NativeServer` as ``python -S -s -B native_server.py OPTIONS``
with a cleared environment, like ``server.py``, and with the same layers: it
unshares the network and mount namespaces once (loopback down, private
tmpfs over ``/tmp``, ``/var/tmp`` and ``/dev/shm``, a read-only ``/``), is a
child subreaper, and dies with its parent. For every request it writes the
request's files into an empty working directory, forks a child that sets
its limits, drops its user (or its capabilities), loads a seccomp profile and
execs the request's ``argv``; it enforces the wall-clock timeout, SIGKILLs
the child's process group and every orphan that came back to it, reaps them
all, reads back the files the request asked for, and empties the directory.

What differs from the Python server, per seccomp profile (the ``hello``
message lists them, so the report header can say so):

- ``build`` (a compiler): exec and new processes are allowed, since a
  compiler driver runs its passes as programs of their own; still no network
  socket, no signal outside its group, no new namespace, no ptrace.
- ``run`` (a built program, a JVM): exec is allowed, to start the program;
  new processes are not (threads are). A program may exec another program in
  its place, which still cannot fork or reach the network.
- The address-space limit is the request's own (a JVM reserves gigabytes it
  never touches, so JVM requests bound the heap with ``-Xmx`` instead).

Requests may also go to a warm compiler: ``{"warm": NAME, "argv": ...}``
starts NAME once (under the ``run`` profile, in a process group of its own)
and sends it the request's files as frames (see ``JavaCompileServer.java``);
it answers with the built files. A compiler that times out or dies is killed
and started afresh for the next request. A warm compiler outlives a request
only where the skeleton's process boundary holds (`helpers_isolated`: every
program in a Landlock domain of its own, so none can open the compiler's
``/proc/<pid>/mem`` or ptrace it and change what later programs are built
into); otherwise it is stopped after each request, and no long-lived helper
is within reach of a program. Its working directory belongs to the server and
is read-only to it (``javac`` writes nothing to disk), so a program cannot
plant a class on its classpath either.

The protocol, start-up, the children's sandbox and clean-up are the
skeleton's (`skeleton.SandboxServer`).

Standard library only: this file must not import the plugin, pytest or an SDK.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
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
    from . import sandbox, skeleton
except ImportError:
    import sandbox  # type: ignore[no-redef,import-not-found]
    import skeleton  # type: ignore[no-redef,import-not-found]

write_all, remove_tree = skeleton.write_all, skeleton.remove_tree

STDOUT_LIMIT = 10_000
STDERR_LIMIT = 4_000
FILE_SIZE = 64 << 20  # a linked binary, the compiler's temporary files
OPEN_FILES = 256  # a JVM opens its modules and jars
PROCESSES = 512  # threads count too: a JVM starts a dozen, a warm compiler more
PROFILES = {"build": {"allow_exec": True, "allow_fork": True}, "run": {"allow_exec": True}}


class NativeServer(skeleton.SandboxServer):
    """Builds and programs, one request at a time, each exec'd in a child of its own."""

    prefix = "llmexec-native"
    base_mode = 0o755
    profiles = PROFILES

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        #: directories bound read-only into the sandbox: {"/in/the/sandbox": "/on/the/host"}
        self.shared: dict[str, str] = dict(options.get("shared", {}))
        #: host directories the toolchains read (a toolchain under a home directory)
        self.reads: list[str] = [str(path) for path in options.get("reads", [])]
        self.shared_fds: dict[str, int] = {}
        self.output = -1  # memfds the child's stdout and stderr go to
        self.errors = -1
        self.marks = -1  # a memfd at the child's fd 3: the harness's own notes (main returned)
        #: warm compilers: name -> (pid, request pipe, answer pipe)
        self.warm: dict[str, tuple[int, int, int]] = {}

    # ------------------------------------------------------------------ start-up
    def before_tmpfs(self) -> None:
        """Open the shared directories while /tmp is still the host's."""
        for inside, host in self.shared.items():
            self.shared_fds[inside] = os.open(host, os.O_PATH | os.O_DIRECTORY)

    def readable_paths(self) -> list[str]:
        return [HERE, *self.shared.values(), *self.reads]

    def after_base(self) -> None:
        self.share(self.shared_fds)
        self.output = os.memfd_create("llmexec-stdout")
        self.errors = os.memfd_create("llmexec-stderr")
        self.marks = os.memfd_create("llmexec-marks")
        if not self.helpers_isolated:
            self.notes.append("the warm compiler is started afresh for every request")

    def hello(self) -> dict[str, Any]:
        return {
            "profiles": {
                "build": "exec and new processes allowed",
                "run": "exec allowed, no new processes",
            },
            "shared": {inside: self.path_of(inside) for inside in self.shared},
            "helpers": "kept warm" if self.helpers_isolated else "one request each",
        }

    def share(self, fds: dict[str, int]) -> None:
        """Make each shared host directory readable in the sandbox, read-only.

        With a private /tmp a host directory under /tmp is hidden, so it is
        bound from the descriptor opened before the namespace hid it, at a
        fixed path (the same after a restart); otherwise it is used where it is.
        """
        for inside, fd in fds.items():
            if "private-tmp" in self.layers:
                target = self.path_of(inside)
                os.mkdir(target, 0o755)
                source = f"/proc/self/fd/{fd}".encode()
                sandbox._call("mount", source, target.encode(), None, sandbox.MS_BIND, None)
                flags = sandbox.MS_BIND | sandbox.MS_REMOUNT | sandbox.MS_RDONLY
                sandbox._call("mount", None, target.encode(), None, flags, None)
            os.close(fd)
        fds.clear()

    def path_of(self, inside: str) -> str:
        if "private-tmp" in self.layers:
            return os.path.join(self.base, "shared-" + inside)
        return self.shared[inside]

    def keep(self) -> set[int]:
        return {entry[0] for entry in self.warm.values()}

    def shutdown(self) -> None:
        for name in list(self.warm):
            self.stop_warm(name)

    # ------------------------------------------------------------------ one request
    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        warm = bool(request.get("warm"))
        answer = self.warm_request(request) if warm else self.run_request(request)
        answer["duration"] = time.monotonic() - started
        return answer

    def fresh_rundir(self, files: dict[str, str]) -> None:
        remove_tree(self.rundir)
        os.mkdir(self.rundir, 0o700)
        for name, data in files.items():
            path = os.path.join(self.rundir, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(data))
            os.chmod(path, 0o755)
        if self.uid is not None:
            for root, dirs, names in os.walk(self.rundir):
                for name in [*dirs, *names]:
                    os.chown(os.path.join(root, name), self.uid, self.uid)
            os.chown(self.rundir, self.uid, self.uid)

    def run_request(self, request: dict[str, Any]) -> dict[str, Any]:
        self.fresh_rundir(request.get("files", {}))
        for fd in (self.output, self.errors, self.marks):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
        timeout = float(request.get("timeout", 10.0))
        pid = self.fork_child(request, stdin=None, stdout=self.output)
        try:
            answer = self.wait(pid, time.monotonic() + timeout, timeout)
        finally:
            self.clean_up(pid)
        answer["stdout"] = tail(self.output, STDOUT_LIMIT, head=True)
        answer["stderr"] = tail(self.errors, STDERR_LIMIT)
        answer["marks"] = tail(self.marks, 200, head=True)
        answer["files"] = self.collect(request.get("collect", []))
        remove_tree(self.rundir)
        return answer

    def fork_child(
        self,
        request: dict[str, Any],
        *,
        stdin: int | None,
        stdout: int,
        stderr: int | None = None,
        cwd: str | None = None,
    ) -> int:
        """Fork a child that sets up its sandbox and execs the request's argv."""
        argv = [str(part) for part in request["argv"]]
        profile = str(request.get("profile", "run"))
        memory = request.get("memory")
        cpu = math.ceil(float(request.get("cpu", request.get("timeout", 10.0)))) + 1
        pid = os.fork()
        if pid != 0:
            return pid
        try:  # the child: never returns
            self.child_prologue()
            os.chdir(cwd or self.rundir)
            source = stdin if stdin is not None else os.open(os.devnull, os.O_RDONLY)
            os.dup2(source, 0)
            os.dup2(stdout, 1)
            os.dup2(self.errors if stderr is None else stderr, 2)
            os.dup2(self.marks if stderr is None else stderr, 3)
            os.closerange(4, 1 << 16)
            self.child_sandbox(
                cpu_seconds=cpu,
                address_space=int(memory) if memory else None,
                file_size=FILE_SIZE,
                open_files=OPEN_FILES,
                processes=PROCESSES,
                profile=profile,
            )
            env = dict(os.environ, **{str(k): str(v) for k, v in request.get("env", {}).items()})
            os.execve(argv[0], argv, env)
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                os.write(2, f"llmexec: cannot start {argv[0]}: {exc!r}\n".encode())
        os._exit(127)

    def wait(self, pid: int, deadline: float, timeout: float) -> dict[str, Any]:
        """Wait for the child to end, or kill it at the deadline; what its status says."""
        pidfd = os.pidfd_open(pid)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        poller.register(self.proto_in, select.POLLIN)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill_group(pid)
                    os.wait4(pid, 0)
                    return {"status": "timeout", "detail": f"still running after {timeout:g}s"}
                events = poller.poll(max(1, math.ceil(remaining * 1000)))
                if any(fd == self.proto_in for fd, _ in events):
                    self.kill_group(pid)
                    self.leave()  # the parent is gone
                if any(fd == pidfd for fd, _ in events):
                    break
        finally:
            os.close(pidfd)
        _, status, usage = os.wait4(pid, 0)
        cpu = usage.ru_utime + usage.ru_stime
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
            if number == signal.SIGXCPU:
                return {"status": "timeout", "detail": f"CPU time limit ({cpu:.1f}s used)"}
            return {"status": "signaled", "signal": name, "cpu": cpu}
        return {"status": "exited", "code": os.WEXITSTATUS(status), "cpu": cpu}

    def collect(self, names: list[str]) -> dict[str, str]:
        """The requested output files (a name ending in ``/`` takes the directory's files)."""
        found: dict[str, str] = {}
        for name in names:
            path = os.path.join(self.rundir, name)
            paths = (
                [os.path.join(path, entry) for entry in sorted(os.listdir(path))]
                if name.endswith("/") and os.path.isdir(path)
                else [path]
            )
            for each in paths:
                if os.path.isfile(each) and not os.path.islink(each):
                    with open(each, "rb") as handle:
                        found[os.path.relpath(each, self.rundir)] = base64.b64encode(
                            handle.read()
                        ).decode()
        return found

    # ------------------------------------------------------------------ warm compilers
    def warm_request(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send the files to a long-lived compiler; start it first if needed."""
        name = str(request["warm"])
        timeout = float(request.get("timeout", 30.0))
        if name in self.warm:
            with contextlib.suppress(ChildProcessError):
                if os.waitid(os.P_PID, self.warm[name][0], os.WEXITED | os.WNOHANG | os.WNOWAIT):
                    self.stop_warm(name)  # it ended (after a failure of its own): afresh
        if name not in self.warm:
            self.start_warm(name, request)
        _pid, request_end, answer_end = self.warm[name]
        frames = [struct.pack(">I", len(request["files"]))]
        for path, data in request["files"].items():
            encoded, body = path.encode(), base64.b64decode(data)
            frames += [struct.pack(">I", len(encoded)), encoded, struct.pack(">I", len(body)), body]
        try:
            write_all(request_end, b"".join(frames))
            answer = self.read_warm(answer_end, time.monotonic() + timeout)
        except (OSError, ValueError, struct.error) as exc:
            answer = None
            problem = f"the warm compiler failed: {exc!r}"
        else:
            problem = f"no answer from the warm compiler after {timeout:g}s"
        if answer is None or not self.helpers_isolated:  # no helper outlives its request
            self.stop_warm(name)  # unless no program can reach it
        if answer is None:
            return {
                "status": "timeout" if "after" in problem else "harness error",
                "detail": problem,
            }
        return answer

    def start_warm(self, name: str, request: dict[str, Any]) -> None:
        """Start a warm compiler in a directory of its own; its stderr goes nowhere."""
        to_child, request_end = os.pipe()
        answer_end, from_child = os.pipe()
        directory = os.path.join(self.base, f"warm-{name}")
        remove_tree(directory)
        os.mkdir(directory, 0o555)  # nothing for a program to plant there: not its own
        if os.geteuid() == 0:  # (nor root's, which a root child without capabilities is)
            os.chown(directory, sandbox.HELPER_OWNER, sandbox.HELPER_OWNER)
        null = os.open(os.devnull, os.O_WRONLY)
        # its CPU limit is per request's worth of work times many: the wall clock bounds each
        started = dict(request, cpu=request.get("lifetime", 86400))
        try:
            pid = self.fork_child(
                started, stdin=to_child, stdout=from_child, stderr=null, cwd=directory
            )
        finally:
            for fd in (to_child, from_child, null):
                os.close(fd)
        self.warm[name] = (pid, request_end, answer_end)

    def read_warm(self, fd: int, deadline: float) -> dict[str, Any] | None:
        """One answer frame: status, diagnostics, then the built files."""

        def exact(size: int) -> bytes:
            data = bytearray()
            while len(data) < size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                ready, _, _ = select.select([fd], [], [], remaining)
                if not ready:
                    raise TimeoutError
                chunk = os.read(fd, size - len(data))
                if not chunk:
                    raise EOFError("the warm compiler ended")
                data += chunk
            return bytes(data)

        def blob() -> bytes:
            return exact(struct.unpack(">I", exact(4))[0])

        try:
            code = struct.unpack(">i", exact(4))[0]
            diagnostics = blob().decode(errors="replace")
            count = struct.unpack(">I", exact(4))[0]
            files = {}
            for _ in range(count):
                path = blob().decode()
                files[path] = base64.b64encode(blob()).decode()
        except (TimeoutError, EOFError):
            return None
        return {
            "status": "exited",
            "code": code,
            "stdout": "",
            "stderr": diagnostics,
            "files": files,
        }

    def stop_warm(self, name: str) -> None:
        pid, request_end, answer_end = self.warm.pop(name)
        os.close(request_end)
        os.close(answer_end)
        self.kill_group(pid)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        self.clean_up(pid)


def tail(fd: int, limit: int, *, head: bool = False) -> str:
    """At most *limit* characters of a memfd: its start (*head*) or its end."""
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, limit, 0 if head else max(0, size - limit))
    except OSError:
        return ""
    text = data.decode(errors="replace")
    if size > limit:
        text = text + "\n[... truncated]" if head else "[truncated ...]\n" + text
    return text


def main() -> None:
    skeleton.main(NativeServer, "native sandbox server")


if __name__ == "__main__":
    main()
