"""C++ (g++, ``-std=c++17``), as CRUXEval-X compiles it.

Programs that include ``<bits/stdc++.h>`` get it from a header precompiled
once per toolchain (the program's own include is then a no-op: every header
under it is guarded). Every program is linked with a wrapper of ``main``
(``-Wl,--wrap=main``) that notes on descriptor 3 that ``main`` returned, so
``std::exit(0)`` from inside a function is not taken for a passed assert.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import source
from .base import (
    ASSERTION,
    MEMORY,
    Build,
    Language,
    LanguageError,
    Parameter,
    Run,
    Signature,
    Type,
    json_pairs,
    parse_type,
)

STANDARD = "-std=c++17"
PCH_HEADER = "bits/stdc++.h"
WRAPPER_SOURCE = """\
// pytest-llmexec: notes that main returned (descriptor 3), then returns its status.
#include <unistd.h>
extern "C" int __real_main(int, char**, char**);
extern "C" int __wrap_main(int argc, char** argv, char** envp) {
    int status = __real_main(argc, argv, envp);
    static const char note[] = "main returned\\n";
    if (write(3, note, sizeof note - 1) < 0) {
    }
    return status;
}
"""
WRAPPER = "llmexec_main.o"
SUPPORT = Path(__file__).with_name("cpp_support")
#: the include line of the harness's printer (`print_statement`), found in the prepared directory
PRINTER_INCLUDE = '#include "llmexec_print.hpp"\n'
GiB = 1 << 30
_INCLUDES_PCH = re.compile(r"^\s*#\s*include\s*<\s*bits/stdc\+\+\.h\s*>", re.MULTILINE)
_CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
#: what a suite snippet's code gets before it (the spec: the code does not write them)
SCAFFOLD_HEAD = "#include <bits/stdc++.h>\nusing namespace std;\n"
_ACCESS = re.compile(r"\b(public|private|protected)\s*:(?!:)")
_SPECIFIERS = re.compile(r"\b(static|inline|virtual|constexpr|explicit|friend)\b|\[\[\w+\]\]")


class Cpp(Language):
    name = "cpp"
    fence = "cpp"
    needs = "build profile for g++ (runs cc1plus, as, ld), run profile for the binary"

    def __init__(self, compiler: str = "g++") -> None:
        self.compiler = compiler
        self._toolchain: str | None = None
        self._path: str | None = None

    # ------------------------------------------------------------------ toolchain
    def compiler_path(self) -> str:
        if self._path is None:
            found = shutil.which(self.compiler, path=_CLEAN_ENV["PATH"]) or shutil.which(
                self.compiler
            )
            if found is None:
                raise LanguageError(
                    f"C++ needs {self.compiler!r} on PATH (Debian: apt-get install g++)"
                )
            self._path = os.path.realpath(found)
        return self._path

    def toolchain(self) -> str:
        if self._toolchain is None:
            version = subprocess.run(
                [self.compiler_path(), "--version"],
                capture_output=True,
                text=True,
                env=_CLEAN_ENV,
                check=False,
            ).stdout.splitlines()
            first = version[0] if version else "unknown"
            printer = hashlib.sha256((SUPPORT / "llmexec_print.hpp").read_bytes()).hexdigest()
            self._toolchain = f"{first} {STANDARD} pch wrap-main-1 printer={printer[:12]}"
        return self._toolchain

    def prepare(self, directory: Path) -> None:
        """Precompile ``bits/stdc++.h`` and the ``main`` wrapper (trusted code only)."""
        header = self._system_header()
        (directory / "bits").mkdir(parents=True, exist_ok=True)
        link = directory / PCH_HEADER
        if not link.is_symlink():
            link.symlink_to(header)  # beside its .gch, so that later includes find it
        shutil.copyfile(SUPPORT / "llmexec_print.hpp", directory / "llmexec_print.hpp")
        wrapper_source = directory / "llmexec_main.cpp"
        wrapper_source.write_text(WRAPPER_SOURCE)
        for argv in (
            [
                self.compiler_path(),
                "-O1",
                "-c",
                "-o",
                str(directory / WRAPPER),
                str(wrapper_source),
            ],
            [
                self.compiler_path(),
                STANDARD,
                "-x",
                "c++-header",
                header,
                "-o",
                str(directory / (PCH_HEADER + ".gch")),
            ],
        ):
            done = subprocess.run(argv, capture_output=True, text=True, env=_CLEAN_ENV, check=False)
            if done.returncode != 0:
                raise LanguageError(f"preparing C++ failed: {' '.join(argv)}: {done.stderr[-800:]}")

    def _system_header(self) -> str:
        """Where the toolchain's own ``bits/stdc++.h`` is (read from ``g++ -H``)."""
        with tempfile.TemporaryDirectory() as scratch:
            done = subprocess.run(
                [self.compiler_path(), STANDARD, "-H", "-E", "-x", "c++", "-o", os.devnull, "-"],
                input=f"#include <{PCH_HEADER}>\n",
                capture_output=True,
                text=True,
                env=_CLEAN_ENV,
                cwd=scratch,
                check=False,
            )
        for line in done.stderr.splitlines():
            if line.startswith(". ") and line.endswith(PCH_HEADER):
                return line[2:].strip()
        raise LanguageError(f"{self.compiler_path()} has no <{PCH_HEADER}>: {done.stderr[-400:]}")

    # ------------------------------------------------------------------ build and run
    def build(self, program: str, shared: str) -> Build:
        argv = [self.compiler_path(), STANDARD, "-pipe", "-iquote", shared]
        if _INCLUDES_PCH.search(program):
            argv += ["-I", shared, "-include", PCH_HEADER]
        argv += ["-o", "main", "main.cpp", os.path.join(shared, WRAPPER), "-Wl,--wrap=main"]
        return Build(
            files={"main.cpp": program.encode()},
            argv=tuple(argv),
            collect=("main",),
            memory=2 * GiB,
        )

    def run(self, program: str, shared: str) -> Run:
        return Run(argv=("./main",), memory=GiB)

    def print_statement(self, expression: str) -> str:
        """Needs `PRINTER_INCLUDE` in the program."""
        return f"llmexec::print({expression});"

    def failure(self, stderr: str) -> str | None:
        if "Assertion `" in stderr and "failed" in stderr:
            return ASSERTION
        if "std::bad_alloc" in stderr:
            return MEMORY
        return None

    # ------------------------------------------------------------------ suite scaffolds
    def signature(self, code: str, entry: str | None = None) -> Signature:
        text = source.blanked(code)
        classes: dict[str, list[tuple[Signature, bool]]] = {}
        functions: list[Signature] = []
        for declaration in source.declarations(text):
            kind = re.match(
                r"\s*(?:template\s*<[^{]*>\s*)?(class|struct)\s+(\w+)", declaration.head
            )
            if kind is not None and declaration.body is not None:
                inner = (declaration.body[0] + 1, declaration.body[1])
                classes[kind.group(2)] = _methods(text, inner, kind.group(2), kind.group(1))
            elif declaration.body is not None and not declaration.head.lstrip().startswith(
                ("namespace", "template", "enum", "union")
            ):
                function = _function(declaration.head, None)
                if function is not None and function.name != "main":
                    functions.append(function)
        return _choose(entry, classes, functions, "C++")

    def call(self, signature: Signature, arguments: Sequence[str]) -> str:
        target = signature.name
        if signature.owner:
            joiner = "::" if signature.static else "()."
            target = f"{signature.owner}{joiner}{signature.name}"
        return f"{target}({', '.join(arguments)})"

    def program(self, code: str, statements: Sequence[str], *, printing: bool = False) -> str:
        head = SCAFFOLD_HEAD.replace("\n", "\n" + PRINTER_INCLUDE, 1) if printing else SCAFFOLD_HEAD
        body = "".join(f"    {statement}\n" for statement in statements)
        return f"{head}\n{code.lstrip(chr(10)).rstrip()}\n\nint main() {{\n{body}}}\n"

    def declaration(self, name: str, type_: str, expression: str, *, strict: bool = False) -> str:
        scalar = parse_type(type_).name.removeprefix("std::") in _SCALARS
        if strict and scalar:  # brace initialisation: no narrowing (int x{3.7} does not compile)
            return f"{type_} {name}{{{expression}}};"
        return f"{type_} {name} = {expression};"

    def assertion(self, actual: str, expected: str, type_: str) -> str:
        return f"assert({actual} == {expected});"

    # ------------------------------------------------------------------ values
    def literal(self, value: Any, type_: str) -> str:
        return self._literal(value, parse_type(type_), type_)

    def argument(self, value: Any, type_: str) -> str:
        """A brace list for a container, a plain literal for a string: what a parameter or a
        variable of *type_* is initialised from (``{{1, 3}, {2, 6}}``, ``"abc"``)."""
        return self._literal(value, parse_type(type_), type_, braced=True)

    def _literal(self, value: Any, type_: Type, whole: str, braced: bool = False) -> str:
        name = type_.name.removeprefix("std::").replace("const ", "").strip(" &")
        args = type_.args

        def fail(why: str) -> LanguageError:
            return LanguageError(f"cannot write {value!r} as the C++ type {whole!r}: {why}")

        if name == "bool":
            if not isinstance(value, bool):
                raise fail("not a boolean")
            return "true" if value else "false"
        if name in _INTEGERS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail("not an integer")
            return str(value) + ("LL" if abs(value) >= 2**31 else "")
        if name in ("float", "double", "long double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise fail("not a number")
            return _cpp_float(float(value), name)
        if name == "string":
            if not isinstance(value, str):
                raise fail("not a string")
            return _quote(value, 34) if braced else f"std::string({_quote(value, 34)})"
        if name == "char":
            if not isinstance(value, str) or len(value.encode()) != 1:
                raise fail("not a one-byte character")
            return _quote(value, 39)
        spelled = str(Type("std::" + name, args)) if not type_.name.startswith("::") else whole
        if (
            name in ("vector", "set", "unordered_set", "list", "deque", "multiset")
            and len(args) >= 1
        ):
            if not isinstance(value, list):
                raise fail("not a list")
            items = ", ".join(self._literal(item, args[0], whole, braced) for item in value)
            return f"{{{items}}}" if braced else f"{spelled}({{{items}}})"
        if name in ("map", "unordered_map") and len(args) >= 2:
            pairs = json_pairs(value, fail)
            items = ", ".join(
                f"{{{self._literal(_key(k, args[0]), args[0], whole, braced)}, "
                f"{self._literal(v, args[1], whole, braced)}}}"
                for k, v in pairs
            )
            return f"{{{items}}}" if braced else f"{spelled}({{{items}}})"
        if name in ("tuple", "pair"):
            if not isinstance(value, list) or len(value) != len(args):
                raise fail(f"not a list of {len(args)} items")
            items = ", ".join(
                self._literal(v, t, whole, braced) for v, t in zip(value, args, strict=True)
            )
            return f"{{{items}}}" if braced else f"{spelled}({items})"
        if name == "optional" and len(args) == 1:
            if value is None:
                return "std::nullopt" if braced else f"{spelled}()"
            inner = self._literal(value, args[0], whole, braced)
            return inner if braced else f"{spelled}({inner})"
        raise fail("that type is not supported")


def _methods(
    text: str, inner: tuple[int, int], owner: str, kind: str
) -> list[tuple[Signature, bool]]:
    """The methods defined in a class body, each with whether it is public."""
    public = kind == "struct"
    found: list[tuple[Signature, bool]] = []
    for declaration in source.declarations(text, *inner):
        head = declaration.head
        labels = list(_ACCESS.finditer(head))
        if labels:
            public = labels[-1].group(1) == "public"
            head = head[labels[-1].end() :]
        if declaration.body is None:
            continue
        method = _function(head, owner)
        if method is not None and method.name != owner:
            found.append((method, public))
    return found


def _function(head: str, owner: str | None) -> Signature | None:
    """The signature of a function definition's *head*, or None when it is none."""
    function = source.function_head(head)
    if function is None or not function.prefix or function.prefix.startswith(("~", "operator")):
        return None
    static = re.search(r"\bstatic\b", function.prefix) is not None
    returns = source.squeeze(_SPECIFIERS.sub(" ", function.prefix))
    if not returns or returns.endswith(("::", "=")):
        return None
    parameters = []
    for text in source.split_top_level(function.parameters):
        if text in ("", "void"):
            continue
        text = source.split_top_level(text, "=")[0]  # a default value
        match = re.search(r"([A-Za-z_]\w*)\s*$", text)
        if match is None or match.start() == 0:
            raise LanguageError(f"cannot read the parameter {text!r} of {function.name}")
        type_ = text[: match.start()].replace("&", " ")
        type_ = re.sub(r"\bconst\b", " ", type_)
        parameters.append(Parameter(match.group(1), source.squeeze(type_)))
    return Signature(function.name, returns, tuple(parameters), owner, static)


def _choose(
    entry: str | None,
    classes: dict[str, list[tuple[Signature, bool]]],
    functions: list[Signature],
    language: str,
) -> Signature:
    """The entry point, resolved as for Python: ``entry``, else Solution's one public method,
    else the one free function."""
    if entry is not None:
        owner, _, name = entry.rpartition(".")
        if owner:
            methods = [m for m, shown in classes.get(owner, []) if shown and m.name == name]
            if not methods:
                raise LanguageError(f"no public method {name!r} in the {language} class {owner!r}")
            return methods[0]
        for method, is_public in classes.get("Solution", []):
            if is_public and method.name == name:
                return method
        for function in functions:
            if function.name == name:
                return function
        raise LanguageError(f"no {language} function or Solution method named {name!r}")
    if "Solution" in classes:
        public = [m for m, is_public in classes["Solution"] if is_public]
        if len(public) == 1:
            return public[0]
        names = sorted({m.name for m in public})
        raise LanguageError(
            f"the {language} class Solution has {len(public)} public methods {names}; "
            "say which with 'entry'"
        )
    if len(functions) == 1:
        return functions[0]
    raise LanguageError(
        f"cannot find the {language} entry point among functions "
        f"{[f.name for f in functions]}; write a class Solution or say which with 'entry'"
    )


_INTEGERS = {
    "int",
    "long",
    "long long",
    "short",
    "unsigned",
    "unsigned int",
    "unsigned long",
    "unsigned long long",
    "size_t",
    "int64_t",
    "int32_t",
    "uint64_t",
    "uint32_t",
}


_SCALARS = _INTEGERS | {"bool", "char", "float", "double", "long double"}


def _cpp_float(number: float, name: str) -> str:
    if math.isnan(number):
        return f"std::numeric_limits<{name}>::quiet_NaN()"
    if math.isinf(number):
        sign = "-" if number < 0 else ""
        return f"{sign}std::numeric_limits<{name}>::infinity()"
    text = repr(number)
    if "e" not in text and "." not in text:
        text += ".0"
    return text + ("f" if name == "float" else "")


def _quote(text: str, quote: int) -> str:
    """A C++ literal of *text* (UTF-8 bytes as they are; control bytes as octal escapes)."""
    out = []
    for byte in text.encode():
        if byte in (quote, 92):
            out.append("\\" + chr(byte))
        elif byte == 10:
            out.append("\\n")
        elif byte == 9:
            out.append("\\t")
        elif byte < 32 or byte == 127 or chr(byte) == "?":  # "?" too: no trigraphs
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte) if byte < 128 else bytes([byte]).decode("latin-1"))
    body = "".join(out)
    # non-ASCII bytes were kept as latin-1 placeholders: back to the original UTF-8 text
    body = body.encode("latin-1").decode("utf-8", errors="strict")
    return chr(quote) + body + chr(quote)


def _key(key: Any, type_: Type) -> Any:
    """JSON object keys are strings: read them back as numbers for a numeric key type."""
    if isinstance(key, str) and type_.name.removeprefix("std::") in _INTEGERS:
        try:
            return int(key)
        except ValueError:
            return key
    return key
