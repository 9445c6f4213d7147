"""Compiled languages in the sandbox: outcomes, the artifact cache, the hostile batteries.

Every test runs with the sandbox layers this machine offers and with them off
(as on a machine without seccomp or namespaces). After each module's runs no
process of ours and no server directory may be left.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_executor import tagged_processes

from pytest_llmexec.execution.native import (
    ASSERTION_FAILED,
    COMPILE_ERROR,
    NativeExecutor,
)
from pytest_llmexec.languages import Cpp, Java, LanguageError

pytestmark = [
    pytest.mark.slow,  # needs g++ and a JDK
    pytest.mark.skipif(
        shutil.which("g++") is None
        or shutil.which("javac") is None
        or not Path("/usr/share/java/javatuples.jar").is_file(),
        reason="needs g++, a JDK and javatuples "
        "(apt-get install g++ openjdk-17-jdk-headless libjavatuples-java; .ci/run does)",
    ),
]

CPP, JAVA = Cpp(), Java()
SECRET = "sk-native-secret-value"


def cpp(function: str, check: str = "", *, includes: str = "") -> str:
    """A program in CRUXEval-X's C++ shape: *function*, then main asserting *check*."""
    body = f"    auto candidate = f;\n    {check}\n" if check else "    f();\n"
    return (
        f"#include<assert.h>\n#include<bits/stdc++.h>\n{includes}"
        f"{function}\nint main() {{\n{body}}}\n"
    )


def java(function: str, check: str = "f();") -> str:
    """A program in CRUXEval-X's Java shape: class Problem with f and main."""
    return (
        "import java.util.*;\nimport java.io.*;\nimport java.net.*;\nimport java.nio.file.*;\n"
        "import org.javatuples.*;\n"
        f"class Problem {{\n{function}\n"
        f"    public static void main(String[] args) {{\n        {check}\n    }}\n}}\n"
    )


class Runner:
    def __init__(self, sandbox: bool, cache: Path) -> None:
        self.tag = f"llmexec-test-{uuid.uuid4().hex[:12]}"
        self.sandbox = sandbox
        os.environ["LLMEXEC_SERVER_TAG"] = self.tag
        os.environ["OPENAI_API_KEY"] = SECRET
        try:
            self.executor = NativeExecutor(
                [CPP, JAVA], cache_dir=cache, sandbox=sandbox, build_timeout=8.0
            )
        finally:
            del os.environ["LLMEXEC_SERVER_TAG"]
            del os.environ["OPENAI_API_KEY"]

    @property
    def layers(self) -> tuple[str, ...]:
        return self.executor.layers


def server_dirs() -> set[Path]:
    """Working directories of native servers that are gone (``/tmp/llmexec-native-<pid>-<hex>``)."""
    return {
        path
        for path in Path("/tmp").glob("llmexec-native-*-*")
        if path.name.split("-")[2].isdigit()
        and not Path(f"/proc/{path.name.split('-')[2]}").exists()
    }


@pytest.fixture(scope="module")
def native_cache(seeded_cache: Callable[..., Path]) -> Path:
    """One cache directory for the module, holding the session's precompiled header."""
    return seeded_cache("cpp", "java", name="native-cache")


@pytest.fixture(scope="module", params=[True, False], ids=["sandbox", "no-sandbox"])
def runner(request: pytest.FixtureRequest, native_cache: Path) -> Iterator[Runner]:
    before = server_dirs()
    runner = Runner(request.param, native_cache)
    yield runner
    runner.executor.close()
    assert tagged_processes(runner.tag) == [], "a process outlived the executor"
    assert server_dirs() - before == set(), "a server's directory outlived it"


# --------------------------------------------------------------------------- outcomes

TWICE_CPP = (
    "std::vector<long> f(std::vector<long> xs) {\n    for (auto& x : xs) x *= 2;\n    return xs;\n}"
)
TWICE_JAVA = (
    "    public static ArrayList<Long> f(ArrayList<Long> xs) {\n"
    "        ArrayList<Long> out = new ArrayList<>();\n"
    "        for (long x : xs) out.add(x * 2);\n        return out;\n    }"
)


def test_cpp_outcomes_keep_compile_errors_asserts_and_success_apart(runner: Runner) -> None:
    run = runner.executor.run_program
    good = "assert(candidate((std::vector<long>({1, 2}))) == (std::vector<long>({2, 4})));"
    assert run(CPP, cpp(TWICE_CPP, good)).status == "ok"
    wrong = run(CPP, cpp(TWICE_CPP, good.replace("2, 4", "2, 5")))
    assert wrong.status == ASSERTION_FAILED
    assert "Assertion" in wrong.detail
    broken = run(CPP, cpp(TWICE_CPP, good.replace("({2, 4})", "({2, 4")))
    assert broken.status == COMPILE_ERROR
    assert "main.cpp:" in broken.detail and "error" in broken.detail


