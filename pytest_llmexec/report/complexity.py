"""Time complexities read as growth classes, for grouping results by complexity.

One reader for the terminal summary, the JSON report, the HTML charts and the
suite table of docs/suite.md, so that ``O(m*n)`` and ``O(n^2)`` fall together everywhere.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from typing import ClassVar


class _BigO:
    """Reads a time complexity such as ``O(n log n)`` and evaluates it with every variable = n.

    Only to order and group the x axis of "accuracy by complexity".
    """

    FUNCS: ClassVar[dict[str, Callable[[float], float]]] = {
        "log": math.log2,
        "lg": math.log2,
        "log2": math.log2,
        "ln": math.log,
        "log10": math.log10,
        "sqrt": math.sqrt,
        "\u03b1": lambda _: 1.0,
        "alpha": lambda _: 1.0,  # inverse Ackermann: constant here
    }
    TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?|[^\W\d]\w*|\*\*|[-+*/^()!,·\u00d7⋅√])")
    PRODUCT = ("*", "·", "\u00d7", "⋅", "/")

    def __init__(self, text: str, n: float) -> None:
        self.n = n
        self.tokens: list[str] = []
        pos = 0
        text = text.replace("²", "^2").replace("³", "^3").strip()
        while pos < len(text):
            match = self.TOKEN.match(text, pos)
            if match is None:
                raise ValueError(text)
            self.tokens.append(match.group(1))
            pos = match.end()
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError("unexpected end")
        self.pos += 1
        return token

    def expr(self) -> float:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            value = value + self.term() if op == "+" else value - self.term()
        return value

    def term(self) -> float:
        value = self.power()
        while True:
            token = self.peek()
            if token in self.PRODUCT:
                self.take()
                value = value / self.power() if token == "/" else value * self.power()
            elif token is not None and (
                token in ("(", "√") or token[0].isalnum() or token[0] == "_"
            ):
                value *= self.power()  # implicit product: "n log n"
            else:
                return value

    def power(self) -> float:
        value = self.postfix()
        if self.peek() in ("^", "**"):
            self.take()
            value = float(value ** self.power())
        return value

    def postfix(self) -> float:
        value = self.atom()
        while self.peek() == "!":
            self.take()
            value = math.gamma(value + 1)
        return value

    def atom(self) -> float:
        token = self.take()
        if token == "(":
            value = self.expr()
            if self.take() != ")":
                raise ValueError("unbalanced")
            return value
        if token[0].isdigit():
            return float(token)
        if token == "√":
            return math.sqrt(self.postfix())
        if token.lower() in ("min", "max") and self.peek() == "(":
            self.take()
            values = [self.expr()]
            while self.peek() == ",":
                self.take()
                values.append(self.expr())
            if self.take() != ")":
                raise ValueError("unbalanced")
            return min(values) if token.lower() == "min" else max(values)
        func = self.FUNCS.get(token.lower())
        if func is not None:
            exponent = 1.0
            if self.peek() in ("^", "**"):
                self.take()
                exponent = self.atom()
            return float(max(func(max(self.postfix(), 1.0)), 1.0) ** exponent)
        if token[0].isalpha() or token[0] == "_":
            return self.n
        raise ValueError(token)


def _evaluate(body: str, n: float) -> float:
    parser = _BigO(body, n)
    value = parser.expr()
    if parser.peek() is not None:
        raise ValueError("trailing text")
    return value


def complexity_rank(text: str) -> float:
    """How much a big-O text grows from n = 8 to n = 64: constant factors cancel out.

    Infinity when it cannot be read; the largest float when it overflows (a
    growth such as 2^n or n!).
    """
    match = re.fullmatch(r"\s*[OΘΩoθ]\s*\((.*)\)\s*", text)
    if match is None:
        return math.inf
    try:
        small, large = _evaluate(match.group(1), 8.0), _evaluate(match.group(1), 64.0)
    except (ValueError, ZeroDivisionError):
        return math.inf
    except OverflowError:
        return sys.float_info.max
    if not (math.isfinite(small) and math.isfinite(large)) or small <= 0 or large <= 0:
        return math.inf
    return min(large / small, sys.float_info.max)


#: Growth classes, by the growth from n = 8 to n = 64 (n: 8x, n^2: 64x, ...).
COMPLEXITY_CLASSES = (
    ("O(1)", 1.5),
    ("O(log n)", 6.0),  # log n, log^2 n, sqrt n
    ("O(n)", 14.5),  # n, n + m, n log log n
    ("O(n log n)", 45.0),  # n log n, n log^2 n, n sqrt n
    ("O(n^2)", 300.0),  # n^2, n*m, n^2 log n
    ("O(n^3)", 3000.0),  # n^3, n*m^2, n^3 log n
    ("O(2^n)", sys.float_info.max),  # 2^n, 4^n * n, ...: exponential
)
FACTORIAL = "O(n!)"
#: Every class label in growth order, factorial last.
CLASS_ORDER = (*(label for label, _ in COMPLEXITY_CLASSES), FACTORIAL)
UNREAD = "other"


def complexity_class(text: str) -> str:
    """The growth class a complexity text belongs to, or "other" when it cannot be read."""
    rank = complexity_rank(text)
    if rank != math.inf and "!" in text:
        return FACTORIAL
    for label, bound in COMPLEXITY_CLASSES:
        if rank <= bound:
            return label
    return UNREAD
