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
# The fast suites, again with AddressSanitizer and UBSan in a second build folder (any report
# ends the suite): the parsers, the preprocessing and encoders, the language model's loaders and
# kernels, OneLLM, the engine's thread, the chat session and the server. The end-to-end suites
# that train or run the command line many times (test_cli, test_train, test_train_parallel,
# test_world, test_encode_chain, test_imagebind_training) and the display ones stay out: under
# the sanitizers they take about 6 minutes more, and their parsers are fuzzed and their code
# paths run here through the suites above (docs/reliability.md). Leak checking is off: libtorch
# and Qt keep one-time allocations to the end of the process.
SANITIZED=(test_checkpoint test_bind test_sampler test_preprocess test_imagebind test_pointbert test_audio_video
           test_media_points test_server_request test_server_responses test_recording test_conversation_store
           test_desktop_settings test_tokenizer test_llama test_quant test_onellm test_engine_worker test_chat_session
           test_server_http)
# -O1, as AddressSanitizer's documentation suggests: a quarter less compile time than -O3 for
# this folder (the pass's largest cost), at a little more run time.
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release -DIBLLM_SANITIZE=address,undefined \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG"
cmake --build build-sanitize -j"$(nproc)" --target "${SANITIZED[@]}"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure -j1 -R "^($(IFS='|'; echo "${SANITIZED[*]}"))\$"