def test_java_outcomes_keep_compile_errors_asserts_and_success_apart(runner: Runner) -> None:
    run = runner.executor.run_program
    good = (
        "assert(f((new ArrayList<Long>(Arrays.asList(1l, 2l))))"
        ".equals((new ArrayList<Long>(Arrays.asList(2l, 4l)))));"
    )
    assert run(JAVA, java(TWICE_JAVA, good)).status == "ok"
    wrong = run(JAVA, java(TWICE_JAVA, good.replace("4l", "5l")))
    assert wrong.status == ASSERTION_FAILED
    assert "AssertionError" in wrong.detail
    broken = run(JAVA, java(TWICE_JAVA, good.replace("4l)))));", "4l))));")))
    assert broken.status == COMPILE_ERROR
    assert "Problem.java:" in broken.detail
    tuples = java(
        '    public static Pair<Long, String> f(long n) { return Pair.with(n, "x"); }',
        'assert(f(3l).equals(Pair.with(3l, "x")));',
    )
    assert run(JAVA, tuples).status == "ok", run(JAVA, tuples).detail


def test_printed_output_is_the_value(runner: Runner) -> None:
    printed = runner.executor.run_program(
        CPP, cpp('void f() { std::cout << "[1, 2]" << std::endl; }')
    )
    assert (printed.status, printed.value) == ("ok", "[1, 2]\n")
    printed = runner.executor.run_program(
        JAVA, java('    static void f() { System.out.println("{\\"a\\": 1}"); }')
    )
    assert (printed.status, printed.value) == ("ok", '{"a": 1}\n')


def test_builds_are_cached_by_content(runner: Runner) -> None:
    program = cpp("int f() { return 7; }", "assert(candidate() == 7);")
    first = runner.executor.build(CPP, program)
    again = runner.executor.build(CPP, program)
    assert first.outcome is None and again.files == first.files
    fresh = NativeExecutor([CPP], cache_dir=runner.executor.root.parent, sandbox=runner.sandbox)
    try:  # another executor (another run) reads it from the cache directory
        assert fresh.build(CPP, program).cached
        assert fresh.run_program(CPP, program).status == "ok"
        changed = fresh.build(CPP, program.replace("7", "8"))
        assert not changed.cached
    finally:
        fresh.close()


# --------------------------------------------------------------------------- the batteries

CPP_BATTERY = {
    "infinite_loop": (cpp("long f() { long n = 0; while (true) n++; return n; }"), {"timeout"}),
    "memory_bomb": (
        cpp("void f() { std::vector<long*> v; while (true) v.push_back(new long[1 << 26]); }"),
        {"memory"},
    ),
    "exit_zero_inside": (
        cpp("long f() { std::exit(0); }", "assert(candidate() == 1);"),
        {"crashed exit(0)"},
    ),
    "exit_inside": (cpp("void f() { std::exit(3); }"), {"crashed exit(3)"}),
    "segfault": (cpp("void f() { volatile int* p = nullptr; *p = 1; }"), {"crashed SIGSEGV"}),
    "threads_left_running": (
        cpp(
            "long f() { for (int i = 0; i < 4; i++) std::thread([] { while (true) {} }).detach();"
            " return 1; }",
            "assert(candidate() == 1);",
        ),
        {"ok"},
    ),
    "template_depth": (
        cpp(
            "template <int N> struct R { static const int v = R<N + 1>::v; };\n"
            "int f() { return R<0>::v; }"
        ),
        {COMPILE_ERROR},
    ),
    "template_explosion": (
        cpp(
            "template <int N, int M> struct T {\n"
            "  static constexpr long v = T<N - 1, 2 * M>::v + T<N - 1, 2 * M + 1>::v; };\n"
            "template <int M> struct T<0, M> { static constexpr long v = 1; };\n"
            "long f() { return T<40, 0>::v; }"
        ),
        {COMPILE_ERROR},
    ),
    "include_itself_twice": (
        "#include __FILE__\n#include __FILE__\nint main() {}\n",
        {COMPILE_ERROR},
    ),
    "include_an_endless_file": ('#include "/dev/zero"\nint main() {}\n', {COMPILE_ERROR}),
}


