// make_world_item() and the world's words (engine.h): which solid the index-th file shows, and
// its content from the renderer, the sound synthesiser or the scanner.
#include <algorithm>
#include <numeric>
#include <random>

#include "engine/engine.h"
#include "engine/world/solid_points.h"
#include "engine/world/solid_renderer.h"
#include "engine/world/solid_sound.h"
#include "engine/world/solids_vocabulary.h"

namespace ibllm {

namespace {

uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t h = (a + 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull ^ (b + 0x94D049BB133111EBull) * 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 29);
}

int modality_code(const std::string& m) {
    const std::vector<std::string> all = world_modalities();
    const auto it = std::find(all.begin(), all.end(), m);
    if (it == all.end()) throw Error("Unknown world modality '" + m + "'; use image, audio, point or depth.");
    return static_cast<int>(it - all.begin());
}

// Balanced classes: every 36 consecutive files show each shape-colour pair once, in an order
// shuffled per block of 36.
int class_of(int64_t index, uint64_t seed, int modality) {
    const int64_t block = index / 36;
    std::vector<int> order(36);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(mix(mix(seed, static_cast<uint64_t>(modality) + 101), static_cast<uint64_t>(block)));
    std::shuffle(order.begin(), order.end(), rng);
    return order[index % 36];
}

}  // namespace

std::string world_shape_name(int shape, bool chinese) {
    if (shape < 0 || shape >= kWorldShapes) throw Error("There is no world shape " + std::to_string(shape) + ".");
    return chinese ? world::kShapeWords[shape].zh : world::kShapeWords[shape].en;
}

std::string world_colour_name(int colour, bool chinese) {
    if (colour < 0 || colour >= kWorldColours) throw Error("There is no world colour " + std::to_string(colour) + ".");
    return chinese ? world::kColourWords[colour].zh : world::kColourWords[colour].en;
}

std::vector<std::string> world_modalities() { return {"image", "audio", "point", "depth"}; }

std::string world_caption(int shape, int colour, bool chinese, uint64_t variant) {
    return world::caption(shape, colour, chinese, static_cast<unsigned>(variant));
}

std::vector<WorldQuestion> world_questions(int shape, int colour) {
    std::vector<WorldQuestion> out;
    for (const auto& qa : world::questions_and_answers(shape, colour)) out.push_back({qa.question, qa.answer, qa.chinese});
    return out;
}

WorldItem make_world_item(const std::string& modality, int64_t index, uint64_t seed, int width, int height) {
    const int m = modality_code(modality);
    if ((width > 0 || height > 0) &&
        !(std::min(width, height) >= 224 && std::max(width, height) <= 640 && std::min(width, height) <= 480))
        throw Error("An image size of " + std::to_string(width) + "x" + std::to_string(height) +
                    " is outside the solids world's 224x224 to 640x480; choose a size within it.");
    WorldItem item;
    const int cls = class_of(index, seed, m);
    item.shape = cls / 6;
    item.colour = cls % 6;
    const auto shape = static_cast<world::Shape>(item.shape);
    std::mt19937_64 rng(mix(mix(seed, static_cast<uint64_t>(m)), static_cast<uint64_t>(index)));
    const uint64_t noise_seed = rng();
    const world::ColourEntry& colour = world::kColourWords[item.colour];
    if (modality == "image" || modality == "depth") {
        world::ViewSpec view = world::random_view(rng, colour.rgb);
        if (width > 0) view.width = width, view.height = height;
        const world::Rendering r = world::render_solid(shape, view, noise_seed);
        item.width = r.width, item.height = r.height;
        if (modality == "image") {
            item.rgb = r.rgb;
            item.format = rng() % 2 ? "png" : "jpg";
            item.jpeg_quality = 80 + static_cast<int>(rng() % 16);
        } else {
            item.depth_mm = r.depth_mm;
            item.format = "png";
        }
    } else if (modality == "audio") {
        const world::Sound s = world::synthesize_solid(shape, world::random_sound(rng, colour.tone_hz), noise_seed);
        item.sample_rate = s.sample_rate, item.channels = s.channels, item.samples = s.samples;
        item.format = "wav";
    } else {
        item.xyz = world::sample_solid_points(shape, world::random_points(rng), noise_seed);
        const char* formats[] = {"ply", "pcd", "xyz", "npy"};
        item.format = formats[rng() % 4];
    }
    return item;
}

}  // namespace ibllm
