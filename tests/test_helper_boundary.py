"""Hostile code against the long-lived helpers: the warm javac and the Python fork server.

A program from a dataset runs in the same sandbox server as the warm compiler
that builds the next programs; a snippet runs in a child of the fork server
that runs the next snippets. If either could write into the helper's memory
(``/proc/<pid>/mem``, ptrace, ``process_vm_writev``) it could change later
cases' ground truth. Each test here tries all three, must be refused, and the
helper must go on giving correct results.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_llmexec.execution import Call
from pytest_llmexec.execution.forkserver import ForkServerExecutor
from pytest_llmexec.execution.native import NativeExecutor
from pytest_llmexec.languages import Cpp, Java

REFUSED = {errno.EPERM, errno.EACCES}

#: finds the warm compiler, then tries its memory, ptrace and process_vm_writev, and the
#: same on the sandbox server (its parent); prints one line of errno values (0: it worked)
ATTACK_CPP = r"""
#include <bits/stdc++.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <cerrno>

static std::string cmdline(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
}

static std::string attack(long pid) {
    std::string mem = "/proc/" + std::to_string(pid) + "/mem";
    errno = 0;
    int fd = open(mem.c_str(), O_RDWR);
    int mem_errno = fd >= 0 ? 0 : errno;
    if (fd >= 0) close(fd);
    errno = 0;
    long traced = ptrace(PTRACE_ATTACH, (pid_t)pid, nullptr, nullptr);
    int ptrace_errno = traced == 0 ? 0 : errno;
    char byte = 0;
    struct iovec local = {&byte, 1}, remote = {(void*)0x10000, 1};
    errno = 0;
    long written = process_vm_writev((pid_t)pid, &local, 1, &remote, 1, 0);
    int write_errno = written >= 0 ? 0 : errno;
    return std::to_string(mem_errno) + " " + std::to_string(ptrace_errno) + " "
        + std::to_string(write_errno);
}

int main() {
    std::string helper = "none";
    if (DIR* dir = opendir("/proc")) {
        while (dirent* entry = readdir(dir)) {
            std::string name = entry->d_name;
            if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)
                && cmdline(name).find("JavaCompileServer") != std::string::npos) {
                helper = name;
            }
        }
        closedir(dir);
    }
    std::cout << helper;
    if (helper != "none") std::cout << " " << attack(std::stol(helper));
    std::cout << " server " << attack((long)getppid());
}
"""

#: the same from Java, as a CRUXEval-X Java row could: the compiler's memory, read-write
ATTACK_JAVA = """
import java.io.*;
import java.util.*;

class Problem {
    public static void main(String[] args) {
        Optional<ProcessHandle> helper = ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().orElse("").contains("JavaCompileServer"))
            .findFirst();
        if (helper.isEmpty()) { System.out.print("none"); return; }
        String path = "/proc/" + helper.get().pid() + "/mem";
        try (RandomAccessFile mem = new RandomAccessFile(path, "rw")) {
            System.out.print("opened");
        } catch (IOException e) {
            System.out.print("refused");
        }
    }
}
"""

TWICE_JAVA = """
class Problem {
    static int f(int x) { return x * 2; }
    public static void main(String[] args) { System.out.print(f(21)); }
}
"""

PYTHON_ATTACK = """
def f():
    import ctypes, os
    server = os.getppid()
    found = {}
    try:
        os.close(os.open(f"/proc/{server}/mem", os.O_RDWR))
        found["mem"] = 0
    except OSError as exc:
        found["mem"] = exc.errno
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    found["ptrace"] = 0 if libc.ptrace(16, server, None, None) == 0 else ctypes.get_errno()

    class IOVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    byte = ctypes.create_string_buffer(1)
    local, remote = IOVec(ctypes.addressof(byte), 1), IOVec(0x10000, 1)
    written = libc.process_vm_writev(
        server, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0
    )
    found["process_vm_writev"] = 0 if written >= 0 else ctypes.get_errno()
    return found