JAVA_BATTERY = {
    "infinite_loop": (java("    static long f() { long n = 0; while (true) n++; }"), {"timeout"}),
    "memory_bomb": (
        java(
            "    static void f() { List<long[]> l = new ArrayList<>();"
            " while (true) l.add(new long[1 << 22]); }"
        ),
        {"memory"},
    ),
    "exit_zero_inside": (
        java("    static long f() { System.exit(0); return 1; }", "assert(f() == 1l);"),
        {"crashed exit(0)"},
    ),
    "exit_inside": (java("    static void f() { System.exit(3); }"), {"crashed exit(3)"}),
    "stack_overflow": (java("    static long f() { return f() + 1; }"), {"crashed exit(1)"}),
    "threads_left_running": (
        java(
            "    static long f() { for (int i = 0; i < 4; i++)\n"
            "        new Thread(() -> { while (true) {} }).start(); return 1; }",
            "assert(f() == 1l);",
        ),
        {"ok"},
    ),
    "compile_bomb": (
        java(f"    static long f() {{ return {'(' * 6000}1{')' * 6000}; }}"),
        {COMPILE_ERROR, "ok"},  # javac either gives up (a deep tree) or copes
    ),
}


@pytest.mark.parametrize("case", sorted(CPP_BATTERY))
def test_cpp_battery(runner: Runner, case: str) -> None:
    program, verdicts = CPP_BATTERY[case]
    outcome = runner.executor.run_program(CPP, program, timeout=2.0)
    assert outcome.verdict in verdicts, (case, outcome)


@pytest.mark.parametrize("case", sorted(JAVA_BATTERY))
def test_java_battery(runner: Runner, case: str) -> None:
    program, verdicts = JAVA_BATTERY[case]
    outcome = runner.executor.run_program(JAVA, program, timeout=3.0)
    assert outcome.verdict in verdicts, (case, outcome)


def test_cpp_fork_bomb_leaves_nothing(runner: Runner) -> None:
    marker = "987654.5"
    program = cpp(
        "#include <unistd.h>\n"
        "int f() { int made = 0;\n"
        "  for (int i = 0; i < 30; i++) {\n"
        "    pid_t pid = fork();\n"
        "    if (pid == 0) { if (i % 2) setsid();\n"
        f'      execlp("sleep", "sleep", "{marker}", (char*)0); _exit(0); }}\n'
        "    if (pid > 0) made++; }\n"
        "  return made; }",
        "std::cout << candidate();",
    )
    outcome = runner.executor.run_program(CPP, program, timeout=5.0)
    if "seccomp" in runner.layers:
        assert (outcome.status, outcome.value) == ("ok", "0")
    else:
        assert (outcome.status, outcome.value) == ("ok", "30")
    assert tagged_processes(f"sleep\0{marker}") == []
    if {"seccomp", "uid"} & set(runner.layers):
        bomb = cpp("#include <unistd.h>\nvoid f() { while (true) fork(); }")
        assert runner.executor.run_program(CPP, bomb, timeout=2.0).verdict == "timeout"


def test_java_subprocesses_are_denied_or_killed(runner: Runner) -> None:
    marker = "987654.75"
    program = java(
        "    static int f() throws Exception { int made = 0;\n"
        "        for (int i = 0; i < 10; i++) {\n"
        f'            try {{ new ProcessBuilder("sleep", "{marker}").start(); made++; }}\n'
        "            catch (IOException denied) { }\n        }\n        return made; }",
        "try { System.out.print(f()); } catch (Exception e) { throw new RuntimeException(e); }",
    )
    outcome = runner.executor.run_program(JAVA, program, timeout=5.0)
    assert outcome.status == "ok", outcome
    assert outcome.value == ("0" if "seccomp" in runner.layers else "10")
    assert tagged_processes(f"sleep\0{marker}") == []


def test_killing_the_parent(runner: Runner) -> None:
    kill_cpp = cpp(
        "#include <signal.h>\n#include <unistd.h>\nint f() { return kill(getppid(), SIGKILL); }",
        "std::cout << candidate();",
    )
    kill_java = java(
        "    static boolean f() {\n"
        "        return ProcessHandle.current().parent().get().destroyForcibly(); }",
        "System.out.print(f());",
    )
    for language, program, denied in ((CPP, kill_cpp, "-1"), (JAVA, kill_java, "false")):
        outcome = runner.executor.run_program(language, program, timeout=5.0)
        if "seccomp" in runner.layers:
            assert (outcome.status, outcome.value) == ("ok", denied)
        else:  # the server died for this call; the next one runs on a fresh server
            assert outcome.status in ("harness error", "ok")
        assert runner.executor.run_program(
            CPP, cpp("int f() { return 1; }", "assert(candidate() == 1);")
        ).ok


