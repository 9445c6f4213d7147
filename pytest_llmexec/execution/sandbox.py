"""Sandbox layers for the fork server: namespaces, seccomp, limits, a dropped user.

Standard library only (it runs inside the fork server's ``-S`` interpreter).
Every layer is optional: `setup_namespaces` and `seccomp_filter` report
whether they took effect, and the server lists the active ones so the report
header can say which are in force. Nothing here is a substitute for running
untrusted code on a machine you can afford to lose; it narrows what a snippet
can do by accident or on purpose.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import struct
from collections.abc import Callable, Sequence

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000
#: every namespace flag of clone(2): a snippet may not make new namespaces
CLONE_NAMESPACES = 0x7E020000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

_libc: ctypes.CDLL | None = None


def libc() -> ctypes.CDLL:
    """The C library, loaded once (the server loads it before forking)."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:  # not glibc's usual name; ctypes.util runs ldconfig (and imports threading)
            from ctypes.util import find_library

            _libc = ctypes.CDLL(find_library("c"), use_errno=True)
        _libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    return _libc


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> None:
    if libc().prctl(option, arg2, arg3, 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"prctl({option}): {os.strerror(code)}")


def die_with_parent(signal_number: int) -> None:
    """Ask the kernel to send *signal_number* when our parent exits (Linux only)."""
    prctl(PR_SET_PDEATHSIG, signal_number)


def become_subreaper() -> bool:
    """Orphans of our children are re-parented to us, so we can reap and kill them."""
    try:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
    except (OSError, AttributeError):
        return False
    return True


# --------------------------------------------------------------------------- namespaces


