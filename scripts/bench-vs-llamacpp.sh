#!/usr/bin/env bash
# Side by side with llama.cpp on this machine: the same random-weight 1.3B checkpoint (the
# bench's own, in Meta's layout), converted and quantised with llama.cpp's own tools, then
# both benchmarks alternated format by format, each started when the machine is quiet.
#
#   scripts/bench-vs-llamacpp.sh LLAMA_CPP_BUILD_DIR [LLAMA_CPP_SOURCE_DIR]
#
# LLAMA_CPP_BUILD_DIR holds llama-bench and llama-quantize (bin/ or the folder itself);
# LLAMA_CPP_SOURCE_DIR (default: the build folder's parent) holds convert_legacy_llama.py
# (examples/) and gguf-py/. Build llama.cpp for this CPU, e.g. under /tmp:
#   cmake -S llama.cpp -B llama.cpp/build -DGGML_NATIVE=ON -DLLAMA_CURL=OFF && cmake --build llama.cpp/build -j
# Or a build of scripts/llamacpp-lite/build.sh (its lbench, from llama.cpp's sources without
# the tools): the files are then written by its to_gguf.py (bf16, and q8_0 / q4_0 by ggml's
# reference rounding, every matrix in the format) and timed by lbench.
# Environment: SCALE (1.3b), THREADS (2), REPEATS (3), FORMATS (bf16,int8,q4),
# IBLLM_BUILD_DIR (build), QUIET_LOAD (0.5: the 1-minute load average a run waits for, at
# most QUIET_WAIT_S = 120 s), WORK (a folder for the converted files, default
# ~/.cache/imagebind-llm-bench/llamacpp-SCALE). Not part of the tests: it prints figures.
# Needs python3 with numpy and sentencepiece for the conversion (Debian: python3-numpy
# python3-sentencepiece).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
LLAMA_BUILD=$1
LLAMA_SRC=${2:-$(dirname "$LLAMA_BUILD")}
SCALE=${SCALE:-1.3b}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
FORMATS=${FORMATS:-bf16,int8,q4}
BUILD=${IBLLM_BUILD_DIR:-build}
QUIET_LOAD=${QUIET_LOAD:-0.5}
QUIET_WAIT_S=${QUIET_WAIT_S:-120}
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

find_tool() {
    local name=$1
    for p in "$LLAMA_BUILD/bin/$name" "$LLAMA_BUILD/$name"; do
        [[ -x $p ]] && { echo "$p"; return 0; }
    done
    echo "bench-vs-llamacpp: no $name in $LLAMA_BUILD or $LLAMA_BUILD/bin; build llama.cpp first (see the comment at the top of $0)." >&2
    exit 1
}
LITE=0
if [[ -x $LLAMA_BUILD/lbench ]]; then
    LITE=1
    LLAMA_BENCH=$LLAMA_BUILD/lbench
else
    LLAMA_BENCH=$(find_tool llama-bench)
    LLAMA_QUANTIZE=$(find_tool llama-quantize)
    CONVERT=$LLAMA_SRC/examples/convert_legacy_llama.py
    [[ -f $CONVERT ]] || { echo "bench-vs-llamacpp: $CONVERT is missing; pass the llama.cpp source folder as the second argument." >&2; exit 1; }
fi
IBLLM_BENCH=$BUILD/bin/ibllm-bench
[[ -x $IBLLM_BENCH ]] || { echo "bench-vs-llamacpp: $IBLLM_BENCH is missing; build the project first (scripts/test.sh or cmake --build $BUILD)." >&2; exit 1; }

# The bench's checkpoint (written once, reused).
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/imagebind-llm-bench
"$IBLLM_BENCH" --scale "$SCALE" --no-encoders --prepare-only >/dev/null
CKPT=$CACHE_ROOT/llama-$SCALE
[[ -f $CKPT/consolidated.00.pth ]] || { echo "bench-vs-llamacpp: the bench did not leave $CKPT/consolidated.00.pth." >&2; exit 1; }
WORK=${WORK:-$CACHE_ROOT/llamacpp-$SCALE}
[[ $LITE == 1 ]] && WORK=${WORK}-lite
mkdir -p "$WORK"

# llama.cpp's files: f16 from Meta's layout by its own converter (which writes f32, f16 or
# q8_0; Meta's params.json has no context size, hence --ctx), then bf16, q8_0 and q4_0 by its
# quantiser from that.
if [[ $LITE == 1 ]]; then
    for q in bf16 q8_0 q4_0; do
        if [[ ! -s $WORK/model-$q.gguf ]]; then
            "$PY" "$(dirname "$0")/llamacpp-lite/to_gguf.py" "$CKPT" "$WORK/model-$q.gguf.part" "$q" >&2
            mv "$WORK/model-$q.gguf.part" "$WORK/model-$q.gguf"
        fi
    done
