"""Prompt templates: the built-in ones measure the model, a user's folder replaces them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from pytest_llmexec.datasets.cruxeval import load_cruxeval
from pytest_llmexec.strategies import PromptOptions, TemplateError, Templates, get_strategy
from pytest_llmexec.strategies.templating import builtin_dir, fill
from tests.fakes import OpenAIFake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BUILTIN_FILES = ("vp.txt", "cot.txt", "iip_first.txt", "iip_step.txt", "iip_final.txt")


def _rows(tmp_path: Path) -> Path:
    path = tmp_path / "rows.jsonl"
    rows = [
        {"id": "sample_0", "code": "def f(x):\n    return x * 3", "input": "4", "output": "12"},
        {
            "id": "sample_1",
            "code": "def f(s):\n    return s[::-1]",
            "input": "'ab'",
            "output": "'ba'",
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_no_template_shows_an_answer_shaped_placeholder() -> None:
    """A model copies what looks like an answer: only worked examples show answers, each a
    real literal on a program of its own."""
    for name in BUILTIN_FILES:
        text = (builtin_dir() / name).read_text()
        assert "[1, 2]" not in text and "ExceptionName" not in text, name
        assert "for example [" not in text, name
    text = (builtin_dir() / "vp.txt").read_text()
    answers = re.findall(r"(?m)^(?:Reply: )?\[\{\{tag\}\}\](.*)\[/\{\{tag\}\}\]$", text)
    # an assertion-framed example: the completed assertion alone in the answer block
    answers += re.findall(r"(?m)^\[\{\{tag\}\}\]\nassert .+? == (.+)\n\[/\{\{tag\}\}\]$", text)
    examples = [a for a in answers if a not in ("", "...")]
    assert len(examples) >= 2
    for answer in examples:
        ast.literal_eval(answer)  # a worked answer is a literal, not a placeholder
    # CoT shows no worked example at all, only its format in words: the 0.5B model echoed a
    # worked trace's closing sentence and shape ("The loop ends; the function returns ...")
    for name in ("cot.txt", "cot_force.txt", "cot_force_input.txt"):
        text = (builtin_dir() / name).read_text()
        assert not re.search(r"\[\{\{tag\}\}\]\S", text), name  # no answer block shown
        assert "Program:" not in text and "Reply:" not in text, name


def test_prompts_carry_stop_sequences_and_limits(tmp_path: Path) -> None:
    case = load_cruxeval(_rows(tmp_path))[0].cases()[0]
    vp = get_strategy("vp").prompt(case, PromptOptions())
    assert vp.stop(0) == ("[/ANSWER]",) and vp.limit(0) == 512
    cot = get_strategy("cot").prompt(case, PromptOptions())
    assert cot.stop(0) == ("[/ANSWER]",) and cot.limit(0) == 1024
    iip = get_strategy("iip").prompt(case, PromptOptions())
    last = len(iip.turns) - 1
    assert all(iip.stop(t) == ("[/STATE]",) and iip.limit(t) == 1024 for t in range(last))
    assert iip.stop(last) == ("[/ANSWER]",) and iip.limit(last) == 512
    assert iip.closed(0, "[STATE]{'x': 4}") == "[STATE]{'x': 4}[/STATE]"
    assert iip.closed(0, "[STATE]{'x': 4}[/STATE]") == "[STATE]{'x': 4}[/STATE]"
    assert iip.closed(0, "no block") == "no block"


def test_fill_is_one_pass() -> None:
    """Code that holds ``{{call}}`` is shown as it is, never filled again."""
    assert fill("{{code}} / {{call}}", code="x = '{{call}}'", call="f()") == "x = '{{call}}' / f()"


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.txt").write_text(text)
    return folder


def _hash(strategy: str, folder: Path) -> str:
    return get_strategy(strategy, Templates(folder)).template_hash


def test_a_missing_file_unknown_or_missing_placeholder_is_a_clear_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, vp="{{code}}\n{{call}}\n")
    with pytest.raises(TemplateError, match=r"no cot.txt \(the CoT prompt\).*copy it from"):
        _hash("cot", folder)
    _folder(tmp_path, vp="{{code}}\nCall: {{cal}}\n")
    with pytest.raises(TemplateError, match=r"vp.txt:2: unknown placeholder \{\{cal\}\}"):
        _hash("vp", folder)
    _folder(tmp_path, vp="Just {{call}}\n")
    with pytest.raises(TemplateError, match=r"vp.txt: the VP prompt must hold \{\{code\}\}"):
        _hash("vp", folder)
    _folder(tmp_path, vp="{{ code }} {{call}}")
    with pytest.raises(TemplateError, match=r"without spaces"):
        _hash("vp", folder)
    with pytest.raises(TemplateError, match="not a directory"):
        _hash("vp", tmp_path / "nowhere")


def test_user_templates_run_verbatim_through_the_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A published prompt used as it is: it writes [ANSWER] itself, has no {{tag}}."""
    folder = _folder(
        pytester.path,
        vp="[PYTHON]\n{{code}}\n[/PYTHON]\nCall: `{{call}}`\nAnswer in [ANSWER] and [/ANSWER].\n",
    )
    rows = _rows(pytester.path)
    with OpenAIFake() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        server.responder = lambda messages, model: (
            "[ANSWER]" + ("12" if "x * 3" in messages[-1]["content"] else "'ba'")
        )
        result = pytester.runpytest(
            "-p",
            "llmexec",
            str(rows),
            "--llm-model=gpt-4o-mini",
            f"--llm-base-url={server.url}",
            f"--llm-templates={folder.name}",
            "--llm-report=report.json",
        )
        sent = server.requests[0].body
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"llmexec templates: vp=* dir={folder}"])
    assert sent["messages"][0]["content"].startswith("[PYTHON]\ndef f(")
    assert sent["stop"] == ["[/ANSWER]"] and sent["max_tokens"] == 512
    data = json.loads((pytester.path / "report.json").read_text())
    assert data["run"]["templates"] == str(folder)
    builtin = get_strategy("vp").template_hash
    assert {c["template_hash"] for c in data["cases"]} != {builtin}


