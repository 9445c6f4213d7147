"""The four verdicts of a test or a sample: kept apart in every report."""

from __future__ import annotations

CORRECT = "correct"
WRONG = "wrong"  # a model mistake
UNPARSEABLE = "unparseable"  # no answer could be read from the reply
ERROR = "error"  # the snippet, the provider or the harness failed: not a model mistake
VERDICTS = (CORRECT, WRONG, UNPARSEABLE, ERROR)
