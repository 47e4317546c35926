// `ibllm-cli ask`: one question, streamed to stdout.
#include <array>
#include <cstdio>
#include <iostream>
#include <map>

#include "app/attachment_decoder.h"
#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "app/cli/model_arguments.h"
#include "engine/engine.h"

namespace ibllm::cli {

namespace {
const std::set<std::string> kModalityOptions = {"image", "audio", "video", "point", "depth", "thermal", "imu", "rgbd", "rgbn", "fmri"};

}

int run_ask(int argc, char** argv) {
    std::set<std::string> valued = model_option_names();
    valued.insert({"embedding", "weight", "input", "crop", "imu-window"});
    valued.insert(kModalityOptions.begin(), kModalityOptions.end());
    std::set<std::string> flags = model_flag_names();
    flags.insert({"ids", "verbose"});
    Arguments args(argc, argv, 2, valued, flags);
    if (args.positionals().size() != 1)
        throw UsageError("ask needs exactly one PROMPT (quote it), got " + std::to_string(args.positionals().size()) + ".");

    const ModelPaths paths = model_paths(args);
    const LoadOptions load = load_options(args);
    AskRequest request;
    request.prompt = args.positionals()[0];
    request.input = args.get("input");
    request.language = parse_answer_language(args.get("language", "auto"));
    request.sampling = sampling_settings(args);
    request.cache = cache_settings(args, paths);

    std::map<Modality, double> weights;
    for (const auto& [name, value] : args.options()) {
        if (name != "weight") continue;
        auto [modality, w] = split_assignment(name, value);
        char* end = nullptr;
        const double v = std::strtod(w.c_str(), &end);
        if (*end != '\0') throw UsageError("--weight " + value + ": the weight must be a number.");
        weights[parse_modality(modality)] = v;
    }
    // Attachments keep their command-line order: the fusion sums in that order.
    for (const auto& [name, value] : args.options()) {
        Attachment a;
        if (kModalityOptions.count(name)) {
            a.modality = parse_modality(name);
            a.path = value;
        } else if (name == "embedding") {
            auto [modality, file] = split_assignment(name, value);
            a.modality = parse_modality(modality);
            a.path = file;
            a.embedding = read_embedding_npy(file);
        } else {
            continue;
        }
        if (weights.count(a.modality)) a.weight = weights[a.modality];
        request.attachments.push_back(std::move(a));
    }

    Engine engine;
    engine.load(paths, load);
    // --verbose: what this CPU has and the arithmetic each kind of product takes on it.
    if (args.has("verbose")) std::cerr << engine.info().compute_paths;
    // Files are encoded once the models are loaded: by ImageBind, or by OneLLM's encoders.
    const bool onellm = engine.is_onellm();
    if (!onellm && (args.has("crop") || args.has("imu-window")))
        throw UsageError("--crop and --imu-window are OneLLM options; load a OneLLM model with --model.");
    for (Attachment& a : request.attachments) {
        if (!a.embedding.empty()) {
            if (onellm) throw UsageError("--embedding is an ImageBind-LLM input; OneLLM reads the file itself.");
            continue;
        }
        const std::string why = engine.cannot_read(a.modality);
        if (!why.empty()) throw UsageError("--" + to_string(a.modality) + " " + a.path + ": " + why);
        if (!onellm && !engine.has_imagebind())
            throw UsageError("--" + to_string(a.modality) + " " + a.path +
                             " needs the ImageBind checkpoint: add --imagebind imagebind_w3D.pth (or pass --embedding).");
        std::string note;
        EncoderInput in = app::decode_attachment(a.modality, a.path, false, onellm);
        if (args.has("crop")) in.crop = parse_crop(args.get("crop"));
        if (args.has("imu-window")) in.imu_window = parse_window(args.get("imu-window"));
        a.embedding = engine.encode(in, &note);
        if (!note.empty()) std::cerr << a.path << ": " << note << "\n";
    }
    if (engine.info().demo)
        std::cerr << "Note: this is the DEMO model (tiny, random weights): its answers are random text. "
                     "Point --llama, --tokenizer and --adapter at the real LLaMA-7B and ImageBind-LLM files for real answers.\n";
    AskStats stats = engine.ask(request, [](const std::string& text) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    });
    std::cout << "\n";
    if (args.has("ids")) {
        std::cout << "ids: [";
        for (size_t i = 0; i < stats.ids.size(); ++i) std::cout << (i ? ", " : "") << stats.ids[i];
        std::cout << "]\n";
    }
    std::cout.flush();
    std::fprintf(stderr, "[%d prompt tokens, prefill %.0f ms, %d tokens at %.2f tokens/s%s]\n", stats.prompt_tokens,
                 stats.prefill_ms, stats.generated_tokens, stats.tokens_per_s,
                 stats.stopped_on_eos ? ", stopped at EOS" : (stats.hit_context_limit ? ", context window full" : ""));
    return 0;
}

}  // namespace ibllm::cli
