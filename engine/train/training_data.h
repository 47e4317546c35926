#pragma once
// The training examples, read from the reference's data formats (data/dataset.py):
//  - pre-training: a tab-separated CSV with the header `url<TAB>caption` (more columns are
//    allowed and ignored), one image-caption pair per row;
//  - fine-tuning: JSON lists of LLaVA conversations ({"image", "conversations": [human,
//    gpt, ...]}: the first human turn is the instruction, the first gpt turn the answer)
//    and of Alpaca records ({"instruction", "input", "output"}: text only);
//  - either: a YAML file whose `META:` lists such files, read in order.
// A media path may name any file the app reads (image, audio, video, point cloud, ...;
// the modality comes from the extension) or a .npy holding a precomputed ImageBind
// embedding. Relative paths are looked up next to the data file first, then in the current
// folder.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/train/training_phase.h"

namespace ibllm {

class Tokenizer;

struct TrainingExample {
    std::string media;        // resolved path; empty for a text-only (Alpaca) example
    std::string instruction;  // the reference's instruction ("Generate caption of this image" for captions)
    std::string input;        // Alpaca's optional input; empty selects the no-input template
    std::string answer;       // caption or answer
    std::string where;        // "data.json, record 3", for messages
    bool plain = false;       // base phase: `answer` is plain text, every token of it is learned
};

// The fixed instruction of the pre-training prompts.
extern const char* const kCaptionInstruction;

// Reads every example of `path` (.csv/.tsv for pretrain, .json for finetune, or .yaml/.yml
// listing them). Throws ibllm::Error naming the file, and the row where there is one, for a
// missing or unreadable file, a malformed row, a missing media file or an empty data set.
std::vector<TrainingExample> read_training_data(const std::string& path, TrainingPhase phase);

// The base phase's text: for each path, a world folder's pretrain.csv captions (plain, and in the
// caption prompt) and finetune.json instructions (in the Alpaca prompt with their answers), or a
// .txt file's non-empty lines.
std::vector<TrainingExample> read_text_data(const std::vector<std::string>& paths);

// tokens = encode(prompt + answer, bos, eos) padded with 0 or cut to max_words; labels =
// tokens with the prompt (BOS included) and the padding set to 0, as the reference builds
// them. `length` counts the non-padding positions. A plain example is encode(answer, bos, eos),
// every token after BOS a label.
struct TokenizedExample {
    std::vector<int64_t> tokens, labels;
    int64_t length = 0;
    int64_t prompt_length = 0;
    int64_t label_count = 0;  // positions whose label is not 0
};
TokenizedExample tokenize_example(const TrainingExample& example, const Tokenizer& tokenizer, int64_t max_words);

}  // namespace ibllm
