"""What a prompting strategy is: a case in, a conversation to hold out.

A strategy returns the user turns of a conversation; the model's replies go
between them. Templates are text files beside this module, and the hash of a
strategy's templates goes into cache keys and reports, so a prompt change is
visible and never served from a stale cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from typing import Protocol

from ..benchmark import Case


@dataclass(frozen=True)
class PromptOptions:
    """Run-wide settings that shape a prompt."""

    describe: str | None = None  # "en" or "zh": add the problem description
    iip_max_steps: int = 12


@dataclass(frozen=True)
class Prompt:
    """The user turns of a conversation and how its answer is delimited."""

    turns: tuple[str, ...]
    system: str | None = None
    answer_tag: str = "ANSWER"
    state_tag: str = "STATE"
    #: for multi-turn strategies, what each non-final turn asks for (step lines)
    steps: tuple[tuple[int, int], ...] = field(default=())


class Strategy(Protocol):
    name: str

    @property
    def template_hash(self) -> str: ...

    def prompt(self, case: Case, options: PromptOptions) -> Prompt: ...


def load_template(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def templates_hash(*names: str) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(load_template(name).encode())
    return digest.hexdigest()[:12]


def fill(template: str, **values: str) -> str:
    """Replace ``{{name}}`` placeholders; code with braces stays untouched."""
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    return template


def pick_tag(base: str, *texts: str) -> str:
    """A delimiter tag that none of *texts* contains, so extraction cannot be fooled."""
    candidates = [base, f"{base}_1", f"{base}_2", f"{base}_X", f"{base}_{len(''.join(texts))}"]
    for tag in candidates:
        if not any(f"[{tag}]" in t or f"[/{tag}]" in t for t in texts):
            return tag
    return f"{base}_{abs(hash(texts)) % 10**8}"


def description_block(case: Case, options: PromptOptions) -> str:
    if options.describe is None:
        return ""
    text = case.snippet.description.get(options.describe)
    if not text:
        return ""
    heading = "Problem description" if options.describe == "en" else "题目描述"
    return f"{heading}:\n{text.strip()}\n\n"
