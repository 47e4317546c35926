#include "app/server/openai_responses.h"

#include <nlohmann/json.hpp>

namespace ibllm::app {

namespace {

using json = nlohmann::json;

json usage_object(const CompletionUsage& usage) {
    return {{"prompt_tokens", usage.prompt_tokens},
            {"completion_tokens", usage.completion_tokens},
            {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

json envelope(const CompletionId& id, const char* object) {
    return {{"id", id.id}, {"object", object}, {"created", id.created}, {"model", id.model}};
}

// Text that is not valid UTF-8 (never expected: the engine sends whole characters) is sent
// with U+FFFD in place of the bad bytes rather than failing the response.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string completion_json(const CompletionId& id, const std::string& text, const std::string& finish,
                            const CompletionUsage& usage) {
    json j = envelope(id, "chat.completion");
    j["choices"] = json::array({{{"index", 0},
                                 {"message", {{"role", "assistant"}, {"content", text}}},
                                 {"logprobs", nullptr},
                                 {"finish_reason", finish}}});
    j["usage"] = usage_object(usage);
    return dump(j);
}

std::string chunk_json(const CompletionId& id, const std::optional<std::string>& role, const std::string& text,
                       const std::optional<std::string>& finish) {
    json delta = json::object();
    if (role) delta["role"] = *role;
    if (!text.empty() || (!role && !finish)) delta["content"] = text;
    json j = envelope(id, "chat.completion.chunk");
    j["choices"] = json::array({{{"index", 0},
                                 {"delta", delta},
                                 {"logprobs", nullptr},
                                 {"finish_reason", finish ? json(*finish) : json(nullptr)}}});
    return dump(j);
}

std::string usage_chunk_json(const CompletionId& id, const CompletionUsage& usage) {
    json j = envelope(id, "chat.completion.chunk");
    j["choices"] = json::array();
    j["usage"] = usage_object(usage);
    return dump(j);
}

std::string sse_event(const std::string& json_text) { return "data: " + json_text + "\n\n"; }

std::string error_json(const RequestError& error, const std::string& code) {
    return dump({{"error",
                  {{"message", error.message},
                   {"type", error.type},
                   {"param", error.param.empty() ? json(nullptr) : json(error.param)},
                   {"code", code.empty() ? json(nullptr) : json(code)}}}});
}

namespace {
json model_object(const std::string& id, int64_t created) {
    return {{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", "imagebind-llm"}};
}
}  // namespace

std::string model_json(const std::string& model_id, int64_t created) { return dump(model_object(model_id, created)); }

std::string models_json(const std::vector<std::string>& model_ids, int64_t created) {
    json data = json::array();
    for (const std::string& id : model_ids) data.push_back(model_object(id, created));
    return dump({{"object", "list"}, {"data", data}});
}

std::string embeddings_json(const std::vector<std::vector<float>>& embeddings, const std::string& model,
                            int prompt_tokens, bool base64) {
    static_assert(sizeof(float) == 4, "float32");
    json data = json::array();
    for (size_t i = 0; i < embeddings.size(); ++i) {
        // base64: the vector's float32 bytes, little-endian as on every host this runs on.
        const json vector = base64 ? json(encode_base64(std::string_view(reinterpret_cast<const char*>(embeddings[i].data()),
                                                                          embeddings[i].size() * sizeof(float))))
                                   : json(embeddings[i]);
        data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", vector}});
    }
    return dump({{"object", "list"},
                 {"data", data},
                 {"model", model},
                 {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}});
}

}  // namespace ibllm::app
