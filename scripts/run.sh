#!/usr/bin/env bash
# Builds everything and starts the desktop assistant (the README's first command).
# With no real model chosen yet, the app writes and loads the DEMO model (tiny, random
# weights, random answers) and says so in a banner; Model > Choose model files... points it
# at LLaMA-7B, the ImageBind-LLM adapter and ImageBind.
#
#   scripts/run.sh [app options]      e.g. --demo, --ask "Describe this image." --attach dog.jpg
# Without a display, the command-line assistant answers instead (same demo model).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec build/bin/imagebind-llm "$@"
fi

echo "No display found: answering on the command line instead of opening the window." >&2
demo="${XDG_DATA_HOME:-$HOME/.local/share}/imagebind-llm/demo-model"
[ -f "$demo/DEMO_MODEL.txt" ] || build/bin/ibllm-cli make-demo "$demo"
echo "== DEMO model: random weights, so the answer below is random text. See README.md to use real weights. ==" >&2
exec build/bin/ibllm-cli ask --llama "$demo" --tokenizer "$demo/tokenizer.model" --adapter "$demo/adapter.pth" \
  --cache "$demo/knn.index" --embedding "image=$demo/demo_image_embedding.npy" "${1:-Describe this image.}"
