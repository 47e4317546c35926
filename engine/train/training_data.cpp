#include "engine/train/training_data.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/error.h"
#include "engine/llama/prompt.h"
#include "engine/llama/tokenizer.h"

namespace fs = std::filesystem;

namespace ibllm {

const char* const kCaptionInstruction = "Generate caption of this image";

namespace {

std::string lower_extension(const std::string& path) {
    std::string e = fs::path(path).extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return e;
}

std::string read_file(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw Error("The data file " + path + " does not exist; check the --data path (or the META list that names it).");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("The data file " + path + " cannot be read; check its permissions.");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A relative media path is looked up next to the data file, then in the current folder.
std::string resolve_media(const std::string& media, const std::string& data_file, const std::string& where) {
    std::error_code ec;
    const fs::path p(media);
    if (p.is_absolute()) {
        if (fs::is_regular_file(p, ec)) return p.string();
    } else {
        const fs::path beside = fs::path(data_file).parent_path() / p;
        if (fs::is_regular_file(beside, ec)) return beside.string();
        if (fs::is_regular_file(p, ec)) return fs::absolute(p, ec).string();
    }
    throw Error(where + " names " + media + ", which does not exist" +
                (p.is_absolute() ? std::string() : " (looked next to the data file and in the current folder)") +
                "; fix the path or remove the row.");
}

// One line of a tab-separated file, with pandas' default quoting: a field that starts with
// '"' runs to the closing quote, and "" inside it is one quote.
std::vector<std::string> split_tsv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string field;
    size_t i = 0;
    bool start = true, quoted = false;
    for (; i < line.size(); ++i) {
        const char ch = line[i];
        if (start && ch == '"') {
            quoted = true;
            start = false;
            continue;
        }
        start = false;
        if (quoted) {
            if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (ch == '"') {
                quoted = false;
            } else {
                field += ch;
            }
        } else if (ch == '\t') {
            out.push_back(field);
            field.clear();
            start = true;
        } else {
            field += ch;
        }
    }
    out.push_back(field);
    return out;
}

std::string trim_cr(std::string s) {
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
}

void read_caption_csv(const std::string& path, std::vector<TrainingExample>& out) {
    const std::string text = read_file(path);
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line))
        throw Error("The data file " + path + " is empty; a pre-training CSV starts with the header url<TAB>caption.");
    const std::vector<std::string> header = split_tsv_line(trim_cr(line));
    int url = -1, caption = -1;
    for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == "url") url = static_cast<int>(i);
        if (header[i] == "caption") caption = static_cast<int>(i);
    }
    if (url < 0 || caption < 0)
        throw Error("The data file " + path + " has no url and caption columns; a pre-training CSV is tab-separated and starts "
                    "with the header url<TAB>caption.");
    int64_t row = 1;
    while (std::getline(in, line)) {
        ++row;
        line = trim_cr(line);
        if (line.empty()) continue;
        const std::string where = path + ", line " + std::to_string(row);
        const std::vector<std::string> fields = split_tsv_line(line);
        if (static_cast<int>(fields.size()) <= std::max(url, caption))
            throw Error(where + " has " + std::to_string(fields.size()) + " tab-separated fields where the header has " +
                        std::to_string(header.size()) + "; separate url and caption with one tab.");
        TrainingExample e;
        e.where = where;
        if (fields[url].empty()) throw Error(where + " has an empty url; give the media file of the caption or remove the row.");
        if (fields[caption].empty()) throw Error(where + " has an empty caption; write one or remove the row.");
        e.media = resolve_media(fields[url], path, where);
        e.instruction = kCaptionInstruction;
        e.answer = fields[caption];
        out.push_back(std::move(e));
    }
}

std::string json_string(const nlohmann::json& record, const char* key, const std::string& where, bool required) {
    const auto it = record.find(key);
    if (it == record.end() || it->is_null()) {
        if (!required) return {};
        throw Error(where + " has no \"" + key + "\"; an instruction record needs instruction, input and output (Alpaca) or "
                    "image and conversations (LLaVA).");
    }
    if (!it->is_string()) throw Error(where + ": \"" + key + "\" must be a string.");
    return it->get<std::string>();
}

void read_instruction_json(const std::string& path, std::vector<TrainingExample>& out) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range
        throw Error("The data file " + path + " is not valid JSON (" + std::string(e.what()) +
                    "); a fine-tuning file is a JSON list of records.");
    }
    if (!doc.is_array()) throw Error("The data file " + path + " is not a JSON list; a fine-tuning file is a list of records.");
    for (size_t i = 0; i < doc.size(); ++i) {
        const std::string where = path + ", record " + std::to_string(i + 1);
        const nlohmann::json& r = doc[i];
        if (!r.is_object()) throw Error(where + " is not a JSON object; each record is {...}.");
        TrainingExample e;
        e.where = where;
        if (r.contains("image")) {
            // LLaVA form: the first human turn asks, the first gpt turn answers.
            e.media = resolve_media(json_string(r, "image", where, true), path, where);
            const auto conv = r.find("conversations");
            if (conv == r.end() || !conv->is_array() || conv->size() < 2)
                throw Error(where + " has an image but no \"conversations\" list with a question and an answer.");
            for (int k = 0; k < 2; ++k) {
                if (!(*conv)[k].is_object() || !(*conv)[k].contains("value") || !(*conv)[k]["value"].is_string())
                    throw Error(where + ": conversation turn " + std::to_string(k + 1) + " has no text \"value\".");
            }
            e.instruction = (*conv)[0]["value"].get<std::string>();
            e.answer = (*conv)[1]["value"].get<std::string>();
        } else {
            // Alpaca form, text only. The reference turns the instruction into a one-element
            // tuple here (a trailing comma) and its prompt reads "('...',)"; the product keeps
            // the string, which is what the template means.
            e.instruction = json_string(r, "instruction", where, true);
            e.input = json_string(r, "input", where, false);
            e.answer = json_string(r, "output", where, true);
        }
        out.push_back(std::move(e));
    }
}

