#pragma once
// What the server sends back, in the shapes of OpenAI's API: a whole chat.completion, the
// chat.completion.chunk events of a stream (Server-Sent Events, ended by "data: [DONE]"), the
// model list, embeddings, and error objects. Plain functions from values to JSON text.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/server/chat_completion_request.h"

namespace ibllm::app {

struct CompletionUsage {
    int prompt_tokens = 0, completion_tokens = 0;
};

// Why an answer ended, in OpenAI's words: "stop" when the model ended it or a stop string
// did, else "length" (max_tokens, or the context window was full).
inline const char* finish_reason(bool ended_by_model_or_stop_string) {
    return ended_by_model_or_stop_string ? "stop" : "length";
}

// Identity of one completion: "chatcmpl-<hex>", its creation time (Unix seconds), the model name.
struct CompletionId {
    std::string id;
    int64_t created = 0;
    std::string model;
};

std::string completion_json(const CompletionId& id, const std::string& text, const std::string& finish,
                            const CompletionUsage& usage);

// One chunk of a stream: the first carries the role, the others a piece of text, the last
// the finish reason with an empty delta; with include_usage, a final chunk with no choices
// and the usage.
std::string chunk_json(const CompletionId& id, const std::optional<std::string>& role, const std::string& text,
                       const std::optional<std::string>& finish);
std::string usage_chunk_json(const CompletionId& id, const CompletionUsage& usage);

// "data: <json>\n\n" and the stream's end.
std::string sse_event(const std::string& json);
inline const char* sse_done() { return "data: [DONE]\n\n"; }

// {"error": {"message", "type", "param", "code"}}: `param` null when empty.
std::string error_json(const RequestError& error, const std::string& code = {});

// {"id", "object": "model", "created", "owned_by"}, and a list of them:
// {"object": "list", "data": [...]}
std::string model_json(const std::string& model_id, int64_t created);
std::string models_json(const std::vector<std::string>& model_ids, int64_t created);

// {"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"};
// with `base64`, each embedding is the base64 of its little-endian float32 bytes.
std::string embeddings_json(const std::vector<std::vector<float>>& embeddings, const std::string& model,
                            int prompt_tokens, bool base64 = false);

}  // namespace ibllm::app
