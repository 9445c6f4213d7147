"""The ground-truth executor itself: verdicts, the hostile battery, clean-up, the cache.

Every test runs against the fork server twice: with the sandbox layers this
machine offers and with them turned off (as on a machine without seccomp or
namespaces), because CI must pass both ways.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_llmexec.execution import make_executor
from pytest_llmexec.execution.api import HARNESS, Call, Outcome
from pytest_llmexec.execution.forkserver import ForkServerExecutor
from pytest_llmexec.execution.truth_cache import CachedExecutor, TruthCache, truth_key

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork server needs fork()")


def tagged_processes(tag: str) -> list[int]:
    """Pids whose command line carries *tag* (the servers and everything they forked)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if tag.encode() in cmdline:
            found.append(int(entry.name))
    return found


class Runner:
    """An executor whose processes carry a tag, so the tests can look for leftovers."""

    def __init__(self, sandbox: bool) -> None:
        self.tag = f"llmexec-test-{uuid.uuid4().hex[:12]}"
        os.environ["LLMEXEC_SERVER_TAG"] = self.tag
        try:
            self.executor = ForkServerExecutor(sandbox=sandbox)
        finally:
            del os.environ["LLMEXEC_SERVER_TAG"]
        self.sandbox = sandbox

    @property
    def layers(self) -> tuple[str, ...]:
        return self.executor.layers

    def run(
        self,
        code: str,
        args: str = "",
        *,
        entry: str = "f",
        timeout: float = 20.0,
        **fields: object,
    ) -> Outcome:
        return self.executor.run(Call(code, entry, args, timeout=timeout, **fields))  # type: ignore[arg-type]


def stale_server_dirs() -> set[Path]:
    """Working directories of servers that are gone (``/tmp/llmexec-<pid>-<hex>``)."""
    return {
        path
        for path in Path("/tmp").glob("llmexec-*-*")
        if path.name.split("-")[1].isdigit()
        and not Path(f"/proc/{path.name.split('-')[1]}").exists()
    }


@pytest.fixture(scope="module", params=[True, False], ids=["sandbox", "no-sandbox"])
def runner(request: pytest.FixtureRequest) -> Iterator[Runner]:
    before = stale_server_dirs()
    runner = Runner(request.param)
    yield runner
    runner.executor.close()
    assert tagged_processes(runner.tag) == [], "a process outlived the executor"
    assert stale_server_dirs() - before == set(), "a server's directory outlived it"


# --------------------------------------------------------------------------- plain verdicts


def test_ok_value_and_type(runner: Runner) -> None:
    outcome = runner.run(
        "class Solution:\n"
        "    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
        "        seen = {}\n"
        "        for i, x in enumerate(nums):\n"
        "            if target - x in seen:\n"
        "                return [seen[target - x], i]\n"
        "            seen[x] = i\n",
        "nums=[2, 7, 11, 15], target=9",
        entry="Solution.twoSum",
    )
    assert (outcome.status, outcome.value, outcome.value_type) == ("ok", "[0, 1]", "list")


def test_layers_reported(runner: Runner) -> None:
    assert {"process", "limits", "clean-env", "tmpdir"} <= set(runner.layers)
    if not runner.sandbox:
        assert not {"seccomp", "netns", "uid", "no-caps"} & set(runner.layers)


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("def f():\n    return {}['missing']", "raised KeyError"),
        ("def f():\n    raise SystemExit(3)", "raised SystemExit"),
        ("def f():\n    return object()", "not a literal"),
        ("def f():\n    x = []\n    x.append(x)\n    return x", "not a literal"),
        ("def f():\n    return list(range(10**6))", "output too large"),
        (
            "def f():\n    x = []\n    for _ in range(10**4):\n        x = [x]\n    return x",
            "output too large",
        ),
        ("def f():\n    return 'x' * (10**7)", "output too large"),
        ("def f(:\n    pass", "raised SyntaxError"),
        (
            "def f():\n    def g(n):\n        return g(n + 1) + 1\n    return g(0)",
            "raised RecursionError",
        ),
    ],
    ids=[
        "raises",
        "sys-exit",
        "object",
        "cycle",
        "huge-list",
        "deep-nesting",
        "huge-str",
        "syntax",
        "recursion",
    ],
)
def test_verdicts(runner: Runner, code: str, verdict: str) -> None:
    assert runner.run(code).verdict == verdict


