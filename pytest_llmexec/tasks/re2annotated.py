"""What RE2-Bench's loop and branch tasks share: annotated code in, annotated code out.

RE2-Bench asks these two tasks with its own prompt files only (CoT with the
hint: ``prompts/loop_prediction/``, ``prompts/branch_prediction/``): the
problem's code with ``??`` in comments to fill, the model answering with the
annotated code between ``[ANSWER]`` and ``[/ANSWER]``. Its validators
(``scripts/validators/validate_loop.py``, ``validate_branch.py``) read the
answer by line number and compare it with the stored truth
(``dataset/re2-bench/loop|branch/<difficulty>/<id>.json``); nothing is run, so
nothing here executes code, and the rule runs in the pytest process (it only
parses: ``ast.literal_eval`` and regular expressions).

The two tasks are registered in the task registry under RE2-Bench-specific
names (``re2loop``, ``re2branch``) so that they never share a name, a marker or
a report key with our per-line ``branch`` task, whose question and rule differ.
They ask nothing of snippets of other formats (`AnnotatedTask.applies`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..datasets.model import Case
from ..execution import Outcome
from ..verdicts import CORRECT, ERROR, UNPARSEABLE, WRONG
from .base import Expected, Runner, Scored

#: the dialect of an RE2-Bench problem's case (plugin/re2bench.py)
RE2_DIALECT = "re2bench"


def answer_block(content: str) -> str | None:
    """The text between ``[ANSWER]`` and ``[/ANSWER]`` (or to the end when unclosed).

    Upstream's two steps: the first closed block, else from the first ``[ANSWER]``
    to the end of the reply; None when there is no ``[ANSWER]`` (it scores ``{}``).
    """
    closed = re.search(r"\[ANSWER\](.*?)\[/ANSWER\]", content, re.DOTALL)
    if closed:
        return closed.group(1)
    unclosed = re.search(r"\[ANSWER\](.*)", content, re.DOTALL)
    return unclosed.group(1) if unclosed else None


class AnnotatedTask:
    """One of RE2-Bench's annotated-code tasks; a subclass ports its parser and rule."""

    name = ""
    description = ""
    summary = ""
    needs_truth = True
    python_only = True
    #: the strategies that ask it: RE2-Bench publishes its CoT prompt (with the hint) only
    re2bench_strategies = ("cot",)

    def truth(self, data: dict[str, Any]) -> dict[str, Any]:
        """Upstream's ``read_ground_truth`` of the stored truth file's JSON."""
        raise NotImplementedError

    def parse(self, content: str) -> dict[str, Any]:
        """Upstream's ``parse_loop`` / ``parse_branch`` of a whole reply."""
        raise NotImplementedError

    def compare(self, prediction: dict[str, Any], truth: dict[str, Any]) -> tuple[int, float]:
        """Upstream's ``compare_loop`` / ``compare_branch``: (overall, partial)."""
        raise NotImplementedError

    def answer_line(self, line: str, values: Any) -> str:
        """One line of the oracle's answer: *line*'s truth as upstream's parser reads it."""
        raise NotImplementedError

    # ------------------------------------------------------------------ Task protocol
    def applies(self, case: Case) -> bool:
        """Only RE2-Bench's own problems are asked (plugin/re2bench.py), never a snippet."""
        return case.snippet.dialect == RE2_DIALECT

    def fields(self, case: Case, expected: Expected) -> dict[str, str]:
        return {"code": case.snippet.code}

    def oracle_answer(self, case: Case, reference: Outcome) -> str:
        """The stored truth (*reference*'s value: its JSON) written as an answer's body.

        One line per truth line, numbered as the truth numbers it: that is what
        upstream's rule reads, even where the prompt numbers the line otherwise.
        """
        truth = json.loads(reference.value or "{}")
        lines = [self.answer_line(line, values) for line, values in truth.items()]
        return "\n" + "\n".join(lines) + "\n"  # the oracle puts it between the answer tags

    def score(
        self, reply: str, tag: str, case: Case, expected: Expected, run: Runner, timeout: float
    ) -> Scored:
        """Upstream's verdict: overall 1 is ``correct``; partial travels beside it."""
        try:
            prediction = self.parse(reply)
            overall, partial = self.compare(prediction, expected.value)
        except Exception as exc:  # upstream's script counts the problem as failed
            problem = f"RE2-Bench's validator fails on this reply: {type(exc).__name__}: {exc}"
            return Scored(ERROR, None, problem[:300])
        shown = _shown(prediction)
        if overall == 1:
            return Scored(CORRECT, shown, partial=partial)
        if answer_block(reply) is None:
            return Scored(UNPARSEABLE, shown, "the reply has no [ANSWER] block", partial=partial)
        return Scored(WRONG, shown, partial=partial)


def _shown(prediction: dict[str, Any]) -> str:
    """The prediction as read, for the report: JSON where it can be (a value read by
    ``ast.literal_eval`` may be a dict with tuple keys, which JSON cannot hold)."""
    try:
        return json.dumps(prediction, ensure_ascii=False, default=repr)[:2000]
    except (TypeError, ValueError):
        return repr(prediction)[:2000]
