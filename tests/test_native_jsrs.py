"""JavaScript and Rust in the sandbox: outcomes, literals read back, the hostile batteries.

As for C++ and Java (`tests/test_native.py`): every test runs with the sandbox
layers this machine offers and with them off, and after each module's runs no
process of ours and no server directory may be left.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_executor import tagged_processes
from test_native import SECRET, server_dirs

from pytest_llmexec.execution.native import ASSERTION_FAILED, COMPILE_ERROR, NativeExecutor
from pytest_llmexec.languages import JavaScript, Language, LanguageError, Rust

pytestmark = pytest.mark.slow  # needs node and rustc


def toolchains() -> list[Language]:
    """The languages whose toolchain is on this machine."""
    found: list[Language] = []
    for language in (JavaScript(), Rust()):
        try:
            language.toolchain()
        except LanguageError:
            continue
        found.append(language)
    return found


LANGUAGES = {language.name: language for language in toolchains()}
JS, RS = LANGUAGES.get("js"), LANGUAGES.get("rs")
needs_js = pytest.mark.skipif(
    JS is None, reason="needs node on PATH (apt-get install nodejs; .ci/run does)"
)
needs_rs = pytest.mark.skipif(
    RS is None,
    reason="needs rustc on PATH or in ~/.cargo/bin (apt-get install rustc; .ci/run does)",
)


def js(function: str, check: str = "f();") -> str:
    """A program in CRUXEval-X's JavaScript shape: *function*, then test() running *check*."""
    return (
        f"{function}\nconst assert = require('node:assert');\n\n\n"
        f"function test() {{\n  let candidate = f;\n  {check}\n}}\n\ntest();"
    )


def rs(function: str, check: str = "f();", *, head: str = "") -> str:
    """A program in CRUXEval-X's Rust shape: *function*, then main running *check*."""
    return f"{head}{function}\n\nfn main() {{\n    let candidate = f;\n    {check}\n}}\n"


PRINT_JS = 'require("llmexec_print").print'


class Runner:
    def __init__(self, sandbox: bool, cache: Path) -> None:
        self.tag = f"llmexec-test-{uuid.uuid4().hex[:12]}"
        self.sandbox = sandbox
        os.environ["LLMEXEC_SERVER_TAG"] = self.tag
        os.environ["OPENAI_API_KEY"] = SECRET
        try:
            self.executor = NativeExecutor(
                list(LANGUAGES.values()), cache_dir=cache, sandbox=sandbox, build_timeout=8.0
            )
        finally:
            del os.environ["LLMEXEC_SERVER_TAG"]
            del os.environ["OPENAI_API_KEY"]

    @property
    def layers(self) -> tuple[str, ...]:
        return self.executor.layers

    def run(self, language: Language | None, program: str, timeout: float = 5.0) -> str:
        """The run's verdict (``ok``, ``timeout``, ``crashed exit(3)``...)."""
        assert language is not None
        return self.executor.run_program(language, program, timeout=timeout).verdict

    def value(self, language: Language | None, program: str, timeout: float = 5.0) -> str:
        """What the run printed; it must have passed."""
        assert language is not None
        outcome = self.executor.run_program(language, program, timeout=timeout)
        assert outcome.status == "ok", outcome
        return (outcome.value or "").strip()


@pytest.fixture(scope="module")
def native_cache(seeded_cache: Callable[..., Path]) -> Path:
    """One cache directory for the module, holding the session's prepared Rust support."""
    return seeded_cache("js", "rs", name="native-jsrs-cache")


@pytest.fixture(scope="module", params=[True, False], ids=["sandbox", "no-sandbox"])
def runner(request: pytest.FixtureRequest, native_cache: Path) -> Iterator[Runner]:
    if not LANGUAGES:
        pytest.skip("needs node or rustc (.ci/run installs them)")
    before = server_dirs()
    runner = Runner(request.param, native_cache)
    yield runner
    runner.executor.close()
    assert tagged_processes(runner.tag) == [], "a process outlived the executor"
    assert server_dirs() - before == set(), "a server's directory outlived it"


# --------------------------------------------------------------------------- outcomes

TWICE_JS = "function f(xs){\n    return xs.map(x => x * 2);\n}"
TWICE_RS = "fn f(xs: Vec<isize>) -> Vec<isize> {\n    xs.iter().map(|x| x * 2).collect()\n}"