def test_floats_and_sets_read_back(runner: Runner) -> None:
    outcome = runner.run("def f():\n    return [float('inf'), -0.5, frozenset({1}), (1+2j)]")
    assert outcome.value == "[inf, -0.5, frozenset({1}), (1+2j)]"


def test_huge_print_is_capped_and_the_result_kept(runner: Runner) -> None:
    outcome = runner.run(
        "def f():\n    for _ in range(10**5):\n        print('spam' * 20)\n    return 7"
    )
    assert outcome.value == "7"
    assert len(outcome.stdout) < 11_000
    assert "more characters]" in outcome.stdout


# --------------------------------------------------------------------------- the hostile battery


@pytest.mark.parametrize(
    "code",
    [
        "def f():\n    while True:\n        pass",
        "def f():\n    import itertools\n    return sum(itertools.count())",
        "def f():\n    import re\n    return re.match(r'(a+)+$', 'a' * 64 + 'b')",
        "def f():\n    while True:\n        try:\n            while True:\n                pass\n"
        "        except BaseException:\n            pass",
        "def f():\n    import signal\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass",
    ],
    ids=["python-loop", "c-loop", "regex-backtrack", "swallows-exceptions", "ignores-signals"],
)
def test_endless_calls_time_out(runner: Runner, code: str) -> None:
    assert runner.run(code, timeout=1.0).verdict == "timeout"


@pytest.mark.parametrize(
    "code",
    [
        "def f():\n    return [0] * (10**10)",
        "def f():\n    return bytearray(1 << 36)",
        "def f():\n    x = []\n    while True:\n        x.append(' ' * 10**6)",
    ],
    ids=["list", "bytearray", "gradual"],
)
def test_memory_bombs(runner: Runner, code: str) -> None:
    assert runner.run(code).verdict == "memory"


def test_exit_is_a_crash_and_the_next_call_runs(runner: Runner) -> None:
    outcome = runner.run("def f():\n    import os\n    os._exit(3)")
    assert outcome.verdict == "crashed exit(3)"
    assert runner.run("def f():\n    return 1").value == "1"


def test_a_signal_is_a_crash(runner: Runner) -> None:
    outcome = runner.run(
        "def f():\n    import os, signal\n    os.kill(os.getpid(), signal.SIGSEGV)"
    )
    assert outcome.verdict == "crashed SIGSEGV"


def test_killing_the_parent_leaves_the_run_going(runner: Runner) -> None:
    base = runner.executor.primary.base  # set when the server's /tmp is not private
    outcome = runner.run(
        "def f():\n    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)"
    )
    if "seccomp" in runner.layers:
        assert outcome.verdict == "raised PermissionError"
    else:  # the server died: a harness error for this call, a fresh server for the next
        assert outcome.status in (HARNESS, "raised")
        assert base is None or not Path(base).exists()
    assert runner.run("def f():\n    return 2").value == "2"


def test_patched_builtins_do_not_leak_into_the_next_call(runner: Runner) -> None:
    patched = runner.run(
        "def f():\n    import builtins, json\n    builtins.sum = lambda *a: 42\n"
        "    builtins.repr = lambda x: 'forged'\n    json.dumps = None\n    return sum([1, 2])"
    )
    assert patched.value == "42"
    assert runner.run("def f():\n    return sum([1, 2])").value == "3"


def test_threads_do_not_hold_the_result(runner: Runner) -> None:
    outcome = runner.run(
        "def f():\n    import threading, time\n"
        "    for _ in range(4):\n"
        "        threading.Thread(target=time.sleep, args=(1000,)).start()\n"
        "    return 'done'"
    )
    assert outcome.value == "'done'"


def test_forks_are_denied_or_killed(runner: Runner) -> None:
    outcome = runner.run(
        "def f():\n    import os, time\n    n = 0\n    for _ in range(20):\n"
        "        if os.fork() == 0:\n            if n % 2:\n                os.setsid()\n"
        "            time.sleep(1000)\n            os._exit(0)\n        n += 1\n    return n"
    )
    if "seccomp" in runner.layers:
        assert outcome.verdict == "raised PermissionError"
    else:
        assert outcome.value == "20"


