"""Small builders shared by the plugin tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DEMO = """\
category: array
snippets:
  - id: two_sum
    category: hash_table
    difficulty: easy
    complexity: O(n)
    description:
      en: Return indices of the two numbers that add up to target.
      zh: 返回和为目标值的两个数的下标。
    code: |
      class Solution:
          def twoSum(self, nums: List[int], target: int) -> List[int]:
              seen = {}
              for i, x in enumerate(nums):
                  if target - x in seen:
                      return [seen[target - x], i]
                  seen[x] = i
              return []
    inputs:
      - {nums: [2, 7, 11, 15], target: 9}
      - "[3, 2, 4], 6"
  - id: running_sum
    difficulty: easy
    complexity: O(n)
    code: |
      def running_sum(nums: List[int]) -> List[int]:
          out = []
          total = 0
          for x in nums:
              total += x
              out.append(total)
          return out
    inputs:
      - {nums: [1, 2, 3]}
  - id: count_bits
    category: bit_manipulation
    difficulty: medium
    complexity: O(n log n)
    code: |
      class Solution:
          def countBits(self, n: int) -> List[int]:
              return [bin(i).count("1") for i in range(n + 1)]
    inputs:
      - {n: 5}
      - {n: 0}
"""


def write_demo(pytester: pytest.Pytester, name: str = "demo.yaml", text: str = DEMO) -> Path:
    path = pytester.path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_report(pytester: pytest.Pytester, name: str = "report.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / name).read_text(encoding="utf-8"))
    return data


def write_json(pytester: pytest.Pytester, name: str, data: Any) -> Path:
    path = pytester.path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