@needs_js
def test_js_outcomes_keep_syntax_errors_asserts_and_success_apart(runner: Runner) -> None:
    good = "assert.deepEqual(candidate([1, 2]),[2, 4]);"
    assert runner.run(JS, js(TWICE_JS, good)) == "ok"
    wrong = runner.executor.run_program(JS, js(TWICE_JS, good.replace("4]", "5]")))  # type: ignore[arg-type]
    assert wrong.status == ASSERTION_FAILED
    assert "AssertionError" in wrong.detail
    broken = runner.executor.run_program(JS, js(TWICE_JS, good.replace("4]);", "4];")))  # type: ignore[arg-type]
    assert broken.status == COMPILE_ERROR
    assert "main.js:" in broken.detail and "SyntaxError" in broken.detail
    thrown = js("function f(){ throw new TypeError('no'); }")
    assert runner.run(JS, thrown) == "crashed exit(1)"
    parsed_at_run_time = js("function f(){ return JSON.parse('{'); }")  # parses; throws
    assert runner.run(JS, parsed_at_run_time) == "crashed exit(1)"


@needs_rs
def test_rs_outcomes_keep_compile_errors_asserts_and_success_apart(runner: Runner) -> None:
    good = "assert_eq!(candidate(vec![1, 2]), vec![2, 4]);"
    assert runner.run(RS, rs(TWICE_RS, good)) == "ok"
    wrong = runner.executor.run_program(RS, rs(TWICE_RS, good.replace("4]", "5]")))  # type: ignore[arg-type]
    assert wrong.status == ASSERTION_FAILED
    assert "panicked at" in wrong.detail and "assertion" in wrong.detail
    plain = rs("fn f() -> bool { false }", "assert!(candidate());")
    assert runner.run(RS, plain) == ASSERTION_FAILED
    broken = runner.executor.run_program(RS, rs(TWICE_RS, good.replace("vec![2, 4]", '"2, 4"')))  # type: ignore[arg-type]
    assert broken.status == COMPILE_ERROR
    assert "main.rs:" in broken.detail and "error" in broken.detail
    overflow = rs("fn f(x: u8) -> u8 { x + 1 }", "assert_eq!(candidate(255), 0);")
    assert runner.run(RS, overflow) == "crashed exit(101)"  # a debug build checks overflow


@needs_rs
def test_rs_builds_are_cached_by_content(runner: Runner) -> None:
    assert RS is not None
    program = rs("fn f() -> isize { 7 }", "assert_eq!(candidate(), 7);")
    first = runner.executor.build(RS, program)
    assert first.outcome is None and set(first.files) == {"main"}
    assert len(first.files["main"]) < 2 << 20  # stripped
    assert runner.executor.build(RS, program).files == first.files
    fresh = NativeExecutor([RS], cache_dir=runner.executor.root.parent, sandbox=runner.sandbox)
    try:
        assert fresh.build(RS, program).cached
        assert fresh.run_program(RS, program).ok
    finally:
        fresh.close()


@needs_js
def test_js_has_no_build_its_artifact_is_the_source(runner: Runner) -> None:
    assert JS is not None
    program = js("function f(){ return 1; }", "assert.deepEqual(candidate(), 1);")
    built = runner.executor.build(JS, program)
    assert built.outcome is None and built.files == {"main.js": program.encode()}
    assert not built.cached  # (nothing is written to the artifact cache)


# --------------------------------------------------------------------------- literals read back

ROUND_TRIP = [
    # (value, Rust type, JavaScript type)
    (True, "bool", ""),
    (-3, "isize", ""),
    (3_000_000_000, "i64", ""),
    (2**60, "u64", "BigInt"),
    (2.5, "f32", ""),
    (0.1, "f64", ""),
    (1e300, "f64", ""),
    (float("inf"), "f64", ""),
    (float("-inf"), "f64", ""),
    ('a"b\\\n\x01 é 😀 \u2028', "String", ""),
    ("x", "char", ""),
    ("s", "&str", ""),
    ([1, -2], "Vec<isize>", ""),
    ([], "Vec<String>", ""),
    ([["a", "b"], []], "Vec<Vec<String>>", ""),
    ({"a": 1, "b": 2}, "HashMap<String, isize>", ""),
    ({"7": "x"}, "BTreeMap<i64, String>", "Map"),
    ([1, "x"], "(isize, String)", ""),
    ([[1, 2]], "Vec<(usize, usize)>", ""),
    (None, "Option<isize>", ""),
    (4, "Option<isize>", ""),
    ([3], "HashSet<isize>", "Set"),
    ([1, 2, 3], "[u8; 3]", ""),
]