def test_a_fork_bomb_is_bounded(runner: Runner) -> None:
    if not {"seccomp", "uid"} & set(runner.layers):
        pytest.skip("no layer bounds the number of processes here (seccomp or a dropped uid)")
    outcome = runner.run("def f():\n    import os\n    while True:\n        os.fork()", timeout=2)
    assert outcome.verdict in ("raised PermissionError", "raised BlockingIOError", "timeout")


def test_subprocesses_are_denied_or_killed(runner: Runner) -> None:
    marker = "987654.25"
    outcome = runner.run(
        "def f():\n    import subprocess\n"
        f"    subprocess.Popen(['sleep', '{marker}'])\n    return 'started'"
    )
    if "seccomp" in runner.layers:
        assert outcome.verdict == "raised PermissionError"
    else:
        assert outcome.value == "'started'"
    runner.run("def f():\n    return 0")  # the previous call is cleaned up before this one
    assert tagged_processes(f"sleep\0{marker}") == []


def test_network_is_refused(runner: Runner) -> None:
    outcome = runner.run(
        "def f():\n    import socket\n    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "    s.settimeout(2)\n    s.connect(('127.0.0.1', 9))\n    return 'connected'"
    )
    assert outcome.status == "raised"
    if "seccomp" in runner.layers:
        assert outcome.exc_type == "PermissionError"


def test_written_files_do_not_outlive_the_call(runner: Runner, tmp_path: Path) -> None:
    outside = Path("/tmp") / f"llmexec-test-{uuid.uuid4().hex}"
    write_outside = "private-tmp" in runner.layers
    code = (
        "def f():\n    import os, tempfile\n"
        "    open('here.txt', 'w').write('x')\n    os.mkdir('sub')\n"
        "    open('sub/deep.txt', 'w').write('y')\n    os.chmod('sub', 0)\n"
        "    tempfile.NamedTemporaryFile(delete=False).write(b'z')\n"
        + (f"    open({str(outside)!r}, 'w').write('escape')\n" if write_outside else "")
        + "    return len(os.listdir('.'))"
    )
    first = runner.run(code)
    assert first.status == "ok", first.detail
    second = runner.run("def f():\n    import os\n    return os.listdir('.')")
    assert second.value == "[]"
    assert not outside.exists()


def test_root_is_read_only_when_the_layer_says_so(runner: Runner, tmp_path: Path) -> None:
    if "read-only-root" not in runner.layers:
        pytest.skip("no read-only root here")
    target = Path.cwd() / f"llmexec-test-{uuid.uuid4().hex}.txt"
    outcome = runner.run(f"def f():\n    open({str(target)!r}, 'w').write('x')")
    assert outcome.verdict == "raised OSError"
    assert not target.exists()


def test_api_keys_never_reach_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-value")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-value")
    executor = ForkServerExecutor(check_determinism=False)
    try:
        outcome = executor.run(
            Call("def f():\n    import os\n    return dict(os.environ)", "f", "")
        )
    finally:
        executor.close()
    assert outcome.status == "ok"
    assert "secret-value" not in (outcome.value or "")
    assert "API_KEY" not in (outcome.value or "")
    assert "PYTHONHASHSEED" not in (outcome.value or "")


def test_a_dead_server_is_restarted(runner: Runner) -> None:
    assert runner.executor.primary.proc is not None
    os.kill(runner.executor.primary.proc.pid, signal.SIGKILL)
    runner.executor.primary.proc.wait()
    assert runner.run("def f():\n    return 'again'").value == "'again'"


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (
            "def f():\n    return list({'apple', 'banana', 'cherry', 'date', 'elder', 'fig'})",
            "nondeterministic",
        ),
        (
            "def f():\n    return sorted({'apple', 'banana', 'cherry', 'date', 'elder', 'fig'})",
            "ok",
        ),
        ("def f():\n    import random\n    return random.random()", "nondeterministic"),
        ("def f():\n    import random\n    random.seed(7)\n    return random.random()", "ok"),
    ],
    ids=["set-order", "sorted", "unseeded-random", "seeded-random"],
)
def test_determinism_check(runner: Runner, code: str, status: str) -> None:
    outcome = runner.run(code)
    assert outcome.status == status
    if status == "nondeterministic":
        assert "hash seed 0 gave" in outcome.detail


# --------------------------------------------------------------------------- LeetCode conventions

