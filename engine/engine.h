#pragma once
// The engine's one public header: load the models, encode inputs, and ask questions with
// streamed, cancellable answers. No torch and no Qt here, so the app and UI can include it.
//
// Threading: an Engine is used from one thread at a time (the app's engine worker), except
// cancel(), which any thread may call while ask() runs.
//
// Usage (app/attachment_decoder.h turns a file into an EncoderInput):
//
//   ibllm::Engine engine;
//   engine.load(ibllm::find_model_folder("resources/models/solids").paths, ibllm::LoadOptions{},
//               [](const std::string& stage, double f) { std::printf("%s %.0f%%\n", stage.c_str(), 100 * f); });
//   ibllm::Attachment image;                                 // encode: file -> joint embedding
//   image.modality = ibllm::Modality::Image;
//   image.embedding = engine.embed(decoded_image);           // an EncoderInput of the image
//   ibllm::AskRequest request;
//   request.prompt = "What is this?";
//   request.attachments = {image};
//   std::thread stopper([&] { if (user_pressed_stop()) engine.cancel(); });  // any thread may cancel
//   const ibllm::AskStats stats = engine.ask(request, [](const std::string& piece) {
//       std::fputs(piece.c_str(), stdout);                   // streamed, token by token
//   });                                                      // stats.cancelled if stopped
//   stopper.join();
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/ask_settings.h"
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
    // A OneLLM folder (consolidated.00-of-01.pth, llama_config.json or 7B.json,
    // tokenizer.model, optionally onellm_config.json). When set, the fields above are unused.
    std::string onellm_dir;
};

// The files of one model folder, found by name, in either layout:
//  - a folder that holds a whole model: params.json, consolidated.00.pth, tokenizer.model,
//    adapter.pth, and optionally imagebind.pth (+ imagebind_config.json) and knn.index (the
//    layout `ibllm-cli train` stages write, and resources/models/*);
//  - the release layout: 7B/ (or 7B_chinese/) with params.json and consolidated.00.pth,
//    tokenizer.model, 7B.pth, imagebind_w3D.pth and knn.index side by side.
//  - a OneLLM folder: consolidated.00-of-01.pth with llama_config.json (or 7B.json) and
//    tokenizer.model (ModelPaths::onellm_dir).
// `layout` says which ("model folder" / "release" / "onellm"). Throws Error with one sentence
// naming the folder and what it lacks when it is none of them. `family` "imagebind-llm" or
// "onellm" reads the folder as that family only ("" decides from the files).
struct ModelFolder {
    ModelPaths paths;
    std::string layout;
};
ModelFolder find_model_folder(const std::string& dir, const std::string& family = "");

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
    // OneLLM: corrections of the reference's behaviour, off by default (the reference's
    // answers): decode at the positions after the modality prefill (the reference decodes two
    // positions early), and sample/group point clouds on x, y, z (the reference uses columns 3..5).
    bool onellm_fix_positions = false;
    bool onellm_point_xyz = false;
};

// stage is a short human-readable phrase ("Reading consolidated.00.pth"), fraction in [0, 1].
using ProgressFn = std::function<void(const std::string& stage, double fraction)>;
using TokenFn = std::function<void(const std::string& text)>;

struct ModelInfo {
    std::string family;      // "ImageBind-LLM" or "OneLLM"
    std::string llama;       // "LLaMA-7B" / "OneLLM-7B" or a description of the size
    int64_t dim = 0, layers = 0, vocab = 0, context = 0, visual_dim = 0;
    std::string precision;   // "fp32" / "bf16"
    std::string weight_format;  // "bf16" (weights in the precision's dtype) / "int8" / "q4"
    bool has_cache = false;
    int64_t cache_entries = 0;
    bool demo = false;       // loaded from a `make-demo` folder: random weights, random answers
    // The CPU's features and the arithmetic each kind of product takes on it for this model
    // (decided once per CPU; several lines, for `ask --verbose` and the benchmarks).
    std::string compute_paths;
};