void read_one(const std::string& path, TrainingPhase phase, std::vector<TrainingExample>& out) {
    const std::string ext = lower_extension(path);
    if (phase == TrainingPhase::Pretrain) {
        if (ext == ".json")
            throw Error(path + " is a JSON file, but pre-training reads image-caption pairs from a tab-separated CSV "
                        "(url<TAB>caption); use `ibllm-cli train finetune` for instructions.");
        read_caption_csv(path, out);
    } else {
        if (ext == ".csv" || ext == ".tsv")
            throw Error(path + " is a CSV file, but fine-tuning reads instruction records from JSON (LLaVA or Alpaca form); "
                        "use `ibllm-cli train pretrain` for captions.");
        read_instruction_json(path, out);
    }
}

}  // namespace

std::vector<TrainingExample> read_training_data(const std::string& path, TrainingPhase phase) {
    std::vector<TrainingExample> out;
    const std::string ext = lower_extension(path);
    if (ext == ".yaml" || ext == ".yml") {
        const std::string text = read_file(path);
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::Exception& e) {
            throw Error("The data config " + path + " is not valid YAML (" + std::string(e.what()) + ").");
        }
        const YAML::Node meta = root.IsMap() ? root["META"] : YAML::Node();
        if (!meta || !meta.IsSequence() || meta.size() == 0)
            throw Error("The data config " + path + " has no META list; write META: followed by '- /path/to/file' lines.");
        for (const YAML::Node& item : meta) {
            if (!item.IsScalar()) throw Error("The data config " + path + " lists something other than a file path under META.");
            fs::path p(item.as<std::string>());
            if (p.is_relative()) {
                std::error_code ec;
                const fs::path beside = fs::path(path).parent_path() / p;
                if (fs::exists(beside, ec)) p = beside;
            }
            read_one(p.string(), phase, out);
        }
    } else {
        read_one(path, phase, out);
    }
    if (out.empty())
        throw Error("The data " + path + " holds no examples; add " +
                    (phase == TrainingPhase::Pretrain ? std::string("url<TAB>caption rows") : std::string("records")) + ".");
    return out;
}

std::vector<TrainingExample> read_text_data(const std::vector<std::string>& paths) {
    std::vector<TrainingExample> out;
    auto add = [&](const std::string& text, const std::string& where) {
        TrainingExample e;
        e.answer = text;
        e.where = where;
        e.plain = true;
        out.push_back(std::move(e));
    };
    std::error_code ec;
    for (const std::string& path : paths) {
        if (fs::is_directory(path, ec)) {
            const fs::path pre = fs::path(path) / "pretrain.csv", fine = fs::path(path) / "finetune.json";
            bool any = false;
            if (fs::is_regular_file(pre, ec)) {
                for (const TrainingExample& e : read_training_data(pre.string(), TrainingPhase::Pretrain)) {
                    add(e.answer, e.where);
                    add(format_prompt(e.instruction, e.input) + e.answer, e.where);
                }
                any = true;
            }
            if (fs::is_regular_file(fine, ec)) {
                for (const TrainingExample& e : read_training_data(fine.string(), TrainingPhase::Finetune))
                    add(format_prompt(e.instruction, e.input) + e.answer, e.where);
                any = true;
            }
            if (!any)
                throw Error(path + " has neither pretrain.csv nor finetune.json, so it holds no text; pass a folder of "
                            "`ibllm-cli world make` (with images) or a .txt file.");
            continue;
        }
        std::istringstream in(read_file(path));
        std::string line;
        int64_t row = 0;
        while (std::getline(in, line)) {
            ++row;
            line = trim_cr(line);
            if (!line.empty()) add(line, path + ", line " + std::to_string(row));
        }
    }
    if (out.empty()) throw Error("The text data holds no lines; pass world folders or a .txt file with text.");
    return out;
}

TokenizedExample tokenize_example(const TrainingExample& example, const Tokenizer& tokenizer, int64_t max_words) {
    if (example.plain) {
        const std::vector<int> all = tokenizer.encode(example.answer, true, true);
        TokenizedExample t;
        t.tokens.assign(max_words, 0);
        t.labels.assign(max_words, 0);
        t.length = std::min<int64_t>(static_cast<int64_t>(all.size()), max_words);
        t.prompt_length = 1;  // BOS: never a target
        for (int64_t i = 0; i < t.length; ++i) {
            t.tokens[i] = all[i];
            if (i >= 1) t.labels[i] = all[i];
        }
        for (int64_t l : t.labels) t.label_count += l != 0;
        return t;
    }
    const std::string prompt = format_prompt(example.instruction, example.input);
    const std::vector<int> prompt_ids = tokenizer.encode(prompt, true, false);
    const std::vector<int> all = tokenizer.encode(prompt + example.answer, true, true);
    TokenizedExample t;
    t.tokens.assign(max_words, 0);
    t.labels.assign(max_words, 0);
    t.length = std::min<int64_t>(static_cast<int64_t>(all.size()), max_words);
    t.prompt_length = static_cast<int64_t>(prompt_ids.size());
    for (int64_t i = 0; i < t.length; ++i) {
        t.tokens[i] = all[i];
        if (i >= t.prompt_length) t.labels[i] = all[i];
    }
    for (int64_t l : t.labels) t.label_count += l != 0;
    return t;
}

}  // namespace ibllm