def test_a_broken_template_folder_stops_the_run_with_one_error(pytester: pytest.Pytester) -> None:
    _folder(pytester.path, vp="{{code}} {{call}}")
    rows = _rows(pytester.path)
    result = pytester.runpytest(
        "-p",
        "llmexec",
        str(rows),
        "--llm-model=oracle",
        "--llm-strategy=vp,iip",
        "--llm-templates=prompts",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --llm-templates=*prompts: no iip_first.txt*"])
    pytester.makeini("[pytest]\nllm_templates = elsewhere\n")
    result = pytester.runpytest("-p", "llmexec", str(rows), "--llm-model=oracle")
    result.stderr.fnmatch_lines(["ERROR: --llm-templates=*elsewhere: not a directory*"])


def test_a_cruxeval_row_answered_as_a_completed_assertion_is_scored_on_its_value() -> None:
    """CRUXEval's prompts ask for ``assert f(...) == value``; its scoring reads the value."""
    from pytest_llmexec.tasks.cruxeval import answer_text

    assert answer_text("assert f(7, 3) == 4\n", "ANSWER") == "4"
    assert answer_text("[ANSWER]assert f('a==b') == 'x'[/ANSWER]", "ANSWER") == "'x'"
    assert answer_text("f('abc')", "ANSWER") == "f('abc')"  # a bare call stays a call
    assert answer_text("[1, 2]", "ANSWER") == "[1, 2]"


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("It returns\n```python\n[1, 2]\n", "[1, 2]"),
        ("[ANSWER]\n```python\nassert f('a') == 'b'", "'b'"),
        ("```\n0\n```\nno:\n```python\nsorted([2, 1])", "sorted([2, 1])"),  # an expression
        ("```python\n[1, 2", "```python\n[1, 2"),  # cut inside the value: as written
        ("```python\n[1, 2]\nas the loop", "```python\n[1, 2]\nas the loop"),
    ],
    ids=["open", "open-in-tag", "open-after-closed", "cut-in-value", "then-prose"],
)
def test_a_cruxeval_answer_in_a_fence_left_open_is_read_when_whole(reply: str, answer: str) -> None:
    """A reply cut at its limit, or one that forgot the closing backticks, still answers."""
    from pytest_llmexec.tasks.cruxeval import answer_text

    assert answer_text(reply, "ANSWER") == answer
