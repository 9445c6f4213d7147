"""Ground-truth execution: run a snippet's call in isolation and describe the result."""

from __future__ import annotations

from .api import Call, Executor, Outcome

__all__ = ["Call", "Executor", "Outcome", "describe", "make_executor"]


def make_executor() -> Executor:
    """The warm fork server; a process per call only if the server cannot start.

    The fallback's ``layers`` say why, so the report header shows it.
    """
    from .forkserver import ForkServerExecutor, ServerError
    from .simple import SubprocessExecutor

    try:
        return ForkServerExecutor()
    except (ServerError, OSError) as exc:
        return SubprocessExecutor(reason=str(exc))


def describe(executor: Executor) -> str:
    """One line for the report header: which executor, which sandbox layers."""
    name = getattr(executor, "name", type(executor).__name__)
    text = f"llmexec: executor={name} sandbox={','.join(executor.layers) or 'none'}"
    reason = getattr(executor, "reason", "")
    if reason:
        text += f" (fork server unavailable: {reason})"
    for note in getattr(executor, "notes", ()):
        text += f" ({note})"
    return text
