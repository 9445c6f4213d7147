"""``--llm-batch`` end to end: `pytest -p llmexec` against loopback fakes of the OpenAI Batch
and Anthropic Message Batches APIs, through the official SDKs."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_llmexec.plugin.batch import WAITING
from pytest_llmexec.providers.batch.anthropic import AnthropicBatches
from pytest_llmexec.providers.batch.openai import OpenAIBatches
from pytest_llmexec.providers.batch.store import BatchStore
from pytest_llmexec.providers.cache import canonical
from tests.cruxeval_rows import rows, write_jsonl
from tests.fakes import OpenAIFake, solve
from tests.fakes.batches import AnthropicBatchFake, OpenAIBatchFake

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROWS = rows()[:8]


def sometimes_wrong(messages: list[dict[str, Any]], model: str) -> str:
    """Right, except for the rows that sort: there it answers -1 (so verdicts differ)."""
    text = solve(messages, model)
    return re.sub(r"\](.*?)\[/", "]-1[/", text) if "sorted" in json.dumps(messages) else text


@pytest.fixture
def openai_batch(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIBatchFake]:
    with OpenAIBatchFake(responder=sometimes_wrong) as server:
        assert isinstance(server, OpenAIBatchFake)
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        yield server


def args(url: str, *extra: str, model: str = "gpt-4o-mini") -> list[str]:
    return [
        "crux.jsonl",
        "-p",
        "llmexec",
        f"--llm-model={model}",
        f"--llm-base-url={url}",
        "--llm-report=report.json",
        "-rs",
        *extra,
    ]


def verdicts(pytester: pytest.Pytester) -> dict[str, str]:
    cases = json.loads((pytester.path / "report.json").read_text())["cases"]
    return {c["nodeid"]: c["verdict"] for c in cases}


def report_cost(pytester: pytest.Pytester) -> float:
    cases = json.loads((pytester.path / "report.json").read_text())["cases"]
    return sum(c["cost"] for c in cases)


def test_submit_exit_collect_score_as_the_direct_path_at_half_the_price(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake
) -> None:
    """Must show 1: a CRUXEval file, three samples, one batch; then collected and scored."""
    write_jsonl(pytester.path / "crux.jsonl", ROWS)
    first = pytester.runpytest(*args(openai_batch.url, "--llm-batch", "--llm-samples=3"))
    assert first.ret == WAITING
    first.assert_outcomes(skipped=len(ROWS))
    first.stdout.fnmatch_lines(
        [
            "*submitted batch batch_001 for gpt-4o-mini: 24 requests*",
            f"*{len(ROWS)} tests wait for a batch*exit status 75*",
            "*waiting for batch batch_001 (validating)*run the same command again*",
        ]
    )
    assert len(openai_batch.batches) == 1 and not openai_batch.completions
    ids = Counter(line["custom_id"] for line in openai_batch.lines)
    assert len(ids) == len(ROWS) * 3 and set(ids.values()) == {1}  # every request, once

    second = pytester.runpytest(
        *args(openai_batch.url, "--llm-batch", "--llm-samples=3", "--llm-html=report.html")
    )
    assert second.ret == pytest.ExitCode.TESTS_FAILED  # sometimes_wrong: some are wrong
    second.stdout.fnmatch_lines(["*collected 24 replies into the cache*", "*batch: 8 tests*saved*"])
    assert "Answered through batch APIs" in (pytester.path / "report.html").read_text()
    batch_verdicts = verdicts(pytester)
    batch_cost = report_cost(pytester)
    assert len(openai_batch.batches) == 1 and not openai_batch.completions
    assert len(openai_batch.lines) == len(ROWS) * 3  # nothing submitted twice

    third = pytester.runpytest(*args(openai_batch.url, "--llm-batch", "--llm-samples=3"))
    assert third.ret == pytest.ExitCode.TESTS_FAILED
    assert len(openai_batch.lines) == len(ROWS) * 3 and not openai_batch.completions

    with OpenAIFake(responder=sometimes_wrong) as direct:
        direct.key = openai_batch.key
        plain = pytester.runpytest(
            *args(direct.url, "--llm-samples=3", "--llm-cache-dir=direct-cache")
        )
        assert plain.ret == pytest.ExitCode.TESTS_FAILED
        assert verdicts(pytester) == batch_verdicts
        assert "correct" in batch_verdicts.values() and "wrong" in batch_verdicts.values()
        assert report_cost(pytester) == pytest.approx(2 * batch_cost)
        # the batch lines are the very requests the direct path sent, JSON for JSON
        sent = sorted(canonical(r.body) for r in direct.completions)
        batched = sorted(canonical(line["body"]) for line in openai_batch.lines)
        assert sent == batched


def test_anthropic_waits_with_a_progress_line_and_scores_in_one_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AnthropicBatchFake(responder=sometimes_wrong) as server:
        assert isinstance(server, AnthropicBatchFake)
        server.polls_to_end = 2
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.key)
        write_jsonl(pytester.path / "crux.jsonl", ROWS)
        wait = ("--llm-batch", "--llm-batch-wait", "--llm-batch-poll=0.01")
        result = pytester.runpytest(*args(server.url, *wait, model="claude-haiku-4-5"))
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        result.stdout.fnmatch_lines(
            [
                "*llmexec batch: 0/8 requests done, 1 of 1 batches running "
                "(msgbatch_001 in_progress)*",
                "*llmexec batch: 8/8 requests done, 0 of 1 batches running*",
            ]
        )
        batch_verdicts = verdicts(pytester)
        assert len(server.batches) == 1 and not server.completions
        plain = pytester.runpytest(
            *args(server.url, "--llm-cache-dir=direct", model="claude-haiku-4-5")
        )
        assert verdicts(pytester) == batch_verdicts
        assert plain.ret == pytest.ExitCode.TESTS_FAILED
        sent = sorted(canonical(r.body) for r in server.completions)
        assert sent == sorted(canonical(line["body"]) for line in server.lines)


def fate_10_5(batch: int, index: int, custom_id: str) -> str:
    """The first batch: 10% of its requests expire and 5% error; later ones succeed."""
    if batch > 1:
        return "succeeded"
    return "expired" if index % 10 == 3 else "errored" if index % 20 == 7 else "succeeded"


@pytest.mark.parametrize("fake_class", [OpenAIBatchFake, AnthropicBatchFake])
def test_expired_and_errored_requests_go_into_a_new_batch(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fake_class: type[Any]
) -> None:
    """Must show 2: 10% expire, 5% error; the next runs give every case a verdict and no
    request that succeeded is sent again."""
    with fake_class(responder=sometimes_wrong) as server:
        server.fate = fate_10_5
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.key)
        model = "gpt-4o-mini" if fake_class is OpenAIBatchFake else "claude-haiku-4-5"
        data = many_rows(40)
        write_jsonl(pytester.path / "crux.jsonl", data)
        run = args(server.url, "--llm-batch", model=model)
        assert pytester.runpytest(*run).ret == WAITING
        second = pytester.runpytest(*run)
        assert second.ret == WAITING  # collected 34, 6 sent again
        second.stdout.fnmatch_lines(
            [
                "*collected 34 replies into the cache; to be sent again in a new batch: "
                "2 errored, 4 expired*",
                "*submitted batch * 6 requests*",
            ]
        )
        sorting = count_sorted([data[i] for i in range(40) if fate_10_5(1, i, "") == "succeeded"])
        second.assert_outcomes(skipped=6, passed=34 - sorting, failed=sorting)
        assert [len(b.lines) for b in server.batches.values()] == [40, 6]
        third = pytester.runpytest(*run)
        assert third.ret == pytest.ExitCode.TESTS_FAILED
        assert len(verdicts(pytester)) == 40  # every case has a verdict
        sent = Counter(line["custom_id"] for line in server.lines)
        failed_first = {
            line["custom_id"]
            for i, line in enumerate(server.batches[next(iter(server.batches))].lines)
            if fate_10_5(1, i, line["custom_id"]) != "succeeded"
        }
        assert len(failed_first) == 6
        assert {k for k, n in sent.items() if n > 1} == failed_first
        assert not server.completions


def count_sorted(data: list[dict[str, str]]) -> int:
    return sum(1 for row in data if "sorted" in row["code"])


def many_rows(count: int) -> list[dict[str, str]]:
    """*count* CRUXEval-format rows of our own; every fifth one sorts."""
    made = []
    for i in range(count):
        if i % 5 == 0:
            code, call = "def f(xs):\n    return sorted(xs)\n", f"[{i}, 1, {i % 7}]"
        else:
            code, call = f"def f(a, b):\n    return a * b + {i}\n", f"{i}, 2"
        namespace: dict[str, Any] = {}
        exec(code, namespace)
        output = repr(eval(f"f({call})", namespace))
        made.append({"code": code, "input": call, "output": output, "id": f"row_{i}"})
    return made


def test_off_collects_what_batches_hold_and_sends_the_rest_directly(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake
) -> None:
    openai_batch.fate = fate_10_5
    write_jsonl(pytester.path / "crux.jsonl", many_rows(40))
    assert pytester.runpytest(*args(openai_batch.url, "--llm-batch")).ret == WAITING
    result = pytester.runpytest(*args(openai_batch.url, "--llm-batch=off"))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*collected 34 replies into the cache*"])
    assert len(verdicts(pytester)) == 40
    assert len(openai_batch.completions) == 6 and len(openai_batch.batches) == 1


@pytest.mark.parametrize("step", ["upload", "upload-sent", "create", "record"])
def test_ctrl_c_during_submission_leaves_no_batch_unknown(
    pytester: pytest.Pytester,
    openai_batch: OpenAIBatchFake,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    """Must show 3: Ctrl-C during the upload, between upload and create, or between create
    and record; the rerun makes no second batch."""
    write_jsonl(pytester.path / "crux.jsonl", ROWS)
    openai_batch.hold = True  # the batch runs until released
    original_upload, original_create = OpenAIBatches.upload, OpenAIBatches.create

    async def upload(self: OpenAIBatches, tag: str, lines: Any) -> Any:
        if step == "upload":
            raise KeyboardInterrupt
        file_id = await original_upload(self, tag, lines)
        if step == "upload-sent":  # the file arrived, its id never came back
            raise KeyboardInterrupt
        return file_id

    async def create(self: OpenAIBatches, tag: str, file_id: Any, lines: Any) -> Any:
        if step == "create":
            raise KeyboardInterrupt
        status = await original_create(self, tag, file_id, lines)
        raise KeyboardInterrupt  # created, not yet recorded
        return status

    with monkeypatch.context() as patch:  # Ctrl-C: KeyboardInterrupt where the step is
        patch.setattr(OpenAIBatches, "upload", upload)
        patch.setattr(OpenAIBatches, "create", create)
        interrupted = pytester.runpytest(
            *args(openai_batch.url, "--llm-batch"), no_reraise_ctrlc=True
        )
    assert interrupted.ret == pytest.ExitCode.INTERRUPTED
    assert len(openai_batch.files) == (0 if step == "upload" else 1)
    assert len(openai_batch.batches) == (1 if step == "record" else 0)
    assert not openai_batch.completions
    rerun = pytester.runpytest(*args(openai_batch.url, "--llm-batch"))
    assert rerun.ret == WAITING
    rerun.stdout.fnmatch_lines(["*recovered an interrupted submission*"])
    assert len(openai_batch.batches) == 1  # no duplicate batch at the fake
    assert len(openai_batch.lines) == len(ROWS)
    openai_batch.release()
    collected = pytester.runpytest(*args(openai_batch.url, "--llm-batch"))
    assert collected.ret == pytest.ExitCode.TESTS_FAILED
    assert len(verdicts(pytester)) == len(ROWS) and len(openai_batch.batches) == 1
    # every batch at the provider is known to the cache; nothing is left half-submitted
    store = BatchStore(pytester.path / ".llmexec")
    records = store.all_batches()
    store.close()
    assert {r.batch_id for r in records if r.batch_id} == set(openai_batch.batches)
    assert sorted(r.state for r in records) == (
        ["abandoned", "collected"] if step == "upload" else ["collected"]
    )


def test_anthropic_ctrl_c_between_create_and_record_finds_its_batch(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AnthropicBatchFake() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.key)
        write_jsonl(pytester.path / "crux.jsonl", ROWS)
        original = AnthropicBatches.create

        async def create(self: AnthropicBatches, tag: str, file_id: Any, lines: Any) -> Any:
            await original(self, tag, file_id, lines)
            raise KeyboardInterrupt

        run = args(server.url, "--llm-batch", model="claude-haiku-4-5")
        with monkeypatch.context() as patch:
            patch.setattr(AnthropicBatches, "create", create)
            interrupted = pytester.runpytest(*run, no_reraise_ctrlc=True)
            assert interrupted.ret == pytest.ExitCode.INTERRUPTED
        assert len(server.batches) == 1
        rerun = pytester.runpytest(*run)
        rerun.stdout.fnmatch_lines(["*recovered*batch msgbatch_001*was created: recorded*"])
        assert rerun.ret == pytest.ExitCode.OK  # found, ended, collected in the same run
        assert len(server.batches) == 1


def test_a_cancelled_batch_keeps_its_results_and_the_rest_is_sent_again(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake
) -> None:
    import openai

    openai_batch.hold = True
    write_jsonl(pytester.path / "crux.jsonl", ROWS)
    run = args(openai_batch.url, "--llm-batch")
    assert pytester.runpytest(*run).ret == WAITING
    client = openai.OpenAI(api_key=openai_batch.key, base_url=openai_batch.url)
    assert client.batches.cancel("batch_001").status == "cancelling"  # e.g. from the dashboard
    second = pytester.runpytest(*run)
    assert second.ret == WAITING
    second.stdout.fnmatch_lines(
        ["*collected 4 replies*to be sent again in a new batch: 4 cancelled*"]
    )
    openai_batch.hold = False
    third = pytester.runpytest(*run)
    assert len(verdicts(pytester)) == len(ROWS) and third.ret == pytest.ExitCode.TESTS_FAILED
    assert len(openai_batch.batches) == 2 and len(openai_batch.lines) == len(ROWS) + 4


def test_a_batch_that_fails_validation_names_the_line(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake
) -> None:
    openai_batch.invalid_line = 2
    write_jsonl(pytester.path / "crux.jsonl", ROWS)
    run = args(openai_batch.url, "--llm-batch")
    assert pytester.runpytest(*run).ret == WAITING
    openai_batch.invalid_line = None
    second = pytester.runpytest(*run)
    second.stdout.fnmatch_lines(
        [
            "*failed validation: batch batch_001 for gpt-4o-mini failed validation at line 2 "
            "of its input: invalid_request: The model `nope` does not exist. "
            "(parameter body.model)*--llm-batch=off*",
        ]
    )
    second.assert_outcomes(failed=1, skipped=len(ROWS) - 1)  # the rest in a new batch
    assert len(openai_batch.batches) == 2 and len(openai_batch.lines) == 2 * len(ROWS) - 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--llm-cache=off",), "*--llm-batch needs --llm-cache=use (not off)*"),
        (("-n", "2"), "*--llm-batch runs in one process*drop -n*"),
        (("--llm-batch-wait=soon",), "*--llm-batch-wait=soon: expected a number of seconds*"),
        (("--llm-batch=maybe",), "*--llm-batch=maybe: expected on or off*"),
    ],
)
def test_bad_batch_options_are_usage_errors(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake, extra: tuple[str, ...], message: str
) -> None:
    write_jsonl(pytester.path / "crux.jsonl", ROWS[:1])
    batch = () if any(e.startswith("--llm-batch=") for e in extra) else ("--llm-batch",)
    result = pytester.runpytest(*args(openai_batch.url, *batch, *extra))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.slow  # a long pytester run
def test_iip_gets_one_batch_per_turn(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IIP's turn k needs reply k-1: every round sends one turn of every conversation."""
    from tests.test_iip_plugin import ARITH, scripted

    with OpenAIBatchFake(responder=scripted) as server:
        assert isinstance(server, OpenAIBatchFake)
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        pytester.makefile(".yaml", bench=ARITH)
        run = [
            "-p",
            "llmexec",
            "--llm-model=gpt-4o-mini",
            f"--llm-base-url={server.url}",
            "--llm-strategy=iip",
            "--llm-examples=0",
            "--llm-report=report.json",
            "--llm-batch",
        ]
        for turn in range(1, 5):  # without a wait: each run moves every case one turn on
            result = pytester.runpytest(*run)
            assert result.ret == WAITING, turn
            assert [len(b.lines) for b in server.batches.values()] == [2] * turn
        result = pytester.runpytest(*run)
        result.assert_outcomes(passed=1, failed=1)
        batched = json.loads((pytester.path / "report.json").read_text())["cases"]

        waited = pytester.runpytest(
            *run, "--llm-batch-wait", "--llm-batch-poll=0", "--llm-cache-dir=waited"
        )
        waited.assert_outcomes(passed=1, failed=1)  # the four rounds in one run
        assert [len(b.lines) for b in server.batches.values()] == [2] * 8
        assert not server.completions

        plain = pytester.runpytest(*run[:-1], "--llm-cache-dir=direct")
        plain.assert_outcomes(passed=1, failed=1)
        direct = json.loads((pytester.path / "report.json").read_text())["cases"]
        fields = ("nodeid", "verdict", "predicted", "steps_matched", "first_divergent_step")
        assert [[c[f] for f in fields] for c in batched] == [[c[f] for f in fields] for c in direct]
        sent = sorted(canonical(r.body) for r in server.completions)
        assert sent == sorted(canonical(line["body"]) for line in server.lines[:8])