struct Attachment {
    Modality modality = Modality::Image;
    std::string path;                 // where it came from (for messages)
    // What Engine::encode() gave for it (app/ encodes files before asking): its ImageBind
    // embedding, or with OneLLM its modality tokens (words x dim values).
    std::vector<float> embedding;
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
// A NumPy array as read from a .npy file (OneLLM's point clouds, fMRI and IMU recordings).
struct ArrayInput {
    std::vector<int64_t> shape;
    std::vector<double> values;  // row-major
    bool float64 = false;        // the file's dtype was float64 (else float32 or narrower)
};

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
    // OneLLM's inputs:
    ImageInput map;                          // rgbd / rgbn: the depth or normal map, as RGB (`image` is the photo)
    std::optional<std::array<int, 4>> crop;  // rgbd / rgbn: top, left, height, width in the photo (default: centred box)
    ArrayInput array;                        // point (N, 6), fmri (R, voxels), imu (6, n) from .npy
    std::vector<double> timestamps;          // imu: milliseconds per sample (<name>_timestamps.npy)
    std::optional<std::pair<double, double>> imu_window;  // imu: [start, end) s; default: 2 s from the first timestamp
};

struct TensorData {
    std::vector<int64_t> shape;
    std::vector<float> values;
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

// How torch's OpenMP threads wait between parallel regions, for the whole process. Programs
// call this first thing in main(): it runs the program again with the variables that libgomp
// (and OpenBLAS) read when loaded (each left as the user set it; nothing runs again when all are set).
//  - Inference: a short spin, so that the spinning threads do not take the cores from
//    OpenBLAS's threads in the large float32 products (encoders, prefill's attention), while
//    decoding's many small parallel regions still find their threads awake.
//  - Passive: no spinning (training, whose time is all in large products).
enum class OpenMpWaiting { Inference, Passive };
void restart_with_openmp_waiting(char** argv, OpenMpWaiting waiting);

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
    // Needs ImageBind: OneLLM has no joint embedding space.
    std::vector<float> embed(const EncoderInput& input, std::string* note = nullptr);
    // What ask() reads for an attachment (Attachment::embedding): the ImageBind embedding with
    // ImageBind-LLM, the modality tokens with OneLLM.
    std::vector<float> encode(const EncoderInput& input, std::string* note = nullptr);
    // The model family loaded: true for OneLLM (one attachment per question, no fusion, no
    // visual cache; rgbd, rgbn and fmri inputs), false for ImageBind-LLM.
    bool is_onellm() const;
    // Whether the loaded model reads `m`, and if not, the sentence that says why.
    std::string cannot_read(Modality m) const;
    // The CLIP tokens ImageBind's text encoder reads for `text` (for usage figures). Needs ImageBind.
    int text_tokens(const std::string& text) const;
    // ImageBind's embedding of an all-zero (already normalised) image tensor: what the
    // reference's training feeds for text-only examples. Needs load_imagebind().
    std::vector<float> embed_blank_image();

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
    AskStats ask_onellm(const AskRequest& request, const TokenFn& on_token);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// ---- training (engine/train/): ImageBind-LLM's two tuning phases ---------------------

struct TrainOptions {
    std::string phase;      // "pretrain" (gates, bind network, prefix queries), "finetune" (norms, biases, LoRA),
                            // "imagebind" (the encoders, from scratch on world folders: train_imagebind),
                            // or "base" (a LLaMA of its own, every weight, as a causal LM on text)
    std::string llama_dir;  // params.json + consolidated.00.pth
    std::string tokenizer;  // tokenizer.model
    std::string adapter;    // the adapter to start from (finetune: required; pretrain: empty = new)
    std::string data;       // .csv (pretrain), .json (finetune) or .yaml listing them under META
    std::string out;        // folder for adapter.pth, checkpoints, log.jsonl and the embedding cache
    int epochs = 1;
    double warmup_epochs = 0;
    double blr = 1e-3;       // lr = blr * batch_size * accum_iter / 256
    double min_lr = 0;
    double weight_decay = 0.05;
    int batch_size = 4;
    int accum_iter = 1;
    int max_words = 0;       // 0: 96 for pretrain, 512 for finetune (the reference's defaults)
    double clip_grad = 0;    // 0: no clipping (the reference's default)
    uint64_t seed = 0;
    bool shuffle = true;     // false: file order
    bool augment = false;    // RandomResizedCrop(224, scale 0.9-1) of images, re-encoded every epoch
    std::string blank_embedding;  // .npy: the visual input of text-only examples
    Precision precision = Precision::Auto;
    bool checkpointing = false;   // recompute each layer in the backward pass (less memory)
    int threads = 0;
    bool save_every_step = false, save_every_epoch = false;
    std::string resume;      // a checkpoint-*.pth to continue from
    // base: the size of a new LLaMA when llama_dir is empty (multiple_of as in params.json).
    int base_dim = 0, base_layers = 0, base_heads = 0, base_multiple_of = 32;
    // Data parallel over processes (torch's c10d, Gloo), as torchrun launches them: each rank
    // trains on its shard, gradients are averaged after every backward pass.
    int rank = 0, world_size = 1;
    int local_world_size = 1;  // workers on this machine: they share its cores
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
    // A local run's rendezvous (--nproc): a c10d FileStore at this path instead of a TCPStore,
    // so no port is opened for it; the ranks' Gloo links then stay on loopback.
    std::string rendezvous_file;
    std::string backend = "gloo";
    int timeout_s = 300;       // a collective waiting longer means a peer is gone
    // imagebind: the solids world's encoders, trained from scratch (or continued from
    // `imagebind`, a checkpoint of an earlier stage) with the config `imagebind_config`.
    // `imagebind_stage`: "text" (image <-> text, CLIP's InfoNCE), "modalities" (audio, depth,
    // points against the frozen image encoder) or "all" (both in a row). `save_dtype`: fp32
    // or bf16 for OUT/imagebind.pth (the loaders read both).
    std::string imagebind;
    std::string imagebind_config;
    std::string imagebind_stage = "all";
    std::string save_dtype = "fp32";
};

struct TrainProgress {
    int64_t step = 0, total_steps = 0;  // optimizer steps done / planned
    int epoch = 0;
    double loss = 0, lr = 0, grad_norm = 0, seconds = 0, tokens_per_s = 0, eta_s = 0;
    int64_t tokens = 0;
};

// What the front end supplies: the ImageBind encoders live with the media decoders there.
struct TrainHooks {
    // The ImageBind embedding of a media file (any modality the app reads, from its
    // extension). `augment_seed` set: an image is randomly resized-cropped first.
    std::function<std::vector<float>(const std::string& path, std::optional<uint64_t> augment_seed)> embed;
    // ImageBind's embedding of an all-zero image tensor, the visual input of text-only examples.
    std::function<std::vector<float>()> blank_embedding;
    std::string embedder_id;  // names the encoder and its preprocessing, for the embedding cache
    // train imagebind: a file decoded and preprocessed as the product does before an encoder
    // (preprocess_input), and texts as the CLIP tokenizer's [1, 77] ids (preprocess_texts).
    std::function<TensorData(const std::string& path, Modality modality)> prepare;
    // imagebind with augment: the file decoded, and a decoded (augmented) input preprocessed.
    std::function<EncoderInput(const std::string& path, Modality modality)> decode;
    std::function<TensorData(const EncoderInput& input)> preprocess;
    std::function<std::vector<TensorData>(const std::vector<std::string>& texts)> prepare_texts;
    std::function<void(const std::string& stage, int64_t done, int64_t total)> encoding;
    std::function<void(const TrainProgress&)> progress;  // after every optimizer step
    std::function<void(const std::string&)> note;        // one-line notes (skipped examples, resume)
    const std::atomic<bool>* interrupt = nullptr;        // raised: save a checkpoint and stop
};

struct TrainSummary {
    int64_t examples = 0, skipped = 0, steps = 0;
    double last_loss = 0;
    std::string adapter;     // OUT/adapter.pth when the run finished
    std::string checkpoint;  // the last checkpoint written, if any
    bool interrupted = false;
};

// Runs one phase as the reference's main_pretrain / main_finetune do (AdamW with betas
// (0.9, 0.95), decay groups as add_weight_decay, per-iteration warmup + half-cosine,
// gradient accumulation) and writes OUT/adapter.pth. Throws Error with one sentence naming
// the file (and row) and the fix; a non-finite loss stops the run with the last good
// state saved as a checkpoint.
TrainSummary train_adapter(const TrainOptions& options, const TrainHooks& hooks);

// torchvision's RandomResizedCrop(224, scale=(0.9, 1), ratio=(3/4, 4/3), bicubic) of an
// image, seeded: the training augmentation. The result is 224 x 224.
ImageInput random_resized_crop(const ImageInput& image, uint64_t seed);

// `train imagebind --augment`'s draw for one use of a decoded world file, seeded: an image
// random_resized_crop, then mirrored left-right and/or upside down (each half the time); a sound a gain of 0.6-1.4 and white noise 25-45 dB below it; a point
// cloud Gaussian jitter of 0.5% of its extent on a random 90% of its points. Other inputs
// come back as they are.
EncoderInput augment_world_input(const EncoderInput& input, uint64_t seed);

// ---- the solids world (engine/world/): coloured solids seen, heard, scanned and measured --

// One file's content of the solids world (shared/solids-world.md), in plain buffers; the front
// end writes them in `format`. Everything is drawn from the spec's degrees of freedom, seeded.
struct WorldItem {
    int shape = 0, colour = 0;         // indices into world_shape_name / world_colour_name
    std::string format;                // png or jpg (image), png (depth, 16-bit), wav, ply / pcd / xyz / npy
    int width = 0, height = 0;         // image and depth
    std::vector<uint8_t> rgb;          // image: h x w x 3
    std::vector<uint16_t> depth_mm;    // depth: h x w millimetres, 0 = no reading
    int sample_rate = 0, channels = 0; // sound
    std::vector<float> samples;        // sound: interleaved, -1..1
    std::vector<float> xyz;            // point cloud: N x 3
    int jpeg_quality = 90;
};

constexpr int kWorldShapes = 6, kWorldColours = 6;
std::string world_shape_name(int shape, bool chinese = false);    // cube, sphere, cone, cylinder, torus, pyramid
std::string world_colour_name(int colour, bool chinese = false);  // red, orange, yellow, green, blue, purple
// "image", "audio", "point", "depth"
std::vector<std::string> world_modalities();

// The index-th file of a modality: its class (balanced over the 36 shape-colour pairs, in a
// seeded order) and its content. `width`/`height` > 0 fix the image size (224x224 to 640x480).
// Throws Error for an unknown modality or a size outside the spec.
WorldItem make_world_item(const std::string& modality, int64_t index, uint64_t seed, int width = 0, int height = 0);

// Training texts: a caption (several templates) and the spec's questions with their answers.
std::string world_caption(int shape, int colour, bool chinese, uint64_t variant);
struct WorldQuestion {
    std::string question, answer;
    bool chinese = false;
};
std::vector<WorldQuestion> world_questions(int shape, int colour);

// `ibllm-cli train tokenizer`: a SentencePiece model (sentencepiece's own trainer; BPE with
// LLaMA's settings, byte fallback on) trained on the world's English and Chinese text: the
// captions and instructions of the world folders' pretrain.csv / finetune.json, and every
// caption and question the spec's templates make. Every Chinese character of the spec gets a
// piece. Writes OUT/tokenizer.model; throws Error naming the folder or file at fault.
void train_world_tokenizer(const std::vector<std::string>& world_dirs, const std::string& out_dir, int vocab_size);

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
// Any numeric .npy as an ArrayInput (float64 values; ArrayInput::float64 says the file's dtype).
ArrayInput read_npy_array(const std::string& path);
// OneLLM's model input for a decoded file, as the reference's eval loaders make it (the
// release's sizes: 1024 audio frames, 15724 fMRI voxels, 2 s of IMU at 200 Hz).
TensorData onellm_preprocess_input(const EncoderInput& input);
// The frames OneLLM's video loader takes (decord's ids of the first frame of 5 one-second clips).
std::vector<int64_t> onellm_video_frames(int64_t frame_count, double fps);
// A visual cache file (FAISS IndexFlatIP of the L2-normalised features, as the release's
// knn.index), written whole or not at all; `ask --cache` and the app read it.
void write_visual_cache(const std::string& path, const std::vector<std::vector<float>>& image_embeddings);
void write_npy(const std::string& path, const TensorData& tensor);

// The tensor the encoder is fed for a decoded input, shaped as the reference's
// load_and_transform_*_data output (no model needed; text needs the CLIP vocabulary).
TensorData preprocess_input(const EncoderInput& input, const std::string& bpe_path = "");
// Many texts at once through one CLIP tokenizer: each [1, 77] ids (as float).
std::vector<TensorData> preprocess_texts(const std::vector<std::string>& texts, const std::string& bpe_path = "");

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
