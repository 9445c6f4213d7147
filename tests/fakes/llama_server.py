"""A stand-in for llama.cpp's ``llama-server``, to test how the plugin manages one.

It takes the flags the plugin passes (``--model --host --port --parallel
--ctx-size --no-webui``), answers ``/health`` (503 for ``FAKE_LLAMA_LOADING``
seconds, then 200) and ``/v1/chat/completions`` with the perfect answer of
`servers.solve`, one choice per ``n``, ``FAKE_LLAMA_DELAY`` seconds late.
``FAKE_LLAMA_MODE=exit`` fails at start like a server that cannot load its
model; ``signal`` dies by SIGSEGV while loading, ``signal-on-compute`` at its
first computation (``POST /completion``), as a binary built for another CPU;
``FAKE_LLAMA_DIE_AFTER=N`` exits after N completions, like a crash mid-run.
Every start appends its pid and flags to the file ``FAKE_LLAMA_STARTS`` names.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fakes.servers import solve


def crash() -> None:
    """Die as a binary built for another CPU does: killed by SIGSEGV, without a core file."""
    print("fake llama-server: executing an instruction this CPU lacks", flush=True)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.kill(os.getpid(), signal.SIGSEGV)
    while True:  # the signal is delivered asynchronously: never answer before it lands
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    for flag in ("--model", "--host", "--port", "--parallel", "--ctx-size"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--no-webui", action="store_true")
    args = parser.parse_args()
    starts = os.environ.get("FAKE_LLAMA_STARTS")
    if starts:
        with open(starts, "a") as handle:
            handle.write(json.dumps({"pid": os.getpid(), "args": sys.argv[1:]}) + "\n")
    print(f"fake llama-server: loading {args.model}", flush=True)
    mode = os.environ.get("FAKE_LLAMA_MODE", "")
    if mode == "exit":
        print("error: failed to load model", flush=True)
        sys.exit(1)
    if mode == "signal":
        crash()
    ready_at = time.monotonic() + float(os.environ.get("FAKE_LLAMA_LOADING", "0.3"))
    die_after = int(os.environ.get("FAKE_LLAMA_DIE_AFTER", "0"))
    served = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *values: object) -> None:
            print("request:", format % values, flush=True)

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                loading = time.monotonic() < ready_at
                self._json(503 if loading else 200, {"status": "loading" if loading else "ok"})
            else:
                self._json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == "/completion":  # llama-server's own endpoint: one raw completion
                if mode == "signal-on-compute":
                    crash()
                self._json(200, {"content": "1", "tokens_predicted": body.get("n_predict", 1)})
                return
            print("fake llama-server: received a completion request", flush=True)
            time.sleep(float(os.environ.get("FAKE_LLAMA_DELAY", "0")))
            text = solve(body["messages"], body.get("model", ""))
            for stop in body.get("stop") or []:
                if stop in text:
                    text = text[: text.index(stop)]  # as llama-server: the stop is left out
            n = int(body.get("n") or 1)
            self._json(
                200,
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": text},
                        }
                        for _ in range(n)
                    ],
                    "usage": {
                        "prompt_tokens": 100,
                        "completion_tokens": 5,
                        "total_tokens": 105,
                        "prompt_tokens_details": {"cached_tokens": 60},
                    },
                },
            )
            with lock:
                served[0] += 1
                if die_after and served[0] >= die_after:
                    self.wfile.flush()
                    print("fake llama-server: crashing on purpose", flush=True)
                    os._exit(3)

    server = ThreadingHTTPServer((args.host, int(args.port)), Handler)
    print(f"fake llama-server: listening on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
