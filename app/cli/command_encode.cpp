// `ibllm-cli embed` and `ibllm-cli preprocess`: one input through ImageBind, or through its
// preprocessing only, written as .npy.
#include <iostream>

#include "app/attachment_decoder.h"
#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "app/cli/model_arguments.h"
#include "engine/engine.h"

namespace ibllm::cli {

namespace {

const std::set<std::string> kInputs = {"image", "audio", "video", "point", "depth", "thermal", "imu", "rgbd", "rgbn", "fmri"};

// The one input option given (exactly one is allowed).
std::pair<std::string, std::string> single_input(const Arguments& args, bool allow_text) {
    std::pair<std::string, std::string> found;
    int count = 0;
    for (const auto& [name, value] : args.options()) {
        if (kInputs.count(name) || (allow_text && name == "text")) {
            found = {name, value};
            ++count;
        }
    }
    if (count != 1)
        throw UsageError(std::string("give exactly one input: --image, --audio, --video, --point, --depth, --thermal, --imu, "
                                     "--rgbd, --rgbn, --fmri") +
                         (allow_text ? " or --text" : "") + " FILE.");
    return found;
}

}  // namespace

// OneLLM has no joint space: `embed --model ONELLM_DIR` writes an input's modality tokens
// (words x dim), what the language model reads for it.
int embed_onellm(const Arguments& args, const std::string& kind, const std::string& value, const std::string& out) {
    if (kind == "text") throw UsageError("OneLLM has no text embedding; --text needs ImageBind (--imagebind).");
    Engine engine;
    LoadOptions load;
    load.precision = parse_precision(args.get("precision", "auto"));
    load.threads = static_cast<int>(args.get_int("threads", 0));
    load.onellm_point_xyz = args.has("onellm-point-xyz");
    engine.load(find_model_folder(args.get("model"), "onellm").paths, load);
    EncoderInput in = app::decode_attachment(parse_modality(kind), value, false, true);
    const std::vector<float> tokens = engine.encode(in);
    const int64_t dim = engine.info().dim;
    write_npy(out, TensorData{{static_cast<int64_t>(tokens.size()) / dim, dim}, tokens});
    std::cerr << "wrote OneLLM's " << tokens.size() / dim << " x " << dim << " " << kind << " tokens to " << out << "\n";
    return 0;
}

int run_embed(int argc, char** argv) {
    std::set<std::string> valued = {"imagebind", "imagebind-config", "out", "text", "precision", "threads", "model"};
    valued.insert(kInputs.begin(), kInputs.end());
    Arguments args(argc, argv, 2, valued, {"onellm-point-xyz"});
    if (!args.positionals().empty()) throw UsageError("embed takes no positional arguments.");
    const auto [kind, value] = single_input(args, true);
    const std::string out = args.require("out");
    if (args.has("model")) return embed_onellm(args, kind, value, out);

    Engine engine;
    engine.load_imagebind(args.require("imagebind"), args.get("imagebind-config"), parse_precision(args.get("precision", "fp32")));
    std::vector<float> e;
    std::string note;
    if (kind == "text") {
        EncoderInput in;
        in.modality = Modality::Text;
        in.text = value;
        e = engine.embed(in);
    } else {
        e = app::encode_attachment(engine, parse_modality(kind), value, &note);
    }
    if (!note.empty()) std::cerr << value << ": " << note << "\n";
    write_npy(out, TensorData{{1, static_cast<int64_t>(e.size())}, e});
    std::cerr << "wrote a " << e.size() << "-d " << kind << " embedding to " << out << "\n";
    return 0;
}

int run_preprocess(int argc, char** argv) {
    std::set<std::string> valued = {"out", "family", "crop", "imu-window"};
    valued.insert(kInputs.begin(), kInputs.end());
    Arguments args(argc, argv, 2, valued, {"reference"});
    if (!args.positionals().empty()) throw UsageError("preprocess takes no positional arguments.");
    const auto [kind, path] = single_input(args, false);
    const std::string out = args.require("out");
    const std::string family = args.get("family", "imagebind-llm");
    if (family != "imagebind-llm" && family != "onellm") throw UsageError("--family takes imagebind-llm or onellm.");
    const bool onellm = family == "onellm";
    EncoderInput in = app::decode_attachment(parse_modality(kind), path, args.has("reference"), onellm);
    if (args.has("crop")) in.crop = parse_crop(args.get("crop"));
    if (args.has("imu-window")) in.imu_window = parse_window(args.get("imu-window"));
    if (!onellm && (args.has("crop") || args.has("imu-window"))) throw UsageError("--crop and --imu-window go with --family onellm.");
    const TensorData t = onellm ? onellm_preprocess_input(in) : preprocess_input(in);
    write_npy(out, t);
    std::cerr << "wrote " << kind << " tensor [";
    for (size_t i = 0; i < t.shape.size(); ++i) std::cerr << (i ? ", " : "") << t.shape[i];
    std::cerr << "] to " << out << "\n";
    return 0;
}

}  // namespace ibllm::cli
