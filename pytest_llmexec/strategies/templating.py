"""Prompt templates: text files with ``{{name}}`` placeholders, built-in or the user's own.

A strategy names the files it reads and, for each, the placeholders it fills
(`register`). `Templates` reads them from the package's ``templates/`` folder
or from the folder given with ``--llm-templates=DIR``, so that a published
prompt can be run verbatim. Every file is checked when the run starts: a file
that is missing, not UTF-8, names a placeholder its strategy does not fill, or
lacks one that it needs (the code, the call) is a `TemplateError` naming the
file and line, never a prompt that quietly asks the wrong thing. The hash of
the files a strategy reads goes into the header, the report and cache keys.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")


class TemplateError(Exception):
    """A template file that cannot be used; the message names the file and what to do."""


@dataclass(frozen=True)
class Spec:
    """What one template file is for and which placeholders it may and must hold."""

    purpose: str  # "the VP prompt", shown in errors
    required: frozenset[str]
    optional: frozenset[str]
    #: the package whose ``templates/`` folder holds the built-in file (an outside
    #: strategy's own package); None: this one
    package: str | None = None

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional


#: file name -> what it must hold; filled by the strategies (and tasks) that read them
SPECS: dict[str, Spec] = {}


#: file name -> what the file of that name in a language's folder (``cpp/vp.txt``) must hold
NATIVE_SPECS: dict[str, Spec] = {}


def register(
    name: str, purpose: str, required: set[str], optional: set[str], package: str | None = None
) -> None:
    """What the template file *name* is for and must hold; *package*: whose ``templates/``
    folder ships it (an outside strategy's), when not this package's."""
    SPECS[name] = Spec(purpose, frozenset(required), frozenset(optional), package)


def register_native(name: str, purpose: str, required: set[str], optional: set[str]) -> None:
    """What *name* must hold in every language's folder (``cpp/vp.txt``, ``java/vp.txt``)."""
    NATIVE_SPECS[name] = Spec(purpose, frozenset(required), frozenset(optional))


def spec_of(name: str) -> Spec | None:
    """The spec of a template file: its own, or its language folder's (``cpp/vp.txt``)."""
    folder, _, base = name.rpartition("/")
    if folder:
        spec = NATIVE_SPECS.get(base)
        if spec is None:
            return None
        return Spec(f"{spec.purpose} for {folder}", spec.required, spec.optional)
    return SPECS.get(name)


def builtin_dir() -> Path:
    return Path(str(resources.files(__package__) / "templates"))


class Templates:
    """The template files of a run: the built-in ones, or those of *directory*."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._texts: dict[str, str] = {}

    @property
    def source(self) -> str:
        return "built-in" if self.directory is None else str(self.directory)

    def text(self, name: str) -> str:
        """The checked text of the file *name*; a `TemplateError` says what is wrong."""
        text = self._texts.get(name)
        if text is None:
            text = self._read(name)
            check(name, text, self._shown(name))
            self._texts[name] = text
        return text

    def has(self, name: str) -> bool:
        """Whether the file *name* is there: always for the built-in ones that exist, and in a
        ``--llm-templates`` folder only when the user put it there (for optional files)."""
        if self.directory is None:
            spec = spec_of(name)
            home = (spec.package if spec is not None else None) or __package__
            return (resources.files(home) / "templates" / name).is_file()
        return (self.directory / name).is_file()

    def hash(self, *names: str) -> str:
        digest = hashlib.sha256()
        for name in names:
            digest.update(name.encode())
            digest.update(b"\0")
            digest.update(self.text(name).encode())
        return digest.hexdigest()[:12]

    def _shown(self, name: str) -> str:
        return name if self.directory is None else str(self.directory / name)

    def _read(self, name: str) -> str:
        spec = spec_of(name)
        purpose = spec.purpose if spec is not None else "a template"
        if self.directory is None:
            try:
                home = (spec.package if spec is not None else None) or __package__
                return (resources.files(home) / "templates" / name).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise TemplateError(
                    f"there is no built-in {name} ({purpose}); write one and give its folder "
                    f"with --llm-templates=DIR (as {name} there)"
                ) from None
        path = self.directory / name
        if not self.directory.is_dir():
            raise TemplateError(
                f"--llm-templates={self.directory}: not a directory; give the folder that "
                f"holds the template files (the built-in ones are in {builtin_dir()})"
            )
        if not path.is_file():
            raise TemplateError(
                f"--llm-templates={self.directory}: no {name} ({purpose}), which this run "
                f"needs; copy it from {builtin_dir()} and edit it"
            )
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
        except OSError as exc:
            raise TemplateError(f"{path}: cannot be read ({exc.strerror})") from None


def check(name: str, text: str, shown: str) -> None:
    """Raise a `TemplateError` when *text* cannot serve as the template *name*."""
    spec = spec_of(name)
    if spec is None:
        return
    if not text.strip():
        raise TemplateError(f"{shown}: empty; it is {spec.purpose}")
    found: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        for match in PLACEHOLDER.finditer(line):
            key = match.group(1)
            if key not in spec.allowed:
                raise TemplateError(
                    f"{shown}:{number}: unknown placeholder {match.group(0)}; {spec.purpose} "
                    f"takes {', '.join('{{' + k + '}}' for k in sorted(spec.allowed))}"
                )
            if match.group(0) != "{{" + key + "}}":
                raise TemplateError(
                    f"{shown}:{number}: write the placeholder as {{{{{key}}}}}, without spaces"
                )
            found.add(key)
    missing = sorted(spec.required - found)
    if missing:
        raise TemplateError(
            f"{shown}: {spec.purpose} must hold "
            + ", ".join("{{" + k + "}}" for k in missing)
            + " (the model would not see the case)"
        )


def fill(template: str, **values: str) -> str:
    """Replace ``{{name}}`` placeholders in one pass; code with braces stays untouched, and
    a value holding ``{{...}}`` text (code, a call) is never filled again."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
