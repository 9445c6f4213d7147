"""Reading the outline of C-like source (C++, Java): declarations and their braces.

A suite snippet's entry point is read from its code without a compiler: the
comments and the contents of string and character literals are blanked (the
text keeps its length, so positions stay true), then the code is cut into
declarations at the top level of a brace block. That is all a signature needs:
the head of a function (``vector<int> twoSum(vector<int> nums, int target)``),
never its body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import LanguageError

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def blanked(code: str) -> str:
    """*code* with comments and literal contents replaced by spaces (line breaks kept)."""
    out = list(code)
    i, n = 0, len(code)

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        char = code[i]
        if code.startswith("//", i):
            end = code.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif code.startswith("/*", i):
            end = code.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
        elif char in "\"'":
            j = i + 1
            while j < n and code[j] != char and code[j] != "\n":
                j += 2 if code[j] == "\\" else 1
            blank(i + 1, j)
            i = j + 1
        else:
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Declaration:
    """One declaration at the top level of a block: its head, and its body if it has one."""

    head: str
    start: int  # where the head starts in the text
    body: tuple[int, int] | None = None  # the body's braces' positions (inner text between)


def declarations(text: str, start: int = 0, end: int | None = None) -> list[Declaration]:
    """The declarations of ``text[start:end]`` (blanked), each ended by ``;`` or a block."""
    end = len(text) if end is None else end
    found: list[Declaration] = []
    head_start = start
    depth: list[str] = []
    i = start
    while i < end:
        char = text[i]
        if char == "{" and not depth:
            close = matching(text, i)
            found.append(Declaration(text[head_start:i], head_start, (i, close)))
            i = head_start = close + 1
            continue
        if char in _OPEN:
            depth.append(_OPEN[char])
        elif char in _CLOSE:
            if not depth or depth.pop() != char:
                raise LanguageError(f"unbalanced {char!r} at offset {i} of the code")
        elif char == ";" and not depth:
            found.append(Declaration(text[head_start:i], head_start))
            head_start = i + 1
        i += 1
    if text[head_start:end].strip():
        found.append(Declaration(text[head_start:end], head_start))
    return found


def matching(text: str, position: int) -> int:
    """The position of the bracket that closes the one at *position*."""
    stack = [_OPEN[text[position]]]
    for i in range(position + 1, len(text)):
        char = text[i]
        if char in _OPEN:
            stack.append(_OPEN[char])
        elif char in _CLOSE:
            if stack.pop() != char:
                raise LanguageError(f"unbalanced {char!r} at offset {i} of the code")
            if not stack:
                return i
    raise LanguageError(f"unclosed {text[position]!r} at offset {position} of the code")


@dataclass(frozen=True)
class Function:
    """A function's head cut into what comes before its name, its name, its parameter text."""

    prefix: str
    name: str
    parameters: str
    suffix: str  # after the parameters: const, throws ...


def function_head(head: str) -> Function | None:
    """*head* read as ``<prefix> name(<parameters>) <suffix>``, or None when it is not one."""
    opening = head.find("(")
    if opening < 0:
        return None
    before = head[:opening].rstrip()
    match = re.search(r"([A-Za-z_]\w*)$", before)
    if match is None:
        return None
    closing = matching(head, opening)
    return Function(
        prefix=before[: match.start()].strip(),
        name=match.group(1),
        parameters=head[opening + 1 : closing],
        suffix=head[closing + 1 :].strip(),
    )


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """*text* cut at *separator* outside any brackets, angle brackets included."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "(<[{":
            depth += 1
        elif char in ")>]}":
            depth -= 1
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [part.strip() for part in parts]


def squeeze(text: str) -> str:
    """Whitespace runs as one space, none around ``<``, ``>``, ``,`` except after a comma."""
    text = " ".join(text.split())
    text = re.sub(r"\s*([<>])\s*", r"\1", text)
    return re.sub(r"\s*,\s*", ", ", text)
