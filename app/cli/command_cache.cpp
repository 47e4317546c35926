// `ibllm-cli cache build`: the visual cache (knn.index) of a solids world's images, encoded by
// an ImageBind, in the release's file format, for `ask --cache` and the app.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "app/attachment_decoder.h"
#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "app/cli/world_labels.h"
#include "engine/engine.h"

namespace ibllm::cli {

int run_cache(int argc, char** argv) {
    if (argc < 3 || std::string(argv[2]) != "build")
        throw UsageError("use `ibllm-cli cache build --imagebind FILE --imagebind-config FILE --data DIR[,DIR...] --out knn.index`.");
    Arguments args(argc, argv, 3, {"imagebind", "imagebind-config", "data", "out"}, {});
    if (!args.positionals().empty()) throw UsageError("cache build takes no positional arguments.");
    const std::string data = args.require("data"), out = args.require("out");
    Engine engine;
    engine.load_imagebind(args.require("imagebind"), args.get("imagebind-config"), Precision::Fp32);

    // The images that labels.csv lists, in its order (the index's ids).
    std::vector<std::string> images;
    for (const WorldLabel& l : read_world_labels(data))
        if (l.modality == "image") images.push_back(l.path);
    if (images.empty()) throw UsageError(data + " has no images; make them with `ibllm-cli world make --modalities image`.");
    const bool tty = ::isatty(2) != 0;
    std::vector<std::vector<float>> features;
    for (size_t i = 0; i < images.size(); ++i) {
        features.push_back(app::encode_attachment(engine, Modality::Image, images[i]));
        if (tty) std::fprintf(stderr, "\rEncoding %zu/%zu", i + 1, images.size());
    }
    if (tty) std::fprintf(stderr, "\n");
    write_visual_cache(out, features);
    std::printf("Wrote %s: %zu image features of %zu dimensions (FAISS IndexFlatIP)\n", out.c_str(), features.size(),
                features[0].size());
    return 0;
}

}  // namespace ibllm::cli
