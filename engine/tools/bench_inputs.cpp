#include "engine/tools/bench_inputs.h"

#include <cmath>
#include <memory>
#include <random>

#include "engine/error.h"
#include "engine/llama/prompt.h"
#include "engine/llama/tokenizer.h"

namespace ibllm::bench {

namespace {

std::vector<uint8_t> random_bytes(size_t n, std::mt19937_64& rng) {
    std::vector<uint8_t> out(n);
    for (uint8_t& b : out) b = static_cast<uint8_t>(rng() & 0xFF);
    return out;
}

// Words that are one LLaMA token each after a space, so a prompt grows a token at a time.
const std::vector<std::string>& filler_words() {
    static const std::vector<std::string> words = {"the", "house", "river", "green", "light", "small", "city", "water",
                                                   "music", "table", "night", "story", "bird", "stone", "field", "road"};
    return words;
}

}  // namespace

std::vector<std::string> encode_modalities() { return {"image", "audio", "video", "point", "text", "imu"}; }

std::string encode_label(const std::string& m) {
    if (m == "audio") return "audio (3 clips)";
    if (m == "video") return "video (15 clips)";
    if (m == "point") return "point (8192 points)";
    if (m == "imu") return "imu (2000 samples)";
    return m;
}

EncoderInput synthetic_input(const std::string& modality, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
    EncoderInput in;
    in.modality = parse_modality(modality);
    in.source = "random " + modality;
    if (modality == "image") {
        in.image.width = 640, in.image.height = 480;  // a typical photo; resized and cropped to 224
        in.image.rgb = random_bytes(640 * 480 * 3, rng);
    } else if (modality == "audio") {
        in.audio.sample_rate = 44100, in.audio.channels = 1;  // 5 s: three 2 s clips, resampled to 16 kHz
        in.audio.samples.resize(44100 * 5);
        for (float& s : in.audio.samples) s = 0.3f * unit(rng);
    } else if (modality == "video") {
        // 5 clips of 2 kept frames at 640x360; each clip gives 3 spatial crops, 15 in all.
        in.video.width = 640, in.video.height = 360;
        in.video.clips.resize(5);
        for (auto& clip : in.video.clips)
            for (int f = 0; f < 2; ++f) clip.push_back(random_bytes(640 * 360 * 3, rng));
    } else if (modality == "point") {
        in.points.xyz.resize(8192 * 3);
        for (double& v : in.points.xyz) v = unit(rng);
    } else if (modality == "text") {
        in.text = "A small white dog plays with a red ball on the green grass of a sunny park.";
    } else if (modality == "imu") {
        in.imu.samples.resize(2000);
        for (auto& s : in.imu.samples)
            for (float& v : s) v = unit(rng);
    } else {
        throw Error("The benchmark has no input for the modality '" + modality + "'.");
    }
    return in;
}

std::vector<int> prompt_ids(const std::string& tokenizer_path, const std::string& instruction) {
    static std::string loaded_path;
    static std::unique_ptr<Tokenizer> tokenizer;
    if (!tokenizer || loaded_path != tokenizer_path) {
        tokenizer = std::make_unique<Tokenizer>(tokenizer_path);
        loaded_path = tokenizer_path;
    }
    return tokenizer->encode(format_prompt(instruction), true, false);
}

std::string instruction_with_prompt_tokens(const std::string& tokenizer_path, int tokens) {
    const std::string head = "Summarise these words:";
    auto count = [&](const std::string& s) { return static_cast<int>(prompt_ids(tokenizer_path, s).size()); };
    if (count(head) > tokens)
        throw Error("A prompt of " + std::to_string(tokens) + " tokens is shorter than the Alpaca template; ask for more tokens.");
    // Add one word at a time; a word that overshoots is swapped for the next candidate.
    std::string text = head;
    const auto& words = filler_words();
    size_t next = 0;
    for (int guard = 0; guard < 8 * tokens && count(text) < tokens; ++guard) {
        const std::string longer = text + " " + words[next++ % words.size()];
        if (count(longer) <= tokens) text = longer;
    }
    if (count(text) != tokens)
        throw Error("Could not build a prompt of exactly " + std::to_string(tokens) + " tokens with this tokenizer.");
    return text;
}

}  // namespace ibllm::bench
