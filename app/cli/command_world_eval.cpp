// `ibllm-cli world eval --zero-shot`: how well an ImageBind knows a solids world's files it was
// never shown with text. Every file's embedding is compared with the text embeddings of the 36
// captions "a <colour> <shape>": accuracy per modality for the shape, the colour and both, and
// confusion tables; then cross-modal retrieval recall@1 against the folder's images.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/attachment_decoder.h"
#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "app/cli/world_labels.h"
#include "engine/engine.h"

namespace ibllm::cli {

namespace {

constexpr int kClasses = kWorldShapes * kWorldColours;

float dot(const std::vector<float>& a, const std::vector<float>& b) {
    float s = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) s += a[i] * b[i];
    return s;
}

// Index of the row of `table` nearest to `query` (largest dot product of normalised vectors).
int nearest(const std::vector<float>& query, const std::vector<std::vector<float>>& table) {
    int best = 0;
    float best_value = -1e30f;
    for (size_t i = 0; i < table.size(); ++i) {
        const float v = dot(query, table[i]);
        if (v > best_value) best_value = v, best = static_cast<int>(i);
    }
    return best;
}

std::string percent(double v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%5.1f%%", 100 * v);
    return buf;
}

}  // namespace

int run_world_eval(int argc, char** argv) {
    Arguments args(argc, argv, 3, {"imagebind", "imagebind-config", "data"}, {"zero-shot", "json"});
    if (!args.positionals().empty()) throw UsageError("world eval takes no positional arguments.");
    if (!args.has("zero-shot")) throw UsageError("world eval needs --zero-shot (the evaluation it runs: files against the 36 captions).");
    const std::string data = args.require("data");
    Engine engine;
    engine.load_imagebind(args.require("imagebind"), args.get("imagebind-config"), Precision::Fp32);

    const std::vector<WorldLabel> files = read_world_labels(data);
    if (files.empty()) throw UsageError(data + " lists no files in labels.csv; make a world with `ibllm-cli world make`.");

    // The 36 captions, class c = shape * 6 + colour.
    std::vector<std::vector<float>> captions;
    for (int c = 0; c < kClasses; ++c) {
        EncoderInput in;
        in.modality = Modality::Text;
        in.text = "a " + world_colour_name(c % kWorldColours) + " " + world_shape_name(c / kWorldColours);
        captions.push_back(engine.embed(in));
    }

    const bool tty = ::isatty(2) != 0;  // a progress line for people, none in logs
    std::map<std::string, std::vector<std::pair<const WorldLabel*, std::vector<float>>>> by_modality;
    for (size_t i = 0; i < files.size(); ++i) {
        const WorldLabel& f = files[i];
        by_modality[f.modality].emplace_back(&f, app::encode_attachment(engine, parse_modality(f.modality), f.path));
        if (tty) std::fprintf(stderr, "\rEncoding %zu/%zu", i + 1, files.size());
    }
    if (tty) std::fprintf(stderr, "\n");

    nlohmann::json report = {{"files", files.size()}, {"modalities", nlohmann::json::object()}, {"recall_at_1", nlohmann::json::object()}};
    std::ostringstream text;
    text << "zero-shot against the 36 captions \"a <colour> <shape>\" (chance: shape 16.7%, colour 16.7%, both 2.8%)\n";
    text << "modality   files   shape  colour    both\n";
    for (const auto& [modality, items] : by_modality) {
        int shape_right = 0, colour_right = 0, both_right = 0;
        std::vector<std::vector<int>> shape_confusion(kWorldShapes, std::vector<int>(kWorldShapes)),
            colour_confusion(kWorldColours, std::vector<int>(kWorldColours));
        for (const auto& [f, e] : items) {
            const int p = nearest(e, captions);
            shape_right += p / kWorldColours == f->shape;
            colour_right += p % kWorldColours == f->colour;
            both_right += p == f->cls();
            ++shape_confusion[f->shape][p / kWorldColours];
            ++colour_confusion[f->colour][p % kWorldColours];
        }
        const double n = static_cast<double>(items.size());
        report["modalities"][modality] = {{"files", items.size()},           {"shape", shape_right / n},
                                          {"colour", colour_right / n},      {"both", both_right / n},
                                          {"shape_confusion", shape_confusion}, {"colour_confusion", colour_confusion}};
        char line[128];
        std::snprintf(line, sizeof line, "%-8s %7zu  %s  %s  %s\n", modality.c_str(), items.size(), percent(shape_right / n).c_str(),
                      percent(colour_right / n).c_str(), percent(both_right / n).c_str());
        text << line;
    }
    for (const auto& [modality, items] : by_modality) {
        text << "\n" << modality << ": shape confusion (rows: the file's shape, columns: the caption chosen)\n" << std::string(10, ' ');
        for (int s = 0; s < kWorldShapes; ++s) {
            char h[16];
            std::snprintf(h, sizeof h, "%9s", world_shape_name(s).c_str());
            text << h;
        }
        text << "\n";
        const auto& table = report["modalities"][modality]["shape_confusion"];
        for (int s = 0; s < kWorldShapes; ++s) {
            char h[16];
            std::snprintf(h, sizeof h, "%-10s", world_shape_name(s).c_str());
            text << h;
            for (int p = 0; p < kWorldShapes; ++p) {
                char cell[16];
                std::snprintf(cell, sizeof cell, "%9d", table[s][p].get<int>());
                text << cell;
            }
            text << "\n";
        }
    }

    // Retrieval against the images: is the nearest image of the query's class (of its shape for
    // depth maps and point clouds, which carry no colour)?
    const auto images = by_modality.find("image");
    if (images != by_modality.end()) {
        std::vector<std::vector<float>> table;
        for (const auto& item : images->second) table.push_back(item.second);
        text << "\nretrieval recall@1 against the " << table.size() << " images\n";
        int right = 0;
        for (int c = 0; c < kClasses; ++c) right += images->second[nearest(captions[c], table)].first->cls() == c;
        report["recall_at_1"]["text->image"] = right / static_cast<double>(kClasses);
        text << "text->image   " << percent(right / static_cast<double>(kClasses)) << "\n";
        for (const char* m : {"audio", "point", "depth"}) {
            const auto it = by_modality.find(m);
            if (it == by_modality.end()) continue;
            const bool by_shape = std::string(m) != "audio";
            int hits = 0;
            for (const auto& [f, e] : it->second) {
                const WorldLabel* hit = images->second[nearest(e, table)].first;
                hits += by_shape ? hit->shape == f->shape : hit->cls() == f->cls();
            }
            const double r = hits / static_cast<double>(it->second.size());
            report["recall_at_1"][std::string(m) + "->image"] = r;
            char line[64];
            std::snprintf(line, sizeof line, "%-13s %s%s\n", (std::string(m) + "->image").c_str(), percent(r).c_str(),
                          by_shape ? " (same shape)" : "");
            text << line;
        }
    }
    if (args.has("json"))
        std::cout << report.dump(2) << "\n";
    else
        std::cout << text.str();
    return 0;
}

}  // namespace ibllm::cli
