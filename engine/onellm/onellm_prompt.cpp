#include "engine/onellm/onellm_prompt.h"

namespace ibllm {

const char* const kOnellmSystem =
    "A chat between a curious human and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the human's questions.";

namespace {
std::string with_input(const ChatTurn& t) { return t.input.empty() ? t.instruction : t.instruction + "\n" + t.input; }
}  // namespace

std::string onellm_prompt(const std::vector<ChatTurn>& history, const std::string& question) {
    std::string p = std::string(kOnellmSystem) + "\n\n###";
    for (const ChatTurn& t : history) p += "Human: " + with_input(t) + "\n###Assistant: " + t.answer + "\n###";
    p += "Human: " + question + "\n###Assistant:";
    return p;
}

std::string onellm_answer_text(const std::string& generated) {
    std::string s = generated.substr(0, generated.find("###"));
    const char* space = " \t\n\r\f\v";
    const size_t a = s.find_first_not_of(space);
    if (a == std::string::npos) return "";
    return s.substr(a, s.find_last_not_of(space) - a + 1);
}

}  // namespace ibllm
