#include "engine/engine.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/allocator_tuning.h"
#include "engine/imagebind_encoder.h"
#include "engine/bind/bind_network.h"
#include "engine/bind/fusion.h"
#include "engine/bind/visual_cache.h"
#include "engine/checkpoint/checkpoint_inspect.h"
#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/llama/context_window.h"
#include "engine/llama/generator.h"
#include "engine/llama/kernels/compute_paths.h"
#include "engine/llama/tokenizer.h"
#include "engine/llama/transformer.h"
#include "engine/onellm/onellm_inputs.h"
#include "engine/onellm/onellm_model.h"
#include "engine/onellm/onellm_prompt.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

// The reference asserts that the adapter checkpoint holds nothing the model does not know.
void check_adapter_keys(const TensorStore& adapter) {
    for (const std::string& name : adapter.names()) {
        if (name.rfind("llama.", 0) == 0 || name.rfind("prefix_query.", 0) == 0 || name.rfind("image_bind", 0) == 0) continue;
        throw Error(adapter.source() + " holds '" + name +
                    "', which is not part of ImageBind-LLM; choose the adapter checkpoint (7B.pth) of the ImageBind-LLM release.");
    }
}

at::Tensor to_tensor(const std::vector<float>& v);

// An attachment's embedding, normalised as the reference's forward_visual does first.
std::vector<float> attachment_embedding(const Attachment& a);

// What a generation reports, as AskStats (the encode time is the caller's). A stop text ends
// an answer as EOS does.
void fill_stats(AskStats& stats, const GenerationResult& r, int dropped_turns) {
    stats.ids = r.ids;
    stats.text = r.text;
    stats.prefill_ms = r.prefill_ms;
    stats.decode_ms = r.decode_ms;
    stats.prompt_tokens = r.prompt_tokens;
    stats.reused_tokens = r.reused_tokens;
    stats.generated_tokens = static_cast<int>(r.ids.size());
    stats.dropped_turns = dropped_turns;
    stats.stopped_on_eos = r.stopped_on_eos || r.stopped_on_text;
    stats.cancelled = r.cancelled;
    stats.hit_context_limit = r.hit_context_limit;
    stats.tokens_per_s = r.decode_ms > 0 ? 1000.0 * stats.generated_tokens / r.decode_ms : 0.0;
}

at::Tensor to_tensor(const std::vector<float>& v) {
    return at::from_blob(const_cast<float*>(v.data()), {1, static_cast<int64_t>(v.size())}, at::kFloat).clone();
}

