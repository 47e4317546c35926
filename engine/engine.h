#pragma once
// The engine's one public header: load the models, encode inputs, and ask questions with
// streamed, cancellable answers. No torch and no Qt here, so the app and UI can include it.
//
// Threading: an Engine is used from one thread at a time (the app's engine worker), except
// cancel(), which any thread may call while ask() runs.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/llama/prompt.h"
#include "engine/modality.h"
#include "engine/precision.h"

namespace ibllm {

struct ModelPaths {
    std::string llama_dir;  // folder with params.json and consolidated.00.pth
    std::string tokenizer;  // tokenizer.model
    std::string adapter;    // ImageBind-LLM adapter, e.g. 7B.pth
    std::string imagebind;  // imagebind_w3D.pth (optional until encoders are loaded)
    std::string imagebind_config;  // optional JSON for non-huge sizes
    std::string cache;      // knn.index (optional)
};

struct LoadOptions {
    Precision precision = Precision::Auto;
    // Bf16: the exact path (weights in the Precision's dtype). Int8 / Q4: the language model's
    // projections quantised at load, for about 2x / 3.5x faster decoding (memory-bound).
    WeightFormat weight_format = WeightFormat::Bf16;
    // Int8 / Q4: keep the quantised weights in consolidated.00.<format>.safetensors next to the
    // base checkpoint and map them on the next load (skipped when the folder is read-only).
    bool quant_cache = true;
    int threads = 0;         // 0: all cores
    int context = 2048;      // tokens, at most 2048
};

// stage is a short human-readable phrase ("Reading consolidated.00.pth"), fraction in [0, 1].
using ProgressFn = std::function<void(const std::string& stage, double fraction)>;
using TokenFn = std::function<void(const std::string& text)>;

struct ModelInfo {
    std::string llama;       // "LLaMA-7B" or a description of the size
    int64_t dim = 0, layers = 0, vocab = 0, context = 0, visual_dim = 0;
    std::string precision;   // "fp32" / "bf16"
    std::string weight_format;  // "bf16" (weights in the precision's dtype) / "int8" / "q4"
    bool has_cache = false;
    int64_t cache_entries = 0;
    bool demo = false;       // loaded from a `make-demo` folder: random weights, random answers
};

struct Attachment {
    Modality modality = Modality::Image;
    std::string path;                 // where it came from (for messages)
    std::vector<float> embedding;     // its ImageBind embedding (app/ encodes files before asking)
    double weight = 1.0;              // fusion weight (the reference's embedding arithmetic)
};

// Decoded inputs for the ImageBind encoders. media/ decodes files; app/ fills these.
struct ImageInput { int width = 0, height = 0; std::vector<uint8_t> rgb; };            // RGB, row-major HWC
struct GrayInput { int width = 0, height = 0, bits = 8; std::vector<uint16_t> values; };  // depth / thermal
struct AudioInput { int sample_rate = 0, channels = 0; std::vector<float> samples; };     // planar [C][N], -1..1
// Per clip, the kept frames (two per clip for ImageBind), RGB HWC of width x height.
struct VideoInput { int width = 0, height = 0; std::vector<std::vector<std::vector<uint8_t>>> clips; };
struct PointInput {
    std::vector<double> xyz;    // N * 3
    bool reference = false;     // the reference path: points exactly as given (parity); else
                                // centred, scaled to the unit sphere, sampled to 8192 points
};
struct ImuInput { std::vector<std::array<float, 6>> samples; };  // accelerometer xyz, gyroscope xyz

struct EncoderInput {
    Modality modality = Modality::Image;
    std::string source;  // file name for messages
    ImageInput image;
    GrayInput gray;
    AudioInput audio;
    VideoInput video;
    PointInput points;
    ImuInput imu;
    std::string text;
};

struct TensorData {
    std::vector<int64_t> shape;
    std::vector<float> values;
};

struct CacheSettings {
    bool enabled = true;  // used when a cache is loaded
    int k = 10;
    double t = 20.0;
    double w = 0.5;
};

struct SamplingSettings {
    double temperature = 0.1;  // 0: greedy
    double top_p = 0.75;
    int max_tokens = 256;
    std::optional<uint64_t> seed;
};

struct AskRequest {
    std::vector<ChatTurn> history;  // earlier turns of this conversation, oldest first
    std::string prompt;             // the question (Alpaca "instruction")
    std::string input;              // optional Alpaca "### Input:" text
    std::vector<Attachment> attachments;
    CacheSettings cache;
    SamplingSettings sampling;
    AnswerLanguage language = AnswerLanguage::Auto;
};

struct AskStats {
    std::vector<int> ids;   // generated ids, EOS excluded
    std::string text;       // the whole answer
    double encode_ms = 0, prefill_ms = 0, decode_ms = 0;
    double tokens_per_s = 0;  // decode speed
    int prompt_tokens = 0, reused_tokens = 0, generated_tokens = 0, dropped_turns = 0;
    bool stopped_on_eos = false, cancelled = false, hit_context_limit = false;
};

class Engine {
public:
    Engine();
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Loads (or replaces) the models. Throws Error with one sentence naming the file and the fix.
    void load(const ModelPaths& paths, const LoadOptions& options, const ProgressFn& progress = {});
    bool loaded() const;
    ModelInfo info() const;

