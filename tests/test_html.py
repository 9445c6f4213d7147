"""The HTML report (--llm-html): content, sections, escaping, options."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import write_json

from pytest_llmexec.report import html
from pytest_llmexec.report.aggregate import summary
from pytest_llmexec.report.complexity import complexity_class, complexity_rank
from pytest_llmexec.report.records import record_of

# A snippet whose code holds markup, inputs that try to break out of an attribute and
# out of a comment, and replies (below) that try to close the page's script elements.
HOSTILE = """\
category: string
snippets:
  - id: tagged
    difficulty: easy
    complexity: O(n)
    code: |
      def tagged(s: str) -> str:
          # </script><script>document.title = "pwned"</script>
          return "<script>alert(1)</script>" + s
    inputs:
      - {s: "\\" onmouseover=\\"alert(1)"}
      - {s: "<!--"}
  - id: add
    category: math
    difficulty: medium
    complexity: O(1)
    code: |
      def add(a: int, b: int) -> int:
          return a + b
    inputs:
      - {a: 1, b: 2}
      - {a: -5, b: 5}
  - id: fib
    category: dynamic_programming
    difficulty: hard
    complexity: O(n)
    code: |
      def fib(n: int) -> int:
          a, b = 0, 1
          for _ in range(n):
              a, b = b, a + b
          return a
    inputs:
      - {n: 10}
      - {n: 0}
"""
GENERATIONS = {
    "tagged[i0]": ["[ANSWER]'</script><img src=x onerror=alert(1)>'[/ANSWER]"],
    "tagged[i1]": ["[ANSWER]'<script>alert(1)</script><!--'[/ANSWER]"],
    "add[i0]": ["[ANSWER]3[/ANSWER]"],
    "add[i1]": ["I think it is zero.</script><!--"],
    "fib[i0]": ["[ANSWER]55[/ANSWER]"],
    # fib[i1] is missing: an error verdict
}
RUN = (
    "-p",
    "llmexec",
    "--llm-model=oracle",
    "--llm-model=replay",
    "--llm-replay=generations.json",
    "--llm-examples=0",
    "--llm-html=out/report.html",
)
XDIST = [
    pytest.param(("-p", "no:xdist"), id="plain"),
    pytest.param(("-n", "2"), id="xdist", marks=pytest.mark.slow),
]


class Page(HTMLParser):
    """Every element with its attributes, and the text of every script element."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    def data(self) -> Any:
        (text,) = [t for a, t in self.scripts if a.get("type") == "application/json"]
        return json.loads(text)


def make_page(
    pytester: pytest.Pytester, *args: str, generations: dict[str, list[str]] = GENERATIONS
) -> tuple[pytest.RunResult, Path]:
    """A real run over the hostile benchmark, oracle and replay: every verdict appears."""
    (pytester.path / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    write_json(pytester, "generations.json", generations)
    result = pytester.runpytest_subprocess(*RUN, *args)
    return result, pytester.path / "out" / "report.html"


def assert_no_injection(page: Page) -> None:
    """Only the page's own two scripts; no handler attribute, no element from the data."""
    assert [a.get("type") for a, _ in page.scripts] == ["application/json", None]
    handlers = [(tag, k) for tag, attrs in page.elements for k in attrs if k.startswith("on")]
    assert handlers == []
    assert page.tags("img") == []
    own_script = page.scripts[1][1]
    assert "alert" not in own_script and "pwned" not in own_script


@pytest.mark.parametrize("mode", XDIST)
def test_run_writes_a_page_with_every_case(
    pytester: pytest.Pytester, mode: tuple[str, ...]
) -> None:
    result, path = make_page(pytester, *mode)
    result.assert_outcomes(passed=9, failed=3)
    result.stdout.fnmatch_lines(["llmexec: HTML report written to *out*report.html"])
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    assert_no_injection(page)
    cases = page.tags("details")
    assert len(cases) == 12
    verdicts = sorted(str(c["data-verdict"]) for c in cases if c["data-model"] == "replay")
    assert verdicts == ["correct", "correct", "correct", "error", "unparseable", "wrong"]
    assert {c["data-category"] for c in cases} == {"string", "math", "dynamic_programming"}
    # the hostile texts are shown as text, exactly
    shown = "".join(page.text)
    assert '"<script>alert(1)</script>" + s' in shown
    assert "tagged(s='\" onmouseover=\"alert(1)')" in shown
    assert "'</script><img src=x onerror=alert(1)>'" in shown
    assert "I think it is zero.</script><!--" in shown
    # the embedded summary is the run's, intact
    data = page.data()
    assert data["summary"]["runs"]["replay/vp"]["correct"] == 3
    assert data["summary"]["runs"]["oracle/vp"]["accuracy"] == 1.0
    # charts: accuracy by category, verdicts, code length, complexity, difficulty
    titles = [a.get("aria-label") for a in page.tags("svg")]
    assert titles == [
        "verdicts per model/strategy",
        "accuracy by category",
        "accuracy by code length",
        "accuracy by complexity",
        "accuracy by difficulty",
    ]
    assert len(page.tags("rect")) > 10 and len(page.tags("circle")) >= 6
    # sections whose data is absent are left out
    ids = {a.get("id") for a in page.tags("section")}
    assert ids == {"overview", "categories", "shape", "cases"}


@pytest.mark.slow  # a long pytester run
def test_page_is_the_same_with_and_without_xdist(pytester: pytest.Pytester) -> None:
    def normalised(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        return re.sub(r"(latency</dt><dd>)[^<]*", r"\1", text)  # timings differ, nothing else

    _, path = make_page(pytester, "-p", "no:xdist")
    plain = normalised(path)
    path.unlink()
    _, path = make_page(pytester, "-n", "2")
    assert normalised(path) == plain


@pytest.mark.slow  # a long pytester run
def test_ini_twin_and_a_directory_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nllm_html = from-ini.html\n")
    (pytester.path / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-model=oracle", "--llm-examples=0"
    )
    result.assert_outcomes(passed=6)
    assert (pytester.path / "from-ini.html").is_file()

    (pytester.path / "reports").mkdir()
    result = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-model=oracle", "--llm-html=reports"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--llm-html=reports: is a directory; give a file name*"])


