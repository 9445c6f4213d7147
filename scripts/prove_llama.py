"""Prove a llama-server binary on the machine that runs it: start, /health, one completion.

A build made on one CPU can meet another through a shared cache, so ``setup_llama.sh``
runs this every time (it costs a few seconds). Standard library only: it runs before
the project is installed.

Exit status: 0 proven; 3 the server was killed by a signal (the binary does not fit
this CPU); 1 any other failure. The server started here is always stopped by its pid.

``--emulate CPU`` proves the same binary on another CPU model, emulated by qemu's user
mode (``qemu-x86_64 -cpu CPU``; Debian's ``qemu-user``): ``SandyBridge`` has AVX but no
AVX2, ``Nehalem`` no AVX at all. It takes a minute or two, so setup_llama.sh never does it:
it is how one machine checks that the build dispatches to a variant that fits another.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

READY_SECONDS = 180.0
REPLY_SECONDS = 180.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


def tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def loaded_backend(pid: int) -> str:
    """The CPU variant the backend loader chose here: the libggml-cpu-*.so the process maps
    (a release build loads it silently, so the log does not say)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return "unknown"
    found = sorted({line.rsplit("/", 1)[-1] for line in maps.splitlines() if "libggml-cpu" in line})
    return ", ".join(found) or "built in (no variant library)"


def get(url: str, timeout: float) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), b""


def prove(server: str, model: str, log: Path, emulate: str | None = None) -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [server, "-m", model, "--host", "127.0.0.1", "--port", str(port)]
    command += ["-c", "1024", "--parallel", "1", "--no-webui"]
    where = "this machine"
    if emulate:
        # one thread: an emulated thread costs a host core, and one token proves the variant
        command = ["qemu-x86_64", "-cpu", emulate, *command, "--threads", "1"]
        where = f"an emulated {emulate} (qemu-x86_64 -cpu {emulate})"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        step = "start"
        deadline = started + READY_SECONDS
        while True:
            code = proc.poll()
            if code is not None:
                return died(code, step, log, where, emulated=bool(emulate))
            try:
                status, _ = get(base + "/health", timeout=5)
                if status == 200:
                    break
            except (OSError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                print(
                    f"setup_llama: llama-server was not healthy after {READY_SECONDS:.0f} s;"
                    f" its log {log} ends:\n{tail(log)}",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.5)
        step = "completion"
        body = json.dumps(
            {
                "messages": [{"role": "user", "content": "Say OK."}],
                "max_tokens": 4,
                "temperature": 0,
            }
        ).encode()
        request = urllib.request.Request(
            base + "/v1/chat/completions",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=REPLY_SECONDS) as response:
                reply = json.loads(response.read())
        except (OSError, TimeoutError, ValueError) as exc:
            code = proc.poll()
            if code is not None:
                return died(code, step, log, where, emulated=bool(emulate))
            print(
                f"setup_llama: llama-server gave no completion ({exc}); its log {log} ends:\n"
                f"{tail(log)}",
                file=sys.stderr,
            )
            return 1
        tokens = reply.get("usage", {}).get("completion_tokens", 0)
        backend = loaded_backend(proc.pid)
        if not reply.get("choices") or not tokens:
            print(f"setup_llama: llama-server answered without tokens: {reply}", file=sys.stderr)
            return 1
        print(
            f"setup_llama: proven on {where} in {time.monotonic() - started:.1f} s"
            f" ({tokens} tokens; CPU variant {backend})",
            file=sys.stderr,
        )
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def died(code: int, step: str, log: Path, where: str, *, emulated: bool) -> int:
    what = describe_exit(code)
    print(
        f"setup_llama: llama-server {what} during its {step} on {where}; its log {log}"
        f" ends:\n{tail(log)}",
        file=sys.stderr,
    )
    if code < 0 and emulated:
        print(
            "setup_llama: the build chose a CPU variant this CPU model lacks, or has none"
            " that fits it: check GGML_CPU_ALL_VARIANTS and the variants setup_llama.sh keeps",
            file=sys.stderr,
        )
        return 3
    if code < 0:
        print(
            "setup_llama: a binary killed by a signal does not fit this CPU (an instruction"
            " set it lacks, or llama.cpp's AMX path): it is removed from the cache so that"
            " the next run rebuilds it here",
            file=sys.stderr,
        )
        return 3
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="the llama-server binary")
    parser.add_argument("model", help="the GGUF model file")
    parser.add_argument("log", type=Path, help="where the server's log goes")
    parser.add_argument(
        "--emulate",
        metavar="CPU",
        help="prove it on this CPU model under qemu-x86_64 (e.g. SandyBridge, Nehalem)",
    )
    args = parser.parse_args()
    if args.emulate and shutil.which("qemu-x86_64") is None:
        print(
            "prove_llama: --emulate needs qemu-x86_64: apt-get install qemu-user",
            file=sys.stderr,
        )
        return 1
    return prove(args.server, args.model, args.log, args.emulate)


if __name__ == "__main__":
    sys.exit(main())
