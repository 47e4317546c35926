#!/usr/bin/env bash
# Builds llama.cpp's CPU library and lbench (a minimal llama-bench) where llama.cpp's repository
# cannot be had but its sources can: npm's llama.rn package carries them in its cpp/ folder (with
# ggml's names prefixed lm_), all but tinyBLAS, which is taken from a ggml checkout and renamed
# to match. The side by side then runs through scripts/bench-vs-llamacpp.sh OUT_DIR.
#
#   scripts/llamacpp-lite/build.sh LLAMA_RN_CPP_DIR GGML_DIR OUT_DIR [ARCH_FLAGS]
#
# LLAMA_RN_CPP_DIR: package/cpp of llama.rn's tarball (npm pack llama.rn); GGML_DIR: a checkout
# of ggml-org/ggml (src/ggml-cpu/llamafile/sgemm.*); ARCH_FLAGS: -march=native by default,
# -march=haswell for the AVX2-only paths. Its build number is in LLAMA_RN_CPP_DIR/common/build-info.cpp.
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
RN=$1 GGML=$2 OUT=$3 ARCH=${4:--march=native}
mkdir -p "$OUT"
rm -rf "$OUT/src" && cp -r "$RN" "$OUT/src"
mkdir -p "$OUT/src/ggml-cpu/llamafile"
for f in sgemm.cpp sgemm.h; do
    sed 's/ggml_/lm_ggml_/g; s/GGML_/LM_GGML_/g' "$GGML/src/ggml-cpu/llamafile/$f" >"$OUT/src/ggml-cpu/llamafile/$f"
done
cp "$HERE/CMakeLists.txt" "$HERE/lbench.cpp" "$OUT/"
cmake -S "$OUT" -B "$OUT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLAMA_RN_SRC="$OUT/src" -DARCH_FLAGS="$ARCH" >/dev/null
cmake --build "$OUT/build"
cp "$HERE/to_gguf.py" "$OUT/build/"
echo "built $OUT/build/lbench"
