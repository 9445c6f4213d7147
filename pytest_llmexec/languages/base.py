"""What a language is to the engine: how its code is built and run, how its values are written.

A language module knows its toolchain and its syntax; it never starts a
process itself. The executor (`pytest_llmexec.execution.native`) runs what a
`Language` describes — the build and the run — in the sandbox, caches the
built artifacts by content, and turns what happened into an `Outcome` with the
language's help (`failure` reads its runtime's own messages). Python fits the
same interface later: its build is empty and its run is the warm fork server.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What `Language.failure` can say about a failed run.
ASSERTION = "assertion"
MEMORY = "memory"


class LanguageError(ValueError):
    """A value or a type that cannot be written in the language (names both)."""


@dataclass(frozen=True)
class Library:
    """A library that a language's programs may import, and how this machine gets it.

    A program that imports a library the machine lacks does not compile; that is the
    environment's fault, never the dataset's, so it is checked before any test runs.
    """

    #: the name a program imports it by (``org.javatuples``)
    module: str
    #: where it must be on this machine
    path: Path
    #: the Debian package that installs it there
    package: str

    def used_by(self, program: str) -> bool:
        return self.module in program

    def missing(self) -> bool:
        return not self.path.is_file()


def missing_libraries(language: Language, programs: Sequence[str]) -> str | None:
    """Why *programs* cannot build here for want of a library, naming what to install."""
    problems = []
    for library in language.libraries:
        users = sum(library.used_by(program) for program in programs)
        if users and library.missing():
            problems.append(
                f"{users} of {len(programs)} {language.name} programs import {library.module},"
                f" which is not installed here (no {library.path}): install it with"
                f" apt-get install {library.package}; this is the machine's, not the"
                " dataset's problem"
            )
    return "; ".join(problems) or None


@dataclass(frozen=True)
class Build:
    """How to build one program: in an empty working directory holding *files*."""

    files: Mapping[str, bytes]
    #: the compiler's command line, or the warm compiler's (see `warm`); empty: nothing to
    #: build, *files* are the artifacts (an interpreter, whose run checks the syntax)
    argv: tuple[str, ...]
    #: what to keep of the working directory afterwards (a name ending in ``/``: its files)
    collect: tuple[str, ...]
    #: the name of a long-lived compiler that takes *files* as a request instead
    warm: str | None = None
    #: address-space limit in bytes (None: the runtime bounds its own heap)
    memory: int | None = None
    timeout: float = 60.0


@dataclass(frozen=True)
class Run:
    """How to run a built program: the artifacts are in the working directory."""

    argv: tuple[str, ...]
    memory: int | None = None
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Type:
    """A parsed type: ``std::vector<long>`` is ``Type("std::vector", (Type("long"),))``."""

    name: str
    args: tuple[Type, ...] = ()

    def __str__(self) -> str:
        return self.name + (f"<{', '.join(map(str, self.args))}>" if self.args else "")


def parse_type(text: str) -> Type:
    """Read a generic type written with ``<...>`` (C++ and Java alike); spaces are free."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char in "<>,":
            if word.strip():
                tokens.append(" ".join(word.split()))
            tokens.append(char)
            word = ""
        else:
            word += char
    if word.strip():
        tokens.append(" ".join(word.split()))
    position = 0

    def parse() -> Type:
        nonlocal position
        if position >= len(tokens) or tokens[position] in "<>,":
            raise LanguageError(f"cannot read the type {text!r}")
        name = tokens[position]
        position += 1
        args: list[Type] = []
        if position < len(tokens) and tokens[position] == "<":
            position += 1
            while True:
                args.append(parse())
                if position >= len(tokens):
                    raise LanguageError(f"unclosed '<' in the type {text!r}")
                if tokens[position] == ",":
                    position += 1
                    continue
                if tokens[position] == ">":
                    position += 1
                    break
                raise LanguageError(f"cannot read the type {text!r}")
        return Type(name, tuple(args))

    parsed = parse()
    if position != len(tokens):
        raise LanguageError(f"unexpected {tokens[position]!r} in the type {text!r}")
    return parsed


@dataclass(frozen=True)
class Parameter:
    """One parameter of an entry point: its name and the type its values are written as."""

    name: str
    type: str  # without ``const`` or ``&``: what `Language.literal` takes


@dataclass(frozen=True)
class Signature:
    """An entry point read from a program's code (`Language.signature`)."""

    name: str
    returns: str  # the result's type, as a variable of it is declared
    parameters: tuple[Parameter, ...] = ()
    owner: str | None = None  # the class of a method; None for a free function
    static: bool = False  # a method called on its class, not on an instance

    @property
    def entry(self) -> str:
        """``Solution.method`` or ``function``, as the YAML ``entry:`` names it."""
        return f"{self.owner}.{self.name}" if self.owner else self.name

    @property
    def names(self) -> list[str]:
        return [parameter.name for parameter in self.parameters]


