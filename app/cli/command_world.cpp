// `ibllm-cli world make`: a folder of solids-world files (shared/solids-world.md) with the
// manifests the training phases read: pretrain.csv (url<TAB>caption), finetune.json (LLaVA
// conversations in English and Chinese) and labels.csv (file,modality,shape,colour).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "app/wav_file.h"
#include "engine/engine.h"
#include "media/image/image_writer.h"
#include "media/media_error.h"
#include "media/points/point_cloud_writer.h"

namespace fs = std::filesystem;

namespace ibllm::cli {

namespace {

const char* kWorldUsage =
    "usage: ibllm-cli world make --out DIR --count N --seed S [--modalities image,audio,point,depth] [--split NAME]\n"
    "                            [--image-size WxH]\n"
    "       ibllm-cli world eval --zero-shot --imagebind FILE --imagebind-config FILE --data DIR[,DIR...] [--json]\n"
    "  N files per modality, balanced over the 36 shape-colour pairs; --split NAME writes into DIR/NAME.\n";

const char* folder_of(const std::string& modality) {
    if (modality == "image") return "images";
    if (modality == "audio") return "audio";
    if (modality == "point") return "points";
    return "depth";
}

// Written next to its final name and renamed, so a stopped run leaves no half manifest.
void write_text_file(const fs::path& path, const std::string& text) {
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        if (!out) throw Error("Could not write " + path.string() + "; check that the folder is writable and has free space.");
    }
    fs::rename(tmp, path);
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

int run_world_make(int argc, char** argv) {
    Arguments args(argc, argv, 3, {"out", "count", "seed", "modalities", "split", "image-size"}, {});
    if (!args.positionals().empty()) throw UsageError("world make takes no positional arguments.");
    fs::path out = args.require("out");
    if (args.has("split")) {
        const std::string split = args.get("split");
        if (split.empty() || split.find('/') != std::string::npos || split == "." || split == "..")
            throw UsageError("--split names a folder inside --out, such as train or eval.");
        out /= split;
    }
    const long long count = args.get_int("count", 0);
    if (count < 1 || count > 1000000)
        throw UsageError("--count " + std::to_string(count) + " is impossible; give between 1 and 1000000 files per modality.");
    const uint64_t seed = static_cast<uint64_t>(args.get_int("seed", 0));
    std::vector<std::string> modalities = split_list(args.get("modalities", "image,audio,point,depth"));
    const std::vector<std::string> known = world_modalities();
    for (const std::string& m : modalities)
        if (std::find(known.begin(), known.end(), m) == known.end())
            throw UsageError("--modalities: unknown '" + m + "'; use image, audio, point and depth.");
    int width = 0, height = 0;
    if (args.has("image-size")) {
        const std::string s = args.get("image-size");
        if (std::sscanf(s.c_str(), "%dx%d", &width, &height) != 2)
            throw UsageError("--image-size takes WIDTHxHEIGHT, such as 320x240.");
        make_world_item("image", 0, 0, width, height);  // refuses a size outside the spec before anything is written
    }
    std::error_code ec;
    fs::create_directories(out, ec);
    if (!fs::is_directory(out)) throw Error("Could not create " + out.string() + "; check the path and permissions.");

    std::string labels = "file,modality,shape,colour\n", pretrain = "url\tcaption\n";
    nlohmann::json finetune = nlohmann::json::array();
    const bool tty = isatty(2);
    for (const std::string& m : modalities) {
        fs::create_directories(out / folder_of(m), ec);
        for (long long i = 0; i < count; ++i) {
            const WorldItem item = make_world_item(m, i, seed, width, height);
            char name[64];
            std::snprintf(name, sizeof name, "%s/%s-%06lld.%s", folder_of(m), m.c_str(), i, item.format.c_str());
            const std::string path = (out / name).string();
            try {
                if (m == "image")
                    media::save_rgb_image(path, item.width, item.height, item.rgb, item.jpeg_quality);
                else if (m == "depth")
                    media::save_gray16_png(path, item.width, item.height, item.depth_mm);
                else if (m == "audio") {
                    if (!app::write_wav_pcm16(path + ".tmp", item.samples, item.sample_rate, item.channels))
                        throw Error("Could not write " + path + "; check that the folder is writable and has free space.");
                    fs::rename(path + ".tmp", path);
                } else
                    media::save_point_cloud(path, item.xyz);
            } catch (const media::MediaError& e) {
                throw Error(e.what());
            }
            const std::string shape = world_shape_name(item.shape), colour = world_colour_name(item.colour);
            labels += std::string(name) + "," + m + "," + shape + "," + colour + "\n";
            if (m == "image") {
                // Captions in both languages; two instructions per image, one English, one Chinese.
                const bool zh = (i / 2) % 3 == 2;
                pretrain += std::string(name) + "\t" + world_caption(item.shape, item.colour, zh, static_cast<uint64_t>(i)) + "\n";
                const std::vector<WorldQuestion> qs = world_questions(item.shape, item.colour);
                std::vector<const WorldQuestion*> en, cn;
                for (const auto& q : qs) (q.chinese ? cn : en).push_back(&q);
                for (const WorldQuestion* q : {en[i % en.size()], cn[(i / en.size()) % cn.size()]})
                    finetune.push_back({{"image", name},
                                        {"conversations", {{{"from", "human"}, {"value", q->question}},
                                                           {{"from", "gpt"}, {"value", q->answer}}}}});
            }
            if (tty) std::fprintf(stderr, "\r%s: %lld/%lld", m.c_str(), i + 1, count);
        }
        if (tty) std::fprintf(stderr, "\n");
    }
    write_text_file(out / "labels.csv", labels);
    if (std::find(modalities.begin(), modalities.end(), "image") != modalities.end()) {
        write_text_file(out / "pretrain.csv", pretrain);
        write_text_file(out / "finetune.json", finetune.dump(1));
    }
    std::printf("Wrote %lld files per modality (%zu modalities) and the manifests into %s\n", count, modalities.size(),
                out.string().c_str());
    return 0;
}

}  // namespace

int run_world(int argc, char** argv) {
    if (argc < 3 || std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h") {
        std::cout << kWorldUsage;
        return argc < 3 ? 2 : 0;
    }
    const std::string sub = argv[2];
    if (sub == "make") return run_world_make(argc, argv);
    if (sub == "eval") return run_world_eval(argc, argv);
    throw UsageError("unknown world command '" + sub + "'; use make or eval (ibllm-cli world --help).");
}

}  // namespace ibllm::cli
