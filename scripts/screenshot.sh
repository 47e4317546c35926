#!/usr/bin/env bash
# Makes docs/screenshot.png: the desktop app on the DEMO model under a virtual X server
# (Xvfb), after it has answered a question about an attached embedding.
#
#   scripts/screenshot.sh [OUTPUT.png]
# IBLLM_BUILD_DIR selects the build folder (default: build); the app must be built there.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${IBLLM_BUILD_DIR:-build}"
out="${1:-docs/screenshot.png}"
app="$build/bin/imagebind-llm"
cli="$build/bin/ibllm-cli"
for tool in xvfb-run import; do
  command -v "$tool" >/dev/null || { echo "screenshot: $tool is missing; run scripts/install-deps.sh" >&2; exit 2; }
done
[ -x "$app" ] || { echo "screenshot: $app is not built; run: cmake --build $build --target imagebind-llm ibllm-cli" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The same demo folder as scripts/run.sh and the app itself use.
demo="${XDG_DATA_HOME:-$HOME/.local/share}/imagebind-llm/demo-model"
[ -f "$demo/DEMO_MODEL.txt" ] || "$cli" make-demo "$demo" >/dev/null
# A fresh settings file and database, so the picture does not depend on this user's history.
cat > "$work/settings.ini" <<INI
[answer]
temperature=0.8
max_tokens=80
[window]
settings_visible=true
INI

mkdir -p "$(dirname "$out")"
export LANG=C.UTF-8
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  set -e
  "$1" -qwindowgeometry 1280x800+0+0 --settings "$2/settings.ini" --database "$2/conversations.sqlite" \
       --demo --demo-dir "$3" --attach "$3/demo_image_embedding.npy" \
       --ask "Describe this image, then write a short Python snippet that prints its main colour." &
  pid=$!
  # The answer is saved when it is finished: wait for it in the database (at most
  # IBLLM_SCREENSHOT_WAIT seconds), then give the window a moment to paint.
  for _ in $(seq 1 "${IBLLM_SCREENSHOT_WAIT:-120}"); do
    sleep 1
    /usr/bin/python3 - "$2/conversations.sqlite" <<PY 2>/dev/null && break
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
sys.exit(0 if db.execute("SELECT COUNT(*) FROM messages WHERE role = '"'"'assistant'"'"'").fetchone()[0] else 1)
PY
  done
  sleep 1
  import -window root "$4"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
' _ "$app" "$work" "$demo" "$out"
echo "screenshot: wrote $out"
