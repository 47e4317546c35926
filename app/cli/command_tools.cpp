// `ibllm-cli tokenize`, `inspect` and `make-demo`.
#include <iostream>

#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "engine/engine.h"

namespace ibllm::cli {

int run_tokenize(int argc, char** argv) {
    Arguments args(argc, argv, 2, {"tokenizer"}, {"bos", "eos"});
    if (args.positionals().size() != 1) throw UsageError("tokenize needs exactly one TEXT (quote it).");
    const std::vector<int> ids = tokenize(args.require("tokenizer"), args.positionals()[0], args.has("bos"), args.has("eos"));
    std::cout << "[";
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? ", " : "") << ids[i];
    std::cout << "]\n";
    return 0;
}

int run_inspect(int argc, char** argv) {
    Arguments args(argc, argv, 2, {}, {});
    if (args.positionals().size() != 1) throw UsageError("inspect needs exactly one FILE.");
    size_t tensors = 0;
    for (const CheckpointEntry& e : inspect_checkpoint(args.positionals()[0])) {
        if (e.is_tensor) {
            ++tensors;
            std::cout << e.name << "\t" << e.dtype << "\t[";
            for (size_t i = 0; i < e.shape.size(); ++i) std::cout << (i ? ", " : "") << e.shape[i];
            std::cout << "]\n";
        } else {
            std::cout << e.name << "\t" << e.dtype << "\t" << e.value << "\n";
        }
    }
    std::cerr << tensors << " tensors\n";
    return 0;
}

int run_make_demo(int argc, char** argv) {
    Arguments args(argc, argv, 2, {}, {});
    if (args.positionals().size() != 1) throw UsageError("make-demo needs exactly one DIR.");
    const std::string dir = args.positionals()[0];
    write_demo_model(dir, [](const std::string& stage, double) { std::cerr << stage << "\n"; });
    std::cout << "Wrote the DEMO model (tiny, random weights; its answers are random text) to " << dir << "\n";
    return 0;
}

}  // namespace ibllm::cli