"""

needs_java = pytest.mark.skipif(
    shutil.which("g++") is None
    or shutil.which("javac") is None
    or not Path("/usr/share/java/javatuples.jar").is_file(),
    reason="needs g++, a JDK and javatuples",
)


@pytest.fixture
def native(seeded_cache: Callable[..., Path]) -> Iterator[NativeExecutor]:
    """An executor whose cache holds the session's precompiled header (made once)."""
    executor = NativeExecutor([Cpp(), Java()], cache_dir=seeded_cache("cpp", "java"), sandbox=True)
    yield executor
    executor.close()


@needs_java
def test_without_the_boundary_no_compiler_outlives_its_request(
    seeded_cache: Callable[..., Path],
) -> None:
    """Where Landlock is not there (here: turned off), the warm javac is started for each
    request and stopped after it: no program ever runs while a compiler is alive."""
    cache = seeded_cache("cpp", "java")
    executor = NativeExecutor([Cpp(), Java()], cache_dir=cache, sandbox=True, boundary=False)
    try:
        assert "landlock" not in executor.layers
        assert executor.server.hello.get("helpers") == "one request each"
        assert any("landlock off" in note for note in executor.server.notes)
        first = executor.run_program(Java(), TWICE_JAVA, timeout=30.0)
        assert (first.status, first.value) == ("ok", "42")
        assert helper_attack(executor)[0] == "none"  # no compiler left to attack
        again = executor.run_program(Java(), TWICE_JAVA.replace("21", "50"), timeout=30.0)
        assert (again.status, again.value) == ("ok", "100")
    finally:
        executor.close()


def helper_attack(executor: NativeExecutor) -> list[str]:
    outcome = executor.run_program(Cpp(), ATTACK_CPP, timeout=20.0)
    assert outcome.ok, outcome
    assert outcome.value is not None
    return outcome.value.split()


@needs_java
def test_programs_cannot_reach_the_warm_javac(native: NativeExecutor) -> None:
    first = native.run_program(Java(), TWICE_JAVA, timeout=20.0)
    assert (first.status, first.value) == ("ok", "42")  # the warm compiler is started
    found = helper_attack(native)
    server = found[found.index("server") + 1 :]
    assert {int(code) for code in server} <= REFUSED, f"the sandbox server was reached: {found}"
    if "landlock" not in native.layers:  # no boundary: no compiler may outlive its request
        assert found[0] == "none", f"a warm compiler outlived its request: {found}"
        pytest.skip("no Landlock here: the warm compiler is started afresh per request")
    helper, mem, ptrace, written = found[:4]
    assert helper != "none", "the warm compiler was not found: the test proves nothing"
    assert int(mem) in REFUSED, f"/proc/{helper}/mem opened for writing: {found}"
    assert int(ptrace) in REFUSED, f"ptrace attached to the warm compiler: {found}"
    assert int(written) in REFUSED, f"process_vm_writev reached the warm compiler: {found}"
    from_java = native.run_program(Java(), ATTACK_JAVA, timeout=20.0)
    assert (from_java.status, from_java.value) == ("ok", "refused"), from_java
    again = native.run_program(Java(), TWICE_JAVA.replace("21", "50"), timeout=20.0)
    assert (again.status, again.value) == ("ok", "100")  # a new program: really compiled
    assert helper_attack(native)[0] == helper  # by the same warm compiler


def test_snippets_cannot_reach_the_fork_server() -> None:
    executor = ForkServerExecutor(sandbox=True, check_determinism=False)
    try:
        outcome = executor.run(Call(code=PYTHON_ATTACK, entry="f", args=""))
        assert outcome.ok, outcome
        found = eval(outcome.value or "")  # a dict literal of errno values
        assert set(found) == {"mem", "ptrace", "process_vm_writev"}, found
        assert set(found.values()) <= REFUSED, f"a snippet reached the fork server: {found}"
        after = executor.run(Call(code="def f(a):\n    return a * 2\n", entry="f", args="21"))
        assert (after.status, after.value) == ("ok", "42")
    finally:
        executor.close()