def _call(name: str, *args: object) -> None:
    if getattr(libc(), name)(*args) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{name}: {os.strerror(code)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def setup_namespaces(
    keep: Sequence[str], before_tmpfs: Callable[[], None] | None = None
) -> list[str]:
    """Give this process (and its future children) no network and a private /tmp.

    Root unshares directly; anyone else tries a user namespace. Then loopback-only
    networking (the new namespace's ``lo`` is down), private tmpfs mounts over the
    world-writable directories (so nothing written there outlives the server),
    and a read-only view of ``/``. Directories holding any path in *keep* (the
    interpreter, this package) are not hidden. *before_tmpfs* runs in the new
    mount namespace before the private mounts hide anything (to open directories
    that are bound back in later). Returns the layers that took effect.
    """
    layers: list[str] = []
    uid, gid = os.getuid(), os.getgid()
    try:
        _call("unshare", CLONE_NEWNS | CLONE_NEWNET)
    except (OSError, AttributeError):
        try:
            _call("unshare", CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET)
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except (OSError, AttributeError):
            return layers
    layers.append("netns")
    try:
        _call("mount", None, b"/", None, MS_REC | MS_PRIVATE, None)
    except OSError:
        return layers
    if before_tmpfs is not None:
        before_tmpfs()
    kept = [os.path.realpath(p) for p in keep]
    private = []
    for directory in ("/tmp", "/var/tmp", "/dev/shm"):
        if not os.path.isdir(directory) or any(
            k == directory or k.startswith(directory + "/") for k in kept
        ):
            continue
        try:
            _call(
                "mount",
                b"tmpfs",
                directory.encode(),
                b"tmpfs",
                MS_NOSUID | MS_NODEV,
                b"mode=1777,size=256m",
            )
            private.append(directory)
        except OSError:
            pass
    if "/tmp" not in private:
        return layers  # the server needs a writable /tmp: leave / writable too
    layers.append("private-tmp")
    try:
        _call("mount", None, b"/", None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        layers.append("read-only-root")
    except OSError:
        pass
    return layers


def under_tmp(keep: Sequence[str]) -> list[str]:
    """The paths of *keep* that lie under ``/tmp``: a private ``/tmp`` would hide them.

    The server's own files (the interpreter, this package) must stay visible, so
    when one of them is under ``/tmp`` that directory keeps its shared view, and
    with it ``/`` stays writable (`setup_namespaces` then sets neither
    ``private-tmp`` nor ``read-only-root``).
    """
    tmp = os.path.realpath("/tmp")
    found = []
    for path in dict.fromkeys(os.path.realpath(p) for p in keep):
        if path == tmp or path.startswith(tmp + "/"):
            found.append(path)
    return found


# --------------------------------------------------------------------------- seccomp

# x86_64 system call numbers (other architectures get no seccomp layer).
AUDIT_ARCH_X86_64 = 0xC000003E
X86_64 = {
    "socket": 41,
    "connect": 42,
    "clone": 56,
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "kill": 62,
    "ptrace": 101,
    "setpgid": 109,
    "setsid": 112,
    "mount": 165,
    "umount2": 166,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "tkill": 200,
    "tgkill": 234,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "bpf": 321,
    "execveat": 322,
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "pidfd_open": 434,
    "clone3": 435,
    "pidfd_getfd": 438,
}
DENIED = (
    "fork",
    "vfork",
    "execve",
    "execveat",
    "connect",
    "ptrace",
    "setpgid",
    "setsid",
    "mount",
    "umount2",
    "reboot",
    "init_module",
    "delete_module",
    "finit_module",
    "tkill",
    "kexec_load",
    "add_key",
    "request_key",
    "keyctl",
    "unshare",
    "perf_event_open",
    "setns",
    "process_vm_readv",
    "process_vm_writev",
    "bpf",
    "pidfd_send_signal",
    "io_uring_setup",
    "pidfd_open",
    "pidfd_getfd",
)
AF_UNIX = 1

_LD_W_ABS = 0x20
_JEQ = 0x15
_JGE = 0x35
_JSET = 0x45
_RET = 0x06
RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000


def _arg_low(index: int) -> int:
    return 16 + 8 * index  # seccomp_data.args[index], low 32 bits (little endian)


def seccomp_program(
    pid: int, *, allow_exec: bool = False, allow_fork: bool = False
) -> bytes | None:
    """A BPF filter for process *pid* (its own group leader), or None off x86_64.

    Denied: new processes (fork, vfork, clone without CLONE_THREAD: threads are
    fine) and exec, so no fork bomb and no subprocess; network sockets and
    connect; signals to anything outside the process and its group; leaving the
    group (setsid/setpgid); new namespaces; ptrace and the other ways into
    another process or the kernel.

    Compiled languages relax exactly two of these (`execution.native_server`):
    *allow_exec* lets the child start a program (a built binary, the JVM), and
    *allow_fork* also lets it make processes (a compiler driver runs its
    passes as programs of their own). New namespaces stay denied either way.
    """
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    nr = X86_64
    relaxed = set()
    if allow_exec:
        relaxed |= {"execve", "execveat"}
    if allow_fork:
        relaxed |= {"fork", "vfork"}
    code: list[tuple[int, object, object, int]] = []
    labels: dict[str, int] = {}

    def op(kind: int, k: int, jt: object = 0, jf: object = 0) -> None:
        code.append((kind, jt, jf, k))

    def label(name: str) -> None:
        labels[name] = len(code)

    eperm, eacces = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.EACCES
    op(_LD_W_ABS, 4)  # arch
    op(_JEQ, AUDIT_ARCH_X86_64, 1, 0)
    op(_RET, RET_KILL_PROCESS)
    op(_LD_W_ABS, 0)  # syscall number
    op(_JGE, 0x40000000, "eperm", 0)  # the x32 ABI: not for us
    for name in DENIED:
        if name not in relaxed:
            op(_JEQ, nr[name], "eperm", 0)
    op(_JEQ, nr["kill"], "kill", 0)
    op(_JEQ, nr["tgkill"], "tgkill", 0)
    op(_JEQ, nr["socket"], "socket", 0)
    op(_JEQ, nr["clone"], "clone", 0)
    op(_JEQ, nr["clone3"], "enosys", 0)  # libc falls back to clone(), whose flags we see
    op(_RET, RET_ALLOW)
    label("kill")
    op(_LD_W_ABS, _arg_low(0))
    op(_JEQ, 0, "allow", 0)
    op(_JEQ, pid, "allow", 0)
    op(_JEQ, (-pid) & 0xFFFFFFFF, "allow", "eperm")
    label("tgkill")
    op(_LD_W_ABS, _arg_low(0))
    op(_JEQ, pid, "allow", "eperm")
    label("socket")
    op(_LD_W_ABS, _arg_low(0))
    op(_JEQ, AF_UNIX, "allow", "eacces")
    label("clone")
    op(_LD_W_ABS, _arg_low(0))
    op(_JSET, CLONE_NAMESPACES, "eperm", 0)
    op(_JSET, CLONE_THREAD, "allow", "allow" if allow_fork else "eperm")  # threads yes
    label("allow")
    op(_RET, RET_ALLOW)
    label("eperm")
    op(_RET, eperm)
    label("eacces")
    op(_RET, eacces)
    label("enosys")
    op(_RET, RET_ERRNO | errno.ENOSYS)

    out = bytearray()
    for index, (kind, jt, jf, k) in enumerate(code):
        offsets = []
        for target in (jt, jf):
            if isinstance(target, str):
                target = labels[target] - index - 1
            assert isinstance(target, int) and 0 <= target < 256
            offsets.append(target)
        out += struct.pack("HBBI", kind, offsets[0], offsets[1], k)
    return bytes(out)


_PLACEHOLDER_PID = 0x3FFFFFF1  # above any pid_max, so it marks where the pid goes


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class SeccompTemplate:
    """`seccomp_program` built once in the server, with the kernel's structures ready.

    `install` patches the child's pid in and loads the filter: after a fork every
    page written costs a copy, so the child should touch as little as it can.
    """

    def __init__(self, *, allow_exec: bool = False, allow_fork: bool = False) -> None:
        program = seccomp_program(_PLACEHOLDER_PID, allow_exec=allow_exec, allow_fork=allow_fork)
        if program is None:
            raise OSError("no seccomp filter for this architecture")
        self.offsets: list[tuple[int, bool]] = []
        for index in range(len(program) // 8):
            k = struct.unpack_from("I", program, index * 8 + 4)[0]
            if k in (_PLACEHOLDER_PID, (-_PLACEHOLDER_PID) & 0xFFFFFFFF):
                self.offsets.append((index * 8 + 4, k != _PLACEHOLDER_PID))
        self.buffer = ctypes.create_string_buffer(program, len(program))
        self.fprog = _SockFprog(len(program) // 8, ctypes.addressof(self.buffer))
        self.address = ctypes.addressof(self.fprog)
        prctl(PR_SET_NO_NEW_PRIVS, 1)  # inherited: the children need not set it

    def install(self, pid: int) -> None:
        for offset, negative in self.offsets:
            struct.pack_into("I", self.buffer, offset, ((-pid) & 0xFFFFFFFF) if negative else pid)
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self.address)


def install_seccomp(program: bytes) -> None:
    """Load *program* for this process; irreversible, inherited by its children."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
    del buffer  # (kept alive until here: the kernel has copied it)


def probe_seccomp() -> bool:
    """Whether a filter loads here and denies what it should (checked in a forked child)."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            program = seccomp_program(os.getpid())
            if program is not None:
                install_seccomp(program)
                import socket

                try:
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                except PermissionError:
                    status = 0
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status) == 0


# --------------------------------------------------------------------------- process boundary

#: Landlock's system calls have one number on every architecture (they came after 424)
LANDLOCK_CREATE_RULESET = 444
LANDLOCK_RESTRICT_SELF = 446
#: the rights the children's rulesets handle: making device nodes, which no snippet or
#: program needs (and which the sandbox denies anyway); a ruleset must handle something
LANDLOCK_ACCESS_FS_MAKE_CHAR = 1 << 6
LANDLOCK_ACCESS_FS_MAKE_BLOCK = 1 << 11


def not_dumpable() -> None:
    """Make this process's memory unreachable through ``/proc/<pid>/mem``, ptrace and
    ``process_vm_writev`` for anyone without ``CAP_SYS_PTRACE`` (its children inherit it
    until they exec; an exec makes a process dumpable again)."""
    prctl(PR_SET_DUMPABLE, 0)


class ProcessBoundary:
    """A Landlock domain of its own for every child, built once in the server.

    Why Landlock and not the helper's uid or ``PR_SET_DUMPABLE``: a long-lived
    helper the server execs (the warm ``javac``, a JVM) is dumpable again after
    its exec and runs as the same user as the programs it serves whenever the
    server cannot change users (not root, or a package other users cannot read).
    Landlock's rule holds whatever the users and capabilities: a process in a
    domain may ptrace, open ``/proc/<pid>/mem`` of, or ``process_vm_writev`` into
    only processes in its own domain or one nested in it. Each child calls
    `enter` after the fork, before it runs anything: every call, program and
    helper is then in a domain of its own, and none can reach another, nor the
    server (which is in none). The seccomp filter denies ptrace and
    ``process_vm_readv/writev`` as well; ``open("/proc/<pid>/mem")`` it cannot see,
    which is why it alone is not enough.
    """

    def __init__(self) -> None:
        attr = ctypes.c_uint64(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)
        fd = libc().syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
        if fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, f"landlock_create_ruleset: {os.strerror(code)}")
        self.fd = int(fd)

    def enter(self) -> None:
        """Put this process (a freshly forked child) into a new domain; irreversible."""
        prctl(PR_SET_NO_NEW_PRIVS, 1)  # Landlock asks for it (the seccomp layer sets it too)
        if libc().syscall(LANDLOCK_RESTRICT_SELF, self.fd, 0) != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"landlock_restrict_self: {os.strerror(code)}")
        os.close(self.fd)


