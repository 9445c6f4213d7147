"""JavaScript (node), as CRUXEval-X runs it: ``node main.js``, asserts from ``node:assert``.

There is no build: programs run through `js_support/llmexec_main.js`, which
first compiles the program as node's loader would (what ``node --check`` does)
and notes on descriptor 3 a program that does not parse, a compile error
(unparseable, as in the compiled languages; one that parses and fails its
assert is wrong). One node process a program: a separate ``node --check``
would double the cost of every row (measured: 0.59 s a row against 0.27 s for
plain ``node main.js``). The entry also notes that the program ended by
itself: ``process.exit(0)`` from inside a function is not a passed assert. A
program ends as under ``node`` itself: when its event loop is empty (a worker
thread left running keeps it alive until the timeout, one that is
``unref()``-ed does not).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .base import ASSERTION, MEMORY, Build, Language, LanguageError, Run

SUPPORT = Path(__file__).with_name("js_support")
ENTRY = "llmexec_main.js"
#: V8's old-generation heap, well under the address-space limit: a memory bomb is V8's own
#: "heap out of memory", not a crash in an allocation that the limit refused
HEAP_MB = 512
GiB = 1 << 30
_CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class JavaScript(Language):
    name = "js"
    fence = "javascript"
    needs = (
        "run profile (threads) for node, no build, 2 GiB address space (V8 reserves "
        f"more than it uses), V8 heap {HEAP_MB} MB"
    )

    def __init__(self, node: str = "node") -> None:
        self.node = node
        self._toolchain: str | None = None
        self._path: str | None = None

    # ------------------------------------------------------------------ toolchain
    def node_path(self) -> str:
        if self._path is None:
            found = shutil.which(self.node, path=_CLEAN_ENV["PATH"]) or shutil.which(self.node)
            if found is None:
                raise LanguageError(
                    f"JavaScript needs {self.node!r} on PATH (Debian: apt-get install nodejs)"
                )
            self._path = os.path.realpath(found)
        return self._path

    def toolchain(self) -> str:
        if self._toolchain is None:
            done = subprocess.run(
                [self.node_path(), "--version"],
                capture_output=True,
                text=True,
                env=_CLEAN_ENV,
                check=False,
            )
            version = done.stdout.strip() or "unknown"
            support = hashlib.sha256()
            for path in sorted(SUPPORT.glob("*.js")):
                support.update(path.read_bytes())
            self._toolchain = (
                f"node {version} --max-old-space-size={HEAP_MB} support={support.hexdigest()[:12]}"
            )
        return self._toolchain

    def reads(self) -> tuple[str, ...]:
        return (os.path.dirname(self.node_path()),)

    def prepare(self, directory: Path) -> None:
        """The entry point and the printer (trusted code), seen read-only by the sandbox."""
        for path in SUPPORT.glob("*.js"):
            shutil.copyfile(path, directory / path.name)

    # ------------------------------------------------------------------ build and run
    def build(self, program: str, shared: str) -> Build:
        """Nothing to build: the source is the artifact (the entry checks its syntax)."""
        return Build(files={"main.js": program.encode()}, argv=(), collect=())

    def run(self, program: str, shared: str) -> Run:
        argv = (
            self.node_path(),
            f"--max-old-space-size={HEAP_MB}",
            "--stack-size=984",
            os.path.join(shared, ENTRY),
            "main.js",
        )
        # NODE_PATH: `require("llmexec_print")` (`print_statement`) finds the harness's printer
        return Run(argv=argv, memory=2 * GiB, env={"NODE_PATH": shared})

    def print_statement(self, expression: str) -> str:
        return f'require("llmexec_print").print({expression});'

    def failure(self, stderr: str) -> str | None:
        if "JavaScript heap out of memory" in stderr or "allocation failed" in stderr:
            return MEMORY
        if re.search(r"^AssertionError( \[ERR_ASSERTION\])?:", stderr, re.MULTILINE):
            return ASSERTION
        return None

    # ------------------------------------------------------------------ values
    def literal(self, value: Any, type_: str = "") -> str:
        """*value* as a JavaScript expression; *type_* (JavaScript has none) may say ``Map``,
        ``Set`` or ``BigInt`` for a value of that kind instead of an object, array or number."""
        kind = type_.strip()
        if kind == "Map":
            if not isinstance(value, dict):
                raise LanguageError(f"cannot write {value!r} as a JavaScript Map: not an object")
            pairs = ", ".join(f"[{self.literal(k)}, {self.literal(v)}]" for k, v in value.items())
            return f"new Map([{pairs}])"
        if kind == "Set":
            if not isinstance(value, list):
                raise LanguageError(f"cannot write {value!r} as a JavaScript Set: not a list")
            return f"new Set([{', '.join(self.literal(item) for item in value)}])"
        if kind == "BigInt":
            if isinstance(value, bool) or not isinstance(value, int):
                raise LanguageError(
                    f"cannot write {value!r} as a JavaScript BigInt: not an integer"
                )
            return f"{value}n"
        if kind:
            raise LanguageError(
                f"cannot write {value!r} as the JavaScript type {type_!r}: "
                "JavaScript values are untyped (a type may be Map, Set or BigInt)"
            )
        return _literal(value)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise LanguageError(
                f"cannot write {value!r} as a JavaScript number: beyond 2**53 it is not exact "
                "(give the type BigInt)"
            )
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "-Infinity" if value < 0 else "Infinity"
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_key(key)}: {_literal(item)}" for key, item in value.items())
        return "{" + items + "}"
    raise LanguageError(f"cannot write {value!r} as a JavaScript value")


def _key(key: Any) -> str:
    text = str(key)
    return text if text.isdigit() and str(int(text)) == text else _quote(text)


def _quote(text: str) -> str:
    """A double-quoted literal: JSON's escapes, and the two line separators JSON leaves bare."""
    return (
        json.dumps(text, ensure_ascii=False)
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