@pytest.mark.parametrize("name", ["js", "rs"])
def test_literals_run_and_read_back_as_the_same_value(runner: Runner, name: str) -> None:
    """Each JSON value, written as a literal, run, printed by the harness's printer and read
    back, is the value it was."""
    language = LANGUAGES.get(name) or pytest.skip(f"no {name} toolchain here")
    if name == "rs":
        lines = [
            f"    let v{i}: {case[1]} = {language.literal(case[0], case[1])};\n"
            f"    {language.print_statement(f'v{i}')}"
            for i, case in enumerate(ROUND_TRIP)
        ]
        program = "use std::collections::*;\nfn main() {\n" + "\n".join(lines) + "\n}\n"
    else:
        program = "\n".join(
            language.print_statement(language.literal(case[0], case[2])) for case in ROUND_TRIP
        )
    printed = runner.value(language, program).split("\n")  # (not splitlines: U+2028 is text)
    assert len(printed) == len(ROUND_TRIP)
    for line, case in zip(printed, ROUND_TRIP, strict=True):
        assert language.read_value(line) == case[0], (case, line)


# --------------------------------------------------------------------------- the batteries

JS_BATTERY = {
    "infinite_loop": (js("function f(){ let n = 0; while (true) n++; }"), {"timeout"}),
    "memory_bomb": (
        js("function f(){ const a = []; while (true) a.push(new Array(1 << 20).fill(1.5)); }"),
        {"memory"},
    ),
    "buffer_bomb": (
        js("function f(){ const a = []; while (true) a.push(Buffer.alloc(1 << 28)); }"),
        {"memory"},
    ),
    "exit_zero_inside": (
        js("function f(){ process.exit(0); }", "assert.deepEqual(candidate(), 1);"),
        {"crashed exit(0)"},
    ),
    "really_exit_zero_inside": (  # the binding under process.exit, past the entry's hook
        js("function f(){ process.reallyExit(0); }", "assert.deepEqual(candidate(), 1);"),
        {"crashed exit(0)"},
    ),
    "exit_inside": (js("function f(){ process.exit(3); }"), {"crashed exit(3)"}),
    "exit_code_set": (js("function f(){ process.exitCode = 4; }"), {"crashed exit(4)"}),
    "stack_overflow": (js("function f(){ return f() + 1; }"), {"crashed exit(1)"}),
    "worker_left_running": (
        js(
            "function f(){ const { Worker } = require('worker_threads');\n"
            "    new Worker('while (true) {}', { eval: true }); return 1; }",
            "assert.deepEqual(candidate(), 1);",
        ),
        {"timeout"},  # as under node itself: a running worker keeps the program alive
    ),
    "worker_unref": (
        js(
            "function f(){ const { Worker } = require('worker_threads');\n"
            "    new Worker('while (true) {}', { eval: true }).unref(); return 1; }",
            "assert.deepEqual(candidate(), 1);",
        ),
        {"ok"},
    ),
    "timer_left_running": (
        js("function f(){ setInterval(() => {}, 10); return 1; }"),
        {"timeout"},
    ),
    "parser_bomb": (
        js(f"function f(){{ return {'(' * 200_000}1{')' * 200_000}; }}"),
        {COMPILE_ERROR},
    ),
}

RS_BATTERY = {
    "infinite_loop": (
        rs("fn f() -> u64 { let mut n = 0u64; loop { n = std::hint::black_box(n + 1); } }"),
        {"timeout"},
    ),
    "memory_bomb": (
        rs("fn f() { let mut v = Vec::new(); loop { v.push(vec![1u8; 1 << 26]); } }"),
        {"memory"},
    ),
    "memory_reserved": (  # untouched: the address-space limit refuses it at once
        rs(
            "fn f() { let mut v = Vec::new(); loop { v.push(Vec::<u8>::with_capacity(1 << 30)); } }"
        ),
        {"memory"},
    ),
    "exit_zero_inside": (
        rs("fn f() -> isize { std::process::exit(0) }", "assert_eq!(candidate(), 1);"),
        {"crashed exit(0)"},
    ),
    "exit_inside": (rs("fn f() { std::process::exit(3) }"), {"crashed exit(3)"}),
    "panic": (rs('fn f() { panic!("no") }'), {"crashed exit(101)"}),
    "stack_overflow": (
        rs("fn f(n: u64) -> u64 { std::hint::black_box(f(n + 1)) + 1 }", "f(0);"),
        {"crashed SIGABRT"},
    ),
    "threads_left_running": (
        rs(
            "fn f() -> isize {\n    for _ in 0..4 {\n"
            "        std::thread::spawn(|| loop { std::hint::black_box(0); });\n    }\n    1\n}",
            "assert_eq!(candidate(), 1);",
        ),
        {"ok"},  # as in C++: the process ends when main returns
    ),
    "macro_recursion": (
        rs("macro_rules! again { () => { again!() }; }\nfn f() { again!(); }"),
        {COMPILE_ERROR},
    ),
    "macro_explosion": (
        rs(
            "macro_rules! twice {\n    () => {};\n"
            "    (x $($rest:tt)*) => { twice!($($rest)*); twice!($($rest)*); };\n}\n"
            f"fn f() {{ twice!({'x ' * 40}); }}",
            head='#![recursion_limit = "1000"]\n',
        ),
        {COMPILE_ERROR},
    ),
    "const_eval_forever": (
        rs(
            "const N: u64 = { let mut i = 0u64; while i < u64::MAX { i += 1; } i };\n"
            "fn f() -> u64 { N }",
            head="#![allow(long_running_const_eval)]\n",
        ),
        {COMPILE_ERROR},  # the compiler's time runs out
    ),
    "const_eval_limit": (
        rs(
            "const N: u64 = { let mut i = 0u64; while i < u64::MAX { i += 1; } i };\n"
            "fn f() -> u64 { N }"
        ),
        {COMPILE_ERROR},
    ),
    "include_an_endless_file": (
        rs('fn f() -> usize { include_bytes!("/dev/zero").len() }'),
        {COMPILE_ERROR},
    ),
    "include_itself": (rs('include!("main.rs");\nfn f() {}'), {COMPILE_ERROR}),
}


