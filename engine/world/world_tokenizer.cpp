// train_world_tokenizer() (engine.h): the solids world's SentencePiece model.
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/engine.h"
#include "engine/llama/prompt.h"
#include "engine/llama/tokenizer.h"
#include "engine/train/training_data.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

// The code points of `s` outside ASCII, as UTF-8 strings.
void collect_non_ascii(const std::string& s, std::set<std::string>& out) {
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        if (n > 1) out.insert(s.substr(i, n));
        i += n;
    }
}

}  // namespace

void train_world_tokenizer(const std::vector<std::string>& world_dirs, const std::string& out_dir, int vocab_size) {
    std::vector<std::string> lines;
    std::set<std::string> required;
    // The spec's own words, whatever the folders hold: every caption template and question.
    for (int s = 0; s < kWorldShapes; ++s)
        for (int c = 0; c < kWorldColours; ++c) {
            // The prompts as training and answering write them (the Alpaca template), so that
            // its words become pieces of their own rather than letters.
            for (uint64_t v = 0; v < 20; ++v)
                for (const bool zh : {false, true}) {
                    lines.push_back(world_caption(s, c, zh, v));
                    lines.push_back(format_prompt(kCaptionInstruction) + world_caption(s, c, zh, v));
                }
            for (const WorldQuestion& q : world_questions(s, c)) {
                lines.push_back(q.question);
                lines.push_back(q.answer);
                lines.push_back(format_prompt(q.question) + q.answer);
            }
        }
    for (const std::string& line : lines) collect_non_ascii(line, required);
    std::error_code ec;
    for (const std::string& dir : world_dirs) {
        if (!fs::is_directory(dir, ec))
            throw Error(dir + " is not a folder; pass the folder `ibllm-cli world make` wrote.");
        bool any = false;
        if (fs::is_regular_file(fs::path(dir) / "pretrain.csv", ec)) {
            for (const TrainingExample& e : read_training_data((fs::path(dir) / "pretrain.csv").string(), TrainingPhase::Pretrain))
                lines.push_back(e.answer);
            any = true;
        }
        if (fs::is_regular_file(fs::path(dir) / "finetune.json", ec)) {
            for (const TrainingExample& e : read_training_data((fs::path(dir) / "finetune.json").string(), TrainingPhase::Finetune)) {
                lines.push_back(e.instruction);
                lines.push_back(e.answer);
                lines.push_back(format_prompt(e.instruction, e.input) + e.answer);
            }
            any = true;
        }
        if (!any)
            throw Error(dir + " has neither pretrain.csv nor finetune.json, so it holds no text; make it with `ibllm-cli world make` "
                        "including the image modality.");
    }
    fs::create_directories(out_dir, ec);
    const std::string corpus = (fs::path(out_dir) / "tokenizer_corpus.txt").string();
    {
        std::ofstream out(corpus, std::ios::binary);
        for (const std::string& l : lines) out << l << "\n";
        if (!out) throw Error("Could not write " + corpus + "; check that the folder is writable and has free space.");
    }
    std::string chars;
    for (const std::string& ch : required) chars += ch;
    Tokenizer::train(corpus, (fs::path(out_dir) / "tokenizer").string(), vocab_size, chars);
    fs::remove(corpus, ec);
}

}  // namespace ibllm
