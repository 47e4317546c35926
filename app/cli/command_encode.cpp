// `ibllm-cli embed` and `ibllm-cli preprocess`: one input through ImageBind, or through its
// preprocessing only, written as .npy.
#include <iostream>

#include "app/attachment_decoder.h"
#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "engine/engine.h"

namespace ibllm::cli {

namespace {

const std::set<std::string> kInputs = {"image", "audio", "video", "point", "depth", "thermal", "imu"};

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
        throw UsageError(std::string("give exactly one input: --image, --audio, --video, --point, --depth, --thermal, --imu") +
                         (allow_text ? " or --text" : "") + " FILE.");
    return found;
}

}  // namespace

int run_embed(int argc, char** argv) {
    std::set<std::string> valued = {"imagebind", "imagebind-config", "out", "text", "precision", "threads"};
    valued.insert(kInputs.begin(), kInputs.end());
    Arguments args(argc, argv, 2, valued, {});
    if (!args.positionals().empty()) throw UsageError("embed takes no positional arguments.");
    const auto [kind, value] = single_input(args, true);
    const std::string out = args.require("out");

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
    std::set<std::string> valued = {"out"};
    valued.insert(kInputs.begin(), kInputs.end());
    Arguments args(argc, argv, 2, valued, {"reference"});
    if (!args.positionals().empty()) throw UsageError("preprocess takes no positional arguments.");
    const auto [kind, path] = single_input(args, false);
    const std::string out = args.require("out");
    const TensorData t = preprocess_input(app::decode_attachment(parse_modality(kind), path, args.has("reference")));
    write_npy(out, t);
    std::cerr << "wrote " << kind << " tensor [";
    for (size_t i = 0; i < t.shape.size(); ++i) std::cerr << (i ? ", " : "") << t.shape[i];
    std::cerr << "] to " << out << "\n";
    return 0;
}

}  // namespace ibllm::cli