@needs_js
@pytest.mark.parametrize("case", sorted(JS_BATTERY))
def test_js_battery(runner: Runner, case: str) -> None:
    program, verdicts = JS_BATTERY[case]
    # V8 collects garbage again and again before it gives up: on a loaded machine that
    # takes seconds, which a short timeout would report as the verdict instead
    timeout = 15.0 if verdicts == {"memory"} else 3.0
    assert runner.run(JS, program, timeout=timeout) in verdicts, case


@needs_rs
@pytest.mark.parametrize("case", sorted(RS_BATTERY))
def test_rs_battery(runner: Runner, case: str) -> None:
    program, verdicts = RS_BATTERY[case]
    timeout = 15.0 if verdicts == {"memory"} else 3.0  # (touching a GiB takes a while here)
    assert runner.run(RS, program, timeout=timeout) in verdicts, case


@needs_js
def test_js_child_processes_are_denied_or_killed(runner: Runner) -> None:
    marker = "987654.25"
    program = js(
        "function f(){\n    const cp = require('child_process');\n    let made = 0;\n"
        "    for (let i = 0; i < 10; i++) {\n"
        "        try {\n"
        f"            const child = cp.spawn('sleep', ['{marker}'],"
        " { detached: i % 2 === 1, stdio: 'ignore' });\n"
        "            child.on('error', () => {});\n"
        "            if (child.pid) made++;\n"
        "            child.unref();\n"
        "        } catch (denied) {}\n    }\n"
        "    let sync = 'ran';\n"
        f"    try {{ cp.execFileSync('sleep', ['{marker}'], {{ timeout: 1 }}); }}"
        " catch (e) { sync = e.code || 'failed'; }\n"
        "    return [made, sync];\n}",
        f"{PRINT_JS}(candidate());",
    )
    printed = runner.value(JS, program)
    if "seccomp" in runner.layers:
        assert printed == '[0, "EPERM"]'
    else:
        assert printed.startswith("[10, ")
    assert tagged_processes(f"sleep\0{marker}") == []


@needs_rs
def test_rs_commands_are_denied_or_killed(runner: Runner) -> None:
    marker = "987654.125"
    program = rs(
        "fn f() -> usize {\n    let mut made = 0;\n    for _ in 0..10 {\n"
        f'        if std::process::Command::new("sleep").arg("{marker}").spawn().is_ok() {{\n'
        "            made += 1;\n        }\n    }\n    made\n}",
        "llmexec::print(&candidate());",
    )
    assert runner.value(RS, program) == ("0" if "seccomp" in runner.layers else "10")
    assert tagged_processes(f"sleep\0{marker}") == []
    if {"seccomp", "uid"} & set(runner.layers):
        bomb = rs(
            'fn f() { loop { let _ = std::process::Command::new("/proc/self/exe").spawn(); } }'
        )
        assert runner.run(RS, bomb, timeout=2.0) == "timeout"


