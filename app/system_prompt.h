#pragma once
// Where a conversation's system prompt goes in the engine's request. ImageBind-LLM's prompt is
// the Alpaca template, which has no system role; its "### Input:" part ("an input that
// provides further context") is the one place for standing instructions. The system prompt is
// the input of the conversation's first turn: it then stays in the same place as the
// conversation grows, so that each request's prompt begins with the previous one and the
// engine's cached prefix is reused (an input repeated on every turn would also cost its
// tokens every turn).
#include <string>

#include "engine/engine.h"

namespace ibllm::app {

// Puts `system` (when not empty) as the first turn's input: the oldest history turn's, or
// the question's when there is no history. Earlier inputs of that turn are kept after it.
void place_system_prompt(ibllm::AskRequest& request, const std::string& system);

}  // namespace ibllm::app
