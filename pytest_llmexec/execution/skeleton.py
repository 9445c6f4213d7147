"""The skeleton both sandbox servers share: protocol, start-up, the child's set-up, clean-up.

`server.py` (Python: one warm interpreter forking a child per call) and
`native_server.py` (compilers, JVMs and built programs, exec'd per request)
are subclasses of `SandboxServer`. What they share lives here once:

- the protocol on the server's stdin/stdout: a 4-byte big-endian length, then
  JSON; one ``hello`` message after start-up (pid, layers, notes and the
  subclass's own fields), then one answer per request; EOF on stdin, or the
  death of the parent, ends the server;
- start-up: ignore Ctrl-C (the parent's to handle), die with the parent, keep
  the protocol descriptors and put ``/dev/null`` on stdin/stdout, become a child
  subreaper (orphans come back to us to be killed), then the optional layers:
  namespaces (no network, a private ``/tmp``, a read-only ``/``), a user of the
  sandbox's own (root only), or no capabilities, seccomp profiles, and the
  process boundary; finally a working directory and a clean environment
  (`CHILD_ENV`) that every child inherits;
- the boundary around long-lived processes: the server makes itself
  non-dumpable (`sandbox.not_dumpable`), and every child enters a Landlock
  domain of its own (`sandbox.ProcessBoundary`, layer ``landlock``) before it
  runs anything, so that no call or program can open ``/proc/<pid>/mem`` of,
  ptrace, or write into the server, a fork server's waiting child or a warm
  compiler. A subclass keeps a helper alive across requests only when
  `helpers_isolated` says the boundary holds;
- clean-up: SIGKILL a request's process group and every orphan that came back
  to us (but the processes a subclass keeps), reap them all, remove the
  working directory at the end.

Standard library only: this file must not import the plugin, pytest or an SDK.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import struct
import sys
import time
from typing import Any, ClassVar

HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path[:1] != [HERE]:
    sys.path.insert(0, HERE)

try:  # run as a script (the servers are), this directory is on sys.path instead
    from . import sandbox
except ImportError:
    import sandbox  # type: ignore[no-redef,import-not-found]

#: the whole environment of every child (plus HOME and TMPDIR: the call's directory)
CHILD_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
HARNESS = "harness error"


# --------------------------------------------------------------------------- protocol


def read_exact(fd: int, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def read_message(fd: int) -> Any:
    header = read_exact(fd, 4)
    if header is None:
        return None
    body = read_exact(fd, struct.unpack(">I", header)[0])
    return None if body is None else json.loads(body)


def read_all(fd: int) -> bytes:
    data = bytearray()
    while chunk := os.read(fd, 1 << 16):
        data += chunk
    return bytes(data)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_message(fd: int, message: Any) -> None:
    body = json.dumps(message).encode()
    write_all(fd, struct.pack(">I", len(body)) + body)


def remove_tree(path: str) -> None:
    """Remove *path* even when a snippet made parts of it unreadable."""
    if not os.path.lexists(path):
        return

    def make_writable(function: Any, name: str, _exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(name), 0o700)
            os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=make_writable)


# --------------------------------------------------------------------------- the server


class SandboxServer:
    """Start-up, the serve loop, the child's sandbox and clean-up; subclasses answer."""

    #: the working directory's name without a private /tmp: ``/tmp/<prefix>-<pid>-<random>``
    prefix = "llmexec"
    #: its mode (the native server's toolchains may run as another user and read it)
    base_mode = 0o700
    #: the seccomp profiles to build: name -> `sandbox.SeccompTemplate` options
    profiles: ClassVar[dict[str, dict[str, bool]]] = {"": {}}

    def __init__(self, options: dict[str, Any]) -> None:
        self.use_sandbox = bool(options.get("sandbox", True))
        #: False: no Landlock layer even where it works (to test the servers without it)
        self.use_boundary = bool(options.get("boundary", True))
        self.parent = int(options["parent"])
        self.pid = os.getpid()
        self.layers = ["process", "limits", "clean-env", "tmpdir"]
        self.notes: list[str] = []  # why a layer is off, for the report header
        self.uid: int | None = None
        self.capabilities: sandbox.NoCapabilities | None = None
        self.seccomp: dict[str, sandbox.SeccompTemplate] = {}
        self.boundary: sandbox.ProcessBoundary | None = None
        self.base = ""
        self.rundir = ""
        self.proto_in = self.proto_out = -1
        self.children_file = f"/proc/self/task/{self.pid}/children"

    # ------------------------------------------------------------------ hooks
    def prepare(self) -> None:
        """Before the namespaces: what the server loads once (the Python prelude)."""

    def before_tmpfs(self) -> None:
        """In the new mount namespace, before the private mounts hide anything."""

    def readable_paths(self) -> list[str]:
        """What the sandbox's own user must read (else it keeps ours, without capabilities)."""
        return [HERE]

    def after_base(self) -> None:
        """Once the working directory and the children's environment are set, before the
        hello."""

    def hello(self) -> dict[str, Any]:
        """The subclass's fields of the hello message."""
        return {}

    def ready(self) -> None:
        """After the hello (the Python server forks its first child here)."""

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def after_answer(self) -> None:
        """While the parent reads the answer: kill and reap what the request left."""

    def keep(self) -> set[int]:
        """Children the clean-up must leave alone (a waiting child, a warm compiler)."""
        return set()

    def shutdown(self) -> None:
        """Stop what the subclass keeps, at the end."""

    # ------------------------------------------------------------------ start-up
    @property
    def helpers_isolated(self) -> bool:
        """Whether a long-lived helper is out of reach of the code it serves: the Landlock
        boundary holds (or there is no sandbox at all, and nothing is out of anyone's reach)."""
        return "landlock" in self.layers or not self.use_sandbox

    def start(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        with contextlib.suppress(OSError, AttributeError):
            sandbox.die_with_parent(signal.SIGKILL)
        if os.getppid() != self.parent:
            os._exit(0)
        self.proto_in, self.proto_out = os.dup(0), os.dup(1)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        sandbox.become_subreaper()
        self.prepare()
        opened = False

        def before_tmpfs() -> None:
            nonlocal opened
            opened = True
            self.before_tmpfs()

        if self.use_sandbox:
            self.sandbox_layers(before_tmpfs)
        with contextlib.suppress(OSError, AttributeError):
            sandbox.not_dumpable()  # after the boundary's probe, which needs us dumpable
        if not opened:
            self.before_tmpfs()  # no namespace was made (or it is not private)
        with contextlib.suppress(OSError):
            sandbox.libc()  # loaded here once, not in every child
        if "private-tmp" in self.layers:  # a fixed path: the same every run
            self.base = "/tmp/llmexec"
            os.mkdir(self.base, 0o755)
        else:
            self.base = f"/tmp/{self.prefix}-{self.pid}-{os.urandom(6).hex()}"
            os.mkdir(self.base, self.base_mode)
        self.rundir = os.path.join(self.base, "run")
        os.environ.clear()  # set once here: every child inherits it
        os.environ.update(CHILD_ENV, HOME=self.rundir, TMPDIR=self.rundir)
        self.after_base()
        hello = {
            "hello": True,
            "pid": self.pid,
            "layers": self.layers,
            "notes": self.notes,
            # the parent removes it if we die; not when private (it is in our namespace)
            "base": None if "private-tmp" in self.layers else self.base,
            **self.hello(),
        }
        write_message(self.proto_out, hello)
        self.ready()

    def sandbox_layers(self, before_tmpfs: Any) -> None:
        keep = [sys.prefix, sys.base_prefix, sys.exec_prefix, HERE]
        self.layers += sandbox.setup_namespaces(keep, before_tmpfs=before_tmpfs)
        hidden = sandbox.under_tmp(keep)
        if "netns" in self.layers and "private-tmp" not in self.layers and hidden:
            self.notes.append(
                "private-tmp and read-only-root off: the interpreter or the package is "
                f"under /tmp ({', '.join(hidden)}); install them elsewhere to have them"
            )
        if os.geteuid() == 0 and sandbox.readable_by_anyone(self.readable_paths()):
            self.uid = sandbox.sandbox_uid(self.pid)
            self.layers.append("uid")
        if self.uid is None and os.geteuid() == 0:  # (a new uid has no capabilities)
            with contextlib.suppress(OSError, AttributeError):
                capabilities = sandbox.NoCapabilities()
                if sandbox.probe_capabilities(capabilities):
                    self.capabilities = capabilities
                    self.layers.append("no-caps")
        try:
            if sandbox.probe_seccomp():
                self.seccomp = {
                    name: sandbox.SeccompTemplate(**flags) for name, flags in self.profiles.items()
                }
        except OSError:
            self.seccomp = {}
        if self.seccomp:
            self.layers.append("seccomp")
        if not self.use_boundary:
            self.notes.append("landlock off: not asked for")
            return
        try:
            boundary = sandbox.ProcessBoundary()
        except (OSError, AttributeError) as exc:
            self.notes.append(f"landlock off: {exc}")
            return
        if sandbox.probe_boundary(boundary):
            self.boundary = boundary
            self.layers.append("landlock")
        else:
            os.close(boundary.fd)
            self.notes.append("landlock off: a child in its own domain still reached the server")

    # ------------------------------------------------------------------ serving
    def serve(self) -> None:
        try:
            while True:
                request = read_message(self.proto_in)
                if request is None:
                    return
                try:
                    answer = self.answer(request)
                except Exception as exc:  # never a dead server for one bad request
                    answer = {"status": HARNESS, "detail": repr(exc)}
                write_message(self.proto_out, answer)
                self.after_answer()
        except (BrokenPipeError, ConnectionResetError):
            return
        finally:
            self.shutdown()
            shutil.rmtree(self.base, ignore_errors=True)

    def leave(self) -> None:
        """The parent is gone: stop everything, now."""
        self.shutdown()
        shutil.rmtree(self.base, ignore_errors=True)
        os._exit(0)

    # ------------------------------------------------------------------ the child
    def child_prologue(self) -> None:
        """First thing in a forked child: a session of its own, death with the server,
        and its own Landlock domain (before any descriptor is moved or closed)."""
        os.setsid()
        sandbox.die_with_parent(signal.SIGKILL)
        if os.getppid() != self.pid:
            os._exit(127)
        if self.boundary is not None:
            self.boundary.enter()

    def child_sandbox(
        self,
        *,
        cpu_seconds: int | None,
        address_space: int | None,
        file_size: int,
        open_files: int,
        processes: int,
        profile: str = "",
    ) -> None:
        """The child's limits, user, capabilities and seccomp profile (the last: irreversible)."""
        sandbox.set_limits(
            cpu_seconds=cpu_seconds,
            address_space=address_space,
            file_size=file_size,
            open_files=open_files,
            processes=processes if self.uid is not None else None,
        )
        if self.uid is not None:
            sandbox.drop_user(self.uid)
        if self.capabilities is not None:
            self.capabilities.drop()
        template = self.seccomp.get(profile)
        if template is not None:
            template.install(os.getpid())

    # ------------------------------------------------------------------ clean-up
    @staticmethod
    def kill_group(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

    def clean_up(self, pid: int) -> None:
        """SIGKILL the request's group and every orphan that came back to us (but the
        children `keep` names); reap them all.

        Blocking waits, not polling: everything here has been sent SIGKILL.
        """
        for _ in range(1000):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                while True:
                    os.waitpid(-pid, 0)  # our children in the request's group
            kept = self.keep()
            leftovers = [p for p in self.children() if p not in kept]
            for other in leftovers:  # left the group (setsid), re-parented to us
                self.kill_group(other)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(other, 0)
            try:
                os.killpg(pid, 0)
            except (ProcessLookupError, PermissionError):
                if not leftovers:
                    return
            time.sleep(0.001)  # members not yet re-parented to us

    def children(self) -> list[int]:
        try:
            with open(self.children_file) as handle:
                return [int(p) for p in handle.read().split()]
        except OSError:
            return []

    @staticmethod
    def reap() -> None:
        """Reap any zombie child without waiting."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return


def main(server_class: type[SandboxServer], what: str) -> None:
    """Run *server_class* with the options on the command line (Linux only)."""
    if not sys.platform.startswith("linux"):  # prctl, pidfd, memfd, /proc: the plugin falls back
        raise SystemExit(f"the {what} needs Linux, not {sys.platform}")
    server = server_class(json.loads(sys.argv[1]))
    server.start()
    server.serve()