elif [[ ! -s $WORK/model-f16.gguf ]]; then
    echo "Converting $CKPT with $CONVERT" >&2
    PYTHONPATH="$LLAMA_SRC/gguf-py${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$CONVERT" "$CKPT" --outtype f16 --ctx 2048 \
        --outfile "$WORK/model-f16.gguf.part" >&2
    mv "$WORK/model-f16.gguf.part" "$WORK/model-f16.gguf"
fi
for q in bf16 q8_0 q4_0; do
    if [[ $LITE == 0 && ! -s $WORK/model-$q.gguf ]]; then
        "$LLAMA_QUANTIZE" "$WORK/model-f16.gguf" "$WORK/model-$q.gguf.part" "${q^^}" >&2
        mv "$WORK/model-$q.gguf.part" "$WORK/model-$q.gguf"
    fi
done

wait_quiet() {
    local waited=0
    while awk -v limit="$QUIET_LOAD" '{ exit !($1 > limit) }' /proc/loadavg && ((waited < QUIET_WAIT_S)); do
        sleep 5
        waited=$((waited + 5))
    done
}

RESULTS=$WORK/results
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
IFS=, read -r -a formats <<<"$FORMATS"
for fmt in "${formats[@]}"; do
    case $fmt in
        bf16) gguf=model-bf16.gguf; extra=(-mmp 0) ;;
        int8) gguf=model-q8_0.gguf; extra=() ;;
        q4) gguf=model-q4_0.gguf; extra=() ;;
        *) echo "bench-vs-llamacpp: unknown format '$fmt' (bf16, int8 or q4)." >&2; exit 2 ;;
    esac
    wait_quiet
    echo "ours: $fmt" >&2
    "$IBLLM_BENCH" --scale "$SCALE" --formats "$fmt" --no-agreement --no-encoders --threads "$THREADS" \
        --repeat "$REPEATS" --json-file "$RESULTS/ours-$fmt.json" >"$RESULTS/ours-$fmt.txt"
    wait_quiet
    echo "llama.cpp: $gguf" >&2
    "$LLAMA_BENCH" -m "$WORK/$gguf" -t "$THREADS" -p 64,256 -n 64 -r "$REPEATS" "${extra[@]}" -o json >"$RESULTS/llamacpp-$fmt.json" 2>"$RESULTS/llamacpp-$fmt.log"
done

# The table, with the host's features and the paths ours took.
grep -m1 -A6 '^CPU features' "$RESULTS/ours-${formats[0]}.txt" || true
grep -m1 '^memory bandwidth' "$RESULTS/ours-${formats[0]}.txt" || true
"$PY" - "$RESULTS" "$FORMATS" <<'EOF'
import json, os, sys
results, formats = sys.argv[1], sys.argv[2].split(",")
peer = {"bf16": "bf16", "int8": "q8_0", "q4": "q4_0"}
rows = [("prefill, 64-token prompt", "64"), ("prefill, 256-token prompt", "256"), ("decode", "decode")]
def ours(fmt, key):
    r = json.load(open(os.path.join(results, f"ours-{fmt}.json")))[0]
    v = r.get("decode_tokens_per_s") if key == "decode" else (r.get("prefill_tokens_per_s") or {}).get(key)
    return v
def theirs(fmt, key):
    for t in json.load(open(os.path.join(results, f"llamacpp-{fmt}.json"))):
        if key == "decode" and t.get("n_gen", 0) > 0 and t.get("n_prompt", 0) == 0: return t["avg_ts"]
        if key != "decode" and t.get("n_prompt") == int(key) and t.get("n_gen", 0) == 0: return t["avg_ts"]
    return None
head = "| tokens/s |" + "".join(f" ours {f} | llama.cpp {peer[f]} | ratio |" for f in formats)
print(head)
print("|---|" + "---:|---:|---:|" * len(formats))
for label, key in rows:
    cells = []
    for f in formats:
        a, b = ours(f, key), theirs(f, key)
        fa = f"{a:.1f}" if a is not None else "-"
        fb = f"{b:.1f}" if b is not None else "-"
        ratio = f"{a / b:.2f}x" if a and b else "-"
        cells.append(f" {fa} | {fb} | {ratio} |")
    print(f"| {label} |" + "".join(cells))
EOF
echo "(raw results in $RESULTS)"
