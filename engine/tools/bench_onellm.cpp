#include "engine/tools/bench_onellm.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "engine/engine.h"
#include "engine/error.h"
#include "engine/llama/tokenizer.h"
#include "engine/tools/bench_checkpoints.h"
#include "engine/tools/bench_formats.h"
#include "engine/tools/bench_system.h"

namespace fs = std::filesystem;

namespace ibllm::bench {

namespace {

constexpr int kOnellmFormatVersion = 1;

// The release's encoder sizes; `tiny` shrinks them for a smoke run.
struct EncoderSizes {
    int64_t width = 1024, layers = 24, experts = 3, resample_layers = 8, resample_ffn = 2816, words = 30;
};

EncoderSizes encoder_sizes(const BenchScale& s) {
    EncoderSizes e;
    if (s.name == "tiny") e.width = 128, e.layers = 2, e.resample_layers = 2, e.resample_ffn = 352;
    return e;
}

const char* const kModalities[] = {"image", "video", "audio", "point", "rgbd", "rgbn", "fmri", "imu"};

// The checkpoint as save_model(--save_consolidated) writes it: a plain dict of bf16 "llma."
// tensors. Scales keep activations near unit size, as the LLaMA bench checkpoints do.
Plan onellm_plan(const BenchScale& s, const EncoderSizes& e, int eos_id) {
    const at::ScalarType bf16 = at::kBFloat16;
    const int64_t W = e.width, D = s.dim, F = e.resample_ffn;
    const double in_w = 1.0 / std::sqrt(double(W));
    const double clip_res = 1.0 / std::sqrt(2.0 * double(e.layers)), upm_res = 1.0 / std::sqrt(2.0 * double(e.resample_layers));
    Plan p;
    const Plan llama = llama_base_plan(s, eos_id);
    for (const PlannedTensor& t : llama.tensors()) {
        if (t.name == "rope.freqs") continue;  // OneLLM recomputes RoPE
        p.add("llma." + t.name, t.shape, bf16, t.make);
    }
    const std::string v = "llma.clip.visual.";
    p.normal(v + "conv1.weight", {W, 3, 14, 14}, bf16, 1.0 / std::sqrt(588.0));
    p.normal(v + "class_embedding", {W}, bf16, 1.0);
    p.normal(v + "positional_embedding", {257, W}, bf16, 0.1);
    for (const char* ln : {"ln_pre", "ln_post"}) {
        p.constant(v + ln + ".weight", {W}, bf16, 1.0);
        p.constant(v + ln + ".bias", {W}, bf16, 0.0);
    }
    for (int64_t i = 0; i < e.layers; ++i) {
        const std::string b = v + "transformer.resblocks." + std::to_string(i) + ".";
        for (const char* ln : {"ln_1", "ln_2"}) {
            p.constant(b + ln + ".weight", {W}, bf16, 1.0);
            p.constant(b + ln + ".bias", {W}, bf16, 0.0);
        }
        p.normal(b + "attn.in_proj_weight", {3 * W, W}, bf16, in_w);
        p.constant(b + "attn.in_proj_bias", {3 * W}, bf16, 0.0);
        p.normal(b + "attn.out_proj.weight", {W, W}, bf16, in_w * clip_res);
        p.constant(b + "attn.out_proj.bias", {W}, bf16, 0.0);
        p.normal(b + "mlp.c_fc.weight", {4 * W, W}, bf16, in_w);
        p.constant(b + "mlp.c_fc.bias", {4 * W}, bf16, 0.0);
        p.normal(b + "mlp.c_proj.weight", {W, 4 * W}, bf16, clip_res / std::sqrt(4.0 * double(W)));
        p.constant(b + "mlp.c_proj.bias", {W}, bf16, 0.0);
    }
    // CLIP's projection and text tower: in the release's file, unused by OneLLM.
    p.normal(v + "proj", {W, 768}, bf16, in_w);
    p.normal("llma.clip.token_embedding.weight", {49408, 768}, bf16, 0.02);
    p.normal("llma.clip.positional_embedding", {77, 768}, bf16, 0.01);
    p.normal("llma.clip.text_projection", {768, 768}, bf16, 0.03);
    p.constant("llma.clip.logit_scale", {}, bf16, 4.6);
    p.constant("llma.clip.ln_final.weight", {768}, bf16, 1.0);
    p.constant("llma.clip.ln_final.bias", {768}, bf16, 0.0);
    for (int64_t x = 0; x < e.experts; ++x)
        for (int64_t l = 0; l < e.resample_layers; ++l) {
            const std::string b = "llma.resample_layers." + std::to_string(x) + "." + std::to_string(l) + ".";
            for (const char* w : {"wq", "wk", "wv"}) p.normal(b + "attention." + w + ".weight", {W, W}, bf16, in_w);
            p.normal(b + "attention.wo.weight", {W, W}, bf16, in_w * upm_res);
            p.normal(b + "feed_forward.w1.weight", {F, W}, bf16, in_w);
            p.normal(b + "feed_forward.w3.weight", {F, W}, bf16, in_w);
            p.normal(b + "feed_forward.w2.weight", {W, F}, bf16, upm_res / std::sqrt(double(F)));
            p.constant(b + "attention_norm.weight", {W}, bf16, 1.0);
            p.constant(b + "ffn_norm.weight", {W}, bf16, 1.0);
        }
    p.normal("llma.conv1.audio.weight", {W, 1, 16, 16}, bf16, 1.0 / 16.0);
    p.constant("llma.conv1.audio.bias", {W}, bf16, 0.0);
    p.normal("llma.conv1.point.conv1.weight", {W, 6, 1, 1}, bf16, 0.4);
    p.constant("llma.conv1.point.conv1.bias", {W}, bf16, 0.0);
    p.normal("llma.conv1.fmri.weight", {8 * W, 15724}, bf16, 1.0 / std::sqrt(15724.0));
    p.constant("llma.conv1.fmri.bias", {8 * W}, bf16, 0.0);
    p.normal("llma.conv1.imu.weight", {W, 6, 10}, bf16, 1.0 / std::sqrt(60.0));
    const std::pair<const char*, int64_t> tables[] = {{"audio", 1213}, {"point", 1025}, {"fmri", 9}, {"imu", 392}};
    for (const auto& [name, rows] : tables) p.normal(std::string("llma.positional_embedding.") + name, {rows, W}, bf16, 0.1);
    for (const char* m : kModalities) {
        const std::string n = m;
        p.normal("llma.resample_tokens." + n, {1, e.words, W}, bf16, 1.0);
        p.normal("llma.clip_proj1." + n + ".0.weight", {W, W}, bf16, in_w);
        p.constant("llma.clip_proj1." + n + ".0.bias", {W}, bf16, 0.0);
        p.constant("llma.clip_proj1." + n + ".1.weight", {W}, bf16, 1.0);
        p.constant("llma.clip_proj1." + n + ".1.bias", {W}, bf16, 0.0);
        p.normal("llma.clip_proj2." + n + ".0.weight", {D, W}, bf16, in_w);
        p.constant("llma.clip_proj2." + n + ".0.bias", {D}, bf16, 0.0);
        p.constant("llma.clip_proj2." + n + ".1.weight", {D}, bf16, 1.0);
        p.constant("llma.clip_proj2." + n + ".1.bias", {D}, bf16, 0.0);
        p.normal("llma.routers." + n + ".fc1.weight", {4 * W, W}, bf16, in_w);
        p.constant("llma.routers." + n + ".fc1.bias", {4 * W}, bf16, 0.0);
        p.normal("llma.routers." + n + ".fc2.weight", {e.experts, 4 * W}, bf16, 1.0 / std::sqrt(4.0 * double(W)));
        p.constant("llma.routers." + n + ".fc2.bias", {e.experts}, bf16, 0.0);
        p.normal("llma.start_tag." + n, {1, 1, D}, bf16, 1.0);
        p.normal("llma.end_tag." + n, {1, 1, D}, bf16, 1.0);
    }
    return p;
}

std::string ensure_onellm_folder(const BenchScale& s, const std::string& cache_root) {
    const std::string tokenizer = find_project_file("tests/data/onellm/tokenizer.model", "llama2_tokenizer.model");
    std::error_code ec;
    if (tokenizer.empty()) throw Error("LLaMA-2's tokenizer.model was not found (tests/data/onellm/tokenizer.model).");
    const EncoderSizes e = encoder_sizes(s);
    const fs::path dir = fs::path(cache_root) / ("onellm-" + s.name);
    const nlohmann::json spec = {{"version", kOnellmFormatVersion}, {"dim", s.dim}, {"layers", s.layers}, {"heads", s.heads},
                                 {"clip_width", e.width}, {"clip_layers", e.layers}, {"resample_layers", e.resample_layers}};
    if (cache_matches(dir, spec)) return dir.string();
    fs::remove_all(dir, ec);
    make_folder(dir);
    fs::copy_file(tokenizer, dir / "tokenizer.model", fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error("Cannot copy " + tokenizer + " into " + dir.string() + "; check that the cache folder is writable.");
    const Tokenizer tok((dir / "tokenizer.model").string());
    const Plan plan = onellm_plan(s, e, tok.eos_id());
    require_disk(dir, plan.bytes() + plan.bytes() * 4 / 5);  // + the engine's int8/q4 copies
    std::fprintf(stderr, "Writing a random-weight OneLLM (%s LLaMA-2, CLIP width %lld) into %s (once; later runs reuse it)\n",
                 s.name.c_str(), static_cast<long long>(e.width), dir.c_str());
    write_text(dir / "7B.json", nlohmann::json{{"dim", s.dim}, {"multiple_of", s.multiple_of}, {"n_heads", s.heads},
                                               {"n_layers", s.layers}, {"norm_eps", 1e-5}, {"vocab_size", -1}}
                                    .dump());
    write_planned(dir / "consolidated.00-of-01.pth", plan.placeholders(false), plan, 11);
    mark_complete(dir, spec);
    return dir.string();
}

// Inputs of each modality at the sizes users give: a 640 x 480 photo, 5 frames of 640 x 360
// video, 10 s of 44.1 kHz stereo, 8192 points, an fMRI scan of 3 repetitions, 10 s of 250 Hz IMU.
EncoderInput synthetic_input(const std::string& m, at::Generator& g) {
    EncoderInput in;
    in.modality = parse_modality(m);
    in.source = "synthetic " + m;
    auto pixels = [&](int w, int h) {
        ImageInput img{w, h, {}};
        const at::Tensor t = at::randint(0, 256, {h * w * 3}, g, at::kLong).to(at::kByte);
        img.rgb.assign(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
        return img;
    };
    auto array = [&](std::vector<int64_t> shape) {
        ArrayInput a;
        a.shape = shape;
        const at::Tensor t = at::randn(shape, g, at::kDouble).reshape({-1});
        a.values.assign(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
        return a;
    };
    if (m == "image") in.image = pixels(640, 480);
    if (m == "rgbd" || m == "rgbn") in.image = pixels(640, 480), in.map = pixels(640, 480);
    if (m == "video") {
        in.video.width = 640, in.video.height = 360;
        for (int c = 0; c < 5; ++c) in.video.clips.push_back({pixels(640, 360).rgb});
    }
    if (m == "audio") {
        in.audio.sample_rate = 44100, in.audio.channels = 2;
        const at::Tensor t = at::randn({2 * 441000}, g).mul_(0.1);
        in.audio.samples.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }
    if (m == "point") in.array = array({8192, 6});
    if (m == "fmri") in.array = array({3, 15724});
    if (m == "imu") {
        in.array = array({6, 2500});
        for (int i = 0; i < 2500; ++i) in.timestamps.push_back(4.0 * i);
    }
    return in;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int run_onellm_benchmark(const Options& o) {
    const BenchScale scale = scale_named(get(o, "scale", "1.3b"));
    const int threads = get_int(o, "threads", static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    const std::string weights = get(o, "weights", "bf16");
    if (bytes_per_weight(weights, 1) == 0) throw Error("Unknown --weights '" + weights + "'; use bf16, int8 or q4.");
    const int repeat = std::max(1, get_int(o, "repeat", scale.default_repeats));
    const int decode_tokens = get_int(o, "decode-tokens", scale.default_decode_tokens);
    const std::vector<std::string> modalities = split(get(o, "modalities", "image,video,audio,point,rgbd,rgbn,fmri,imu"));
    at::set_num_threads(threads);

    const std::string dir = ensure_onellm_folder(scale, get(o, "cache-dir", default_cache_root()));
    if (flag(o, "prepare-only")) {
        std::printf("checkpoint ready: %s\n", dir.c_str());
        return 0;
    }
    std::fprintf(stderr, "measuring the memory bandwidth...\n");
    const Bandwidth bw = measure_bandwidth(threads);

    Engine engine;
    ModelPaths paths;
    paths.onellm_dir = dir;
    LoadOptions load;
    load.weight_format = parse_weight_format(weights);
    load.threads = threads;
    reset_peak_rss();
    const auto t_load = std::chrono::steady_clock::now();
    engine.load(paths, load);
    const double load_s = ms_since(t_load) / 1000.0;
    const double rss_loaded = peak_rss_gib();
    const ModelInfo info = engine.info();

    std::printf("OneLLM bench: %s, %s weights, %s precision, %d threads, %s\n", info.llama.c_str(), info.weight_format.c_str(),
                info.precision.c_str(), threads, cpu_model().c_str());
    std::printf("memory bandwidth: %.1f GB/s streaming read\n", bw.read_gbs);
    std::printf("load: %.1f s, peak resident memory %.2f GiB\n", load_s, rss_loaded);

    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(5);
    std::vector<float> image_tokens;
    std::printf("encode (best of %d):\n", repeat);
    for (const std::string& m : modalities) {
        const EncoderInput in = synthetic_input(m, g);
        double best = 1e30;
        std::vector<float> tokens;
        for (int r = 0; r < repeat; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            tokens = engine.encode(in);
            best = std::min(best, ms_since(t0));
        }
        if (m == "image") image_tokens = tokens;
        std::printf("  %-6s %8.0f ms\n", m.c_str(), best);
    }

    // Prefill and decode: a question about the image (30 modality tokens + 2 tags in the prompt).
    AskRequest request;
    request.prompt = "Describe this picture in detail: the objects, their colours and where they are.";
    request.sampling.temperature = 0;
    request.sampling.max_tokens = decode_tokens;
    if (!image_tokens.empty()) {
        Attachment a;
        a.modality = Modality::Image;
        a.embedding = image_tokens;
        request.attachments.push_back(a);
    }
    double best_prefill = 1e30, best_decode = 0;
    AskStats stats;
    for (int r = 0; r < repeat; ++r) {
        engine.reset_conversation();
        stats = engine.ask(request, [](const std::string&) {});
        best_prefill = std::min(best_prefill, stats.prefill_ms);
        best_decode = std::max(best_decode, stats.tokens_per_s);
    }
    const double bound = bw.read_gbs * 1e9 / decode_weight_bytes(scale, weights);
    std::printf("prefill: %d positions in %.0f ms (%.1f positions/s)\n", stats.prompt_tokens, best_prefill,
                1000.0 * stats.prompt_tokens / best_prefill);
    std::printf("decode: %.2f tokens/s over %d tokens; bandwidth bound %.2f tokens/s (%.2f of it)\n", best_decode,
                stats.generated_tokens, bound, best_decode / bound);
    std::printf("peak resident memory: %.2f GiB\n", peak_rss_gib());
    return 0;
}

}  // namespace ibllm::bench
