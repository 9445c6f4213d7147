"""Java (JDK 17), as CRUXEval-X runs it: ``class Problem`` run with ``java -ea``.

Sources are compiled by a warm compiler (`java_support/JavaCompileServer.java`,
one JVM per sandbox server), so only the first program pays for javac's
start-up. Programs run through `java_support/LlmexecMain.java`, which notes
that ``main`` returned, then halts: ``System.exit(0)`` from inside a function
is not a passed assert, and threads left running do not hold the run.
The classpath holds Debian's ``libjavatuples-java`` (``org.javatuples``).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
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
    Library,
    Parameter,
    Run,
    Signature,
    Type,
    json_pairs,
    parse_type,
)

SUPPORT = Path(__file__).with_name("java_support")
JAVATUPLES = Path("/usr/share/java/javatuples.jar")
#: a JVM's own limits: it reserves far more address space than it uses
JVM_FLAGS = (
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:MaxMetaspaceSize=192m",
    "-Xshare:auto",
    "-XX:-UsePerfData",  # no /tmp/hsperfdata_* file, which a killed JVM would leave behind
)
RUN_HEAP = "-Xmx256m"
COMPILER_HEAP = "-Xmx768m"
GiB = 1 << 30
_CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
_CLASS = re.compile(r"^\s*(?:public\s+|final\s+|abstract\s+)*class\s+(\w+)", re.MULTILINE)
_MAIN = re.compile(r"\bstatic\s+void\s+main\s*\(")
#: what a suite snippet's code gets before it (the spec: the code does not write them)
SCAFFOLD_HEAD = "import java.util.*;\nimport java.util.stream.*;\n"
#: the class that holds a suite program's main, after the snippet's code
MAIN_CLASS = "Problem"
_MODIFIERS = re.compile(r"\b(public|private|protected|static|final|synchronized|abstract)\b|@\w+")
_PRIMITIVES = {"int", "long", "short", "byte", "char", "boolean", "double", "float"}
TUPLES = (
    "Unit",
    "Pair",
    "Triplet",
    "Quartet",
    "Quintet",
    "Sextet",
    "Septet",
    "Octet",
    "Ennead",
    "Decade",
)


class Java(Language):
    name = "java"
    fence = "java"
    needs = "run profile (threads) for the warm javac and the JVM, heap bounded by -Xmx"
    libraries = (Library("org.javatuples", JAVATUPLES, "libjavatuples-java"),)

    def __init__(self, java: str = "java", javac: str = "javac") -> None:
        self.java_name, self.javac_name = java, javac
        self._toolchain: str | None = None
        self._paths: dict[str, str] = {}

    # ------------------------------------------------------------------ toolchain
    def tool(self, name: str) -> str:
        if name not in self._paths:
            found = shutil.which(name, path=_CLEAN_ENV["PATH"]) or shutil.which(name)
            if found is None:
                raise LanguageError(
                    f"Java needs {name!r} on PATH (Debian: apt-get install openjdk-17-jdk-headless)"
                )
            self._paths[name] = os.path.realpath(found)
        return self._paths[name]

    def classpath(self, shared: str, *, here: bool = True) -> str:
        """The run's classpath: the program's classes (``.``), the harness, javatuples. The
        warm compiler's leaves ``.`` out: a program is one file, and the compiler's directory
        is nothing a program should be able to put a class into."""
        parts = [".", shared] if here else [shared]
        if JAVATUPLES.is_file():
            parts.append(str(JAVATUPLES))
        return ":".join(parts)

    def toolchain(self) -> str:
        if self._toolchain is None:
            done = subprocess.run(
                [self.tool(self.javac_name), "-version"],
                capture_output=True,
                text=True,
                env=_CLEAN_ENV,
                check=False,
            )
            version = (done.stdout + done.stderr).strip() or "unknown"
            tuples = (
                f"javatuples={JAVATUPLES.stat().st_size}"
                if JAVATUPLES.is_file()
                else "no-javatuples"
            )
            support = "".join(path.read_text() for path in sorted(SUPPORT.glob("*.java")))
            self._toolchain = f"{version} {tuples} support={hash_text(support)}"
        return self._toolchain

    def prepare(self, directory: Path) -> None:
        """Compile the harness's own two classes (trusted code) into *directory*."""
        sources = [str(path) for path in sorted(SUPPORT.glob("*.java"))]
        argv = [self.tool(self.javac_name), "-proc:none", "-d", str(directory), *sources]
        done = subprocess.run(argv, capture_output=True, text=True, env=_CLEAN_ENV, check=False)
        if done.returncode != 0:
            raise LanguageError(f"preparing Java failed: {' '.join(argv)}: {done.stderr[-800:]}")

    # ------------------------------------------------------------------ build and run
    def build(self, program: str, shared: str) -> Build:
        if _CLASS.search(program) is None:
            raise LanguageError(
                "a Java program needs a top-level class (CRUXEval-X: class Problem)"
            )
        argv = (
            self.tool(self.java_name),
            COMPILER_HEAP,
            *JVM_FLAGS,
            "-cp",
            shared,
            "JavaCompileServer",
            "-proc:none",
            "-nowarn",
            "-encoding",
            "UTF-8",
            "-classpath",
            self.classpath(shared, here=False),
        )
        return Build(
            files={f"{self.main_class(program)}.java": program.encode()},
            argv=argv,
            collect=("./",),
            warm="javac",
            memory=3 * GiB,
        )

    def run(self, program: str, shared: str) -> Run:
        argv = (
            self.tool(self.java_name),
            "-ea",
            RUN_HEAP,
            "-Xss16m",
            *JVM_FLAGS,
            "-cp",
            self.classpath(shared),
            "LlmexecMain",
            self.main_class(program),
        )
        return Run(argv=argv, memory=2 * GiB, env={"MALLOC_ARENA_MAX": "2"})

    def main_class(self, program: str) -> str:
        """The class that declares ``main`` (the last class before it), else the first."""
        classes = list(_CLASS.finditer(program))
        main = _MAIN.search(program)
        if main is not None:
            before = [match for match in classes if match.start() < main.start()]
            if before:
                return before[-1].group(1)
        return classes[0].group(1) if classes else "Problem"

    # ------------------------------------------------------------------ suite scaffolds
    def signature(self, code: str, entry: str | None = None) -> Signature:
        text = source.blanked(code)
        classes: dict[str, list[tuple[Signature, bool]]] = {}
        for declaration in source.declarations(text):
            kind = re.search(r"\b(?:class|interface|record)\s+(\w+)", declaration.head)
            if kind is None or declaration.body is None:
                continue
            methods: list[tuple[Signature, bool]] = []
            inner = (declaration.body[0] + 1, declaration.body[1])
            for member in source.declarations(text, *inner):
                method = _method(member.head, kind.group(1)) if member.body else None
                if method is not None:
                    methods.append(method)
            classes[kind.group(1)] = methods
        return _choose(entry, classes)

    def call(self, signature: Signature, arguments: Sequence[str]) -> str:
        owner = signature.owner or "Solution"
        target = owner if signature.static else f"new {owner}()"
        return f"{target}.{signature.name}({', '.join(arguments)})"

    def program(self, code: str, statements: Sequence[str], *, printing: bool = False) -> str:
        body = "".join(f"        {statement}\n" for statement in statements)
        main = (
            f"class {MAIN_CLASS} {{\n    public static void main(String[] args) {{\n"
            f"{body}    }}\n}}\n"
        )
        return f"{SCAFFOLD_HEAD}\n{code.lstrip(chr(10)).rstrip()}\n\n{main}"

    def declaration(self, name: str, type_: str, expression: str, *, strict: bool = False) -> str:
        return f"{type_} {name} = {expression};"  # Java refuses a narrowing assignment anyway

    def assertion(self, actual: str, expected: str, type_: str) -> str:
        name = type_.strip()
        if name in _PRIMITIVES:
            return f"assert {actual} == {expected};"
        if name.endswith("[][]"):
            return f"assert Arrays.deepEquals({actual}, {expected});"
        if name.endswith("[]"):
            return f"assert Arrays.equals({actual}, {expected});"
        return f"assert Objects.equals({actual}, {expected});"

    def print_statement(self, expression: str) -> str:
        return f"LlmexecJson.print({expression});"

    def failure(self, stderr: str) -> str | None:
        if "java.lang.OutOfMemoryError" in stderr:
            return MEMORY
        if re.search(r'Exception in thread "main" java\.lang\.AssertionError', stderr):
            return ASSERTION
        return None

    # ------------------------------------------------------------------ values
    def literal(self, value: Any, type_: str) -> str:
        return self._literal(value, parse_type(type_), type_)

    def _literal(self, value: Any, type_: Type, whole: str) -> str:
        name = type_.name.split(".")[-1]
        args = type_.args

        def fail(why: str) -> LanguageError:
            return LanguageError(f"cannot write {value!r} as the Java type {whole!r}: {why}")

        if name.endswith("[]"):
            if not isinstance(value, list):
                raise fail("not a list")
            element = Type(name[:-2].strip())
            items = ", ".join(self._literal(item, element, whole) for item in value)
            return f"new {name}{{{items}}}"
        if name in ("boolean", "Boolean"):
            if not isinstance(value, bool):
                raise fail("not a boolean")
            return "true" if value else "false"
        if name in _INTEGERS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail("not an integer")
            suffix, low, high = _INTEGERS[name]
            if not low <= value <= high:
                raise fail("out of range")
            if name in ("short", "Short", "byte", "Byte"):
                return f"({name.lower()}){value}"
            return f"{value}{suffix}"
        if name in ("float", "Float", "double", "Double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise fail("not a number")
            return _java_float(float(value), name.lower())
        if name == "String":
            if not isinstance(value, str):
                raise fail("not a string")
            return _quote(value, '"')
        if name in ("char", "Character"):
            if not isinstance(value, str) or len(value) != 1 or ord(value) > 0xFFFF:
                raise fail("not a single UTF-16 character")
            return _quote(value, "'")
        generic = str(type_)
        if name in (
            "ArrayList",
            "List",
            "LinkedList",
            "HashSet",
            "Set",
            "TreeSet",
            "LinkedHashSet",
        ):
            if not isinstance(value, list) or len(args) != 1:
                raise fail(
                    "not a list" if not isinstance(value, list) else "needs one type argument"
                )
            concrete = {"List": "ArrayList", "Set": "HashSet"}.get(name, name)
            spelled = str(Type(concrete, args))
            if not value:
                return f"new {spelled}()"
            items = ", ".join(self._literal(item, args[0], whole) for item in value)
            return f"new {spelled}(Arrays.asList({items}))"
        if name in ("HashMap", "Map", "TreeMap", "LinkedHashMap") and len(args) == 2:
            pairs = json_pairs(value, fail)
            concrete = "HashMap" if name == "Map" else name
            spelled = str(Type(concrete, args))
            if not pairs:
                return f"new {spelled}()"
            if any(v is None for _, v in pairs):
                raise fail("Map.entry cannot hold null values")
            entries = ", ".join(
                f"Map.entry({self._literal(_key(k, args[0]), args[0], whole)}, "
                f"{self._literal(v, args[1], whole)})"
                for k, v in pairs
            )
            return f"new {spelled}(Map.ofEntries({entries}))"
        if name in TUPLES:
            size = TUPLES.index(name) + 1
            if not isinstance(value, list) or len(value) != size or len(args) not in (0, size):
                raise fail(f"not a list of {size} items")
            if not args:
                raise fail("a tuple type needs its type arguments")
            items = ", ".join(self._literal(v, t, whole) for v, t in zip(value, args, strict=True))
            return f"{name}.with({items})"
        if name == "Optional" and len(args) == 1:
            if value is None:
                return "Optional.empty()"
            return f"Optional.of({self._literal(value, args[0], whole)})"
        raise fail(f"{generic} is not supported")


def _method(head: str, owner: str) -> tuple[Signature, bool] | None:
    """A method definition's signature and whether it is public, or None (a constructor)."""
    function = source.function_head(head)
    if function is None:
        return None
    modifiers = {m.group(0) for m in _MODIFIERS.finditer(function.prefix)}
    returns = source.squeeze(_MODIFIERS.sub(" ", function.prefix))
    returns = re.sub(r"^<[^>]*>\s*", "", returns)  # a generic method's type parameters
    if not returns or function.name == owner:
        return None
    parameters = []
    for text in source.split_top_level(function.parameters):
        text = re.sub(r"\bfinal\b|@\w+", " ", text)
        match = re.search(r"([A-Za-z_]\w*)\s*$", text)
        if match is None or match.start() == 0:
            raise LanguageError(f"cannot read the parameter {text!r} of {function.name}")
        parameters.append(Parameter(match.group(1), source.squeeze(text[: match.start()])))
    signature = Signature(function.name, returns, tuple(parameters), owner, "static" in modifiers)
    return signature, "public" in modifiers


def _choose(entry: str | None, classes: dict[str, list[tuple[Signature, bool]]]) -> Signature:
    """The entry point: ``entry`` (``method`` of Solution, or ``Class.method``), else class
    Solution's one public method."""
    owner, _, name = (entry or "").rpartition(".")
    owner = owner or "Solution"
    public = [method for method, is_public in classes.get(owner, []) if is_public]
    if entry is not None:
        for method in public:
            if method.name == name:
                return method
        raise LanguageError(f"no public method {name!r} in the Java class {owner!r}")
    if len(public) == 1:
        return public[0]
    if owner not in classes:
        raise LanguageError("the Java code needs a class Solution with one public method")
    names = sorted({method.name for method in public})
    raise LanguageError(
        f"the Java class Solution has {len(public)} public methods {names}; say which with 'entry'"
    )


_INTEGERS = {
    "int": ("", -(2**31), 2**31 - 1),
    "Integer": ("", -(2**31), 2**31 - 1),
    "long": ("l", -(2**63), 2**63 - 1),
    "Long": ("l", -(2**63), 2**63 - 1),
    "short": ("", -(2**15), 2**15 - 1),
    "Short": ("", -(2**15), 2**15 - 1),
    "byte": ("", -128, 127),
    "Byte": ("", -128, 127),
}


def hash_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _java_float(number: float, kind: str) -> str:
    box = "Float" if kind == "float" else "Double"
    if math.isnan(number):
        return f"{box}.NaN"
    if math.isinf(number):
        return f"{box}.{'NEGATIVE' if number < 0 else 'POSITIVE'}_INFINITY"
    text = repr(number)
    if "e" not in text and "." not in text:
        text += ".0"
    return text + ("f" if kind == "float" else "")


def _quote(text: str, quote: str) -> str:
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
        elif code < 32 or code == 127:  # octal: a \\u escape would be read before lexing
            out.append(f"\\{code:03o}")
        elif code > 0xFFFF:  # a surrogate pair: escaped, so the source stays plain
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
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
    return key