def test_killing_the_parent(runner: Runner) -> None:
    kill_js = js(
        "function f(){ try { process.kill(process.ppid, 'SIGKILL'); return 'sent'; }"
        " catch (e) { return e.code; } }",
        f"{PRINT_JS}(candidate());",
    )
    kill_rs = rs(
        'extern "C" {\n    fn kill(pid: i32, signal: i32) -> i32;\n    fn getppid() -> i32;\n}\n'
        "fn f() -> i32 { unsafe { kill(getppid(), 9) } }",
        "llmexec::print(&candidate());",
    )
    for language, program, denied in ((JS, kill_js, '"EPERM"'), (RS, kill_rs, "-1")):
        if language is None:
            continue
        outcome = runner.executor.run_program(language, program, timeout=5.0)
        if "seccomp" in runner.layers:
            assert (outcome.status, (outcome.value or "").strip()) == ("ok", denied)
        else:  # the server died for this call; the next one runs on a fresh server
            assert outcome.status in ("harness error", "ok")
        harmless = program.replace("process.ppid, 'SIGKILL'", "process.pid, 0").replace(
            "getppid(), 9", "getppid(), 0"
        )
        assert runner.executor.run_program(language, harmless).status == "ok"


def test_sockets_are_refused(runner: Runner) -> None:
    socket_js = js(
        "function f(){ const s = require('net').connect(9, '127.0.0.1');\n"
        f"    s.on('connect', () => {PRINT_JS}('connected'));\n"
        f"    s.on('error', () => {PRINT_JS}('refused')); }}"
    )
    socket_rs = rs(
        "fn f() -> &'static str {\n"
        '    match std::net::TcpStream::connect("127.0.0.1:9") {\n'
        '        Ok(_) => "connected",\n        Err(_) => "refused",\n    }\n}',
        "llmexec::print(&candidate());",
    )
    for language, program in ((JS, socket_js), (RS, socket_rs)):
        if language is not None:
            assert runner.value(language, program) == '"refused"'


def test_written_files_do_not_outlive_the_run(runner: Runner) -> None:
    outside = Path("/tmp") / f"llmexec-test-{uuid.uuid4().hex}"
    write_js = js(
        "function f(){ const fs = require('fs'); fs.writeFileSync('here.txt', 'x');\n"
        f"    try {{ fs.writeFileSync('{outside}', 'escape'); }} catch (e) {{}} }}"
    )
    write_rs = rs(
        'fn f() { std::fs::write("here.txt", "x").unwrap();\n'
        f'    let _ = std::fs::write("{outside}", "escape"); }}'
    )
    listing_js = js(
        "function f(){ return require('fs').readdirSync('.').includes('here.txt'); }",
        f"{PRINT_JS}(candidate());",
    )
    listing_rs = rs(
        'fn f() -> bool { std::path::Path::new("here.txt").exists() }',
        "llmexec::print(&candidate());",
    )
    for language, write, listing in ((JS, write_js, listing_js), (RS, write_rs, listing_rs)):
        if language is None:
            continue
        assert runner.run(language, write) == "ok"
        assert runner.value(language, listing) == "false"
        if "private-tmp" in runner.layers:
            assert not outside.exists()
        else:
            outside.unlink(missing_ok=True)
    if "read-only-root" in runner.layers and JS is not None:
        target = Path.cwd() / f"llmexec-test-{uuid.uuid4().hex}.txt"
        escape = js(
            f"function f(){{ try {{ require('fs').writeFileSync('{target}', 'x'); }}"
            " catch (e) { return e.code; } }",
            f"{PRINT_JS}(candidate());",
        )
        assert runner.value(JS, escape) == '"EROFS"'
        assert not target.exists()


def test_no_secret_reaches_the_toolchain_or_the_program(runner: Runner) -> None:
    shown: list[str] = []
    if JS is not None:
        shown.append(
            runner.value(JS, js("function f(){ return process.env; }", f"{PRINT_JS}(f());"))
        )
    if RS is not None:
        environ = rs(
            'fn f() -> Vec<String> { std::env::vars().map(|(k, v)| k + "=" + &v).collect() }',
            "llmexec::print(&candidate());",
        )
        shown.append(runner.value(RS, environ))
        compiled = rs(
            'fn f() -> &\'static str { include_str!("/proc/self/environ") }',
            "llmexec::print(&candidate());",
        )
        shown.append(runner.value(RS, compiled))  # the compiler's own environment
    assert any("PATH" in text for text in shown)
    for text in shown:
        assert SECRET not in text
        assert "API_KEY" not in text


def test_the_header_says_what_each_language_needs(runner: Runner) -> None:
    header = runner.executor.describe()
    assert "seccomp-profiles=build:exec+fork,run:exec" in header
    if JS is not None:
        assert "js=node v" in header and "js=run profile (threads) for node, no build" in header
    if RS is not None:
        assert "rs=rustc " in header and "--edition 2015 -C opt-level=0" in header
        assert "rs=build profile for rustc" in header
