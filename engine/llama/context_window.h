#pragma once
// Fits a conversation into the context window: earlier turns go into the prompt, and the
// oldest are dropped until the prompt plus the answer budget fits.
#include <functional>
#include <string>
#include <vector>

#include "engine/llama/prompt.h"

namespace ibllm {

class Tokenizer;

struct FittedPrompt {
    std::vector<int> ids;   // BOS + the formatted conversation
    int dropped_turns = 0;  // oldest turns left out
};

FittedPrompt fit_conversation(const Tokenizer& tokenizer, const std::vector<ChatTurn>& history, const std::string& instruction,
                              const std::string& input, AnswerLanguage language, int64_t context, int max_tokens);

// The same for any template: `format` writes the prompt text for the kept turns, and
// `reserved` positions (rows inserted into the prompt, such as OneLLM's modality tokens)
// count against the window too.
using ConversationFormat = std::function<std::string(const std::vector<ChatTurn>& kept)>;
FittedPrompt fit_turns(const Tokenizer& tokenizer, const std::vector<ChatTurn>& history, const ConversationFormat& format,
                       int64_t context, int max_tokens, int64_t reserved = 0);

}  // namespace ibllm
