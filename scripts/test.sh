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
# The suites that load no language model, again with AddressSanitizer and UBSan in a second
# build folder (any report ends the suite). The rest stay out: under AddressSanitizer the
# tokenizer's module cannot be loaded with RTLD_DEEPBIND, which keeps sentencepiece's protobuf
# apart from libtorch's (docs/reliability.md). Leak checking is off: libtorch and Qt keep
# one-time allocations to the end of the process.
SANITIZED=(test_checkpoint test_bind test_sampler test_preprocess test_imagebind test_pointbert test_audio_video
           test_media_points test_server_request test_server_responses test_recording test_conversation_store
           test_desktop_settings)
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release -DIBLLM_SANITIZE=address,undefined
cmake --build build-sanitize -j"$(nproc)" --target "${SANITIZED[@]}"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure -j1 -R "^($(IFS='|'; echo "${SANITIZED[*]}"))\$"
