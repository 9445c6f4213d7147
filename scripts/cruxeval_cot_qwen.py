"""Qwen2.5-Coder-0.5B-Instruct on CRUXEval with CoT, next to the figure its report publishes.

The Qwen2.5-Coder technical report (arXiv 2409.12186 v3, table 18) gives
Qwen2.5-Coder-0.5B-Instruct CRUXEval Input-CoT 33.9 and Output-CoT 27.8. This
script runs that setting with our local model on the user's CRUXEval checkout,
read in place (nothing of it is copied into this repository):

- the rows: the first ``--rows`` rows of ``data/cruxeval.jsonl`` (all 800 by default);
- the prompts: CRUXEval's own CoT prompts (``make_cot_output_prompt`` and
  ``make_cot_input_prompt`` of the checkout's ``prompts.py``), read as text with
  ``ast`` (never imported or run) and turned into ``--llm-templates`` files, sent as
  the one user turn of the chat, as an instruct model is asked;
- greedy decoding (temperature 0), one sample per row (pass@1), CRUXEval's scoring
  (the answer's assertion run against the row's code in the sandbox).

It prints, per task: our accuracy with a 95% Wilson interval, the report's figure,
the rows and the time taken. Replies are cached: a rerun asks nothing.

    python scripts/cruxeval_cot_qwen.py --checkout ~/cruxeval --rows 200 \\
        --model llamacpp:$LLMEXEC_LLAMA_MODEL --server $LLMEXEC_LLAMA_SERVER

What the report leaves open (so chosen here): the chat template (the model's own,
as llama-server applies it), whether a system prompt was used (none here), the
output-token limit (2,048 here, as CRUXEval's own CoT scripts, which allow 2,048 tokens
of prompt and reply), the stop sequences (the end of the ``[ANSWER]`` block, as CRUXEval's),
and the quantisation (their weights are bf16; ours Q4_K_M). No answer-forcing turn is
sent: the templates folder holds only the two prompts, so they run as written.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pytest_llmexec.report.stats import wilson

PUBLISHED = {"output": 27.8, "input": 33.9}  # Qwen2.5-Coder report v3, table 18, 0.5B-Instruct
PROMPTS = {"output": "make_cot_output_prompt", "input": "make_cot_input_prompt"}
TEMPLATE_FILES = {"output": "cot.txt", "input": "cot_input.txt"}


def prompt_text(prompts_py: Path, function: str, task: str) -> str:
    """The f-string a CRUXEval prompt function returns, as one of our template files."""
    tree = ast.parse(prompts_py.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            returned = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
            if len(returned) == 1 and isinstance(returned[0].value, ast.JoinedStr):
                return template_from(returned[0].value, task)
    raise SystemExit(f"{prompts_py}: no function {function} returning one f-string")


def template_from(joined: ast.JoinedStr, task: str) -> str:
    parts: list[str] = []
    for value in joined.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value.replace("{{", "{ {").replace("}}", "} }"))
        elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
            parts.append("\0" + value.value.id + "\0")
        else:
            raise SystemExit(f"an unexpected part in CRUXEval's {task} prompt: {ast.dump(value)}")
    text = "".join(parts)
    if task == "output":
        text = text.replace("f(\0input\0)", "{{call}}")
    text = text.replace("\0code\0", "{{code}}").replace("\0output\0", "{{output}}")
    if "\0" in text:
        raise SystemExit(f"CRUXEval's {task} prompt has a placeholder this script does not know")
    return text


def run(args: argparse.Namespace, work: Path, tasks: list[str]) -> dict[str, Any]:
    rows = (args.checkout / "data" / "cruxeval.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [row for row in rows if row.strip()][: args.rows]
    data = work / "cruxeval.jsonl"  # the file's name makes it a CRUXEval benchmark
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    templates = work / "templates"
    templates.mkdir()
    for task in tasks:
        text = prompt_text(args.checkout / "prompts.py", PROMPTS[task], task)
        (templates / TEMPLATE_FILES[task]).write_text(text, encoding="utf-8")
    report = work / "report.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "llmexec",
        str(data),
        "-q",
        "-p",
        "no:randomly",
        f"--llm-model={args.model}",
        "--llm-strategy=cot",
        f"--llm-task={','.join(tasks)}",
        f"--llm-templates={templates}",
        "--llm-examples=0",
        "--llm-temperature=0",
        # CRUXEval's CoT scripts allow 2,048 tokens of prompt and reply; its prompts here are
        # at most 430 tokens, so a 2,048-token reply limit never cuts a reply theirs keeps.
        # Pinned, so that our CoT default (1,024) can change without touching these figures.
        "--llm-max-tokens=2048",
        f"--llm-concurrency={args.concurrency}",
        f"--llm-report={report}",
        f"--llm-cache-dir={args.cache_dir}",
        "--rootdir",
        str(work),
    ]
    if args.server:
        command.append(f"--llm-server={args.server}")
    started = time.monotonic()
    done = subprocess.run(command, cwd=work, check=False, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if not report.exists():
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"the pytest run wrote no report (exit {done.returncode})")
    if args.report is not None:  # the run's JSON report, every row's reply and verdict
        args.report.write_bytes(report.read_bytes())
    result: dict[str, Any] = json.loads(report.read_text())
    result["elapsed"] = elapsed
    return result


def table(result: dict[str, Any], tasks: list[str]) -> str:
    lines = [
        "| task | rows | correct | ours | 95% CI | report | unparseable | truncated | wall time |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for task in tasks:
        cases = [c for c in result["cases"] if c.get("task", "output") == task]
        n = len(cases)
        correct = sum(c["verdict"] == "correct" for c in cases)
        unparseable = sum(c["verdict"] == "unparseable" for c in cases)
        truncated = sum(bool(c.get("truncated")) for c in cases)
        low, high = wilson(correct, n)
        lines.append(
            f"| {task} (CoT) | {n} | {correct} | {100 * correct / max(n, 1):.1f}% |"
            f" [{100 * low:.1f}, {100 * high:.1f}] | {PUBLISHED[task]} | {unparseable} |"
            f" {truncated} | {result['elapsed']:.0f} s (both tasks) |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, required=True, help="a CRUXEval checkout")
    parser.add_argument("--rows", type=int, default=800, help="the first N rows (800: all)")
    parser.add_argument("--model", required=True, help="the --llm-model value")
    parser.add_argument("--server", help="the --llm-server value (llama-server's path)")
    parser.add_argument("--tasks", default="output,input")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "pytest-llmexec"
        / "cruxeval-cot-qwen",
        help="the reply cache (kept between runs: a rerun asks nothing)",
    )
    parser.add_argument(
        "--report", type=Path, help="keep the run's JSON report here (--llm-report's format)"
    )
    args = parser.parse_args()
    if not (args.checkout / "data" / "cruxeval.jsonl").is_file():
        raise SystemExit(f"--checkout={args.checkout}: no data/cruxeval.jsonl in it")
    tasks = [t for t in args.tasks.split(",") if t]
    unknown = [t for t in tasks if t not in PUBLISHED]
    if unknown:
        raise SystemExit(f"--tasks: unknown {unknown}; choose from output, input")
    with tempfile.TemporaryDirectory(prefix="cruxeval-cot-") as tmp:
        result = run(args, Path(tmp), tasks)
    print(table(result, tasks))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