def test_sockets_are_refused(runner: Runner) -> None:
    program_cpp = cpp(
        "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n"
        "int f() { int s = socket(AF_INET, SOCK_STREAM, 0); if (s < 0) return 1;\n"
        "  sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(9);\n"
        '  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);\n'
        "  return connect(s, (sockaddr*)&a, sizeof a) == 0 ? 0 : 2; }",
        "std::cout << candidate();",
    )
    outcome = runner.executor.run_program(CPP, program_cpp, timeout=5.0)
    assert outcome.status == "ok" and outcome.value in ("1", "2")
    if "seccomp" in runner.layers:
        assert outcome.value == "1"
    program_java = java(
        '    static String f() { try (Socket s = new Socket("127.0.0.1", 9)) {'
        ' return "connected"; }'
        ' catch (Exception e) { return "refused"; } }',
        "System.out.print(f());",
    )
    assert runner.executor.run_program(JAVA, program_java, timeout=5.0).value == "refused"


def test_written_files_do_not_outlive_the_run(runner: Runner) -> None:
    outside = Path("/tmp") / f"llmexec-test-{uuid.uuid4().hex}"
    write_cpp = cpp(
        'int f() { std::ofstream("here.txt") << "x";\n'
        f'  std::ofstream("{outside}") << "escape"; return 0; }}',
        "candidate();",
    )
    assert runner.executor.run_program(CPP, write_cpp).status == "ok"
    write_java = java(
        '    static void f() throws IOException { Files.writeString(Path.of("here.txt"), "x"); }',
        "try { f(); } catch (IOException e) { throw new UncheckedIOException(e); }",
    )
    assert runner.executor.run_program(JAVA, write_java).status == "ok"
    listing = cpp(
        'int f() { int n = 0; for (auto& e : std::filesystem::directory_iterator(".")) {'
        ' if (e.path().filename() == "here.txt") n++; } return n; }',
        "std::cout << candidate();",
    )
    assert runner.executor.run_program(CPP, listing).value == "0"
    if "private-tmp" in runner.layers:
        assert not outside.exists()
    else:
        outside.unlink(missing_ok=True)
    if "read-only-root" in runner.layers:
        target = Path.cwd() / f"llmexec-test-{uuid.uuid4().hex}.txt"
        escape = cpp(f'int f() {{ std::ofstream("{target}") << "x"; return 0; }}', "candidate();")
        assert runner.executor.run_program(CPP, escape).ok
        assert not target.exists()


def test_no_secret_reaches_the_compiler_or_the_program(runner: Runner) -> None:
    environ_cpp = cpp(
        "extern char** environ;\n"
        "void f() { for (char** e = environ; *e; e++) std::cout << *e << '\\n'; }"
    )
    shown = runner.executor.run_program(CPP, environ_cpp)
    assert shown.ok and "PATH=" in (shown.value or "")
    compiled = runner.executor.run_program(CPP, '#include "/proc/self/environ"\nint main() {}\n')
    environ_java = java("    static void f() { System.out.print(System.getenv()); }")
    printed = runner.executor.run_program(JAVA, environ_java)
    assert printed.ok
    for text in (shown.value, compiled.detail, printed.value):
        assert SECRET not in (text or "")
        assert "API_KEY" not in (text or "")


# --------------------------------------------------------------------------- CRUXEval-X rows

FIXTURES = Path(__file__).with_name("fixtures") / "cruxeval_x"


def rows(language: str) -> list[dict[str, str]]:
    import json

    return [json.loads(line) for line in (FIXTURES / f"{language}.jsonl").read_text().splitlines()]


def answered(row: dict[str, str], task: str, answer: str) -> str:
    """The row's program with *answer* in place of ``????`` (CRUXEval-X's scoring)."""
    end = row[f"{task}_reasoning"]
    return row["code"][: row["code"].rindex(end.splitlines()[0])] + end.replace("????", answer)


@pytest.fixture(scope="module")
def sandboxed(native_cache: Path) -> Iterator[NativeExecutor]:
    executor = NativeExecutor([CPP, JAVA], cache_dir=native_cache)
    yield executor
    executor.close()