def fate_odd(batch: int, index: int, custom_id: str) -> str:
    """Batches 1, 3, 5: 10% expire and 5% error; the others succeed."""
    return fate_10_5(1 if batch % 2 else 2, index, custom_id)


@pytest.mark.slow  # a long pytester run
def test_the_budget_counts_batch_replies_at_the_batch_rate(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake
) -> None:
    openai_batch.fate = fate_odd
    write_jsonl(pytester.path / "crux.jsonl", many_rows(40))

    def two_runs(cache: str, *extra: str) -> pytest.RunResult:
        run = args(openai_batch.url, "--llm-batch", f"--llm-cache-dir={cache}")
        assert pytester.runpytest(*run).ret == WAITING
        return pytester.runpytest(*run, *extra)

    two_runs("measure")  # batch 1 (34 replies collected), batch 2 (6 sent again)
    spent = report_cost(pytester)  # the 34 replies at the batch rate
    # a budget of 1.5x: at the batch rate the 34 leave room for the 6 (at full price they
    # would not: 2x), so they go into a new batch
    roomy = two_runs("roomy", f"--llm-budget={1.5 * spent}")
    assert roomy.ret == WAITING and len(openai_batch.batches) == 4
    roomy.assert_outcomes(skipped=6, passed=26, failed=8)  # 8 of the 34 sort: wrong
    # a budget of 0.75x is spent by the collected replies: the 6 are not sent
    tight = two_runs("tight", f"--llm-budget={0.75 * spent}")
    assert tight.ret == pytest.ExitCode.TESTS_FAILED and len(openai_batch.batches) == 5
    tight.stdout.fnmatch_lines(["*budget of $* spent (--llm-budget): request not sent*"])
    tight.assert_outcomes(passed=26, failed=8 + 6)


