#!/usr/bin/env bash
# CTest's test_server_openai: `ibllm-cli serve` on the test fixtures, called by the official
# `openai` npm client (openai_client.mjs). The client is installed into the build folder on
# first use; without the npm registry (or Node.js) the test says so and is skipped (exit 77),
# and test_server_http's socket-level tests still run.
#   run_openai_client.sh BIN_DIR DATA_DIR WORK_DIR
set -uo pipefail
BIN=$1 DATA=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }

command -v node >/dev/null && command -v npm >/dev/null ||
  skip "Node.js and npm are not installed (scripts/install-deps.sh installs them), so the official openai client was not run."
mkdir -p "$WORK"
cp "$HERE/package.json" "$HERE/openai_client.mjs" "$WORK/"
if [ ! -f "$WORK/node_modules/openai/package.json" ]; then
  (cd "$WORK" && timeout 180 npm install --no-audit --no-fund --loglevel=error >npm-install.log 2>&1) ||
    skip "the npm registry could not be reached (see $WORK/npm-install.log), so the official openai client was not installed."
fi

MODEL=(--llama "$DATA/llama_adapter" --tokenizer "$DATA/llama_adapter/tokenizer.model"
       --adapter "$DATA/llama_adapter/adapter.pth" --imagebind "$DATA/imagebind/imagebind.pth"
       --imagebind-config "$DATA/imagebind/imagebind_config.json" --no-cache --precision fp32)
IMAGE=$DATA/imagebind/assets/dog_image.jpg
"$BIN/ibllm-cli" ask "${MODEL[@]}" --image "$IMAGE" --seed 5 --max-tokens 12 "What is in the picture?" \
  >"$WORK/expected.txt" || { echo "ibllm-cli ask failed"; exit 1; }

rm -f "$WORK/serve.out"
IBLLM_API_KEY=test-key "$BIN/ibllm-cli" serve "${MODEL[@]}" --model-name fixture --port 0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null' EXIT
PORT=
for _ in $(seq 1 300); do
  PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/v1.*|\1|p' "$WORK/serve.out" 2>/dev/null)
  [ -n "$PORT" ] && break
  kill -0 $SERVER 2>/dev/null || { echo "the server did not start:"; cat "$WORK/serve.err"; exit 1; }
  sleep 0.1
done
[ -n "$PORT" ] || { echo "the server did not say its port"; exit 1; }

(cd "$WORK" && node openai_client.mjs "http://127.0.0.1:$PORT/v1" test-key "$IMAGE" \
  "$DATA/imagebind/assets/dog_audio_16k.wav" "$DATA/imagebind/assets/airplane.ply" "$WORK/expected.txt")
STATUS=$?
kill -TERM $SERVER
wait $SERVER
SERVER_STATUS=$?
trap - EXIT
[ $STATUS -eq 0 ] || exit $STATUS
[ $SERVER_STATUS -eq 0 ] || { echo "the server exited with $SERVER_STATUS after SIGTERM"; cat "$WORK/serve.err"; exit 1; }
echo "the server stopped cleanly on SIGTERM"
