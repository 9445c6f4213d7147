"""Output prediction: the model sees the code and a call, and says what the call returns.

Answers are read as Python literals and never executed; they are correct when
equal to the real result (`answers.equal`: Python ``==``, NaN equal to NaN, a
list is not a tuple). Rows of a CRUXEval file are scored by CRUXEval's own
rule instead (tasks/cruxeval.py), so that published figures are reproduced,
and cases of compiled languages by CRUXEval-X's (tasks/native.py).
"""

from __future__ import annotations

from ..answers import equal, parse_answer
from ..datasets.model import CRUXEVAL, Case
from ..execution import Outcome
from ..verdicts import CORRECT, UNPARSEABLE, WRONG
from . import cruxeval, native
from .base import Expected, Runner, Scored


class OutputPrediction:
    name = "output"
    description = "output prediction: the model says what a call returns"
    summary = "what a call returns"
    needs_truth = False

    def fields(self, case: Case, expected: Expected) -> dict[str, str]:
        if case.native is not None:
            return native.fields(case, self.name, expected)
        return {"call": case.call}

    def oracle_answer(self, case: Case, reference: Outcome) -> str:
        if case.native is not None:
            return native.oracle_answer(case, self.name, reference)
        if reference.ok and reference.value is not None:
            return reference.value
        if reference.status == "raised" and reference.exc_type:
            return f"raise {reference.exc_type}"
        return f"(the oracle's own run gave {reference.verdict}: {reference.detail})"

    def score(
        self, reply: str, tag: str, case: Case, expected: Expected, run: Runner, timeout: float
    ) -> Scored:
        if case.native is not None:
            return native.score(case, self.name, reply, tag, expected, run, timeout)
        if case.snippet.dialect == CRUXEVAL:
            answer = cruxeval.answer_text(reply, tag)
            if f"f({case.args})" in answer:  # CRUXEval's rule: writing the call is no answer
                return Scored(WRONG, answer, "the answer repeats the call instead of its value")
            return cruxeval.check(case, expected, answer, run, timeout)
        parsed = parse_answer(reply, tag)
        if not parsed.ok:
            return Scored(UNPARSEABLE, parsed.text, parsed.problem)
        if equal(parsed.value, expected.value):
            return Scored(CORRECT, parsed.text)
        return Scored(WRONG, parsed.text)