def test_a_batch_is_split_at_the_request_limit(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jsonl(pytester.path / "crux.jsonl", ROWS)
    monkeypatch.setattr(OpenAIBatches, "max_requests", 3)  # 50,000 at OpenAI
    result = pytester.runpytest(*args(openai_batch.url, "--llm-batch"))
    assert result.ret == WAITING
    assert [len(b.lines) for b in openai_batch.batches.values()] == [3, 3, 2]
    result.stdout.fnmatch_lines(["*batch_001 (validating)*", "*batch_003 (validating)*"])


def test_a_batch_is_split_at_the_size_limit() -> None:
    from pytest_llmexec.providers.batch.openai import encode
    from pytest_llmexec.providers.batch.protocol import split
    from pytest_llmexec.providers.batch.store import Line

    lines = [Line(f"{i:064x}", 0, {"messages": [{"content": "x" * 100}]}) for i in range(10)]
    api = OpenAIBatches.__new__(OpenAIBatches)
    api.max_bytes = 3 * len(encode(lines[0]))  # three lines a file
    assert [len(chunk) for chunk in split(lines, api)] == [3, 3, 3, 1]
    assert [line for chunk in split(lines, api) for line in chunk] == lines


@pytest.mark.slow  # a long pytester run
def test_a_batch_api_that_does_not_answer_is_a_clear_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_jsonl(pytester.path / "crux.jsonl", ROWS)
    with OpenAIBatchFake() as server:
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        run = args(server.url, "--llm-batch")
        assert pytester.runpytest(*run).ret == WAITING
    result = pytester.runpytest(*run)  # the server is gone
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*--llm-batch: the batch API did not answer as expected: APIConnectionError*"
            "the batch records in the cache are intact*"
        ]
    )


