#include "engine/llama/context_window.h"

#include "engine/error.h"
#include "engine/llama/tokenizer.h"

namespace ibllm {

FittedPrompt fit_conversation(const Tokenizer& tokenizer, const std::vector<ChatTurn>& history, const std::string& instruction,
                              const std::string& input, AnswerLanguage language, int64_t context, int max_tokens) {
    return fit_turns(
        tokenizer, history,
        [&](const std::vector<ChatTurn>& kept) { return format_conversation(kept, instruction, input, language); }, context,
        max_tokens);
}

FittedPrompt fit_turns(const Tokenizer& tokenizer, const std::vector<ChatTurn>& history, const ConversationFormat& format,
                       int64_t context, int max_tokens, int64_t reserved) {
    FittedPrompt out;
    // Dropping from the front keeps the most recent turns, which the question most likely
    // refers to. Each try re-encodes the whole prompt: a handful of turns, and encoding is
    // microseconds next to one forward pass.
    for (size_t first = 0; first <= history.size(); ++first) {
        std::vector<ChatTurn> kept(history.begin() + first, history.end());
        out.ids = tokenizer.encode(format(kept), true, false);
        out.dropped_turns = static_cast<int>(first);
        if (static_cast<int64_t>(out.ids.size()) + reserved + max_tokens <= context) return out;
    }
    // Even alone the question leaves less room than asked for: answer in what is left.
    if (static_cast<int64_t>(out.ids.size()) + reserved >= context)
        throw Error("The question has " + std::to_string(out.ids.size()) + " tokens, more than the context window of " +
                    std::to_string(context) + "; shorten it.");
    return out;
}

}  // namespace ibllm
