"""Step-level truth for IIP: the entry function's local variables after each step.

Standard library only and self-contained: it runs inside the executor's child
interpreter (``-I -S``) beside ``child.py`` and must not import the plugin.

What "the state after step i" means
-----------------------------------
The steps are ``(first_line, last_line)`` ranges of the entry function's body,
in order (see ``pytest_llmexec/strategies/steps.py``). Only the outermost frame of the
entry function is watched (recursive calls of it are not). Its top-level
statements run in order, each at most once, so control only moves forward
through the steps; loops and branches stay inside one (compound) step.

* The state after step *i* is a snapshot of the frame's locals taken when
  control leaves step *i* for good: at the first line event of a later step,
  or at the frame's exit (a ``return`` or an exception leaving the function).
* A step that is never reached (an early ``return`` or an exception in an
  earlier step) or that runs no code (``global x``, an optimised-away ``pass``)
  changes nothing, so its state is the same snapshot as the step before it.

Locals are serialised like results: ``ListNode`` / ``TreeNode`` values become
lists (the values from that node to the end; the level-order list), then the
value is kept when it is a plain Python literal, as its ``repr``. ``self``,
values that are not literals (iterators, functions, objects), values whose
``repr`` is longer than `MAX_VALUE` characters and names beyond the first
`MAX_NAMES` are left out: they cannot be scored.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

MAX_VALUE = 2_000  # characters of one value's repr
MAX_NAMES = 40  # local variables kept per step
#: attribute of an exception escaping the traced call that carries the states so far
STATES_ATTRIBUTE = "_llmexec_steps"

State = dict[str, str]


def _plain(value: Any, depth: int = 0) -> Any:
    """ListNode / TreeNode to lists, recursively (child.py's to_plain, kept in step)."""
    if depth > 100:
        raise RecursionError("nested too deeply")
    name = type(value).__name__
    if name == "ListNode" and hasattr(value, "next"):
        out, seen, node = [], set(), value
        while node is not None:
            if id(node) in seen:
                raise ValueError("the linked list has a cycle")
            seen.add(id(node))
            out.append(_plain(node.val, depth + 1))
            node = node.next
            if len(out) > MAX_VALUE:
                raise ValueError("list too long")
        return out
    if name == "TreeNode" and hasattr(value, "left"):
        out, queue, index = [], [value], 0
        while index < len(queue):
            node = queue[index]
            index += 1
            if node is None:
                out.append(None)
                continue
            out.append(_plain(node.val, depth + 1))
            queue.extend([node.left, node.right])
            if len(out) > MAX_VALUE:
                raise ValueError("tree too large")
        while out and out[-1] is None:
            out.pop()
        return out
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {_plain(k, depth + 1): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return type(value)(_plain(v, depth + 1) for v in value)
    return value


def _literal(value: Any, depth: int = 0) -> bool:
    if depth > 100:
        return False
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_literal(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(_literal(k, depth + 1) and _literal(v, depth + 1) for k, v in value.items())
    return False


def serialise(value: Any) -> str | None:
    """The literal repr of *value*, or None when it cannot be scored."""
    if isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) > MAX_VALUE:
        return None
    try:
        plain = _plain(value)
        if not _literal(plain):
            return None
        text = repr(plain)
    except Exception:  # a snippet's odd object is simply not scorable
        return None
    return text if len(text) <= MAX_VALUE else None


def snapshot(frame_locals: dict[str, Any]) -> State:
    """The scorable locals of a frame, in the frame's order."""
    state: State = {}
    for name, value in frame_locals.items():
        if name == "self" or name.startswith("__"):
            continue
        text = serialise(value)
        if text is not None:
            state[name] = text
            if len(state) >= MAX_NAMES:
                break
    return state


class _Recorder:
    """Watches the entry frame: the first call of *code*, not its recursive calls.

    The two recorders differ only in what they keep from that frame's events
    (their `local_trace`); how a recorder is installed and removed, and what a
    call that raises carries, is the same for both, so it is here once.
    """

    def __init__(self, code: Any) -> None:
        self.code = code
        self.records: list[State] = []  # what the subclass keeps, in order
        self.frame: FrameType | None = None
        self.done = False  # the entry frame has ended (returned or raised)

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if self.frame is None and not self.done and frame.f_code is self.code:
            self.frame = frame
            return self.local_trace
        return None

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        return None  # each subclass follows the entry frame's events

    def call(
        self, target: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]
    ) -> tuple[Any, list[State]]:
        """``target(*args, **kwargs)`` traced: its result and the records.

        The records are empty when the entry frame was never seen or never
        ended. If the call raises, the exception propagates with the records on
        its ``_llmexec_steps`` attribute.
        """
        previous = sys.gettrace()
        sys.settrace(self.global_trace)
        try:
            result = target(*args, **kwargs)
        except BaseException as exc:
            sys.settrace(previous)
            with contextlib.suppress(AttributeError, TypeError):
                setattr(exc, STATES_ATTRIBUTE, self.records if self.done else [])
            raise
        finally:
            sys.settrace(previous)
        return result, (self.records if self.done else [])


class _StepRecorder(_Recorder):
    """Follows the entry frame's line events through the steps: one state per step."""

    def __init__(self, code: Any, steps: Sequence[Sequence[int]]) -> None:
        super().__init__(code)
        self.steps = [(int(first), int(last)) for first, last in steps]
        self.current = -1  # index of the step being executed

    def step_of(self, line: int) -> int:
        for index, (first, last) in enumerate(self.steps):
            if first <= line <= last:
                return index
        return -1

    def advance(self, frame: FrameType, upto: int) -> None:
        """Steps before *upto* are over: they all get the locals as they are now."""
        if upto <= len(self.records):
            return
        state = snapshot(frame.f_locals)
        while len(self.records) < upto:
            self.records.append(dict(state))

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if frame is not self.frame:
            return None
        if event == "line":
            index = self.step_of(frame.f_lineno)
            if index > self.current:
                self.advance(frame, index)
                self.current = index
        elif event == "return":
            self.advance(frame, len(self.steps))
            self.done = True
            self.frame = None
        return self.local_trace


def _code_of(target: Callable[..., Any]) -> Any:
    """The code object run by *target*: through bound methods and wrappers (``@cache``)."""
    function: Any = target
    for _ in range(10):
        function = getattr(function, "__func__", function)
        if hasattr(function, "__code__") or not hasattr(function, "__wrapped__"):
            break
        function = function.__wrapped__
    return getattr(function, "__code__", None)  # None: no frame is ever watched


def run_traced(
    target: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    steps: Sequence[Sequence[int]],
) -> tuple[Any, list[State]]:
    """Call ``target(*args, **kwargs)`` and return its result and the state after each step.

    The result is returned unchanged. If the call raises, the exception
    propagates with the states so far (every step filled, see the module
    docstring) on its ``_llmexec_steps`` attribute. The list is empty when the
    entry frame was never seen (e.g. the entry is a generator function).
    """
    return _StepRecorder(_code_of(target), steps).call(target, args, kwargs)


# --------------------------------------------------------------------------- per-line tasks

#: the first IIP step that asks for a per-line trace instead (`run_lines`); the steps after
#: it name the statement lines of the entry function, as ``(line, 0)``
LINES_MARK = (0, 0)
MAX_RUNS = 8  # executions of a line whose following record is kept (tasks/lines.MAX_RUNS)
MAX_EVENTS = 20_000  # records kept per call; past it the trace is cut
LINE_KEY = "@line"
END_KEY = "@end"
CUT_KEY = "@cut"


class _LineRecorder(_Recorder):
    """Records the entry frame's statement-line events, each with the locals at that moment.

    An event is a new *execution* of its line unless it is the line already
    being executed and the bytecode did not jump back (a statement spread over
    several lines fires events on its continuation lines and again on its
    first line: one execution). The last record says how the frame ended:
    ``return``, or ``raise`` when an exception left it.

    Only what the tasks read is kept: the first `MAX_RUNS` executions of each
    line and the execution (or end) that follows each of them, so a long loop
    costs a count per event, not a snapshot.
    """

    def __init__(self, code: Any, lines: Sequence[int]) -> None:
        super().__init__(code)
        self.lines = {int(line) for line in lines}
        self.current = -1
        self.offset = -1
        self.raising = False
        self.counts: dict[int, int] = {}
        self.follow = False  # the last kept record needs the next execution kept too

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if frame is not self.frame:
            return None
        if event == "exception":
            self.raising = True
        elif event == "line":
            self.raising = False
            line = frame.f_lineno
            if line in self.lines and (line != self.current or frame.f_lasti <= self.offset):
                self.current = line
                runs = self.counts.get(line, 0)
                self.counts[line] = runs + 1
                keep = runs < MAX_RUNS or self.follow
                self.follow = runs < MAX_RUNS
                if keep and len(self.records) >= MAX_EVENTS:
                    if CUT_KEY not in self.records[-1]:
                        self.records.append({CUT_KEY: "1"})
                elif keep:
                    self.records.append({LINE_KEY: str(line), **snapshot(frame.f_locals)})
            self.offset = frame.f_lasti
        elif event == "return":
            end = "raise" if self.raising else "return"
            if not self.records or CUT_KEY not in self.records[-1]:
                self.records.append({END_KEY: end, **snapshot(frame.f_locals)})
            self.done = True
            self.frame = None
        return self.local_trace


def run_lines(
    target: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    lines: Sequence[int],
) -> tuple[Any, list[State]]:
    """Call *target* and return its result and its statement-line events (`_LineRecorder`).

    Only the outermost frame of the entry function is watched. If the call
    raises, the exception propagates with the events on ``_llmexec_steps``.
    """
    return _LineRecorder(_code_of(target), lines).call(target, args, kwargs)