LIST_CODE = """\
class Solution:
    def reverseList(self, head: Optional[ListNode]) -> Optional[ListNode]:
        prev = None
        while head:
            head.next, prev, head = prev, head, head.next
        return prev
"""
TREE_CODE = """\
class Solution:
    def invertTree(self, root: Optional[TreeNode]) -> Optional[TreeNode]:
        if root:
            root.left, root.right = self.invertTree(root.right), self.invertTree(root.left)
        return root
"""
MERGE_CODE = """\
class Solution:
    def mergeKLists(self, lists: List[Optional[ListNode]]) -> Optional[ListNode]:
        values = []
        for node in lists:
            while node:
                values.append(node.val)
                node = node.next
        head = None
        for v in sorted(values, reverse=True):
            head = ListNode(v, head)
        return head
"""


@pytest.mark.parametrize(
    ("code", "entry", "args", "value"),
    [
        (LIST_CODE, "Solution.reverseList", "[1, 2, 3]", "[3, 2, 1]"),
        (LIST_CODE, "Solution.reverseList", "head=[]", "None"),
        (TREE_CODE, "Solution.invertTree", "[4, 2, 7, 1, 3, 6, 9]", "[4, 7, 2, 9, 6, 3, 1]"),
        (TREE_CODE, "Solution.invertTree", "[1, None, 2]", "[1, 2]"),
        (
            MERGE_CODE,
            "Solution.mergeKLists",
            "[[1, 4, 5], [1, 3, 4], [2, 6]]",
            "[1, 1, 2, 3, 4, 4, 5, 6]",
        ),
    ],
    ids=["list", "empty-list", "tree", "sparse-tree", "list-of-lists"],
)
def test_leetcode_nodes(runner: Runner, code: str, entry: str, args: str, value: str) -> None:
    outcome = runner.run(code, args, entry=entry)
    assert (outcome.status, outcome.value) == ("ok", value)


def test_in_place_method_scores_the_argument(runner: Runner) -> None:
    code = (
        "class Solution:\n    def rotate(self, nums: List[int], k: int) -> None:\n"
        "        k %= len(nums)\n        nums[:] = nums[-k:] + nums[:-k]\n"
    )
    outcome = runner.run(code, "[1, 2, 3, 4, 5], 2", entry="Solution.rotate", score="nums")
    assert outcome.value == "[4, 5, 1, 2, 3]"


def test_unknown_scored_argument_is_a_clear_error(runner: Runner) -> None:
    outcome = runner.run("def f(a):\n    a.sort()", "[2, 1]", score="b")
    assert outcome.verdict == "raised TypeError"
    assert "no argument 'b'" in outcome.detail


# --------------------------------------------------------------------------- the truth cache


class CountingExecutor:
    layers = ("fake",)
    version = "fake-1"

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.calls = 0

    def run(self, call: Call) -> Outcome:
        self.calls += 1
        return self.outcome

    def close(self) -> None:
        pass


def test_truth_cache_serves_a_second_run(tmp_path: Path) -> None:
    call = Call("def f():\n    return 1", "f", "")
    inner = CountingExecutor(Outcome("ok", "1", value_type="int"))
    first = CachedExecutor(inner, TruthCache(tmp_path / "truth.sqlite"))
    assert first.run(call).value == "1"
    first.close()
    again = CachedExecutor(inner, TruthCache(tmp_path / "truth.sqlite"))
    assert again.run(call) == Outcome("ok", "1", value_type="int")
    assert again.run(Call("def f():\n    return 1", "f", "", timeout=3)).value == "1"
    again.close()
    assert inner.calls == 2  # the new timeout is a new key; the same call is not re-run


@pytest.mark.parametrize("status", [HARNESS, "timeout"])
def test_truth_cache_does_not_keep_accidents(tmp_path: Path, status: str) -> None:
    inner = CountingExecutor(Outcome(status, detail="accident"))
    cached = CachedExecutor(inner, TruthCache(tmp_path / "truth.sqlite"))
    call = Call("def f():\n    return 1", "f", "")
    cached.run(call)
    cached.run(call)
    cached.close()
    assert inner.calls == 2


def test_truth_cache_refresh_re_executes(tmp_path: Path) -> None:
    inner = CountingExecutor(Outcome("ok", "1"))
    call = Call("def f():\n    return 1", "f", "")
    for _ in range(2):
        cached = CachedExecutor(inner, TruthCache(tmp_path / "truth.sqlite"), refresh=True)
        cached.run(call)
        cached.close()
    assert inner.calls == 2


