#!/usr/bin/env bash
# Builds everything and runs the assistant (the README's first command).
# Until the desktop window lands, this runs the command-line assistant. With no real model
# configured it writes and uses the DEMO model (tiny, random weights, random answers).
#
#   scripts/run.sh ["question"]
# Real weights: set IBLLM_LLAMA_DIR (params.json + consolidated.00.pth), IBLLM_TOKENIZER,
# IBLLM_ADAPTER and optionally IBLLM_CACHE (knn.index) and IBLLM_EMBEDDING (MODALITY=FILE.npy).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"

question="${1:-Describe this image.}"
if [ -n "${IBLLM_LLAMA_DIR:-}" ]; then
  llama="$IBLLM_LLAMA_DIR"
  tokenizer="${IBLLM_TOKENIZER:?set IBLLM_TOKENIZER to the LLaMA tokenizer.model}"
  adapter="${IBLLM_ADAPTER:?set IBLLM_ADAPTER to the ImageBind-LLM adapter (7B.pth)}"
  cache="${IBLLM_CACHE:-}"
else
  demo="${XDG_DATA_HOME:-$HOME/.local/share}/imagebind-llm/demo-model"
  [ -f "$demo/DEMO_MODEL.txt" ] || build/bin/ibllm-cli make-demo "$demo"
  echo "== DEMO model: random weights, so the answer below is random text. See README.md to use real weights. =="
  llama="$demo"; tokenizer="$demo/tokenizer.model"; adapter="$demo/adapter.pth"; cache="$demo/knn.index"
  if [ -z "${IBLLM_EMBEDDING:-}" ]; then
    # A stand-in for an ImageBind image embedding until the encoders land.
    IBLLM_EMBEDDING="image=$demo/demo_image_embedding.npy"
  fi
fi
args=(ask --llama "$llama" --tokenizer "$tokenizer" --adapter "$adapter")
[ -n "$cache" ] && args+=(--cache "$cache")
[ -n "${IBLLM_EMBEDDING:-}" ] && args+=(--embedding "$IBLLM_EMBEDDING")
exec build/bin/ibllm-cli "${args[@]}" "$question"
