"""Languages other than Python: one module each behind `base.Language`."""

from __future__ import annotations

from .base import Language, LanguageError, missing_libraries
from .cpp import Cpp
from .java import Java
from .javascript import JavaScript
from .rust import Rust

__all__ = [
    "Cpp",
    "Java",
    "JavaScript",
    "Language",
    "LanguageError",
    "Rust",
    "get",
    "missing_libraries",
    "names",
]

_LANGUAGES: dict[str, type[Language]] = {"cpp": Cpp, "java": Java, "js": JavaScript, "rs": Rust}


def names() -> tuple[str, ...]:
    """Every language a snippet may be written in: python first, then the registered ones."""
    return ("python", *_LANGUAGES)


def get(name: str) -> Language:
    """The language called *name* (``cpp``, ``java``, ``js``, ``rs``); `LanguageError` lists
    the known ones."""
    try:
        return _LANGUAGES[name]()
    except KeyError:
        known = ", ".join(sorted(_LANGUAGES))
        raise LanguageError(f"unknown language {name!r} (known: python, {known})") from None
