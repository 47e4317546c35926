#pragma once
// OneLLM's conversation template (conv_templates['v1']): the system sentence, then
// "\n\n###Human: Q\n###Assistant: A\n" per turn, ending in "###Assistant:". There is no space
// after "###", as the reference's get_prompt() writes it (its training data had one: the
// model was tuned on "### Human"); parity needs the reference's.
#include <string>
#include <vector>

#include "engine/llama/prompt.h"

namespace ibllm {

extern const char* const kOnellmSystem;

// `history`'s instructions and answers, then `question`. ChatTurn::input is appended to its
// instruction on a new line (the template has no separate input field).
std::string onellm_prompt(const std::vector<ChatTurn>& history, const std::string& question);

// The answer as the reference's eval scripts cut it: up to the first "###", trimmed.
std::string onellm_answer_text(const std::string& generated);

}  // namespace ibllm
