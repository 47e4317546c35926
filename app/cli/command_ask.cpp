// `ibllm-cli ask`: one question, streamed to stdout.
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
const std::set<std::string> kModalityOptions = {"image", "audio", "video", "point", "depth", "thermal", "imu"};
}

int run_ask(int argc, char** argv) {
    std::set<std::string> valued = model_option_names();
    valued.insert({"embedding", "weight", "input"});
    valued.insert(kModalityOptions.begin(), kModalityOptions.end());
    Arguments args(argc, argv, 2, valued, {"ids", "no-cache", "verbose"});
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
    // Files are encoded by ImageBind once the models are loaded.
    for (Attachment& a : request.attachments) {
        if (!a.embedding.empty()) continue;
        if (!engine.has_imagebind())
            throw UsageError("--" + to_string(a.modality) + " " + a.path +
                             " needs the ImageBind checkpoint: add --imagebind imagebind_w3D.pth (or pass --embedding).");
        std::string note;
        a.embedding = app::encode_attachment(engine, a.modality, a.path, &note);
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