def probe_boundary(boundary: ProcessBoundary) -> bool:
    """Whether a child in its own domain is refused this process's memory (checked in a
    forked child that otherwise could open it: same user, or root)."""
    target = os.getpid()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            boundary.enter()
            try:
                os.close(os.open(f"/proc/{target}/mem", os.O_RDWR))
            except PermissionError:
                status = 0
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status) == 0


# --------------------------------------------------------------------------- limits


def address_space_in_use() -> int:
    """Bytes of address space this process has mapped now (the base for RLIMIT_AS)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[0])
    return pages * resource.getpagesize()


def set_limits(
    *,
    cpu_seconds: int | None,
    address_space: int | None,
    file_size: int,
    open_files: int,
    processes: int | None,
) -> None:
    """Apply the child's resource limits (soft = hard, except CPU's one-second grace)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if cpu_seconds is not None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
    if processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    if address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


# --------------------------------------------------------------------------- capabilities


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


class NoCapabilities:
    """capset(2) arguments for "no capability at all", built once in the server.

    A root child without capabilities cannot raise its own limits back
    (CAP_SYS_RESOURCE), nor override file permissions, nor load modules...
    """

    def __init__(self) -> None:
        self.header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        self.data = (_CapData * 2)()  # all zero
        self.capset = libc().capset

    def drop(self) -> None:
        if self.capset(ctypes.byref(self.header), self.data) != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"capset: {os.strerror(code)}")