std::vector<float> to_vector(const at::Tensor& t) {
    at::Tensor c = t.to(at::kFloat).contiguous().reshape({-1});
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

struct Engine::Impl {
    ModelPaths paths;
    LoadOptions options;
    bool demo = false;
    std::unique_ptr<Tokenizer> tokenizer;
    std::unique_ptr<Transformer> model;
    std::unique_ptr<BindNetwork> bind;
    std::unique_ptr<VisualCache> cache;
    std::unique_ptr<Generator> generator;
    std::unique_ptr<ImageBindEncoder> imagebind;
    std::unique_ptr<OnellmModel> onellm;  // set instead of model/bind when a OneLLM is loaded
    std::atomic<bool> cancel{false};

    // The per-request constants of the last request, reused while the fused feature (after
    // the cache) stays the same, as it does for every follow-up question about one file.
    at::Tensor last_feature;
    AdapterValues last_adapter;

    at::Tensor fused_feature(const std::vector<Attachment>& attachments, const CacheSettings& cs) {
        std::vector<WeightedEmbedding> inputs;
        for (const Attachment& a : attachments) {
            std::vector<float> e = attachment_embedding(a);
            if (static_cast<int64_t>(e.size()) != bind->visual_dim())
                throw Error("The " + to_string(a.modality) + " embedding" + (a.path.empty() ? "" : " of " + a.path) + " has " +
                            std::to_string(e.size()) + " values but the adapter " + paths.adapter + " expects " +
                            std::to_string(bind->visual_dim()) + "; use embeddings of the ImageBind model it was trained with.");
            inputs.push_back({to_tensor(e), a.weight});
        }
        at::Tensor fused = fuse_embeddings(inputs);
        if (cache && cs.enabled) fused = cache->enhance(fused, cs);
        return fused;
    }

    AdapterValues adapter_for(const std::vector<Attachment>& attachments, const CacheSettings& cs) {
        if (attachments.empty()) return {};
        at::Tensor feature = fused_feature(attachments, cs);
        if (last_feature.defined() && at::equal(last_feature, feature)) return last_adapter;
        at::NoGradGuard no_grad;
        last_adapter = model->adapter_values(bind->forward(feature));
        last_feature = feature;
        return last_adapter;
    }
};

Engine::Engine() : impl_(std::make_unique<Impl>()) { tune_allocator_for_inference(); }
Engine::~Engine() = default;

bool Engine::loaded() const { return impl_->model != nullptr || impl_->onellm != nullptr; }

bool Engine::is_onellm() const { return impl_->onellm != nullptr; }

void Engine::load(const ModelPaths& paths, const LoadOptions& options, const ProgressFn& progress) {
    at::NoGradGuard no_grad;
    // Build everything first and swap it in at the end, so that a failed load leaves the
    // previously loaded model usable.
    auto next = std::make_unique<Impl>();
    next->paths = paths;
    next->options = options;
    if (options.context < 2 || options.context > kMaxContext)
        throw Error("The context window must be between 2 and " + std::to_string(kMaxContext) + " tokens.");
    const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(threads);
    auto report = [&](const std::string& stage, double f) {
        if (progress) progress(stage, f);
    };
    if (!paths.onellm_dir.empty()) {
        report("Loading the tokenizer", 0.0);
        const OnellmFiles files = find_onellm_files(paths.onellm_dir);
        next->tokenizer = std::make_unique<Tokenizer>(files.tokenizer);
        OnellmLoadOptions o;
        o.precision = options.precision;
        o.weight_format = options.weight_format;
        o.quant_cache = options.quant_cache;
        o.context = options.context;
        o.vocab_size = next->tokenizer->n_words();
        o.fix_positions = options.onellm_fix_positions;
        o.point_xyz = options.onellm_point_xyz;
        next->onellm = std::make_unique<OnellmModel>(
            load_onellm(files, o, [&](const std::string& stage, double f) { report(stage, 0.02 + 0.97 * f); }));
        next->generator = std::make_unique<Generator>(*next->onellm->llm, *next->tokenizer);
        // The template starts the next turn with "###": the answer ends there.
        next->generator->set_stop_text("###");
        impl_ = std::move(next);
        report("Ready", 1.0);
        return;
    }
    if (paths.llama_dir.empty()) throw Error("No LLaMA folder was given; choose the folder that holds params.json and consolidated.00.pth.");
    if (paths.tokenizer.empty()) throw Error("No tokenizer was given; choose LLaMA's tokenizer.model.");
    if (paths.adapter.empty()) throw Error("No adapter checkpoint was given; choose the ImageBind-LLM adapter (7B.pth).");
    report("Loading the tokenizer", 0.0);
    next->tokenizer = std::make_unique<Tokenizer>(paths.tokenizer);

    report("Reading the adapter " + fs::path(paths.adapter).filename().string(), 0.02);
    TensorStore adapter = TensorStore::from_pth(paths.adapter, "model");
    check_adapter_keys(adapter);

    LlamaWeights weights = load_llama_weights(
        paths.llama_dir, adapter, options.precision, options.context, next->tokenizer->n_words(),
        [&](const std::string& stage, double f) { report(stage, 0.05 + 0.85 * f); }, options.weight_format,
        options.quant_cache);
    next->model = std::make_unique<Transformer>(std::move(weights));

    report("Preparing the bind network", 0.92);
    // The bind network multiplies in bf16 only where the CPU has bf16 instructions; elsewhere
    // in float32, in which the release's adapter stores it anyway (its mapping is the weight).
    const at::ScalarType bind_dtype =
        next->model->compute_dtype() == at::kBFloat16 && !quant::compute_paths().native_bf16 ? at::kFloat : next->model->compute_dtype();
    next->bind = std::make_unique<BindNetwork>(adapter, bind_dtype);
    if (next->bind->dim() != next->model->config().dim)
        throw Error(paths.adapter + " has a bind network for dim " + std::to_string(next->bind->dim()) + " but the LLaMA has dim " +
                    std::to_string(next->model->config().dim) + "; use the matching adapter.");

    if (!paths.cache.empty()) {
        report("Opening the visual cache", 0.95);
        next->cache = VisualCache::open(paths.cache);
        if (next->cache->dim() != next->bind->visual_dim())
            throw Error(paths.cache + " holds " + std::to_string(next->cache->dim()) + "-d features but the adapter expects " +
                        std::to_string(next->bind->visual_dim()) + "-d ImageBind embeddings; use the knn.index of the same release.");
    }
    if (!paths.imagebind.empty()) {
        report("Loading ImageBind " + fs::path(paths.imagebind).filename().string(), 0.96);
        // In bf16 only where the CPU multiplies bf16 (elsewhere bf16 products are far slower).
        const at::ScalarType dtype = next->model->compute_dtype() == at::kBFloat16 && !quant::compute_paths().native_bf16
                                         ? at::kFloat
                                         : next->model->compute_dtype();
        next->imagebind = std::make_unique<ImageBindEncoder>(paths.imagebind, paths.imagebind_config, "", dtype, nullptr);
        if (next->imagebind->dim() != next->bind->visual_dim())
            throw Error(paths.imagebind + " gives " + std::to_string(next->imagebind->dim()) + "-d embeddings but the adapter " +
                        paths.adapter + " expects " + std::to_string(next->bind->visual_dim()) + "; use imagebind_w3D.pth of the same release.");
    } else if (impl_->imagebind && impl_->imagebind->dim() == next->bind->visual_dim()) {
        next->imagebind = std::move(impl_->imagebind);  // keep an ImageBind loaded on its own
    }
    next->demo = is_demo_model(paths.llama_dir);
    next->generator = std::make_unique<Generator>(*next->model, *next->tokenizer);
    impl_ = std::move(next);
    report("Ready", 1.0);
}

ModelInfo Engine::info() const {
    ModelInfo i;
    if (impl_->onellm) {
        const Transformer& t = *impl_->onellm->llm;
        const LlamaConfig& c = t.config();
        i.family = "OneLLM";
        i.llama = impl_->onellm->config.size_name();
        i.dim = c.dim;
        i.layers = c.n_layers;
        i.vocab = c.vocab_size;
        i.context = c.max_seq_len;
        i.precision = t.compute_dtype() == at::kBFloat16 ? "bf16" : "fp32";
        i.weight_format = to_string(t.weights().weight_format);
        i.compute_paths = quant::describe_compute_paths(t.compute_dtype() == at::kBFloat16);
        return i;
    }
    if (!impl_->model) return i;
    i.family = "ImageBind-LLM";
    const LlamaConfig& c = impl_->model->config();
    i.llama = c.size_name();
    i.dim = c.dim;
    i.layers = c.n_layers;
    i.vocab = c.vocab_size;
    i.context = c.max_seq_len;
    i.visual_dim = impl_->bind->visual_dim();
    i.precision = impl_->model->compute_dtype() == at::kBFloat16 ? "bf16" : "fp32";
    i.weight_format = to_string(impl_->model->weights().weight_format);
    i.has_cache = impl_->cache != nullptr;
    i.cache_entries = impl_->cache ? impl_->cache->size() : 0;
    i.demo = impl_->demo;
    i.compute_paths = quant::describe_compute_paths(impl_->model->compute_dtype() == at::kBFloat16);
    return i;
}

namespace {
std::vector<float> attachment_embedding(const Attachment& a) {
    if (a.embedding.empty())
        throw Error((a.path.empty() ? "An attachment" : a.path) + " has not been encoded; encode it with ImageBind first.");
    at::Tensor e = to_tensor(a.embedding);
    if (!at::isfinite(e).all().item<bool>())
        throw Error("The " + to_string(a.modality) + " embedding" + (a.path.empty() ? "" : " of " + a.path) +
                    " contains NaN or infinite values; recompute it.");
    return to_vector(e / e.norm().clamp_min(1e-12));
}
}  // namespace

void Engine::load_imagebind(const std::string& checkpoint, const std::string& config, Precision precision,
                            const ProgressFn& progress) {
    at::NoGradGuard no_grad;
    // ImageBind checkpoints are float32; bf16 is the faster choice on CPUs with AVX-512 BF16
    // only: without bf16 instructions its products take a generic path about 100x slower, so
    // the encoders stay in float32 there whatever is asked.
    const at::ScalarType dtype = precision == Precision::Bf16 && quant::compute_paths().native_bf16 ? at::kBFloat16 : at::kFloat;
    impl_->imagebind = std::make_unique<ImageBindEncoder>(checkpoint, config, "", dtype, progress);
    impl_->paths.imagebind = checkpoint;
    impl_->paths.imagebind_config = config;
}

bool Engine::has_imagebind() const { return impl_->imagebind != nullptr; }

std::vector<float> Engine::embed(const EncoderInput& input, std::string* note) {
    if (impl_->onellm && !impl_->imagebind)
        throw Error("OneLLM has no joint embedding space; embeddings come from ImageBind: load an ImageBind-LLM model or pass --imagebind.");
    if (!impl_->imagebind)
        throw Error("Encoding " + (input.source.empty() ? to_string(input.modality) : input.source) +
                    " needs the ImageBind checkpoint (imagebind_w3D.pth); choose it in the settings or pass --imagebind.");
    at::NoGradGuard no_grad;
    impl_->cancel.store(false);
    return to_vector(impl_->imagebind->embed(input, &impl_->cancel, note));
}

namespace {

OnellmModality onellm_modality(Modality m) {
    switch (m) {
        case Modality::Image: return OnellmModality::Image;
        case Modality::Video: return OnellmModality::Video;
        case Modality::Audio: return OnellmModality::Audio;
        case Modality::Point: return OnellmModality::Point;
        case Modality::Imu: return OnellmModality::Imu;
        case Modality::Rgbd: return OnellmModality::Rgbd;
        case Modality::Rgbn: return OnellmModality::Rgbn;
        case Modality::Fmri: return OnellmModality::Fmri;
        case Modality::Depth: throw Error("OneLLM reads a depth map only with its photo: attach both as an RGB-D pair.");
        case Modality::Thermal: throw Error("OneLLM cannot read thermal images; ImageBind-LLM can.");
        case Modality::Text: throw Error("Text is typed, not attached; write it in the question.");
    }
    throw Error("Unknown modality.");
}

at::Tensor array_tensor(const ArrayInput& a, const std::string& source) {
    int64_t n = 1;
    for (int64_t d : a.shape) n *= d;
    if (a.shape.empty() || n != static_cast<int64_t>(a.values.size()))
        throw Error(source + " holds no array the model can read; save it with numpy.save.");
    at::Tensor t = at::from_blob(const_cast<double*>(a.values.data()), a.shape, at::kDouble).clone();
    return a.float64 ? t : t.to(at::kFloat);
}

// The model input OneLLM's eval loaders make from a decoded file.
at::Tensor onellm_model_input(const OnellmConfig& config, const EncoderInput& in) {
    const std::string& src = in.source.empty() ? to_string(in.modality) : in.source;
    switch (in.modality) {
        case Modality::Image:
            if (in.image.rgb.empty()) throw Error(src + " holds no image.");
            return onellm_image_input(in.image.rgb.data(), in.image.width, in.image.height);
        case Modality::Rgbd:
        case Modality::Rgbn: {
            if (in.image.rgb.empty() || in.map.rgb.empty())
                throw Error(src + ": " + (in.modality == Modality::Rgbd ? "a depth map" : "a normal map") +
                            " needs its photo and the map together; attach both (photo first).");
            CropBox box = rgbx_default_crop(in.image.width, in.image.height);
            if (in.crop) box = CropBox{(*in.crop)[0], (*in.crop)[1], (*in.crop)[2], (*in.crop)[3]};
            return onellm_rgbx_input(in.image.rgb.data(), in.image.width, in.image.height, in.map.rgb.data(), in.map.width,
                                     in.map.height, box, src);
        }
        case Modality::Video: {
            std::vector<const uint8_t*> frames;
            for (const auto& clip : in.video.clips) {
                if (clip.empty()) throw Error(src + " has a clip without frames; the file may be damaged.");
                frames.push_back(clip.front().data());
            }
            if (frames.empty()) throw Error(src + " has no frames.");
            return onellm_video_input(frames, in.video.width, in.video.height);
        }
        case Modality::Audio: {
            const AudioInput& a = in.audio;
            if (a.channels < 1 || a.samples.empty()) throw Error(src + " holds no sound.");
            const at::Tensor w = at::from_blob(const_cast<float*>(a.samples.data()),
                                               {a.channels, static_cast<int64_t>(a.samples.size()) / a.channels}, at::kFloat);
            return onellm_audio_input(w, a.sample_rate, config, src);
        }
        case Modality::Point:
            if (in.array.shape.empty())
                throw Error(src + ": OneLLM reads point clouds as .npy arrays of 6 columns (x y z r g b); save the cloud that way.");
            return onellm_point_input(array_tensor(in.array, src), src);
        case Modality::Fmri: return onellm_fmri_input(array_tensor(in.array, src), config.fmri_voxels, src);
        case Modality::Imu: {
            if (in.array.shape.empty() || in.timestamps.empty())
                throw Error(src + ": OneLLM reads IMU recordings as a (6, n) .npy with its <name>_timestamps.npy beside it (Ego4D's layout).");
            const at::Tensor ts = at::from_blob(const_cast<double*>(in.timestamps.data()), {static_cast<int64_t>(in.timestamps.size())},
                                                at::kDouble);
            const double span = static_cast<double>(config.imu_samples) / 200.0;
            const double start = in.imu_window ? in.imu_window->first : in.timestamps.front() / 1000.0;
            const double end = in.imu_window ? in.imu_window->second : start + span;
            return onellm_imu_input(array_tensor(in.array, src), ts, start, end, config.imu_samples, src);
        }
        default: onellm_modality(in.modality);  // throws the sentence for this kind
    }
    throw Error(src + " cannot be read by OneLLM.");
}

}  // namespace

std::string Engine::cannot_read(Modality m) const {
    try {
        if (impl_->onellm) {
            onellm_modality(m);
            return "";
        }
    } catch (const Error& e) {
        return e.what();
    }
    if (m == Modality::Rgbd || m == Modality::Rgbn || m == Modality::Fmri)
        return "ImageBind-LLM cannot read " + std::string(m == Modality::Fmri ? "fMRI" : m == Modality::Rgbd ? "RGB-D pairs" : "RGB-N pairs") +
               "; load a OneLLM model for it.";
    return "";
}

std::vector<float> Engine::encode(const EncoderInput& input, std::string* note) {
    if (!impl_->onellm) return embed(input, note);
    at::NoGradGuard no_grad;
    const OnellmModel& m = *impl_->onellm;
    const OnellmModality modality = onellm_modality(input.modality);
    return to_vector(m.encoder->encode(modality, onellm_model_input(m.config, input)));
}

TensorData onellm_preprocess_input(const EncoderInput& input) {
    at::NoGradGuard no_grad;
    onellm_modality(input.modality);  // the sentence for what OneLLM does not read
    const at::Tensor t = onellm_model_input(OnellmConfig::onellm_7b(), input).contiguous();
    TensorData out;
    out.shape.assign(t.sizes().begin(), t.sizes().end());
    out.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    return out;
}

int Engine::text_tokens(const std::string& text) const {
    return impl_->imagebind ? impl_->imagebind->text_tokens(text) : 0;
}

std::vector<float> Engine::embed_blank_image() {
    if (!impl_->imagebind)
        throw Error("The visual input of text-only training examples is ImageBind's embedding of a blank image; pass "
                    "--imagebind, or give that embedding with --blank-embedding FILE.npy.");
    at::NoGradGuard no_grad;
    impl_->cancel.store(false);
    // The reference feeds torch.zeros(3, 224, 224) straight to the encoder: zeros after the
    // normalisation, not a black picture.
    at::Tensor e = impl_->imagebind->forward(Modality::Image, at::zeros({1, 3, 224, 224}), &impl_->cancel).reshape({-1});
    return to_vector(e / e.norm().clamp_min(1e-12));
}

std::vector<float> Engine::visual_query(const std::vector<Attachment>& attachments, const CacheSettings& cache) {
    if (!loaded()) throw Error("No model is loaded; load one first.");
    if (impl_->onellm) throw Error("OneLLM has no visual query (that is ImageBind-LLM's bind network); load an ImageBind-LLM model.");
    AdapterValues v = impl_->adapter_for(attachments, cache);
    return v.visual_query.defined() ? to_vector(v.visual_query) : std::vector<float>{};
}

AskStats Engine::ask(const AskRequest& request, const TokenFn& on_token) {
    if (!loaded()) throw Error("No model is loaded; choose the model files in the settings first.");
    at::NoGradGuard no_grad;
    Impl& m = *impl_;
    m.cancel.store(false);
    AskStats stats;
    if (m.onellm) return ask_onellm(request, on_token);
    const auto t0 = std::chrono::steady_clock::now();
    AdapterValues adapter = m.adapter_for(request.attachments, request.cache);
    stats.encode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    FittedPrompt prompt = fit_conversation(*m.tokenizer, request.history, request.prompt, request.input, request.language,
                                           m.model->config().max_seq_len, request.sampling.max_tokens);
    GenerationResult r = m.generator->generate(prompt.ids, adapter, request.sampling, on_token, &m.cancel);
    fill_stats(stats, r, prompt.dropped_turns);
    return stats;
}

AskStats Engine::ask_onellm(const AskRequest& request, const TokenFn& on_token) {
    Impl& m = *impl_;
    const OnellmModel& model = *m.onellm;
    if (request.attachments.size() > 1)
        throw Error("OneLLM reads one attachment per question; ask about each file on its own (fusing several is an ImageBind-LLM feature).");
    AskStats stats;
    const auto t0 = std::chrono::steady_clock::now();
    InsertedRows rows;
    if (!request.attachments.empty()) {
        const Attachment& a = request.attachments.front();
        const OnellmModality modality = onellm_modality(a.modality);
        const int64_t words = model.config.image_words, D = model.config.llama.dim;
        if (static_cast<int64_t>(a.embedding.size()) != words * D)
            throw Error((a.path.empty() ? "The attachment" : a.path) + " was not encoded by this OneLLM model (" +
                        std::to_string(a.embedding.size()) + " values, expected " + std::to_string(words * D) + "); attach it again.");
        rows.rows = model.encoder->prefill_rows(modality, to_tensor(a.embedding).reshape({words, D}));
        rows.at = 1;  // after BOS, as the reference places them
        rows.decode_shift = model.decode_shift();
    }
    stats.encode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const std::string question = with_language_directive(
        request.input.empty() ? request.prompt : request.prompt + "\n" + request.input, request.language);
    const FittedPrompt prompt = fit_turns(
        *m.tokenizer, request.history, [&](const std::vector<ChatTurn>& kept) { return onellm_prompt(kept, question); },
        model.llm->config().max_seq_len, request.sampling.max_tokens, rows.rows.defined() ? rows.rows.size(0) : 0);
    const GenerationResult r = m.generator->generate(prompt.ids, AdapterValues{}, request.sampling, on_token, &m.cancel, nullptr,
                                                     rows.rows.defined() ? &rows : nullptr);
    fill_stats(stats, r, prompt.dropped_turns);
    stats.text = onellm_answer_text(r.text);
    return stats;
}

void Engine::cancel() { impl_->cancel.store(true); }

void Engine::reset_conversation() {
    if (impl_->generator) impl_->generator->reset();
}

std::vector<CheckpointEntry> inspect_checkpoint(const std::string& path) {
    std::vector<CheckpointEntry> out;
    for (const CheckpointEntryInfo& e : ibllm::inspect_checkpoint_entries(path))
        out.push_back({e.name, e.dtype, e.shape, e.value, e.is_tensor});
    return out;
}

std::vector<int> tokenize(const std::string& tokenizer_path, const std::string& text, bool bos, bool eos) {
    return Tokenizer(tokenizer_path).encode(text, bos, eos);
}

void write_npy(const std::string& path, const TensorData& tensor) {
    at::Tensor t = at::from_blob(const_cast<float*>(tensor.values.data()), tensor.shape, at::kFloat);
    ibllm::write_npy(path, t);
}

void write_visual_cache(const std::string& path, const std::vector<std::vector<float>>& image_embeddings) {
    VisualCache::write(path, image_embeddings);
}

std::vector<float> read_embedding_npy(const std::string& path) {
    at::Tensor t = read_npy(path);
    if (!(t.dim() == 1 || (t.dim() == 2 && t.size(0) == 1)) || t.numel() == 0)
        throw Error(path + " has shape " + shape_string(t.sizes()) + "; an embedding must be shaped [D] or [1, D].");
    if (!at::isFloatingType(t.scalar_type()))
        throw Error(path + " holds integers; an embedding must be float32 or float64.");
    return to_vector(t);
}

ArrayInput read_npy_array(const std::string& path) {
    const at::Tensor t = read_npy(path);
    if (t.scalar_type() == at::kBool) throw Error(path + " holds booleans; the model needs numbers.");
    ArrayInput a;
    a.shape.assign(t.sizes().begin(), t.sizes().end());
    a.float64 = t.scalar_type() == at::kDouble;
    const at::Tensor d = t.to(at::kDouble).contiguous().reshape({-1});
    a.values.assign(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
    return a;
}

std::vector<int64_t> onellm_video_frames(int64_t frame_count, double fps) { return onellm_video_frame_ids(frame_count, fps); }

}  // namespace ibllm