def test_unwritable_path_is_a_clear_message(pytester: pytest.Pytester) -> None:
    (pytester.path / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    (pytester.path / "blocker").write_text("a file, not a directory", encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "-p", "llmexec", "--llm-model=oracle", "--llm-examples=0", "--llm-html=blocker/r.html"
    )
    result.stdout.fnmatch_lines(
        ["llmexec: --llm-html=*blocker*r.html: cannot write the HTML report: *"]
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


# --------------------------------------------------------------------------- the page itself


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "nodeid": "b.yaml::s[m-vp-i0]",
        "snippet": "s",
        "model": "m",
        "strategy": "vp",
        "category": "array",
        "difficulty": "easy",
        "complexity": "O(n)",
        "lines": 3,
        "verdict": "correct",
        "expected": "1",
        "predicted": "1",
        "n_samples": 1,
        "n_correct": 1,
        "code": "def s():\n    return 1\n",
        "call": "s()",
    }
    base.update(fields)
    return base


def build(cases: list[dict[str, Any]], **extra: Any) -> Page:
    return Page(html.build({"run": {"models": ["m"]}, "cases": cases, **extra}))


def sections(page: Page) -> set[str | None]:
    return {a.get("id") for a in page.tags("section")}


def test_csp_allows_exactly_the_page_script() -> None:
    text = html.build({"run": {}, "cases": [record()]})
    page = Page(text)
    (csp,) = [a["content"] for a in page.tags("meta") if a.get("http-equiv")]
    assert csp is not None and "default-src 'none'" in csp
    digest = base64.b64encode(hashlib.sha256(page.scripts[1][1].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    # nothing to fetch: no URL but the SVG namespace, links only within the page
    assert re.findall(r"\w+://[^\s\"']*", text) == ["http://www.w3.org/2000/svg"] * len(
        page.tags("svg")
    )
    assert all(str(a.get("href")).startswith("#") for a in page.tags("a"))
    assert not any("src" in attrs for _, attrs in page.elements)


def test_script_json_cannot_end_its_element() -> None:
    data = {"a": "</script><!-- \u2028 & <b>", "</SCRIPT": [1, None]}
    text = html.script_json(data)
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_hostile_header_and_summary_stay_inert() -> None:
    cases = [record(category="x</script><script>alert(1)</script>", model='m"><img src=x>')]
    page = build(cases, run={"models": ["<b>m</b>"], "base_url": "</script><!--"})
    assert_no_injection(page)
    assert page.tags("b") == []
    assert page.data()["run"]["base_url"] == "</script><!--"


def test_generated_inputs_section() -> None:
    cases = [
        record(nodeid="b::s[m-vp-i0]"),
        record(nodeid="b::s[m-vp-h0]", generated=True, verdict="wrong", n_correct=0),
        record(nodeid="b::s[m-vp-h1]", generated=True),
    ]
    page = build(cases)
    assert "inputs" in sections(page)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "accuracy on declared versus generated inputs" in labels
    assert {c["data-input"] for c in page.tags("details")} == {"declared", "generated"}
    assert "inputs" not in sections(build([record()]))


def test_iip_section_charts_step_accuracy_and_first_divergence() -> None:
    cases: list[Mapping[str, Any]] = [
        record(
            nodeid="b::s[m-iip-i0]", strategy="iip", step_accuracy=1.0, first_divergent_step=None
        ),
        record(
            nodeid="b::s[m-iip-i1]",
            strategy="iip",
            step_accuracy=0.5,
            first_divergent_step=2,
            verdict="wrong",
            n_correct=0,
        ),
        record(
            nodeid="b::s[m-iip-i2]",
            strategy="iip",
            step_accuracy=0.25,
            first_divergent_step=10,
            verdict="wrong",
            n_correct=0,
        ),
        record(nodeid="b::s[m-vp-i0]"),
    ]
    text = html.build({"run": {}, "cases": cases})
    page = Page(text)
    assert "iip" in sections(page)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "IIP step accuracy" in labels and "first divergent step" in labels
    # the histogram's steps are in numeric order, "none" last
    chart = text[text.index('aria-label="first divergent step"') :]
    chart = chart[: chart.index("</svg>")]
    ticks = re.findall(r'<text x="[^"]+" y="[^"]+" text-anchor="middle">([^<]+)</text>', chart)
    assert ticks == ["2", "10", "none"]
    # mean step accuracy of m/iip, in the runs table and the chart
    assert "58.3%" in "".join(page.text)
    # the summary's own value wins over the mean of the cases
    run_summary = summary([record_of(case) for case in cases])
    run_summary["runs"]["m/iip"]["step_accuracy"] = 0.75
    page = Page(html.build({"run": {}, "cases": cases, "summary": run_summary}))
    assert "75.0%" in "".join(page.text)


def test_gate_section_from_the_gate_result() -> None:
    gate = {
        "passed": False,
        "failures": ["m/vp: accuracy dropped 20.0 points"],
        "notes": [],
        "comparison": {
            "runs": {
                "m/vp": {
                    "model": "m",
                    "strategy": "vp",
                    "n": 10,
                    "accuracy_before": 0.9,
                    "accuracy_now": 0.7,
                    "delta": -0.2,
                    "delta_interval": [-0.4, -0.05],
                    "right_to_wrong": 3,
                    "wrong_to_right": 1,
                    "p": 0.6,
                    "p_holm": 0.6,
                    "unstable": 0,
                }
            },
            "categories": [
                {
                    "model": "m",
                    "strategy": "vp",
                    "category": "array",
                    "delta": -0.2,
                    "delta_interval": [-0.4, -0.05],
                }
            ],
            "right_to_wrong": [
                {
                    "nodeid": "b::s[m-vp-i0]",
                    "expected": "<1>",
                    "before": {"verdict": "correct", "predicted": "<1>"},
                    "now": {"verdict": "wrong", "predicted": "2"},
                }
            ],
            "wrong_to_right": [],
            "added": ["b::new[m-vp-i0]::m::vp"],
            "removed": [],
            "changes": ["template vp: abc -> def"],
        },
        "accept": "pytest benchmarks -p llmexec --llm-update-baseline",
    }
    page = build([record()], gate=gate)
    assert "gate" in sections(page)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "accuracy change against the baseline" in labels
    assert "accuracy change by category" in labels
    shown = "".join(page.text)
    for text in (
        "gate FAILED",
        "m/vp: accuracy dropped 20.0 points",
        "-20.0 pt [-40.0, -5.0]",
        "right → wrong (1)",
        "<1>",
        "template vp: abc -> def",
        "pytest benchmarks -p llmexec --llm-update-baseline",
    ):
        assert text in shown
    assert page.data()["gate"]["passed"] is False
    assert "gate" not in sections(build([record()]))


def test_cost_section_only_with_tokens_or_cost() -> None:
    usage = {"input_tokens": 100, "output_tokens": 20, "reasoning_tokens": 0, "cached_tokens": 0}
    page = build([record(usage=usage, cost=0.002, latency=0.5, calls=1, cache_hit=True)])
    assert "cost" in sections(page)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "tokens per test" in labels and "cost per test" in labels
    shown = "".join(page.text)
    assert "100 input, 20 output" in shown and "$0.00200" in shown
    zero = dict.fromkeys(usage, 0)
    assert "cost" not in sections(build([record(usage=zero, cost=0.0)]))


def test_case_shows_code_with_line_numbers_conversation_and_samples() -> None:
    conversation = [
        {"role": "user", "content": "What does s() return?"},
        {"role": "assistant", "content": "[ANSWER]1[/ANSWER]"},
    ]
    samples = [
        {"verdict": "correct", "predicted": "1", "problem": ""},
        {"verdict": "unparseable", "predicted": None, "problem": "no literal"},
    ]
    text = html.build(
        {"run": {}, "cases": [record(conversation=conversation, samples=samples, n_samples=2)]}
    )
    assert '<pre class="code"><span class="l">def s():</span>\n<span class="l">    return 1' in text
    page = Page(text)
    shown = "".join(page.text)
    assert "What does s() return?" in shown and "[ANSWER]1[/ANSWER]" in shown
    assert "no literal" in shown
    assert {a.get("class") for a in page.tags("div")} >= {"msg role-user", "msg role-assistant"}


def test_nondeterministic_cases_are_listed_but_not_scored() -> None:
    cases = [
        record(),
        record(
            nodeid="b::t[m-vp-i0]", truth_status="nondeterministic", verdict="wrong", n_correct=0
        ),
    ]
    page = build(cases)
    assert len(page.tags("details")) == 2
    assert "not scored" in "".join(page.text)
    assert page.data()["summary"]["overall"]["n"] == 1


@pytest.mark.parametrize(
    "order",
    [
        [
            "O(1)",
            "O(log n)",
            "O(sqrt(n))",
            "O(n)",
            "O(n log log n)",
            "O(n log n)",
            "O(n^2)",
            "O(n^3)",
            "O(2^n)",
            "O(n!)",
        ],
        ["O(log n)", "O(log^2 n)", "O(n \u03b1(n))", "O(n log k)", "O(n*k log k)", "O(m*n*4^L)"],
    ],
)
def test_complexities_are_ordered_by_growth(order: list[str]) -> None:
    ranks = [complexity_rank(text) for text in order]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


@pytest.mark.parametrize(
    ("texts", "label"),
    [
        (["O(1)", "O(26)", "Θ(1)"], "O(1)"),
        (["O(log n)", "O(log(m*n))", "O(√n)", "O(log^2 n)"], "O(log n)"),
        (
            [
                "O(n)",
                "O(3n)",
                "O(V+E)",
                "O(n + m)",
                "O(n \u03b1(n))",
                "O(n log log n)",
                "O(min(m, n))",
            ],
            "O(n)",
        ),
        (["O(n log n)", "O(E log V)", "O((V+E) log V)", "O(n sqrt n)"], "O(n log n)"),
        (["O(n^2)", "O(n²)", "O(m*n)", "O(n·k)", "O(n^2 log n)"], "O(n^2)"),
        (["O(n^3)", "O(n*m^2)"], "O(n^3)"),
        (["O(2^n)", "O(4^n*n)", "O(9^(n*n))"], "O(2^n)"),
        (["O(n!)", "O(n!*n)"], "O(n!)"),
        (["linear", "O(n", "O(n))", "O(0)", "", "O(n; m)"], "other"),
    ],
)
def test_complexity_classes(texts: list[str], label: str) -> None:
    assert {text: complexity_class(text) for text in texts} == dict.fromkeys(texts, label)


def test_api_run_shows_iip_steps_tokens_and_cost(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fake OpenAI server that traces f(5, 5) wrong from step 2: steps, tokens and cost."""
    from test_iip_plugin import ARITH, scripted

    from tests.fakes import OpenAIFake

    pytester.makefile(".yaml", bench=ARITH)
    with OpenAIFake(responder=scripted, cached_tokens=7) as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        result = pytester.runpytest(
            "-p",
            "llmexec",
            "--llm-model=gpt-4o-mini",
            f"--llm-base-url={server.url}",
            "--llm-strategy=iip",
            "--llm-examples=0",
            "--llm-html=report.html",
            "-p",
            "no:cacheprovider",
        )
    result.assert_outcomes(passed=1, failed=1)
    text = (pytester.path / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    assert {"iip", "cost"} <= sections(page)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert {"IIP step accuracy", "first divergent step", "tokens per test"} <= set(labels)
    shown = "".join(page.text)
    assert "66.7%" in shown  # 4 of 6 steps, pooled as the summary does
    assert "33.3% (1/3 steps)" in shown and "d: expected 20, got 99" in shown
    # the wrong case's code marks the lines of its first divergent step (d = c * 2)
    assert '<span class="l mark">    d = c * 2</span>' in text
    assert text.count('class="l mark"') == 1
    assert "28 cached" in shown  # 4 calls x 7 cached tokens


@pytest.mark.slow  # a long pytester run
def test_gate_run_shows_the_comparison(pytester: pytest.Pytester) -> None:
    """A baseline, then a run where one case got worse and one better: the gate section."""
    result, _ = make_page(pytester, "--llm-update-baseline=force")
    assert (pytester.path / "llmexec-baseline.json").is_file()
    changed = dict(GENERATIONS)
    changed["add[i0]"] = ["[ANSWER]4[/ANSWER]"]
    changed["tagged[i0]"] = [
        "[ANSWER]'<script>alert(1)</script>\" onmouseover=\"alert(1)'[/ANSWER]"
    ]
    result, path = make_page(pytester, "--llm-baseline", generations=changed)
    assert result.ret == 0, result.stdout.str()  # one flip each way is no regression
    page = Page(path.read_text(encoding="utf-8"))
    assert_no_injection(page)
    assert "gate" in sections(page)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "accuracy change against the baseline" in labels
    shown = "".join(page.text)
    for text in (
        "gate passed",
        "right → wrong (1)",
        "wrong → right (1)",
        "hostile.yaml::add[replay-vp-i0]",
        "hostile.yaml::tagged[replay-vp-i0]",
        "+0.0 pt",
    ):
        assert text in shown, text
    assert page.data()["gate"]["passed"] is True


def test_model_names_with_a_slash_and_reports_without_complexity() -> None:
    cases = [
        record(model="acme/m1", nodeid="b::s[acme/m1-vp-i0]", complexity=None),
        record(model="acme/m1", strategy="iip", nodeid="b::s[acme/m1-iip-i0]", complexity=None),
    ]
    page = build(cases)
    rows = re.findall(r"</span>([^<]*)</td><td>(\w+)</td>", html.build({"cases": cases}))
    assert rows == [("acme/m1", "vp"), ("acme/m1", "iip")]
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "accuracy by complexity" not in labels and "accuracy by code length" in labels


# --------------------------------------------------------------------------- languages


def lang_record(snippet: str, i: int, lang: str, right: bool = True) -> dict[str, Any]:
    tag = "" if lang == "python" else f"{lang}-"
    return record(
        nodeid=f"b.yaml::{snippet}[m-vp-{tag}i{i}]",
        snippet=snippet,
        input_id=f"i{i}",
        language=lang,
        verdict="correct" if right else "wrong",
        n_correct=int(right),
    )


def test_languages_section_and_filter_only_with_several_languages() -> None:
    cases = [lang_record("a", i, "python") for i in range(3)]
    cases += [lang_record("a", i, "cpp", i == 0) for i in range(2)]
    cases.append(lang_record("b", 0, "java"))
    page = build(cases)
    assert "languages" in sections(page)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "accuracy by language" in labels
    assert "accuracy by language on the same problems" not in labels  # java lacks a/i0..
    assert any("No problem (snippet id and declared input)" in t for t in page.text)
    assert len([a for a in page.tags("select") if a.get("data-filter") == "language"]) == 1
    assert {c["data-language"] for c in page.tags("details")} == {"python", "cpp", "java"}
    python_only = build([record(), record(nodeid="b.yaml::s[m-vp-i1]", language="python")])
    assert "languages" not in sections(python_only)
    assert not [a for a in python_only.tags("select") if a.get("data-filter") == "language"]


def test_languages_section_compares_the_same_problems() -> None:
    cases = [lang_record("a", i, "python") for i in range(3)]
    cases += [lang_record("a", i, "cpp", i == 0) for i in range(2)]
    page = build(cases)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "accuracy by language on the same problems" in labels
    text = " ".join(page.text)
    assert "same problems" in text and "1/2 (50.0%" in text


def test_gate_section_shows_language_strata() -> None:
    gate = {
        "passed": False,
        "failures": ["m/vp in cpp: accuracy dropped 40.0 points"],
        "comparison": {
            "runs": {"m/vp": {"model": "m", "strategy": "vp", "n": 80, "delta": 0.0}},
            "languages": [
                {"model": "m", "strategy": "vp", "language": "cpp", "n": 20, "delta": -0.4},
                {"model": "m", "strategy": "vp", "language": "python", "n": 60, "delta": 0.13},
            ],
        },
    }
    page = build([lang_record("a", 0, "python"), lang_record("a", 0, "cpp")], gate=gate)
    labels = [a.get("aria-label") for a in page.tags("svg")]
    assert "accuracy change by language" in labels
    assert "m/vp in cpp" in page.text and "m/vp in python" in page.text