    // Loads ImageBind (imagebind_w3D.pth) alone, e.g. for `ibllm-cli embed`; load() does this
    // too when ModelPaths::imagebind is set. `config` empty: the built-in huge sizes.
    void load_imagebind(const std::string& checkpoint, const std::string& config, Precision precision,
                        const ProgressFn& progress = {});
    bool has_imagebind() const;

    // The L2-normalised ImageBind embedding of a decoded input. `note` receives what was done
    // to the input that the user should know (e.g. "centred and scaled; 8192 of 120000 points").
    std::vector<float> embed(const EncoderInput& input, std::string* note = nullptr);

    // Streams the answer through on_token (complete UTF-8 only) and returns its statistics.
    // Cancelled requests return early with stats.cancelled set; they are not errors.
    AskStats ask(const AskRequest& request, const TokenFn& on_token);

    // Stops a running ask() within one token. Safe from any thread.
    void cancel();

    // Forgets the cached conversation prefix (e.g. when switching conversations).
    void reset_conversation();

    // The bind network's output for these attachments ([dim] floats), as ask() would use it.
    std::vector<float> visual_query(const std::vector<Attachment>& attachments, const CacheSettings& cache);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// ---- tools behind `ibllm-cli` -------------------------------------------------------

struct CheckpointEntry {
    std::string name;
    std::string dtype;           // "float16", ... or the Python type of a non-tensor entry
    std::vector<int64_t> shape;
    std::string value;           // short repr of a non-tensor entry
    bool is_tensor = false;
};
std::vector<CheckpointEntry> inspect_checkpoint(const std::string& path);

std::vector<int> tokenize(const std::string& tokenizer_path, const std::string& text, bool bos, bool eos);

// Reads a float32/float64 .npy of shape [D] or [1, D].
std::vector<float> read_embedding_npy(const std::string& path);
void write_npy(const std::string& path, const TensorData& tensor);

// The tensor the encoder is fed for a decoded input, shaped as the reference's
// load_and_transform_*_data output (no model needed; text needs the CLIP vocabulary).
TensorData preprocess_input(const EncoderInput& input, const std::string& bpe_path = "");

// Clip windows of a video, in stream ticks [lo, hi), as the reference samples them:
// 5 clips of 2 s (pytorchvideo's ConstantClipsPerVideoSampler on the exact duration, which is
// `duration_ticks` stream ticks of tb_num/tb_den seconds).
std::vector<std::pair<int64_t, int64_t>> video_clip_windows(int64_t duration_ticks, int64_t tb_num, int64_t tb_den,
                                                            int64_t start_pts);

// A point cloud saved with torch.save (the reference's examples/*.pt).
PointInput read_point_tensor(const std::string& path);

// Writes a tiny random-weight model in the real formats (params.json, consolidated.00.pth,
// tokenizer.model, adapter.pth, knn.index and a DEMO_MODEL.txt marker) into `dir`.
void write_demo_model(const std::string& dir, const ProgressFn& progress = {});
// True when `llama_dir` (or the adapter next to it) carries the demo marker.
bool is_demo_model(const std::string& dir);

}  // namespace ibllm
