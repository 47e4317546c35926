#pragma once
// The body of an OpenAI chat-completions request, read into what the engine needs: the
// messages with their attached files (decoded from base64), the sampling settings, the stop
// strings and this product's own fields (fusion weights, the visual cache). No socket and no
// Qt: the server calls it on the bytes it received, and so can a test or a fuzzer.
//
// Attachments are OpenAI content parts; the kind of part says how the bytes arrive, the file
// name's extension what they hold (app/attachment_decoder.h):
//   {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}   png, jpeg, webp, ...
//   {"type": "input_audio", "input_audio": {"data": "<base64>", "format": "wav"}}   wav or mp3
//   {"type": "file", "file": {"filename": "scan.ply", "file_data": "<base64 or data: URL>"}}
// A file part's name may say depth or thermal maps, which look like any image:
// "room.depth.png", "hand.thermal.jpg"; or the part may carry "modality": "depth".
// Fields of the body beyond OpenAI's (what clients send as extra_body):
//   "fusion_weights": [1.0, 0.5]   one per file of the last user message, in order (default 1)
//   "visual_cache": {"enabled": true, "k": 10, "t": 20, "w": 0.5}
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/ask_settings.h"
#include "engine/modality.h"

namespace ibllm::app {

struct RequestFile {
    std::string filename;  // as the client named it, or "image.png" / "audio.wav" from the part
    Modality modality = Modality::Image;
    std::string bytes;     // the decoded file
};

struct RequestMessage {
    enum class Role { System, User, Assistant };
    Role role = Role::User;
    std::string text;  // the text parts joined by newlines
    std::vector<RequestFile> files;
};

struct ChatCompletionRequest {
    std::string model;  // echoed back; the server has one model
    std::vector<RequestMessage> messages;
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage
    SamplingSettings sampling;   // temperature, top_p, max_tokens, seed (the engine's defaults otherwise)
    std::vector<std::string> stop;
    std::vector<double> fusion_weights;
    CacheSettings cache;
};

// What goes back to the client instead: an HTTP status and OpenAI's error object fields.
struct RequestError {
    int status = 400;
    std::string message;  // one sentence saying what is wrong and what is accepted
    std::string param;    // the field at fault ("messages[1].content[0].image_url"), if any
    std::string type = "invalid_request_error";
};

struct RequestLimits {
    int64_t max_file_bytes = int64_t(64) << 20;  // one decoded file
    int max_files = 16;                          // files in the whole conversation
};

// `defaults`: the sampling and visual-cache settings a request starts from (the server's own
// flags); the fields a request gives replace them.
std::variant<ChatCompletionRequest, RequestError> parse_chat_completion_request(std::string_view body,
                                                                                const RequestLimits& limits = {},
                                                                                const ChatCompletionRequest& defaults = {});

// The body of an embeddings request. "input" is a string, or an array whose items are
// strings or content parts (as in a chat message: image_url, input_audio, file); each item is
// embedded on its own into ImageBind's joint space.
struct EmbeddingsRequest {
    std::string model;
    std::vector<std::variant<std::string, RequestFile>> inputs;
    bool base64 = false;  // "encoding_format": "base64" (little-endian float32), as OpenAI's clients ask
};

std::variant<EmbeddingsRequest, RequestError> parse_embeddings_request(std::string_view body,
                                                                       const RequestLimits& limits = {});

// Strict standard base64 (RFC 4648, padding optional, no whitespace but line breaks);
// std::nullopt on anything else.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

// A "data:[<mime>][;base64],<data>" URL: its MIME type (may be empty) and decoded bytes;
// std::nullopt when it is not one (an http URL, bad base64).
struct DataUrl {
    std::string mime;
    std::string bytes;
};
std::optional<DataUrl> parse_data_url(std::string_view url);

}  // namespace ibllm::app
