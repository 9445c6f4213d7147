"""An outside package adds a strategy, a task and a provider through entry points.

The package is written into a folder of its own with a ``*.dist-info`` that
declares its entry points, and that folder is put on the test run's
``PYTHONPATH``: for ``importlib.metadata`` it is then an installed
distribution, exactly as ``pip install`` would leave it, with no network and
no change to the core files. The run is a subprocess, so the registries are
filled from scratch, as in a user's run.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

EXTRAS = '''\
"""An outside package: one strategy, one task and one provider for pytest-llmexec."""

from pytest_llmexec.providers.base import Conversation, Model, Reply, Request
from pytest_llmexec.providers.registry import Provider
from pytest_llmexec.strategies.base import (
    SINGLE_TURN_OPTIONAL,
    SINGLE_TURN_REQUIRED,
    SingleTurn,
)
from pytest_llmexec.strategies.templating import register
from pytest_llmexec.tasks.output import OutputPrediction

for _file in ("echo.txt", "echo_twice.txt"):
    register(
        _file, f"the echo prompt ({_file})", SINGLE_TURN_REQUIRED, SINGLE_TURN_OPTIONAL,
        package=__name__,
    )


class Echo(SingleTurn):
    name = "echo"
    description = "echo: the call asked plainly (an outside strategy)"
    template = "echo.txt"
    task_templates = {"twice": "echo_twice.txt"}
    max_tokens = 64


class Twice(OutputPrediction):
    name = "twice"
    description = "twice: the output asked a second time (an outside task)"
    summary = "the output, asked again"


class Parrot(Model):
    """Repeats the answer of a separate run, like the oracle."""

    wants_reference = True

    def __init__(self, name: str) -> None:
        self.name = name

    async def converse(self, task: Request) -> Conversation:
        tag = task.prompt.answer_tag
        conversation = Conversation()
        for turn in task.prompt.turns:
            conversation.messages.append({"role": "user", "content": turn})
        text = f"[{tag}]{task.answer}[/{tag}]"
        conversation.replies.append(Reply(text=text, model_id="parrot-1"))
        conversation.messages.append({"role": "assistant", "content": text})
        return conversation


TWICE = Twice()
PARROT = Provider(
    "parrot", "parrot", prefixed="parrot:NAME", make=lambda name, api_name, settings: Parrot(name)
)
'''

ENTRY_POINTS = """\
[pytest_llmexec.strategies]
echo = llmexec_extras:Echo

[pytest_llmexec.tasks]
twice = llmexec_extras:TWICE

[pytest_llmexec.providers]
parrot = llmexec_extras:PARROT
"""

SUITE = """\
category: math
snippets:
  - id: add
    code: |
      def add(a: int, b: int) -> int:
          return a + b
    inputs:
      - {a: 1, b: 2}
      - {a: 5, b: -7}
"""


@pytest.fixture
def extras(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The outside package, installed on the path of the runs this test starts."""
    site = tmp_path / "site"
    package = site / "llmexec_extras"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text(EXTRAS, encoding="utf-8")
    for name, ask in (("echo.txt", "returns"), ("echo_twice.txt", "returns, once more")):
        (package / "templates" / name).write_text(
            textwrap.dedent(
                f"""\
                {{{{fence}}}}python
                {{{{code}}}}
                {{{{fence}}}}
                What {ask}: {{{{call}}}}? Answer in [{{{{tag}}}}] and [/{{{{tag}}}}].
                """
            ),
            encoding="utf-8",
        )
    info = site / "llmexec_extras-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: llmexec-extras\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    )
    return site


def test_an_outside_package_adds_a_strategy_a_task_and_a_provider(
    pytester: pytest.Pytester, extras: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # one line per option's help
    helped = pytester.runpytest_subprocess("-p", "llmexec", "--help")
    assert helped.ret == 0
    helped.stdout.fnmatch_lines(
        [
            "*--llm-model=NAME*",
            "*llamacpp:PATH.gguf (a llama-server the run starts and stops), parrot:NAME*",
            "*--llm-strategy=vp,cot,iip,echo*",
            "*vp, cot, iip, echo (default: vp)*",
            "*twice (the output, asked again)*",
        ]
    )
    marked = pytester.runpytest_subprocess("-p", "llmexec", "--markers")
    marked.stdout.fnmatch_lines(
        [
            "@pytest.mark.echo: echo: the call asked plainly (an outside strategy)",
            "@pytest.mark.twice: twice: the output asked a second time (an outside task)",
        ]
    )

    pytester.makefile(".yaml", suite=SUITE)
    run = (
        "-p",
        "llmexec",
        "--llm-examples=0",
        "--llm-model=parrot:polly",
        "--llm-strategy=vp,echo",
        "--llm-task=output,twice",
        "--llm-report=report.json",
        "--strict-markers",
        "-p",
        "no:xdist",
        "-v",
    )
    result = pytester.runpytest_subprocess(*run, "-m", "echo and twice and polly")
    result.assert_outcomes(passed=2, deselected=4)
    result.stdout.fnmatch_lines(
        [
            "*suite.yaml::add?parrot:polly-echo-twice-i0? PASSED*",
            "*suite.yaml::add?parrot:polly-echo-twice-i1? PASSED*",
        ]
    )

    result = pytester.runpytest_subprocess(*run)
    result.assert_outcomes(passed=6)
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    ids = sorted(case["nodeid"] for case in report["cases"])
    assert ids == sorted(
        f"suite.yaml::add[parrot:polly-{run_id}-i{n}]"
        for run_id in ("vp", "echo", "echo-twice")
        for n in (0, 1)
    )
    assert {(c["model"], c["strategy"], c["task"]) for c in report["cases"]} == {
        ("parrot:polly", "vp", "output"),
        ("parrot:polly", "echo", "output"),
        ("parrot:polly", "echo", "twice"),
    }
    assert all(case["verdict"] == "correct" for case in report["cases"])
    assert set(report["summary"]["runs"]) >= {"parrot:polly/echo", "parrot:polly/echo/twice"}
    assert report["run"]["strategies"] == ["vp", "echo"]
    assert report["run"]["tasks"] == ["output", "twice"]
    assert set(report["run"]["template_hashes"]) == {"vp", "echo", "echo/twice"}


def test_a_broken_entry_point_is_named(pytester: pytest.Pytester, extras: Path) -> None:
    info = extras / "llmexec_extras-0.1.dist-info" / "entry_points.txt"
    info.write_text(ENTRY_POINTS.replace("llmexec_extras:Echo", "llmexec_extras:Nothing"))
    result = pytester.runpytest_subprocess("-p", "llmexec", "--help")
    assert result.ret != 0
    result.stderr.fnmatch_lines(
        ["*entry point echo = llmexec_extras:Nothing (group pytest_llmexec.strategies)*"]
    )