@pytest.mark.slow  # a long pytester run
def test_batch_options_leave_a_run_without_api_models_alone(pytester: pytest.Pytester) -> None:
    write_jsonl(pytester.path / "crux.jsonl", ROWS[:2])
    pytester.makeini("[pytest]\nllm_batch = on\n")
    result = pytester.runpytest("crux.jsonl", "-p", "llmexec", "--llm-model=oracle", "-n", "2")
    result.assert_outcomes(passed=2)
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    assert pytester.runpytest("test_plain.py", "-p", "llmexec", "-n", "2").ret == 0


def test_an_anthropic_batch_refused_at_creation_is_a_clear_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AnthropicBatchFake() as server:
        assert isinstance(server, AnthropicBatchFake)
        monkeypatch.setenv("ANTHROPIC_API_KEY", server.key)
        write_jsonl(pytester.path / "crux.jsonl", ROWS)
        run = args(server.url, "--llm-batch", model="claude-haiku-4-5")
        server.invalid_line = 3
        refused = pytester.runpytest(*run)
        assert refused.ret == pytest.ExitCode.USAGE_ERROR
        refused.stderr.fnmatch_lines(
            [
                "*--llm-batch: submitting a batch of 8 requests for claude-haiku-4-5 failed at "
                "the create step: BadRequestError*requests.2.params.model: unknown model*"
            ]
        )
        assert not server.batches
        server.invalid_line = None  # fixed: the requests were freed, the rerun submits them
        assert pytester.runpytest(*run).ret == WAITING
        assert [len(b.lines) for b in server.batches.values()] == [8]


def test_a_wait_that_runs_out_leaves_the_tests_waiting(
    pytester: pytest.Pytester, openai_batch: OpenAIBatchFake
) -> None:
    openai_batch.hold = True
    write_jsonl(pytester.path / "crux.jsonl", ROWS)
    wait = ("--llm-batch", "--llm-batch-wait=0.2", "--llm-batch-poll=0.05")
    result = pytester.runpytest(*args(openai_batch.url, *wait))
    assert result.ret == WAITING
    result.assert_outcomes(skipped=len(ROWS))
    result.stdout.fnmatch_lines(
        [
            "*llmexec batch: 0/8 requests done, 1 of 1 batches running (batch_001 in_progress)*",
            "*waiting for batch batch_001 (in_progress)*",
        ]
    )
    openai_batch.release()
    done = pytester.runpytest(*args(openai_batch.url, *wait))
    assert done.ret == pytest.ExitCode.TESTS_FAILED and len(openai_batch.batches) == 1
