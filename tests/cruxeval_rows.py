"""CRUXEval-format rows of our own, one per shape of non-literal input in the published file.

Every function and value is ours; only the shapes (a string method, ``+``
concatenation, ``dict(...)``, ``range(...)``, a lambda, a global of the row's
own code) follow the expression inputs CRUXEval publishes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXPRESSION_ROWS: list[dict[str, str]] = [
    {
        "code": "def f(s):\n    return s.lower().count('b')\n",
        "input": "''.join(['B'] * 7)",
        "output": "7",
    },
    {
        "code": "def f(text, mark):\n    return text.split(mark)\n",
        "input": "'#91'.upper(), '#'",
        "output": "['', '91']",
    },
    {
        "code": "def f(parts, sep):\n    return sep.join(reversed(parts))\n",
        "input": "'ab-cd-ef'.split('-'), 'x'",
        "output": "'efxcdxab'",
    },
    {
        "code": "def f(a, b):\n    return (a + b).split()\n",
        "input": "'q 7 ', 'w ' + '2\\t\\n  '",
        "output": "['q', '7', 'w', '2']",
    },
    {
        "code": "def f(d, key):\n    d.setdefault(key, 5)\n    return sorted(d.items())\n",
        "input": "dict(k=0), 'z'",
        "output": "[('k', 0), ('z', 5)]",
    },
    {
        "code": "def f(d):\n    return sorted(d, key=d.get, reverse=True)\n",
        "input": "dict(p=1, q=2, r=3)",
        "output": "['r', 'q', 'p']",
    },
    {
        "code": "def f(words, counts):\n    for w in words:\n"
        "        counts[len(w)] = counts.get(len(w), 0) + 1\n    return counts\n",
        "input": "['x', 'yy', 'z', 'www'], dict()",
        "output": "{1: 2, 2: 1, 3: 1}",
    },
    {
        "code": "def f(r):\n    return list(r)[::2]\n",
        "input": "range(10, 15)",
        "output": "[10, 12, 14]",
    },
    {
        "code": "def f(xs, op):\n    op(xs)\n    return xs\n",
        "input": "[3, 1, 2], (lambda x: x.sort())",
        "output": "[1, 2, 3]",
    },
    {
        "code": "def f(xs, keep):\n    return [x for x in xs if keep(x)]\n",
        "input": "[5, 0, 7, 1], lambda x: x > 3",
        "output": "[5, 7]",
    },
    {
        "code": "grid_rows = [[1, 2], [3, 4], [5, 6]]\n\n"
        "def f(rows, a, b, c):\n    rows.pop(c)\n    return [r[a - b] for r in rows]\n",
        "input": "grid_rows[:], 2, 1, 0",
        "output": "[4, 6]",
    },
    {
        "code": "def f(n, step):\n    return sum(range(0, n, step))\n",
        "input": "int('1' + '0'), 3",
        "output": "18",
    },
]

#: Literal rows beside them, as most of the published file is.
LITERAL_ROWS: list[dict[str, str]] = [
    {"code": "def f(s):\n    return s[::-1] + s\n", "input": "'ab'", "output": "'baab'"},
    {
        "code": "def f(xs, k):\n    return [x * k for x in xs if x % 2]\n",
        "input": "[1, 2, 3], 2",
        "output": "[2, 6]",
    },
    {"code": "def f(t):\n    return t + (0,)\n", "input": "(1, 2)", "output": "(1, 2, 0)"},
    {"code": "def f(x):\n    return x / 2\n", "input": "3", "output": "1.5"},
]


def rows() -> list[dict[str, str]]:
    """All rows with CRUXEval's ids ``sample_0`` ... in order."""
    return [{**row, "id": f"sample_{i}"} for i, row in enumerate(EXPRESSION_ROWS + LITERAL_ROWS)]


def write_jsonl(path: Path, data: list[dict[str, Any]] | None = None) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in (data or rows())), encoding="utf-8")
    return path