def json_pairs(value: Any, fail: Callable[[str], Exception]) -> list[tuple[Any, Any]]:
    """A map's entries from JSON: an object, or a list of ``[key, value]`` pairs (keys that
    JSON objects cannot hold); *fail* makes the error for anything else."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
        return [(p[0], p[1]) for p in value]
    raise fail("not an object or a list of [key, value] pairs")


class Language(ABC):
    """One programming language: its toolchain, its program shape, its literals."""

    #: the language's name: the language marker, the CRUXEval-X file stem
    name: str
    #: the code fence's info string
    fence: str
    #: what the toolchain needs from the sandbox beyond the Python child (the report header)
    needs: str = ""
    #: libraries its programs may import, checked before any test runs
    libraries: tuple[Library, ...] = ()

    @abstractmethod
    def toolchain(self) -> str:
        """What identifies the toolchain and its flags: part of every artifact's cache key.

        Raises `LanguageError` when the toolchain is missing, saying what to install.
        """

    def reads(self) -> tuple[str, ...]:
        """Host directories outside the system's own that the sandboxed toolchain reads (a
        toolchain under a home directory): the sandbox runs as a user of its own only when
        every one of them is open to other users."""
        return ()

    def prepare(self, directory: Path) -> None:  # noqa: B027 - most languages need nothing
        """Build the trusted, program-independent parts once (a precompiled header, the
        harness's own wrappers) into *directory*, which the sandbox sees read-only."""

    @abstractmethod
    def build(self, program: str, shared: str) -> Build:
        """How to build *program*; *shared* is where the sandbox sees `prepare`'s directory."""

    @abstractmethod
    def run(self, program: str, shared: str) -> Run:
        """How to run *program*, built: its artifacts are in the working directory."""

    @abstractmethod
    def failure(self, stderr: str) -> str | None:
        """Whether a failed run's error output says `ASSERTION` or `MEMORY` (else None)."""

    @abstractmethod
    def literal(self, value: Any, type_: str) -> str:
        """The JSON *value* as an expression of the language's *type_*."""

    def argument(self, value: Any, type_: str) -> str:
        """The JSON *value* as a call's argument or a variable's initialiser of *type_*:
        the shortest form that is still the value (a C++ brace list); else `literal`."""
        return self.literal(value, type_)

    @abstractmethod
    def print_statement(self, expression: str) -> str:
        """A statement that prints *expression*'s value as one line of JSON (`read_value`)."""

    # ------------------------------------------------------------------ suite scaffolds
    # A suite snippet's code is a class (or a function) without a main: these put it
    # into whole programs. A language without them says so (`unsupported`).

    def signature(self, code: str, entry: str | None = None) -> Signature:
        """The entry point of *code*: class ``Solution``'s one public method, or *entry*
        (``method``, ``Solution.method`` or a free function's name)."""
        raise self.unsupported("reading a suite snippet's signature")

    def call(self, signature: Signature, arguments: Sequence[str]) -> str:
        """The expression that calls the entry with *arguments* (literals)."""
        raise self.unsupported("calling a suite snippet")

    def program(self, code: str, statements: Sequence[str], *, printing: bool = False) -> str:
        """A whole program: the scaffold's imports, *code*, a main running *statements*
        (*printing*: they use `print_statement`)."""
        raise self.unsupported("suite programs")

    def declaration(self, name: str, type_: str, expression: str, *, strict: bool = False) -> str:
        """A statement declaring the variable *name* of *type_*, set to *expression*
        (*strict*: a value that does not fit the type, such as 3.7 for an int, is refused)."""
        raise self.unsupported("suite programs")

    def assertion(self, actual: str, expected: str, type_: str) -> str:
        """A statement that fails the run unless *actual* equals *expected* (of *type_*)."""
        raise self.unsupported("suite programs")

    def unsupported(self, what: str) -> LanguageError:
        return LanguageError(f"{what} is not supported for {self.name}")

    def read_value(self, printed: str) -> Any:
        """The value a program printed with `print_statement` (the last line it printed)."""
        # lines end with "\n" only: splitlines() would also cut at U+2028 inside a string
        lines = [line for line in printed.split("\n") if line.strip()]
        if not lines:
            raise LanguageError(f"the {self.name} program printed no result")
        try:
            return json.loads(lines[-1])
        except ValueError as exc:
            raise LanguageError(
                f"cannot read the {self.name} program's printed result {lines[-1][:200]!r}: {exc}"
            ) from None

    def artifact_key(self, program: str) -> str:
        """The content key of *program*'s build: language, toolchain and flags, program."""
        digest = hashlib.sha256()
        for part in (self.name, self.toolchain(), program):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()