@pytest.mark.parametrize("name", ["cpp", "java"])
def test_every_fixture_row_reproduces_its_recorded_output(
    sandboxed: NativeExecutor, name: str
) -> None:
    language = CPP if name == "cpp" else JAVA
    for row in rows(name):
        outcome = sandboxed.run_program(language, row["code"])
        assert outcome.status == "ok", (row["id"], outcome)


@pytest.mark.parametrize(
    ("name", "task", "answer", "status"),
    [
        ("cpp", "output", "(std::vector<long>({4, 8}))", "ok"),
        ("cpp", "output", "(std::vector<long>({4, 9}))", ASSERTION_FAILED),
        ("cpp", "output", "[4, 8]", COMPILE_ERROR),
        ("cpp", "input", "candidate((std::vector<long>({2, 4, 5})))", "ok"),
        ("cpp", "input", "candidate((std::vector<long>({2})))", ASSERTION_FAILED),
        ("java", "output", "(new ArrayList<Long>(Arrays.asList(4l, 8l)))", "ok"),
        ("java", "output", "(new ArrayList<Long>(Arrays.asList(4l, 8l, 1l)))", ASSERTION_FAILED),
        ("java", "output", "[4, 8]", COMPILE_ERROR),
        ("java", "input", "f(new ArrayList<Long>(Arrays.asList(2l, 3l, 4l)))", "ok"),
        ("java", "input", "f(new ArrayList<Long>(Arrays.asList(1l)))", ASSERTION_FAILED),
    ],
)
def test_answers_in_place_of_the_placeholder(
    sandboxed: NativeExecutor, name: str, task: str, answer: str, status: str
) -> None:
    row = rows(name)[0]  # double_evens([1, 2, 3, 4]) == [4, 8]
    program = answered(row, task, answer)
    assert "????" not in program
    assert sandboxed.run_program(CPP if name == "cpp" else JAVA, program).status == status


# --------------------------------------------------------------------------- literals, printed back

ROUND_TRIP = [
    # (value, C++ type, Java type)
    (True, "bool", "boolean"),
    (-3, "long", "long"),
    (3_000_000_000, "long", "Long"),
    (2.5, "float", "float"),
    (0.1, "double", "double"),
    (float("inf"), "double", "Double"),
    ('a"b\\\n?\x01 é 😀', "std::string", "String"),
    ("x", "char", "char"),
    ([1, -2], "std::vector<long>", "ArrayList<Long>"),
    ([], "std::vector<std::string>", "ArrayList<String>"),
    ([["a", "b"], []], "std::vector<std::vector<std::string>>", "ArrayList<ArrayList<String>>"),
    ({"a": 1, "b": 2}, "std::map<std::string,long>", "HashMap<String,Long>"),
    ({"7": "x"}, "std::map<long,std::string>", "HashMap<Long,String>"),
    ([1, "x"], "std::tuple<long, std::string>", "Pair<Long, String>"),
    ([[1, 2]], "std::vector<std::pair<long, long>>", "ArrayList<Pair<Long, Long>>"),
    (None, "std::optional<long>", "Optional<Long>"),
    (4, "std::optional<long>", "Optional<Long>"),
    ([3], "std::set<long>", "HashSet<Long>"),
]


@pytest.mark.parametrize("name", ["cpp", "java"])
def test_literals_compile_and_read_back_as_the_same_value(
    sandboxed: NativeExecutor, name: str
) -> None:
    """Each JSON value, written as a literal, compiled, printed by the harness's printer and
    read back, is the value it was."""
    from pytest_llmexec.languages.cpp import PRINTER_INCLUDE

    language = CPP if name == "cpp" else JAVA
    column = 1 if name == "cpp" else 2
    prints = "\n".join(
        "    " + language.print_statement(language.literal(case[0], case[column]))  # type: ignore[arg-type]
        for case in ROUND_TRIP
    )
    if name == "cpp":
        program = f"#include <bits/stdc++.h>\n{PRINTER_INCLUDE}int main() {{\n{prints}\n}}\n"
    else:
        program = java("", prints.strip())
    outcome = sandboxed.run_program(language, program)
    assert outcome.ok, outcome.detail
    lines = (outcome.value or "").splitlines()
    assert len(lines) == len(ROUND_TRIP)
    for line, case in zip(lines, ROUND_TRIP, strict=True):
        assert language.read_value(line) == case[0], (case, line)


def test_an_unreadable_printed_result_is_named() -> None:
    with pytest.raises(LanguageError, match="printed no result"):
        CPP.read_value("\n")
    with pytest.raises(LanguageError, match="cannot read the java program's printed result"):
        JAVA.read_value("Pair[1, 2]")
