"""Ground-truth execution: run a snippet's call in isolation and describe the result."""

from __future__ import annotations

from .api import Call, Executor, Outcome

__all__ = ["Call", "Executor", "Outcome", "make_executor"]


def make_executor() -> Executor:
    """The best executor this machine supports."""
    from .simple import SubprocessExecutor

    return SubprocessExecutor()
