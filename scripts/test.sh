#!/usr/bin/env bash
# Builds everything and runs every test (the README's second command).
# Works on a fresh Debian 12 machine: missing packages are installed first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
# No display and no sound card in CI: Qt runs offscreen.
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j1
# Every input of the fuzz harnesses' corpora once more, under AddressSanitizer and UBSan: the
# inputs that once crashed a parser must still be read cleanly (tests/fuzz, scripts/fuzz.sh).
scripts/fuzz.sh --replay
