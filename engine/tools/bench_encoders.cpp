#include "engine/tools/bench_encoders.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "engine/checkpoint/tensor_store.h"
#include "engine/imagebind/imagebind_config.h"
#include "engine/imagebind/imagebind_model.h"
#include "engine/imagebind/imagebind_weight_layout.h"
#include "engine/imagebind/pointbert/point_bert_config.h"
#include "engine/imagebind/pointbert/point_encoder.h"
#include "engine/tools/bench_checkpoints.h"

namespace ibllm::bench {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TensorStore random_store(const ImageBindConfig& config, const PointBertConfig& point) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1234);
    TensorStore store("random imagebind_w3D (huge)");
    for (const auto& [name, shape] : expected_shapes(config)) store.add(name, random_imagebind_weight(name, shape, gen));
    for (const auto& [name, shape] : PointEncoder::weight_shapes(point)) store.add(name, random_imagebind_weight(name, shape, gen));
    return store;
}

struct Case {
    std::string name;
    std::function<at::Tensor()> input;
};

std::vector<Case> cases() {
    return {
        {"image", [] { return at::randn({1, 3, 224, 224}); }},
        {"audio (3 clips)", [] { return at::randn({1, 3, 1, 128, 204}); }},
        {"video (15 clips)", [] { return at::randn({1, 15, 3, 2, 224, 224}); }},
        {"point (8192 points)", [] { return at::rand({1, 8192, 3}) * 2 - 1; }},
        {"text", [] {
             at::Tensor ids = at::randint(1, 40000, {1, 77}, at::kLong);
             ids.index_put_({0, 20}, 49407);
             return ids;
         }},
        {"depth", [] { return at::randn({1, 1, 224, 224}); }},
        {"thermal", [] { return at::randn({1, 1, 224, 224}); }},
        {"imu", [] { return at::randn({1, 6, 2000}); }},
    };
}

ImageBindTrunk trunk_of(const std::string& name) {
    if (name.rfind("image", 0) == 0 || name.rfind("video", 0) == 0) return ImageBindTrunk::Vision;
    if (name.rfind("audio", 0) == 0) return ImageBindTrunk::Audio;
    if (name.rfind("text", 0) == 0) return ImageBindTrunk::Text;
    if (name.rfind("depth", 0) == 0) return ImageBindTrunk::Depth;
    if (name.rfind("thermal", 0) == 0) return ImageBindTrunk::Thermal;
    return ImageBindTrunk::Imu;
}

}  // namespace

int run_encoders(const std::map<std::string, std::string>& opts) {
    const std::string precision = opts.count("precision") ? opts.at("precision") : "both";
    const int repeat = opts.count("repeat") ? std::stoi(opts.at("repeat")) : 2;
    std::string only = opts.count("modalities") ? opts.at("modalities") : "";
    std::printf("ImageBind-huge encoders with random weights, %d threads\n", at::get_num_threads());
    const ImageBindConfig config = ImageBindConfig::huge();
    const PointBertConfig point = PointBertConfig::huge();
    auto t0 = std::chrono::steady_clock::now();
    TensorStore store = random_store(config, point);
    std::printf("random weights made in %.1f s (%zu tensors)\n", seconds_since(t0), store.size());

    std::vector<at::ScalarType> dtypes;
    if (precision == "fp32" || precision == "both") dtypes.push_back(at::kFloat);
    if (precision == "bf16" || precision == "both") dtypes.push_back(at::kBFloat16);
    std::printf("\n%-22s %12s %12s\n", "modality", "fp32 s", "bf16 s");
    std::map<std::string, std::map<at::ScalarType, double>> table;
    for (at::ScalarType dtype : dtypes) {
        at::NoGradGuard no_grad;
        t0 = std::chrono::steady_clock::now();
        ImageBindModel model(store, config, dtype);
        PointEncoder points(store, point, dtype);
        std::fprintf(stderr, "%s encoders prepared in %.1f s\n", dtype == at::kFloat ? "fp32" : "bf16", seconds_since(t0));
        for (const Case& c : cases()) {
            if (!only.empty() && only.find(c.name.substr(0, c.name.find(' '))) == std::string::npos) continue;
            const at::Tensor x = c.input();
            double best = 1e30;
            for (int r = 0; r < repeat; ++r) {
                auto t = std::chrono::steady_clock::now();
                if (c.name.rfind("point", 0) == 0)
                    points.forward(x);
                else
                    model.forward(trunk_of(c.name), x);
                best = std::min(best, seconds_since(t));
            }
            table[c.name][dtype] = best;
        }
    }
    for (const Case& c : cases()) {
        if (!table.count(c.name)) continue;
        auto cell = [&](at::ScalarType d) {
            return table[c.name].count(d) ? std::to_string(table[c.name][d]).substr(0, 7) : std::string("-");
        };
        std::printf("%-22s %12s %12s\n", c.name.c_str(), cell(at::kFloat).c_str(), cell(at::kBFloat16).c_str());
    }
    std::printf("(best of %d runs each; encoder forward only, preprocessing excluded)\n", repeat);
    return 0;
}

}  // namespace ibllm::bench
