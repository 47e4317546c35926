#include "engine/llama/prompt.h"

#include "engine/error.h"

#include <algorithm>
#include <cctype>

namespace ibllm {
namespace {

constexpr const char kHeaderNoInput[] =
    "Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request.\n\n";
constexpr const char kHeaderWithInput[] =
    "Below is an instruction that describes a task, paired with an input that provides "
    "further context. Write a response that appropriately completes the request.\n\n";

// One turn up to and including "### Response:".
void append_turn(std::string& out, const std::string& instruction, const std::string& input) {
    out += "### Instruction:\n";
    out += instruction;
    out += "\n\n";
    if (!input.empty()) {
        out += "### Input:\n";
        out += input;
        out += "\n\n";
    }
    out += "### Response:";
}


std::string trimmed_lowercase(const std::string& text) {
    const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
    auto begin = std::find_if_not(text.begin(), text.end(), is_space);
    auto end = std::find_if_not(text.rbegin(), std::string::const_reverse_iterator(begin), is_space).base();
    std::string out(begin, end);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace

std::string with_language_directive(const std::string& instruction, AnswerLanguage language) {
    switch (language) {
    case AnswerLanguage::English: return instruction + "\nAnswer in English.";
    case AnswerLanguage::Chinese: return instruction + "\n请用中文回答。";
    case AnswerLanguage::Auto: break;
    }
    return instruction;
}

std::string format_prompt(const std::string& instruction, const std::string& input) {
    std::string out = input.empty() ? kHeaderNoInput : kHeaderWithInput;
    append_turn(out, instruction, input);
    return out;
}

std::string format_conversation(const std::vector<ChatTurn>& history,
                                const std::string& instruction, const std::string& input,
                                AnswerLanguage language) {
    const bool any_input =
        !input.empty() || std::any_of(history.begin(), history.end(),
                                      [](const ChatTurn& t) { return !t.input.empty(); });
    std::string out = any_input ? kHeaderWithInput : kHeaderNoInput;
    for (const ChatTurn& turn : history) {
        append_turn(out, turn.instruction, turn.input);
        out += turn.answer;
        out += "\n\n";
    }
    append_turn(out, with_language_directive(instruction, language), input);
    return out;
}

std::string to_string(AnswerLanguage language) {
    switch (language) {
    case AnswerLanguage::English: return "en";
    case AnswerLanguage::Chinese: return "zh";
    case AnswerLanguage::Auto: break;
    }
    return "auto";
}

AnswerLanguage parse_answer_language(const std::string& text) {
    const std::string key = trimmed_lowercase(text);
    if (key == "auto") return AnswerLanguage::Auto;
    if (key == "en" || key == "english") return AnswerLanguage::English;
    if (key == "zh" || key == "chinese" || key == "中文") return AnswerLanguage::Chinese;
    throw Error("The answer language \"" + text +
                "\" is not known; use auto, en (English) or zh (Chinese).");
}

}  // namespace ibllm