def probe_capabilities(drop: NoCapabilities) -> bool:
    """Whether dropping every capability works here and stops a raised limit."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            drop.drop()
            try:
                resource.setrlimit(resource.RLIMIT_CORE, (0, 1))
            except (ValueError, OSError):
                status = 0
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status) == 0


# --------------------------------------------------------------------------- a dropped user


def readable_by_anyone(paths: Sequence[str]) -> bool:
    """Whether every path (and each directory above it) is open to other users."""
    import stat

    for path in paths:
        current = os.path.realpath(path)
        while True:
            try:
                mode = os.stat(current).st_mode
            except OSError:
                return False
            needed = stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH
            if current == os.path.realpath(path) and stat.S_ISDIR(mode):
                needed |= stat.S_IROTH
            if not mode & needed:
                return False
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
    return True


def sandbox_uid(server_pid: int) -> int:
    """A user id no account has, one per server, so that process limits count only ours."""
    return 0x7F000000 + server_pid


#: the owner of a warm helper's working directory: a user id no process has, so that no
#: program (its own user, or root without capabilities) may write there or chmod it
HELPER_OWNER = 0x7EFFFFFF


def drop_user(uid: int) -> None:
    """Become *uid* (group too) for good; RLIMIT_NPROC then bounds our processes."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
