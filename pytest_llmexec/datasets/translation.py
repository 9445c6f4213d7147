"""A translated suite snippet and one input, as a `NativeCase` (`languages.problem`).

The translation's code is a class ``Solution`` (or a function) without a main;
this module puts it into whole programs with the language module's scaffold
(`Language.program`): one that prints the call's result as JSON (the truth),
the one the model is shown, with ``????`` where the answer goes, and the one
that scores an answer. The answer is put into a variable of the entry's return
type before it is compared, so each natural way of writing it works: in C++
``{1, 2}`` as well as ``vector<int>({1, 2})``; in Java ``new int[]{1, 2}``.
The programs run in the sandbox (`execution.native`), never here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..languages.base import Language, LanguageError, Signature
from ..languages.problem import PLACEHOLDER

OUTPUT, INPUT = "output", "input"
ANSWER = "llmexec_answer"
EXPECTED = "llmexec_expected"
#: the name of the expected value in the program the model sees for input prediction
SHOWN_EXPECTED = "expected"


@dataclass
class SuiteCase:
    """The programs of one translated snippet called with one input (a `NativeCase`)."""

    module: Language = field(repr=False)
    code: str
    signature: Signature
    arguments: Mapping[str, Any]  # JSON values by parameter name
    prints: bool = True
    language: str = field(init=False)  # the module's name

    def __post_init__(self) -> None:
        self.language = self.module.name

    # ------------------------------------------------------------------ pieces
    @property
    def returns(self) -> str:
        return self.signature.returns

    def call(self) -> str:
        """The entry called with this input, its values written as the language's literals."""
        values = [
            self.module.argument(self.arguments[parameter.name], parameter.type)
            for parameter in self.signature.parameters
        ]
        return self.module.call(self.signature, values)

    def expected(self, truth: str | None) -> str:
        """The truth (the JSON line the truth program printed) as a value of the result type."""
        if truth is None:
            raise LanguageError("a suite case needs its truth (the printed result) here")
        return self.module.argument(self.module.read_value(truth), self.returns)

    # ------------------------------------------------------------------ NativeCase
    def truth_program(self) -> str:
        statement = self.module.print_statement(self.call())
        return self.module.program(self.code, [statement], printing=True)

    def shown(self, task: str, truth: str | None) -> str:
        if task == INPUT:
            statements = [
                self.module.declaration(SHOWN_EXPECTED, self.returns, self.expected(truth)),
                self.module.assertion(PLACEHOLDER, SHOWN_EXPECTED, self.returns),
            ]
        else:
            statements = [self.module.assertion(self.call(), PLACEHOLDER, self.returns)]
        return self.module.program(self.code, statements)

    def answer_program(self, task: str, answer: str, truth: str | None) -> str:
        answer = answer.strip().removesuffix(";").strip()
        if task == INPUT:
            statements = [
                self.module.declaration(EXPECTED, self.returns, self.expected(truth)),
                self.module.assertion(f"({answer})", EXPECTED, self.returns),
            ]
        else:
            statements = [
                self.module.declaration(ANSWER, self.returns, answer, strict=True),
                self.module.assertion(self.call(), ANSWER, self.returns),
            ]
        return self.module.program(self.code, statements)

    def oracle_answer(self, task: str, truth: str | None) -> str:
        return self.call() if task == INPUT else self.expected(truth)
