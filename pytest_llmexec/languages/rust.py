"""Rust (rustc, edition 2015), as CRUXEval-X runs its rows: ``fn main`` with ``assert_eq!``.

CRUXEval-X's evaluator calls plain ``rustc file.rs -o file``, so its rows are compiled in
rustc's default edition, 2015; so are they here. It matters: of the 690 Rust rows of its
repository, row 271 (``panic!`` with a non-literal format argument) compiles in 2015 and
not in 2021, and the other rows behave the same in both.

Programs are compiled without optimisation (``-C opt-level=0``, rustc's default): on
CRUXEval-X-sized programs ``-O`` doubles the compile time (0.2 s -> 0.4 s here) and saves
nothing worth it on runs of a few milliseconds, and a debug build keeps Rust's checks of
integer overflow, so that an overflow panics as the rows' authors saw it. Symbols are
stripped (``-C strip=symbols``): a binary is 0.4 MB instead of 4.4 MB in the artifact cache.

The real compiler is called, not rustup's proxy (``~/.cargo/bin/rustc`` reads rustup's
settings under ``$HOME``, which the sandbox replaces): the one in ``rustc --print sysroot``.
Every program is linked with a wrapper of ``main`` (``-Wl,--wrap=main``, as in C++) that
notes on descriptor 3 that ``main`` returned, so ``std::process::exit(0)`` from inside a
function is not a passed assert, and gets the harness's printer as the crate ``llmexec``
(``--extern``, compiled once per toolchain), for `print_statement`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .base import ASSERTION, MEMORY, Build, Language, LanguageError, Run, Type, json_pairs

SUPPORT = Path(__file__).with_name("rust_support")
EDITION = "2015"  # rustc's default, as CRUXEval-X compiles (see above)
FLAGS = ("--edition", EDITION, "-C", "opt-level=0", "-C", "strip=symbols", "-A", "warnings")
PRINTER = "libllmexec.rlib"
WRAPPER = "llmexec_main.o"
WRAPPER_SOURCE = """\
/* pytest-llmexec: notes that main returned (descriptor 3), then returns its status. */
#include <unistd.h>
int __real_main(int, char**, char**);
int __wrap_main(int argc, char** argv, char** envp) {
    int status = __real_main(argc, argv, envp);
    static const char note[] = "main returned\\n";
    if (write(3, note, sizeof note - 1) < 0) {
    }
    return status;
}
"""
GiB = 1 << 30
DOUBLE = '"'
_CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
_ASSERTS = ("assertion `left == right` failed", "assertion `left != right` failed")
_INTEGERS = {
    **{f"i{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (8, 16, 32, 64, 128)},
    **{f"u{bits}": (0, 2**bits - 1) for bits in (8, 16, 32, 64, 128)},
    "isize": (-(2**63), 2**63 - 1),
    "usize": (0, 2**64 - 1),
}
_LISTS = {"Vec", "VecDeque", "HashSet", "BTreeSet", "BinaryHeap", "LinkedList"}
_MAPS = {"HashMap", "BTreeMap"}


class Rust(Language):
    name = "rs"
    fence = "rust"
    needs = "build profile for rustc (runs cc and ld; threads), run profile for the binary"

    def __init__(self, rustc: str = "rustc") -> None:
        self.rustc = rustc
        self._toolchain: str | None = None
        self._compiler: str | None = None

    # ------------------------------------------------------------------ toolchain
    def compiler_path(self) -> str:
        """The real rustc: on PATH (also rustup's proxy), in ``~/.cargo/bin``, or Debian's."""
        if self._compiler is None:
            cargo_bins = os.pathsep.join(os.path.join(home, ".cargo", "bin") for home in _homes())
            found = (
                shutil.which(self.rustc)
                or shutil.which(self.rustc, path=cargo_bins)
                or shutil.which(self.rustc, path=_CLEAN_ENV["PATH"])
            )
            if found is None:
                raise LanguageError(
                    f"Rust needs {self.rustc!r} on PATH or in ~/.cargo/bin "
                    "(Debian: apt-get install rustc; or rustup)"
                )
            env = {**_CLEAN_ENV, **_rustup_env()}
            done = subprocess.run(
                [found, "--print", "sysroot"], capture_output=True, text=True, env=env, check=False
            )
            real = os.path.join(done.stdout.strip(), "bin", "rustc")
            if done.returncode != 0 or not os.access(real, os.X_OK):
                raise LanguageError(f"{found} --print sysroot failed: {done.stderr[-400:]}")
            self._compiler = os.path.realpath(real)
        return self._compiler

    def toolchain(self) -> str:
        if self._toolchain is None:
            done = subprocess.run(
                [self.compiler_path(), "--version"],
                capture_output=True,
                text=True,
                env=_CLEAN_ENV,
                check=False,
            )
            version = done.stdout.strip() or "unknown"
            printer = hashlib.sha256((SUPPORT / "llmexec.rs").read_bytes()).hexdigest()[:12]
            wrapper = hashlib.sha256(WRAPPER_SOURCE.encode()).hexdigest()[:12]
            self._toolchain = f"{version} {' '.join(FLAGS)} printer={printer} wrap={wrapper}"
        return self._toolchain

    def reads(self) -> tuple[str, ...]:
        return (str(Path(self.compiler_path()).parent.parent),)  # the sysroot

    def prepare(self, directory: Path) -> None:
        """Compile the printer crate and the ``main`` wrapper (trusted code only)."""
        source = directory / "llmexec_main.c"
        source.write_text(WRAPPER_SOURCE)
        linker = shutil.which("cc", path=_CLEAN_ENV["PATH"]) or "cc"
        for argv in (
            [linker, "-O1", "-c", "-o", str(directory / WRAPPER), str(source)],
            [
                self.compiler_path(),
                *FLAGS,
                "--crate-type=rlib",
                "--crate-name=llmexec",
                "-o",
                str(directory / PRINTER),
                str(SUPPORT / "llmexec.rs"),
            ],
        ):
            done = subprocess.run(argv, capture_output=True, text=True, env=_CLEAN_ENV, check=False)
            if done.returncode != 0:
                raise LanguageError(
                    f"preparing Rust failed: {' '.join(argv)}: {done.stderr[-800:]}"
                    + (" (rustc links with cc: apt-get install gcc)" if "cc" in argv[0] else "")
                )

    # ------------------------------------------------------------------ build and run
    def build(self, program: str, shared: str) -> Build:
        argv = (
            self.compiler_path(),
            *FLAGS,
            "--extern",
            f"llmexec={os.path.join(shared, PRINTER)}",
            "-C",
            f"link-arg={os.path.join(shared, WRAPPER)}",
            "-C",
            "link-arg=-Wl,--wrap=main",
            "-o",
            "main",
            "main.rs",
        )
        return Build(
            files={"main.rs": program.encode()}, argv=argv, collect=("main",), memory=2 * GiB
        )

    def run(self, program: str, shared: str) -> Run:
        return Run(argv=("./main",), memory=GiB)

    def print_statement(self, expression: str) -> str:
        return f"llmexec::print(&({expression}));"

    def failure(self, stderr: str) -> str | None:
        if "memory allocation of" in stderr and "failed" in stderr:
            return MEMORY
        if "panicked at" in stderr and (
            any(text in stderr for text in _ASSERTS) or "assertion failed" in stderr
        ):
            return ASSERTION
        return None

    # ------------------------------------------------------------------ values
    def literal(self, value: Any, type_: str) -> str:
        return self._literal(value, parse_rust_type(type_), type_)

    def _literal(self, value: Any, type_: Type, whole: str) -> str:
        name, args = type_.name, type_.args
        short = name.split("::")[-1]

        def fail(why: str) -> LanguageError:
            return LanguageError(f"cannot write {value!r} as the Rust type {whole!r}: {why}")

        if name == "&":
            inner = args[0]
            if inner.name in ("str", "String"):
                if not isinstance(value, str):
                    raise fail("not a string")
                return _quote(value, DOUBLE)
            return "&" + self._literal(value, inner, whole)
        if name == "bool":
            if not isinstance(value, bool):
                raise fail("not a boolean")
            return "true" if value else "false"
        if name in _INTEGERS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail("not an integer")
            low, high = _INTEGERS[name]
            if not low <= value <= high:
                raise fail("out of range")
            return str(value)
        if name in ("f64", "f32"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise fail("not a number")
            return _float(float(value), name)
        if short == "String":
            if not isinstance(value, str):
                raise fail("not a string")
            return f"String::from({_quote(value, DOUBLE)})"
        if name == "char":
            if not isinstance(value, str) or len(value) != 1:
                raise fail("not a single character")
            return _quote(value, "'")
        if name == "()":
            if not isinstance(value, list) or len(value) != len(args):
                raise fail(f"not a list of {len(args)} items")
            parts = [self._literal(v, t, whole) for v, t in zip(value, args, strict=True)]
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        if name in ("[]", "[;]"):
            if not isinstance(value, list):
                raise fail("not a list")
            if name == "[;]" and len(value) != int(args[1].name):
                raise fail(f"not a list of {args[1].name} items")
            return "[" + ", ".join(self._literal(v, args[0], whole) for v in value) + "]"
        if short == "Option" and len(args) == 1:
            if value is None:
                return "None"
            return f"Some({self._literal(value, args[0], whole)})"
        if short in _LISTS and len(args) == 1:
            if not isinstance(value, list):
                raise fail("not a list")
            if not value:
                return f"{name}::<{rust_type(args[0])}>::new()"
            items = ", ".join(self._literal(v, args[0], whole) for v in value)
            return f"vec![{items}]" if short == "Vec" else f"{name}::from([{items}])"
        if short in _MAPS and len(args) == 2:
            pairs = json_pairs(value, fail)
            if not pairs:
                return f"{name}::<{rust_type(args[0])}, {rust_type(args[1])}>::new()"
            items = ", ".join(
                f"({self._literal(_key(k, args[0]), args[0], whole)}, "
                f"{self._literal(v, args[1], whole)})"
                for k, v in pairs
            )
            return f"{name}::from([{items}])"
        raise fail("that type is not supported")


def _homes() -> list[str]:
    """$HOME, then the user's own home directory (a test runner may point $HOME elsewhere)."""
    homes = [os.path.expanduser("~")]
    with contextlib.suppress(KeyError, ImportError):
        import pwd

        homes.append(pwd.getpwuid(os.getuid()).pw_dir)
    return list(dict.fromkeys(homes))


def _rustup_env() -> dict[str, str]:
    """What rustup's proxy needs to find its toolchain (only to ask it for the sysroot)."""
    keys = ("HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "CARGO_HOME")
    env = {key: os.environ[key] for key in keys if key in os.environ}
    if "RUSTUP_HOME" not in env:
        found = [os.path.join(home, ".rustup") for home in _homes()]
        for path in found:
            if os.path.isdir(path):
                env["RUSTUP_HOME"] = path
                break
    return env


def parse_rust_type(text: str) -> Type:
    """Read a Rust type: paths with ``<...>`` arguments, tuples ``(A, B)``, references
    ``&T`` / ``&mut T``, slices ``[T]`` and arrays ``[T; N]``. Tuples are ``Type("()")``,
    references ``Type("&")``, slices ``Type("[]")``, arrays ``Type("[;]", (T, Type(N)))``."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char in "<>,()[];&":
            if word.strip():
                tokens.append(word.strip())
            tokens.append(char)
            word = ""
        elif char.isspace():
            if word.strip():
                tokens.append(word.strip())
            word = ""
        else:
            word += char
    if word.strip():
        tokens.append(word.strip())
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take(expected: str | None = None) -> str:
        nonlocal position
        token = peek()
        if token is None or (expected is not None and token != expected):
            raise LanguageError(f"cannot read the Rust type {text!r}")
        position += 1
        return token

    def parse() -> Type:
        token = peek()
        if token == "&":
            take()
            if peek() == "mut":
                take()
            return Type("&", (parse(),))
        if token == "(":
            take()
            items: list[Type] = []
            while peek() != ")":
                items.append(parse())
                if peek() == ",":
                    take()
                elif peek() != ")":
                    raise LanguageError(f"cannot read the Rust type {text!r}")
            take(")")
            return Type("()", tuple(items))
        if token == "[":
            take()
            element = parse()
            if peek() == ";":
                take()
                size = take()
                if not size.isdigit():
                    raise LanguageError(f"the array size in the Rust type {text!r} is not a number")
                take("]")
                return Type("[;]", (element, Type(size)))
            take("]")
            return Type("[]", (element,))
        if token is None or token in "<>,()[];&":
            raise LanguageError(f"cannot read the Rust type {text!r}")
        name = take()
        args: list[Type] = []
        if peek() == "<":
            take()
            while True:
                args.append(parse())
                if peek() == ",":
                    take()
                    continue
                if peek() == ">":
                    take()
                    break
                raise LanguageError(f"unclosed '<' in the Rust type {text!r}")
        return Type(name, tuple(args))

    parsed = parse()
    if position != len(tokens):
        raise LanguageError(f"unexpected {tokens[position]!r} in the Rust type {text!r}")
    return parsed


def rust_type(type_: Type) -> str:
    """A parsed type written back in Rust's syntax."""
    if type_.name == "&":
        return "&" + rust_type(type_.args[0])
    if type_.name == "()":
        items = [rust_type(arg) for arg in type_.args]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if type_.name == "[]":
        return f"[{rust_type(type_.args[0])}]"
    if type_.name == "[;]":
        return f"[{rust_type(type_.args[0])}; {type_.args[1].name}]"
    if type_.args:
        return f"{type_.name}<{', '.join(rust_type(arg) for arg in type_.args)}>"
    return type_.name


def _float(number: float, name: str) -> str:
    if math.isnan(number):
        return f"{name}::NAN"
    if math.isinf(number):
        return f"{name}::{'NEG_INFINITY' if number < 0 else 'INFINITY'}"
    text = repr(number)
    if "e" not in text and "." not in text:
        text += ".0"
    return text


def _quote(text: str, quote: str) -> str:
    """A Rust string or char literal: the source stays plain ASCII for control characters."""
    out = []
    for char in text:
        code = ord(char)
        if char in (quote, "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif code < 32 or code == 127 or 0xD800 <= code <= 0xDFFF:
            if 0xD800 <= code <= 0xDFFF:
                raise LanguageError(f"a Rust string cannot hold the lone surrogate {code:#x}")
            out.append(f"\\u{{{code:x}}}")
        else:
            out.append(char)
    return quote + "".join(out) + quote


def _key(key: Any, type_: Type) -> Any:
    """JSON object keys are strings: read them back as numbers for a numeric key type."""
    if isinstance(key, str) and type_.name in _INTEGERS:
        try:
            return int(key)
        except ValueError:
            return key
    if isinstance(key, str) and type_.name in ("f64", "f32"):
        try:
            return float(key)
        except ValueError:
            return key
    if isinstance(key, str) and type_.name == "bool" and key in ("true", "false"):
        return key == "true"
    return key
