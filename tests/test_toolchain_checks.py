"""A library the asked-for programs import and this machine lacks is an environment error.

CRUXEval-X's Java rows almost all import ``org.javatuples`` (Debian's
``libjavatuples-java``). Without it every row would fail to compile and read as
a dataset problem; instead the run stops before any test with one error naming
the package to install. The check needs no JDK: it reads the programs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_llmexec.languages.base import Library
from pytest_llmexec.languages.java import Java

FIXTURES = Path(__file__).parent / "fixtures" / "cruxeval_x"


@pytest.fixture
def no_javatuples(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    absent = Library("org.javatuples", tmp_path / "javatuples.jar", "libjavatuples-java")
    monkeypatch.setattr(Java, "libraries", (absent,))


def test_a_cruxeval_x_java_file_without_javatuples_stops_before_any_test(
    pytester: pytest.Pytester, no_javatuples: None
) -> None:
    shutil.copy(FIXTURES / "java.jsonl", pytester.path / "java.jsonl")
    result = pytester.runpytest("-p", "llmexec", "java.jsonl", "--llm-model=oracle")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error: nothing ran
    output = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*java.jsonl: java cannot run here: 37 of 37 java programs import org.javatuples,"
            " which is not installed here (no */javatuples.jar): install it with apt-get"
            " install libjavatuples-java; this is the machine's, not the dataset's problem*",
            "*1 error*",
        ]
    )
    assert output.count("libjavatuples-java") == 1
    assert "passed" not in output and "recorded" not in output and "Traceback" not in output


def test_the_same_check_stops_a_suite_run_that_asks_for_java(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Asked for with --llm-language, a library a translation uses is checked the same way
    (a stand-in library that this translation's text names); without --llm-language the
    translation is skipped, saying why, and the Python snippet still runs."""
    absent = Library("class Solution", tmp_path / "nothing.jar", "some-package")
    monkeypatch.setattr(Java, "libraries", (absent,))
    (pytester.path / "pairs.yaml").write_text(
        """\
category: math
snippets:
  - id: add
    code: |
      def add(a: int, b: int) -> int:
          return a + b
    inputs:
      - {a: 1, b: 2}
  - id: add
    language: java
    code: |
      class Solution {
          public int add(int a, int b) {
              return a + b;
          }
      }
"""
    )
    result = pytester.runpytest(
        "-p", "llmexec", "pairs.yaml", "--llm-model=oracle", "--llm-language=java"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*pairs.yaml: java cannot run here: 1 of 1 java programs import class Solution"
            "*some-package*"
        ]
    )
    result = pytester.runpytest(
        "-p", "llmexec", "pairs.yaml", "--llm-model=oracle", "--llm-examples=0", "-rs"
    )
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*java cannot run here*some-package*"])