def test_truth_key_covers_what_shapes_the_outcome() -> None:
    base = Call("def f(a):\n    return a", "f", "1")
    variants = [
        Call("def f(a):\n    return a ", "f", "1"),
        Call(base.code, "g", "1"),
        Call(base.code, "f", "2"),
        Call(base.code, "f", "1", score="a"),
        Call(base.code, "f", "1", trace=True),
        Call(base.code, "f", "1", trace=True, steps=((1, 2),)),
        Call(base.code, "f", "1", timeout=1),
    ]
    keys = {truth_key(c, "v1") for c in [base, *variants]} | {truth_key(base, "v2")}
    assert len(keys) == len(variants) + 2


def test_make_executor_prefers_the_fork_server() -> None:
    executor = make_executor()
    try:
        assert getattr(executor, "name", "") == "forkserver"
        assert executor.run(Call("def f():\n    return 5", "f", "")).value == "5"
    finally:
        executor.close()


def test_a_process_per_call_when_the_server_cannot_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pytest_llmexec.execution import describe, forkserver

    broken = tmp_path / "server.py"
    broken.write_text("raise SystemExit('no fork server on this machine')\n")
    monkeypatch.setattr(forkserver, "SERVER", broken)
    executor = make_executor()
    try:
        assert getattr(executor, "name", "") == "subprocess"
        line = describe(executor)
        assert line.startswith("llmexec: executor=subprocess sandbox=process,clean-env,tmpdir")
        assert "fork server unavailable" in line and "no fork server on this machine" in line
        outcome = executor.run(Call(LIST_CODE, "Solution.reverseList", "[1, 2]"))
        assert (outcome.status, outcome.value) == ("ok", "[2, 1]")
        assert (
            executor.run(
                Call("def f():\n    while True:\n        pass", "f", "", timeout=1)
            ).verdict
            == "timeout"
        )
    finally:
        executor.close()


def test_traced_calls_return_the_state_after_each_step(runner: Runner) -> None:
    code = "def f(a):\n    b = a + 1\n    c = b * 2\n    return c"
    outcome = runner.run(code, "1", trace=True, steps=((2, 2), (3, 3)))
    assert outcome.value == "4"
    assert outcome.steps == ({"a": "1", "b": "2"}, {"a": "1", "b": "2", "c": "4"})


def test_a_cyclic_linked_list_is_not_a_literal(runner: Runner) -> None:
    code = "def f():\n    a = ListNode(1)\n    a.next = ListNode(2, a)\n    return a"
    outcome = runner.run(code)
    assert outcome.verdict == "not a literal"
    assert "cycle" in outcome.detail


def test_a_result_that_breaks_while_read_is_a_verdict(runner: Runner) -> None:
    code = (  # hashable once, when the snippet builds its set; not when it is read
        "class Bad:\n    seen = 0\n    def __hash__(self):\n        Bad.seen += 1\n"
        "        if Bad.seen > 1:\n            raise RuntimeError('no hash')\n        return 1\n"
        "def f():\n    return {Bad()}\n"
    )
    outcome = runner.run(code)
    assert outcome.verdict == "not a literal"
    assert "RuntimeError: no hash" in outcome.detail


def test_limits_cannot_be_raised_back(runner: Runner) -> None:
    if not {"no-caps", "uid"} & set(runner.layers):
        pytest.skip("the child keeps CAP_SYS_RESOURCE here (no no-caps or uid layer)")
    outcome = runner.run(
        "def f():\n    import resource\n    infinity = resource.RLIM_INFINITY\n"
        "    resource.setrlimit(resource.RLIMIT_AS, (infinity, infinity))"
    )
    assert outcome.verdict in ("raised ValueError", "raised PermissionError")


def test_no_truth_cache_where_it_cannot_be_written(tmp_path: Path) -> None:
    from pytest_llmexec.execution.truth_cache import with_truth_cache

    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    inner = CountingExecutor(Outcome("ok", "1"))
    assert with_truth_cache(inner, "use", blocked / ".llmexec") is inner
    assert with_truth_cache(inner, "off", tmp_path) is inner
    cached = with_truth_cache(inner, "use", tmp_path / ".llmexec")
    assert isinstance(cached, CachedExecutor)
    cached.close()
