"""Hypothesis-generated extra inputs for a snippet (ids ``h0``, ``h1``, ...).

`types` says what to draw for a snippet's parameters, `draw` draws it
reproducibly, `generate` keeps the drawn inputs worth asking about, and
`shrink` (``--llm-shrink``) reduces a failing generated input to a smaller one.
"""

from __future__ import annotations

from .generate import NOTE_PROPERTY, Generated, Runner, examples_for, generate

__all__ = ["NOTE_PROPERTY", "Generated", "Runner", "examples_for", "generate"]
