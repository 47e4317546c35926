#pragma once
// An OpenAI conversation (the client resends it whole with every request: the API keeps no
// state) as the engine's AskRequest, the same shape the chat window builds, so that the
// engine's reuse of the conversation's cached prefix works for a client whose conversation
// grew by one turn exactly as it does in the window.
//   - each user message followed by the assistant's answer is one history turn; user messages
//     in a row are one question (their texts joined by a blank line);
//   - the last user message is the question; its files are the attachments, weighted by
//     "fusion_weights". A question without files keeps those of the latest earlier user
//     message that had some (ImageBind-LLM sees one fused visual token per question, and a
//     follow-up is still about that photo), as in the window;
//   - system (and developer) messages have no place in the Alpaca template: their text is the
//     "### Input:" context of the conversation's first turn (app/system_prompt.h), as the
//     window places its system prompt.
#include <functional>
#include <string>

#include "app/server/chat_completion_request.h"
#include "engine/engine.h"

namespace ibllm::app {

// Stores a file's bytes where the attachment encoder can read them and returns the path;
// throws ibllm::Error (one sentence) when it cannot.
using SaveRequestFile = std::function<std::string(const RequestFile& file)>;

ibllm::AskRequest ask_from_messages(const ChatCompletionRequest& request, const SaveRequestFile& save);

}  // namespace ibllm::app
